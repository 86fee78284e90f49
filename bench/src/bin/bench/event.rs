//! What the fake API sends (an API Gateway REST event, padded to a size;
//! an SQS batch of orders; the orders comparison's batches, each with new
//! orders, orders delivered again and bad messages; a stream request,
//! `{"bytes": N}`) and what counts as a right answer to it, to the
//! concurrency comparison's jobs, and to a stream request; and what the
//! orders table must hold after the batches. Pure: no I/O.

use std::collections::BTreeMap;

use lambda_bootstrap_bench::{CONTENT_TYPE, PATTERN, PIECE};
use serde::Serialize;
use serde_json::{Value, json};

/// The `hello` query parameter every event carries; a runtime whose answer
/// does not greet it did not pass the event through to the handler.
pub const NAME: &str = "Bench";

/// An API Gateway REST (payload 1.0) event for `httpevent`, its `body`
/// padded so that the whole event is `size` bytes (or the smallest such
/// event, for sizes below it).
pub fn api_gateway(size: usize) -> Vec<u8> {
    let mut event = json!({
        "resource": "/hello", "path": "/hello", "httpMethod": "POST",
        "headers": {"Content-Type": "text/plain", "Host": "abc.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {"Content-Type": ["text/plain"],
                              "Host": ["abc.execute-api.us-east-1.amazonaws.com"]},
        "queryStringParameters": {"hello": NAME},
        "multiValueQueryStringParameters": {"hello": [NAME]},
        "pathParameters": null, "stageVariables": null,
        "requestContext": {"resourcePath": "/hello", "httpMethod": "POST", "path": "/dev/hello",
                           "stage": "dev", "accountId": "123456789012",
                           "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                           "identity": {"sourceIp": "198.51.100.7", "userAgent": "bench"}},
        "body": "", "isBase64Encoded": false,
    });
    let empty = serde_json::to_vec(&event)
        .expect("a Value serializes")
        .len();
    // 'x' needs no JSON escaping, so each one adds exactly one byte.
    event["body"] = Value::String("x".repeat(size.saturating_sub(empty)));
    serde_json::to_vec(&event).expect("a Value serializes")
}

/// Messages in the typed-events comparison's SQS batch.
pub const SQS_MESSAGES: usize = 7_700;
/// That batch's size in bytes, about.
pub const SQS_BYTES: usize = 5_000_000;
/// Every this many messages, one orders nothing (`qty` 0) and one's body
/// is not an order: both are reported back in `batchItemFailures`.
const SQS_BAD_EVERY: usize = 500;

/// One SQS message as Lambda delivers it (AWS's documented event), its
/// fields in AWS's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SqsRecord {
    message_id: String,
    receipt_handle: String,
    body: String,
    attributes: BTreeMap<&'static str, String>,
    message_attributes: BTreeMap<&'static str, Value>,
    md5_of_body: String,
    event_source: &'static str,
    #[serde(rename = "eventSourceARN")]
    event_source_arn: &'static str,
    aws_region: &'static str,
}

