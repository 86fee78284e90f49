//! Events of the common non-HTTP sources, made from what a test cares
//! about (the bodies, the data, the images), with the other fields as
//! Lambda fills them.

use serde_json::{Value, json};

use crate::http::base64;

const SQS_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:test-queue";

fn sqs_with(arn: &str, bodies: &[&str]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({
                "messageId": format!("message-{i}"),
                "receiptHandle": format!("receipt-{i}"),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795590002000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1795590002010",
                },
                "messageAttributes": {},
                "md5OfBody": "0",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    json!({"Records": records})
}

/// An SQS batch of `bodies`, message ids `message-0`, `message-1`, …
pub fn sqs(bodies: &[&str]) -> Value {
    sqs_with(SQS_ARN, bodies)
}

/// [`sqs`] from a FIFO queue.
pub fn sqs_fifo(bodies: &[&str]) -> Value {
    sqs_with(&format!("{SQS_ARN}.fifo"), bodies)
}

/// A Kinesis batch of `data` (base64-encoded in the event), sequence
/// numbers `1`, `2`, …
pub fn kinesis(data: &[&[u8]]) -> Value {
    let records: Vec<Value> = data
        .iter()
        .enumerate()
        .map(|(i, data)| {
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": format!("key-{i}"),
                    "sequenceNumber": (i + 1).to_string(),
                    "data": base64::encode(data),
                    "approximateArrivalTimestamp": 1_795_590_002.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("shardId-000000000000:{}", i + 1),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/test",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/test",
            })
        })
        .collect();
    json!({"Records": records})
}

/// A DynamoDB Streams batch of `INSERT`s of `new_images` (attribute
/// values, as `dynamodb::to_item` makes them), sequence numbers `1`, `2`, …
pub fn dynamodb_stream(new_images: &[Value]) -> Value {
    let records: Vec<Value> = new_images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            json!({
                "eventID": format!("event-{i}"),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_795_590_002u64,
                    "Keys": {"id": image.get("id").cloned().unwrap_or(Value::Null)},
                    "NewImage": image,
                    "SequenceNumber": (i + 1).to_string(),
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/test/stream/2026-01-01T00:00:00.000",
            })
        })
        .collect();
    json!({"Records": records})
}

/// An SNS notification of each of `messages`.
pub fn sns(messages: &[&str]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, message)| {
            json!({
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:test:subscription",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("sns-{i}"),
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:test",
                    "Subject": null,
                    "Message": message,
                    "Timestamp": "2026-11-25T07:00:02.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/unsubscribe",
                    "MessageAttributes": {},
                },
            })
        })
        .collect();
    json!({"Records": records})
}

/// An EventBridge event of `detail_type` from `source`.
pub fn eventbridge(source: &str, detail_type: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-25T07:00:02Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    })
}
