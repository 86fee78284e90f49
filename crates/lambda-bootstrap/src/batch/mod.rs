//! Batch processing with partial failures (the cargo feature `batch`):
//! Powertools' `process_partial_response`. Each record of an SQS, Kinesis
//! or DynamoDB Streams batch is handled on its own; the answer lists the
//! ones that failed in `batchItemFailures`, so that only those come back
//! (the event source mapping needs `ReportBatchItemFailures`).
//!
//! ```
//! use lambda_bootstrap::batch::{self, BatchResponse, EventType};
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde_json::Value;
//!
//! pub fn handle(event: Value, _ctx: &Context) -> Result<BatchResponse, HandlerError> {
//!     batch::process_partial_response(&event, EventType::Sqs, |record: Value| {
//!         let body = record["body"].as_str().unwrap_or_default();
//!         let _order: Value = serde_json::from_str(body)?; // not JSON: this record fails
//!         Ok(())
//!     })
//! }
//! # let event = serde_json::json!({"Records": [
//! #     {"messageId": "a", "body": "{}", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q"},
//! #     {"messageId": "b", "body": "no", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q"}]});
//! # let answer = handle(event, &Context::local("r", Default::default())).unwrap();
//! # assert_eq!(serde_json::to_value(answer).unwrap(),
//! #     serde_json::json!({"batchItemFailures": [{"itemIdentifier": "b"}]}));
//! ```
//!
//! - A record is read into the handler's type `T` (`serde_json::Value`, a
//!   struct of yours, an `aws_lambda_events` record); one that does not
//!   fit fails like one whose handler fails.
//! - SQS records are named by `messageId`, Kinesis records by
//!   `kinesis.sequenceNumber`, DynamoDB Streams records by
//!   `dynamodb.SequenceNumber`: the identifiers Lambda takes.
//! - A FIFO queue (its ARN ends in `.fifo`) must keep its order: the first
//!   failure stops the batch, and it and every record after it are
//!   reported, unprocessed.
//! - When every record failed, the batch is the handler's error
//!   (`BatchProcessingError`), as in Powertools: the whole batch comes
//!   back, and the function's error metrics see it.
//!
//! Failures are logged at WARN with the record's identifier and the error's
//! type, never the record.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::handler::HandlerError;

/// Which event source the batch is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// SQS (standard or FIFO).
    Sqs,
    /// Kinesis Data Streams.
    KinesisDataStreams,
    /// DynamoDB Streams.
    DynamoDbStreams,
}

impl EventType {
    /// The record's identifier, as its `batchItemFailures` entry names it.
    fn identifier(self, record: &Value) -> Option<&str> {
        let at = match self {
            EventType::Sqs => &record["messageId"],
            EventType::KinesisDataStreams => &record["kinesis"]["sequenceNumber"],
            EventType::DynamoDbStreams => &record["dynamodb"]["SequenceNumber"],
        };
        at.as_str()
    }
}

/// One record to deliver again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemFailure {
    /// Its identifier.
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// The answer Lambda reads the failed records from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchResponse {
    /// The records to deliver again; empty when all succeeded.
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<ItemFailure>,
}

/// Runs `handler` on each record of `event` and answers the failed ones.
/// An event without `Records`, or a record without its identifier, is the
/// handler's error: Lambda could not be told which record failed.
pub fn process_partial_response<T, F>(
    event: &Value,
    kind: EventType,
    mut handler: F,
) -> Result<BatchResponse, HandlerError>
where
    T: DeserializeOwned,
    F: FnMut(T) -> Result<(), HandlerError>,
{
    let records = event["Records"].as_array().ok_or_else(|| {
        HandlerError::new("BatchProcessingError", "the event has no 'Records' array")
    })?;
    let mut response = BatchResponse::default();
    let mut stopped = false;
    for (index, record) in records.iter().enumerate() {
        let id = kind.identifier(record).ok_or_else(|| {
            HandlerError::new(
                "BatchProcessingError",
                format!("record {index} has no identifier to report it by"),
            )
        })?;
        let fail = |response: &mut BatchResponse| {
            response.batch_item_failures.push(ItemFailure {
                item_identifier: id.to_string(),
            })
        };
        if stopped {
            fail(&mut response);
            continue;
        }
        let outcome = serde_json::from_value::<T>(record.clone())
            .map_err(|e| HandlerError::new("RecordDoesNotFit", e.to_string()))
            .and_then(&mut handler);
        if let Err(e) = outcome {
            log::warn!("record {id} failed: {}", e.error_type());
            fail(&mut response);
            let fifo = kind == EventType::Sqs
                && record["eventSourceARN"]
                    .as_str()
                    .is_some_and(|arn| arn.ends_with(".fifo"));
            stopped = fifo;
        }
    }
    if !records.is_empty() && response.batch_item_failures.len() == records.len() {
        return Err(HandlerError::new(
            "BatchProcessingError",
            format!("all {} records failed processing", records.len()),
        ));
    }
    Ok(response)
}
