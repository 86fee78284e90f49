//! Batch processing on the recorded batches of its three sources (SQS
//! standard and FIFO, Kinesis, DynamoDB Streams): which records a handler
//! failing on some of them gets delivered again.

use lambda_bootstrap::HandlerError;
use lambda_bootstrap::batch::{BatchResponse, EventType, process_partial_response};
use serde::Deserialize;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn failures(response: &BatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

#[derive(Deserialize)]
struct Order {
    #[allow(dead_code)]
    id: String,
    qty: u32,
}

/// An order in `text`, which must be JSON with a positive quantity.
fn order(text: &[u8]) -> Result<(), HandlerError> {
    let order: Order = serde_json::from_slice(text)?;
    if order.qty == 0 {
        return Err(HandlerError::new("NoQuantity", "qty is 0"));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SqsRecord {
    body: String,
}

#[test]
fn sqs_reports_each_failed_message_by_its_id_and_the_answer_is_lambdas_shape() {
    let event = fixture("sqs-orders.json");
    let ids: Vec<&str> = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["messageId"].as_str().unwrap())
        .collect();
    let mut seen = 0;
    let response = process_partial_response(&event, EventType::Sqs, |r: SqsRecord| {
        seen += 1;
        order(r.body.as_bytes())
    })
    .unwrap();
    assert_eq!(seen, ids.len());
    // The second body is not JSON, the third orders nothing.
    assert_eq!(failures(&response), [ids[1], ids[2]]);
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]})
    );
}

#[test]
fn a_fifo_queue_stops_at_the_first_failure_and_reports_the_rest() {
    let mut event = fixture("sqs-orders.json");
    for record in event["Records"].as_array_mut().unwrap() {
        record["eventSourceARN"] = json!("arn:aws:sqs:us-east-1:123456789012:orders.fifo");
    }
    let ids: Vec<String> = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["messageId"].as_str().unwrap().to_string())
        .collect();
    let mut handled = Vec::new();
    let response = process_partial_response(&event, EventType::Sqs, |r: Value| {
        handled.push(r["messageId"].as_str().unwrap().to_string());
        order(r["body"].as_str().unwrap().as_bytes())
    })
    .unwrap();
    // The first succeeds, the second fails: nothing after it is run.
    assert_eq!(handled, ids[..2]);
    let expected: Vec<&str> = ids[1..].iter().map(String::as_str).collect();
    assert_eq!(failures(&response), expected);
}

#[test]
fn kinesis_reports_failed_records_by_sequence_number() {
    let event = fixture("kinesis-three-records.json");
    let response = process_partial_response(&event, EventType::KinesisDataStreams, |r: Value| {
        let data = r["kinesis"]["data"].as_str().unwrap();
        order(&decode(data))
    })
    .unwrap();
    assert_eq!(
        failures(&response),
        ["49590338271490256608559692540925702759324208523137515602"]
    );
}

#[test]
fn dynamodb_streams_report_failed_records_by_sequence_number() {
    let event = fixture("dynamodb-stream-two-records.json");
    #[derive(Deserialize)]
    struct Change {
        dynamodb: Value,
    }
    let response = process_partial_response(&event, EventType::DynamoDbStreams, |c: Change| {
        let qty = &c.dynamodb["NewImage"]["qty"];
        qty.get("N")
            .map(drop)
            .ok_or_else(|| HandlerError::new("BadImage", "qty is not a number"))
    })
    .unwrap();
    assert_eq!(failures(&response), ["4421584500000000017450439092"]);
}

#[test]
fn a_batch_whose_every_record_failed_is_the_handlers_error() {
    let event = fixture("dynamodb-stream-two-records.json");
    let err = process_partial_response(&event, EventType::DynamoDbStreams, |_: Value| {
        Err(HandlerError::new("Down", "the store is down"))
    })
    .unwrap_err();
    assert_eq!(err.error_type(), "BatchProcessingError");
    assert_eq!(err.message(), "all 2 records failed processing");

    // A record that does not fit the handler's type fails as a record.
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        nothing_has_this: String,
    }
    let event = fixture("sqs-empty.json");
    let ok = process_partial_response(&event, EventType::Sqs, |_: Strict| Ok(())).unwrap();
    assert_eq!(ok, BatchResponse::default());
    let err = process_partial_response(&json!({}), EventType::Sqs, |_: Value| Ok(())).unwrap_err();
    assert_eq!(err.message(), "the event has no 'Records' array");
}

fn decode(text: &str) -> Vec<u8> {
    lambda_bootstrap::http::base64::decode(text).unwrap()
}