/// A batch of `messages` SQS messages, about `bytes` bytes of compact JSON,
/// each body a small order `{"id":"o-…","qty":N}`, the same bytes on every
/// run; and the ids of the messages a right answer reports as failed.
pub fn sqs_batch(messages: usize, bytes: usize) -> (Vec<u8>, Vec<String>) {
    // A 64-bit linear congruential generator: ids, handles and checksums
    // that look random and repeat from run to run.
    let mut state = 0x2026_0101_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 16
    };
    let mut hex = |len: usize| -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[(next() % 16) as usize]))
            .collect()
    };
    let mut records = Vec::with_capacity(messages);
    let mut failed = Vec::new();
    for i in 0..messages {
        let id = format!("{}-{}-4{}-8{}-{}", hex(8), hex(4), hex(3), hex(3), hex(12));
        let body = match i % SQS_BAD_EVERY {
            7 => format!("{{\"id\":\"o-{i:06}\",\"qty\":0}}"),
            11 => format!("order o-{i:06}, two please"),
            _ => format!("{{\"id\":\"o-{i:06}\",\"qty\":{}}}", 1 + i % 9),
        };
        if matches!(i % SQS_BAD_EVERY, 7 | 11) {
            failed.push(id.clone());
        }
        let sent = 1_764_054_000_000_u64 + i as u64 * 13;
        let attributes = [
            ("ApproximateReceiveCount", (1 + i % 3).to_string()),
            ("SentTimestamp", sent.to_string()),
            ("SenderId", "AIDAEXAMPLESENDERID01".to_string()),
            ("ApproximateFirstReceiveTimestamp", (sent + 12).to_string()),
        ]
        .into();
        // One message in three carries an attribute, as a web shop's might.
        let message_attributes = if i % 3 == 0 {
            [(
                "source",
                json!({"stringValue": "web", "stringListValues": [],
                       "binaryListValues": [], "dataType": "String"}),
            )]
            .into()
        } else {
            BTreeMap::new()
        };
        records.push(SqsRecord {
            message_id: id,
            receipt_handle: String::new(),
            body,
            attributes,
            message_attributes,
            md5_of_body: hex(32),
            event_source: "aws:sqs",
            event_source_arn: "arn:aws:sqs:us-east-1:123456789012:orders",
            aws_region: "us-east-1",
        });
    }
    // Receipt handles (base64 of an opaque token in AWS's) take up the
    // rest, the same length for every message.
    let bare = serde_json::to_vec(&json!({ "Records": &records }))
        .expect("a batch serializes")
        .len();
    let handle = bytes.saturating_sub(bare) / messages.max(1);
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for record in &mut records {
        let token: String = (0..handle.saturating_sub(4))
            .map(|_| char::from(BASE64[(next() % 64) as usize]))
            .collect();
        record.receipt_handle = format!("AQEB{token}");
    }
    let batch = serde_json::to_vec(&json!({ "Records": records })).expect("a batch serializes");
    (batch, failed)
}

/// New orders in each warm batch of the orders comparison; as many again
/// are the previous batch's new ones, delivered again (SQS delivers at
/// least once), and two messages are bad.
pub const ORDERS_NEW: usize = 5;

/// The only order of the first batch.
const FIRST_ORDER: (&str, u32) = ("o-first", 1);

/// The orders comparison's batches, and what right answers and a right
/// table are.
#[derive(Debug, Clone, PartialEq)]
pub struct Orders {
    /// Batch `i` is event `i` of a session.
    pub batches: Vec<Vec<u8>>,
    /// The ids of batch `i`'s bad messages, in its order.
    pub failed: Vec<Vec<String>>,
}

impl Orders {
    /// What the table must hold after the first `m` batches (`id` →
    /// `qty`): every order once, as first delivered, and nothing else.
    /// After none, the orders the second batch delivers again.
    pub fn table_after(&self, m: usize) -> BTreeMap<String, u32> {
        let first = (m > 0).then(|| (FIRST_ORDER.0.to_string(), FIRST_ORDER.1));
        (0..m.max(1)).flat_map(generation).chain(first).collect()
    }
}

/// Generation `j` of orders: generation 0 is in the table before the first
/// batch, generation `i` (from 1) is batch `i`'s new orders.
fn generation(j: usize) -> impl Iterator<Item = (String, u32)> {
    (0..ORDERS_NEW).map(move |k| (format!("o-{j:06}-{k}"), 1 + ((j + k) % 9) as u32))
}

