//! The `events` feature: handlers that take `aws_lambda_events` types run
//! through the same typed path as any other (`cargo test --features
//! events`; .ci/run runs it).

use lambda_bootstrap::events::dynamodb::Event as DynamoDbEvent;
use lambda_bootstrap::events::eventbridge::EventBridgeEvent;
use lambda_bootstrap::events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_bootstrap::handler::{Failure, buffered};
use lambda_bootstrap::{Context, HandlerError};
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// sqsevent's logic, written against the crate's `SqsEvent`.
fn orders(event: SqsEvent, _: &Context) -> Result<SqsBatchResponse, HandlerError> {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let body: Option<Value> = message
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        let good = body.is_some_and(|order| order["qty"].as_u64().is_some_and(|q| q > 0));
        if !good {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message.message_id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

#[test]
fn an_sqs_handler_on_the_crates_types() {
    let ctx = Context::local("r", Default::default());
    let answer = buffered(orders, &fixture("sqs-orders.json"), &ctx).unwrap();
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [
            {"itemIdentifier": "2b7c4a19-1e5d-4f3a-8c6b-9d0e1f2a3b02"},
            {"itemIdentifier": "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e03"},
        ]})
    );
    let empty = buffered(orders, &fixture("sqs-empty.json"), &ctx).unwrap();
    assert_eq!(empty, br#"{"batchItemFailures":[]}"#);
}

#[test]
fn an_event_of_another_shape_names_the_place() {
    fn stream(event: DynamoDbEvent, _: &Context) -> Result<usize, HandlerError> {
        Ok(event.records.len())
    }
    let ctx = Context::local("r", Default::default());
    let event =
        br#"{"Records": [{"eventID": "1", "eventName": "INSERT", "dynamodb": {"Keys": 5}}]}"#;
    match buffered(stream, event, &ctx) {
        Err(Failure::Unmarshal(message)) => assert!(
            message.starts_with("the event does not fit Event: Records[0].dynamodb.Keys: "),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_eventbridge_scheduled_event() {
    fn scheduled(event: EventBridgeEvent, _: &Context) -> Result<String, HandlerError> {
        Ok(event.detail_type)
    }
    let ctx = Context::local("r", Default::default());
    let answer = buffered(scheduled, &fixture("eventbridge-scheduled.json"), &ctx).unwrap();
    assert_eq!(answer, br#""Scheduled Event""#);
}
