//! `sqsevent`: an SQS consumer. Each message's body is a JSON order,
//! `{"id": "...", "qty": N}`; each good order is logged, and each message
//! whose body does not parse, or orders nothing (`qty` 0), is reported back
//! in `batchItemFailures`, so that SQS delivers only those again (the event
//! source mapping in serverless.yml sets `ReportBatchItemFailures`).
//!
//! The event is typed, and declares only what the handler reads: a batch is
//! mostly attributes, receipt handles and checksums, which are skipped while
//! parsing instead of built (BENCHMARKS.md measures the difference). For
//! every field, `aws_lambda_events::sqs::SqsEvent` is there with the
//! `events` feature. `orders` reads the same batches.

use serde::{Deserialize, Serialize};

use lambda_bootstrap::context::Context;
use lambda_bootstrap::handler::HandlerError;

/// An SQS batch, as much of it as is read.
#[derive(Debug, Deserialize)]
pub struct SqsBatch {
    /// The messages, up to the mapping's batch size.
    #[serde(rename = "Records")]
    pub records: Vec<SqsMessage>,
}

/// One message of a batch.
#[derive(Debug, Deserialize)]
pub struct SqsMessage {
    /// What `batchItemFailures` names it by.
    #[serde(rename = "messageId")]
    pub message_id: String,
    /// The message, as it was sent.
    pub body: String,
}

/// An order, as each message's body carries it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Order {
    /// The order's id.
    pub id: String,
    /// How many; 0 orders nothing and is refused.
    pub qty: u32,
}

impl Order {
    /// The order a message's body carries, or why there is none.
    pub fn parse(body: &str) -> Result<Order, String> {
        let order: Order =
            serde_json::from_str(body).map_err(|e| format!("its body is not an order: {e}"))?;
        if order.qty == 0 {
            return Err(format!("order {} has qty 0", order.id));
        }
        Ok(order)
    }
}

/// The answer SQS reads with `ReportBatchItemFailures`: the messages to
/// deliver again. Empty, every message is done with.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchResponse {
    /// One entry per message that failed.
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<ItemFailure>,
}

/// A message SQS should deliver again.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct ItemFailure {
    /// The message's `messageId`.
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

impl BatchResponse {
    /// Reports `message` as failed, saying why in the log.
    pub fn fail(&mut self, message: &SqsMessage, why: &str) {
        log::warn!(
            "message {}: {why}; SQS will deliver it again",
            message.message_id
        );
        self.batch_item_failures.push(ItemFailure {
            item_identifier: message.message_id.clone(),
        });
    }
}

/// Logs each good order at INFO and answers the messages that were not.
pub fn handle(batch: SqsBatch, _ctx: &Context) -> Result<BatchResponse, HandlerError> {
    let mut response = BatchResponse::default();
    for message in &batch.records {
        match Order::parse(&message.body) {
            Ok(order) => log::info!("order {}: qty {}", order.id, order.qty),
            Err(why) => response.fail(message, &why),
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_bootstrap::handler::{Failure, buffered};
    use serde_json::{Value, json};

    /// Runs the handler as the runtime does: from the event's bytes.
    fn check(event: &str) -> Result<Value, Failure> {
        let ctx = Context::local("r", Default::default());
        buffered(handle, event.as_bytes(), &ctx).map(|a| serde_json::from_slice(&a).unwrap())
    }

    #[test]
    fn bad_and_empty_orders_are_retried_alone() {
        assert_eq!(
            check(include_str!("../../tests/data/sqs-orders.json")),
            Ok(json!({"batchItemFailures": [
                {"itemIdentifier": "2b7c4a19-1e5d-4f3a-8c6b-9d0e1f2a3b02"},
                {"itemIdentifier": "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e03"},
            ]}))
        );
        assert_eq!(
            check(include_str!("../../tests/data/sqs-empty.json")),
            Ok(json!({"batchItemFailures": []}))
        );
    }

    #[test]
    fn orders_are_parsed_and_checked() {
        let order = |id: &str, qty| Order { id: id.into(), qty };
        assert_eq!(Order::parse(r#"{"id": "a", "qty": 3}"#), Ok(order("a", 3)));
        assert_eq!(Order::parse(r#"{"id": "a", "qty": 0}"#), Err("order a has qty 0".into()));
        for body in ["", "null", r#"{"id": "a"}"#, r#"{"id": 5, "qty": 1}"#, r#"{"id": "a", "qty": -1}"#] {
            let why = Order::parse(body).unwrap_err();
            assert!(why.starts_with("its body is not an order: "), "{body}: {why}");
        }
    }

    #[test]
    fn a_batch_of_another_shape_is_refused_naming_the_place() {
        assert_eq!(
            check(r#"{"Records": [{"messageId": "m1", "body": 5}]}"#),
            Err(Failure::Unmarshal(
                "the event does not fit SqsBatch: Records[0].body: invalid type: integer `5`, \
                 expected a string (line 1, column 42)"
                    .into()
            ))
        );
    }
}