/// `n` batches as Lambda delivers them from SQS. The first, the cold
/// invocation's, is one order and a body that is not an order: one
/// `PutItem`, so that its time is the cold path's (client, connection,
/// credentials, the first put), not nine more puts'. Each after it has 12
/// messages: 5 new orders, the previous batch's 5 again (the same bodies:
/// a delivery again; the second batch's are in the table before the
/// first), a body that is not an order and an order of nothing, mixed.
pub fn orders(n: usize) -> Orders {
    let body = |(id, qty): (String, u32)| format!("{{\"id\":\"{id}\",\"qty\":{qty}}}");
    let (mut batches, mut failed) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let mut bodies = Vec::new();
        let bad = if i == 0 {
            // The bad one first: a runtime that stops at it stores nothing.
            bodies.push("the first order, one please".to_string());
            bodies.push(body((FIRST_ORDER.0.to_string(), FIRST_ORDER.1)));
            vec![0]
        } else {
            for (new, again) in generation(i).zip(generation(i - 1)) {
                bodies.push(body(new));
                bodies.push(body(again));
            }
            // Not at the ends: a runtime that stops at a bad message, or
            // skips the one after it, gives a wrong answer or a wrong table.
            bodies.insert(4, format!("order o-{i:06} for two, please"));
            bodies.insert(8, format!("{{\"id\":\"o-{i:06}-none\",\"qty\":0}}"));
            vec![4, 8]
        };
        let id = |at: usize| format!("{i:08x}-0000-4000-8000-{at:012x}");
        failed.push(bad.into_iter().map(id).collect());
        let records: Vec<SqsRecord> = bodies
            .into_iter()
            .enumerate()
            .map(|(at, body)| sqs_record(id(at), body, i * 16 + at))
            .collect();
        batches
            .push(serde_json::to_vec(&json!({ "Records": records })).expect("a batch serializes"));
    }
    Orders { batches, failed }
}

/// One SQS message carrying `body`, the `k`-th sent, with the attributes
/// Lambda delivers (fixed, but for the timestamps).
fn sqs_record(message_id: String, body: String, k: usize) -> SqsRecord {
    let sent = 1_764_054_000_000_u64 + k as u64 * 13;
    SqsRecord {
        message_id,
        // AWS's are base64 of an opaque token, about this long.
        receipt_handle: format!("AQEB{}", "Zm9vYmFy".repeat(22)),
        md5_of_body: format!("{:032x}", k),
        body,
        attributes: [
            ("ApproximateReceiveCount", "1".to_string()),
            ("SentTimestamp", sent.to_string()),
            ("SenderId", "AIDAEXAMPLESENDERID01".to_string()),
            ("ApproximateFirstReceiveTimestamp", (sent + 12).to_string()),
        ]
        .into(),
        message_attributes: BTreeMap::new(),
        event_source: "aws:sqs",
        event_source_arn: "arn:aws:sqs:us-east-1:123456789012:orders",
        aws_region: "us-east-1",
    }
}

/// Checks an answer to the SQS batch: `{"batchItemFailures": [...]}`
/// naming exactly the `failed` messages, in order.
pub fn check_sqs_answer(answer: &[u8], failed: &[String]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(answer).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let expected: Vec<Value> = failed
        .iter()
        .map(|id| json!({ "itemIdentifier": id }))
        .collect();
    if value == json!({ "batchItemFailures": expected }) {
        Ok(())
    } else {
        Err(format!(
            "expected batchItemFailures naming the {} bad messages",
            failed.len()
        ))
    }
}

/// Checks an answer of the handler that only reads the batch's bytes:
/// `{"bytes": N}`, N the event's length.
pub fn check_bytes_answer(answer: &[u8], bytes: usize) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(answer).map_err(|e| format!("the answer is not JSON ({e})"))?;
    if value == json!({ "bytes": bytes }) {
        Ok(())
    } else {
        Err(format!("expected {{\"bytes\": {bytes}}}"))
    }
}

/// Checks one answer: JSON, `statusCode` 200, a `body` that greets `NAME`.
/// The error says which of these failed.
pub fn check_answer(answer: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(answer).map_err(|e| format!("the answer is not JSON ({e})"))?;
    if value.get("statusCode").and_then(Value::as_u64) != Some(200) {
        return Err(format!("statusCode is {}, not 200", value["statusCode"]));
    }
    let greeting = format!("Hello {NAME}");
    match value.get("body").and_then(Value::as_str) {
        Some(body) if body.starts_with(&greeting) => Ok(()),
        _ => Err(format!(
            "body is {}, not a string starting with '{greeting}'",
            value["body"]
        )),
    }
}

/// Checks one answer to a concurrency job: JSON equal to `expected`, the
/// job's own answer (`Job::answer`) to the event sent.
pub fn check_job_answer(answer: &[u8], expected: &Value) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(answer).map_err(|e| format!("the answer is not JSON ({e})"))?;
    if &value == expected {
        Ok(())
    } else {
        Err(format!("expected {expected}"))
    }
}

/// The event that asks the streaming handler for `bytes` bytes.
pub fn stream_request(bytes: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({ "bytes": bytes })).expect("a Value serializes")
}

/// The content type lambda_runtime gives every streamed answer: a JSON
/// prelude (status, headers, cookies), eight NUL bytes, then the payload.
pub const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// The longest prelude accepted (API Gateway wants it within 16 KB).
const MAX_PRELUDE: usize = 16 * 1024;

/// Checks a streamed body as it arrives, without keeping it: skips the
/// prelude of an HTTP integration answer, then counts the payload and
/// compares it with the generator's pattern. `feed` says where in each
/// piece the payload starts, so that the caller can time its first byte.
#[derive(Debug)]
pub struct StreamCheck {
    /// Still looking for the end of the prelude; what was seen of it.
    prelude: Option<Vec<u8>>,
    /// Payload bytes seen so far.
    pub payload: u64,
    /// The offset of the first payload byte that differs from the
    /// pattern, if any.
    pub first_wrong: Option<u64>,
    /// What went wrong with the prelude, if anything.
    pub prelude_error: Option<String>,
}

impl StreamCheck {
    /// A check for a body of `content_type`: only an HTTP integration
    /// answer has a prelude; any other type must be the generator's.
    pub fn new(content_type: &str) -> Result<StreamCheck, String> {
        let prelude = if content_type.eq_ignore_ascii_case(HTTP_INTEGRATION) {
            Some(Vec::new())
        } else if content_type.eq_ignore_ascii_case(CONTENT_TYPE) {
            None
        } else {
            return Err(format!(
                "Content-Type '{content_type}', not '{CONTENT_TYPE}' or '{HTTP_INTEGRATION}'"
            ));
        };
        Ok(StreamCheck {
            prelude,
            payload: 0,
            first_wrong: None,
            prelude_error: None,
        })
    }

    /// Takes the next piece of the body; returns the offset in `piece` at
    /// which payload starts, if any of it is payload.
    pub fn feed(&mut self, piece: &[u8]) -> Option<usize> {
        let start = match &mut self.prelude {
            None => 0,
            Some(seen) => {
                let before = seen.len();
                seen.extend_from_slice(&piece[..piece.len().min(MAX_PRELUDE + 8)]);
                match seen.windows(8).position(|w| w == [0; 8]) {
                    Some(end) => {
                        if let Err(why) = check_prelude(&seen[..end]) {
                            self.prelude_error = Some(why);
                        }
                        self.prelude = None;
                        end + 8 - before
                    }
                    None if seen.len() > MAX_PRELUDE => {
                        self.prelude_error = Some(format!(
                            "no end of the prelude in its first {MAX_PRELUDE} bytes"
                        ));
                        // Counted as payload from here, so the length check fails too.
                        self.prelude = None;
                        piece.len()
                    }
                    None => return None,
                }
            }
        };
        let payload = &piece[start..];
        if payload.is_empty() {
            return None;
        }
        if self.first_wrong.is_none() {
            let mut at = self.payload;
            for part in payload.chunks(PIECE) {
                let offset = (at % PIECE as u64) as usize;
                let (head, tail) = part.split_at(part.len().min(PIECE - offset));
                let expected = (
                    &PATTERN[offset..offset + head.len()],
                    &PATTERN[..tail.len()],
                );
                // Slices compare with memcmp: the fake keeps up with the stream.
                if (head, tail) != expected {
                    let got = head.iter().chain(tail);
                    let wrong = got
                        .zip(expected.0.iter().chain(expected.1))
                        .position(|(a, b)| a != b);
                    self.first_wrong = wrong.map(|i| at + i as u64);
                    break;
                }
                at += part.len() as u64;
            }
        }
        self.payload += payload.len() as u64;
        Some(start)
    }

    /// The verdict once the body has ended: `bytes` of the pattern, after a
    /// complete prelude if there was one.
    pub fn verdict(&self, bytes: u64) -> Result<(), String> {
        if let Some(why) = &self.prelude_error {
            return Err(why.clone());
        }
        if self.prelude.is_some() {
            return Err("the body ended inside the prelude".into());
        }
        if self.payload != bytes {
            return Err(format!(
                "{} payload bytes, not the {bytes} asked for",
                self.payload
            ));
        }
        match self.first_wrong {
            Some(at) => Err(format!("payload byte {at} differs from the generator's")),
            None => Ok(()),
        }
    }
}

/// The prelude must be JSON with a `statusCode`.
fn check_prelude(prelude: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(prelude).map_err(|e| {
        format!(
            "the prelude is not JSON ({e}): {}",
            String::from_utf8_lossy(prelude)
        )
    })?;
    match value.get("statusCode") {
        Some(_) => Ok(()),
        None => Err(format!("the prelude has no statusCode: {value}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_the_size_asked_for_and_stay_valid_json() {
        for size in [1024, 64 * 1024, 1024 * 1024] {
            let event = api_gateway(size);
            assert_eq!(event.len(), size);
            let value: Value = serde_json::from_slice(&event).unwrap();
            assert_eq!(value["queryStringParameters"]["hello"], NAME);
        }
        let smallest = api_gateway(0);
        assert!(smallest.len() > 500 && smallest.len() < 1024);
    }

    #[test]
    fn the_sqs_batch_is_the_size_asked_for_shaped_as_aws_sends_it() {
        let (batch, failed) = sqs_batch(SQS_MESSAGES, SQS_BYTES);
        assert_eq!(batch, sqs_batch(SQS_MESSAGES, SQS_BYTES).0, "deterministic");
        assert!(
            batch.len().abs_diff(SQS_BYTES) < SQS_MESSAGES,
            "{}",
            batch.len()
        );
        let value: Value = serde_json::from_slice(&batch).unwrap();
        let records = value["Records"].as_array().unwrap();
        assert_eq!(records.len(), SQS_MESSAGES);
        let first = &records[0];
        for field in [
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "eventSource",
            "eventSourceARN",
            "awsRegion",
        ] {
            assert!(first.get(field).is_some(), "{field}");
        }
        assert_eq!(first["body"], r#"{"id":"o-000000","qty":1}"#);
        assert_eq!(failed.len(), 2 * SQS_MESSAGES.div_ceil(SQS_BAD_EVERY));
        assert_eq!(failed[0], records[7]["messageId"]);
    }

    /// The orders in a batch (`id` → `qty`, in its order), the ids of its
    /// messages that carry none, and how many messages it has.
    fn read_batch(batch: &[u8]) -> (Vec<(String, u32)>, Vec<String>, usize) {
        let value: Value = serde_json::from_slice(batch).unwrap();
        let records = value["Records"].as_array().unwrap();
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        for record in records {
            let order = serde_json::from_str::<Value>(record["body"].as_str().unwrap());
            match order
                .ok()
                .and_then(|o| Some((o["id"].as_str()?.to_string(), o["qty"].as_u64()?)))
            {
                Some((id, qty)) if qty > 0 => good.push((id, qty as u32)),
                _ => bad.push(record["messageId"].as_str().unwrap().to_string()),
            }
        }
        (good, bad, records.len())
    }

    #[test]
    fn orders_batches_are_one_put_then_new_orders_orders_again_and_bad_messages() {
        let orders = orders(4);
        assert_eq!(orders, super::orders(4), "deterministic");
        assert_eq!((orders.batches.len(), orders.failed.len()), (4, 4));
        let table = orders.table_after(4);
        assert_eq!(table.len(), 4 * ORDERS_NEW + 1);

        let (good, bad, messages) = read_batch(&orders.batches[0]);
        assert_eq!((good.len(), messages), (1, 2), "the cold batch: one put");
        assert_eq!(bad, orders.failed[0]);
        assert!(!orders.table_after(0).contains_key(&good[0].0));
        assert_eq!(orders.table_after(1)[&good[0].0], good[0].1);

        let mut ids = std::collections::BTreeSet::new();
        for (i, batch) in orders.batches.iter().enumerate().skip(1) {
            let (good, bad, messages) = read_batch(batch);
            assert_eq!(messages, 2 * ORDERS_NEW + 2);
            assert_eq!(bad, orders.failed[i]);
            let id = |at: usize| format!("{i:08x}-0000-4000-8000-{at:012x}");
            assert!(
                !bad.contains(&id(0)) && !bad.contains(&id(messages - 1)),
                "not at the ends"
            );
            // Every good order is in the table as sent; half of them were
            // there before the batch, half are new.
            let before = orders.table_after(i);
            assert!(good.iter().all(|(id, qty)| table[id] == *qty));
            let again = good
                .iter()
                .filter(|(id, _)| before.contains_key(id))
                .count();
            assert_eq!((again, good.len()), (ORDERS_NEW, 2 * ORDERS_NEW));
            assert_eq!(orders.table_after(i + 1).len(), before.len() + ORDERS_NEW);
            let value: Value = serde_json::from_slice(batch).unwrap();
            let records = value["Records"].as_array().unwrap();
            ids.extend(
                records
                    .iter()
                    .map(|r| r["messageId"].as_str().unwrap().to_string()),
            );
        }
        assert_eq!(
            ids.len(),
            3 * (2 * ORDERS_NEW + 2),
            "message ids are unique"
        );
    }

    #[test]
    fn sqs_answers_must_name_exactly_the_bad_messages() {
        let failed = vec!["a".to_string(), "b".to_string()];
        let right = br#"{"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"b"}]}"#;
        assert_eq!(check_sqs_answer(right, &failed), Ok(()));
        for wrong in [
            &br#"{"batchItemFailures":[{"itemIdentifier":"a"}]}"#[..],
            br#"{"batchItemFailures":[]}"#,
            b"nope",
        ] {
            assert!(check_sqs_answer(wrong, &failed).is_err());
        }
        assert_eq!(check_bytes_answer(br#"{"bytes":5}"#, 5), Ok(()));
        assert!(check_bytes_answer(br#"{"bytes":4}"#, 5).is_err());
    }

    #[test]
    fn answers_are_judged_by_status_and_greeting() {
        let right = br#"{"statusCode":200,"headers":{"content-type":"text/plain; charset=utf-8"},"multiValueHeaders":{},"body":"Hello Bench from Rust","isBase64Encoded":false}"#;
        assert_eq!(check_answer(right), Ok(()));
        assert_eq!(
            check_answer(br#"{ "statusCode" : 200, "body" : "Hello Bench" }"#),
            Ok(())
        );
        for (answer, reason) in [
            (&b"Hello Bench"[..], "not JSON"),
            (
                br#"{"statusCode":500,"body":"Hello Bench"}"#,
                "statusCode is 500",
            ),
            (br#"{"body":"Hello Bench"}"#, "statusCode is null"),
            (
                br#"{"statusCode":200,"body":"Hello World from Rust"}"#,
                "body is \"Hello World",
            ),
            (br#"{"statusCode":200,"body":null}"#, "body is null"),
            (br#"{"errorMessage":"boom"}"#, "statusCode is null"),
        ] {
            let err = check_answer(answer).unwrap_err();
            assert!(err.contains(reason), "{err}");
        }
    }

    #[test]
    fn job_answers_must_equal_the_jobs_own() {
        let expected = json!({"checksum": 7, "seed": 1});
        assert_eq!(
            check_job_answer(br#"{ "seed": 1, "checksum": 7 }"#, &expected),
            Ok(())
        );
        let err = check_job_answer(br#"{"checksum":8,"seed":1}"#, &expected).unwrap_err();
        assert_eq!(err, r#"expected {"checksum":7,"seed":1}"#);
        let err = check_job_answer(b"{", &expected).unwrap_err();
        assert!(err.starts_with("the answer is not JSON"), "{err}");
    }

    /// Feeds `body` in pieces of `size` bytes; returns the verdict and where
    /// the first payload byte was found (piece index, offset).
    fn check_stream(
        content_type: &str,
        body: &[u8],
        size: usize,
        bytes: u64,
    ) -> (Result<(), String>, Option<(usize, usize)>) {
        let mut check = StreamCheck::new(content_type).unwrap();
        let mut first = None;
        for (i, piece) in body.chunks(size).enumerate() {
            if let Some(at) = check.feed(piece) {
                first.get_or_insert((i, at));
            }
        }
        (check.verdict(bytes), first)
    }

    fn generated(bytes: u64) -> Vec<u8> {
        lambda_bootstrap_bench::pieces(bytes)
            .flatten()
            .copied()
            .collect()
    }

    #[test]
    fn a_generated_stream_passes_in_any_pieces() {
        let body = generated(3 * PIECE as u64 + 5);
        for size in [1, 1000, PIECE, PIECE + 1, body.len()] {
            let (verdict, first) = check_stream(CONTENT_TYPE, &body, size, body.len() as u64);
            assert_eq!(verdict, Ok(()), "pieces of {size}");
            assert_eq!(first, Some((0, 0)));
        }
    }

    #[test]
    fn a_prelude_is_skipped_and_the_payload_timed_from_its_end() {
        let prelude = br#"{"statusCode":200,"headers":{"content-type":"application/octet-stream"},"cookies":[]}"#;
        let mut body = prelude.to_vec();
        body.extend_from_slice(&[0; 8]);
        body.extend(generated(100_000));
        for size in [1, 3, 50, 4096] {
            let (verdict, first) = check_stream(HTTP_INTEGRATION, &body, size, 100_000);
            assert_eq!(verdict, Ok(()), "pieces of {size}");
            let (piece, at) = first.unwrap();
            assert_eq!(piece * size + at, prelude.len() + 8, "pieces of {size}");
        }
    }

    #[test]
    fn wrong_streams_are_named() {
        let body = generated(10_000);
        let long = generated(20_000);
        let mut shifted = body.clone();
        shifted.remove(4_000);
        shifted.push(b'A');
        let mut bad_prelude = b"{\"oops\":1}\0\0\0\0\0\0\0\0".to_vec();
        bad_prelude.extend_from_slice(&body);
        for (content_type, body, why) in [
            (
                CONTENT_TYPE,
                &body[..9_999],
                "9999 payload bytes, not the 10000 asked for",
            ),
            (CONTENT_TYPE, &shifted[..], "payload byte 4000 differs"),
            (
                HTTP_INTEGRATION,
                &long[..],
                "no end of the prelude in its first 16384 bytes",
            ),
            (
                HTTP_INTEGRATION,
                &b"{\"statusCode\":200}"[..],
                "the body ended inside the prelude",
            ),
            (
                HTTP_INTEGRATION,
                &bad_prelude[..],
                "the prelude has no statusCode",
            ),
        ] {
            let (verdict, _) = check_stream(content_type, body, 777, 10_000);
            let err = verdict.unwrap_err();
            assert!(err.contains(why), "{err}");
        }
        assert!(
            StreamCheck::new("text/plain")
                .unwrap_err()
                .contains("Content-Type 'text/plain'")
        );
    }

    #[test]
    fn stream_requests_name_the_bytes() {
        assert_eq!(stream_request(104_857_600), br#"{"bytes":104857600}"#);
    }
}
