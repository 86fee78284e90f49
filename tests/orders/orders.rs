//! `orders` end to end: the real `bootstrap` (built with the `aws`
//! feature) gets SQS batches from the fake Runtime API and writes their
//! orders to a DynamoDB table in moto, signing with the moto user's keys;
//! the test reads the table back.

use serde_json::{Value, json};

use crate::bootstrap;
use crate::runtime_api::{Event, FakeApi, Next, answered_id, finish};
use crate::support::{context, create_table, moto, moto_client, unique};
use lambda_bootstrap::aws;

/// An SQS batch whose messages carry these bodies, ids `m0`, `m1`, …
fn batch(id: &str, bodies: &[&str]) -> Next {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"messageId": format!("m{i}"), "receiptHandle": "r", "body": body,
                   "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                   "md5OfBody": "x", "eventSource": "aws:sqs",
                   "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"})
        })
        .collect();
    Next::Event(Event::json(id, &json!({ "Records": records })))
}

/// Runs `orders` on `script` with `table` as ORDERS_TABLE; what the API
/// received for each event, by request id, and the log.
fn run(table: &str, script: Vec<Next>) -> (Vec<(String, Value)>, String) {
    run_with(table, script, &[])
}

/// `run`, with `env` added to the function's environment.
fn run_with(
    table: &str,
    script: Vec<Next>,
    env: &[(&str, &str)],
) -> (Vec<(String, Value)>, String) {
    let moto = moto();
    let api = FakeApi::start(script);
    let mut cmd = bootstrap(&api, "orders");
    cmd.env("ORDERS_TABLE", table)
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", moto.keys[0].access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", moto.keys[0].secret_access_key())
        .envs(env.iter().copied());
    let out = finish(cmd);
    let answers = api
        .posts()
        .iter()
        .map(|p| {
            assert!(p.path.ends_with("/response"), "{}: {}", p.path, out.stderr);
            (answered_id(p), p.json())
        })
        .collect();
    (answers, out.stderr)
}

fn failures(ids: &[&str]) -> Value {
    let ids: Vec<Value> = ids.iter().map(|id| json!({"itemIdentifier": id})).collect();
    json!({ "batchItemFailures": ids })
}

#[test]
fn orders_are_stored_once_and_only_bad_messages_come_back() {
    let table = unique("orders");
    create_table(&table);
    let (answers, log) = run(
        &table,
        vec![
            batch(
                "b1",
                &[
                    r#"{"id": "o-1", "qty": 2}"#,
                    "not an order",
                    r#"{"id": "o-2", "qty": 5}"#,
                    r#"{"id": "o-1", "qty": 2}"#,
                    r#"{"id": "o-3", "qty": 0}"#,
                ],
            ),
            // SQS delivers at least once: the same order in a later batch.
            batch("b2", &[r#"{"id": "o-2", "qty": 5}"#]),
        ],
    );
    assert_eq!(
        answers,
        [
            ("b1".to_string(), failures(&["m1", "m4"])),
            ("b2".to_string(), failures(&[])),
        ],
        "{log}"
    );
    for line in [
        "INFO [b1] order o-1: qty 2 stored",
        "INFO [b1] order o-2: qty 5 stored",
        "INFO [b1] order o-1: stored already (delivered again)",
        "INFO [b2] order o-2: stored already (delivered again)",
    ] {
        assert!(log.lines().any(|l| l == line), "{line}\n{log}");
    }
    // The table holds each order once, as the first delivery wrote it.
    let ctx = context(30_000);
    let scan = moto_client()
        .json(&ctx, &aws::DYNAMODB, "Scan", &json!({"TableName": table}))
        .unwrap();
    let mut items: Vec<Value> = scan["Items"].as_array().unwrap().clone();
    items.sort_by_key(|item| item["id"]["S"].as_str().unwrap().to_string());
    assert_eq!(
        items,
        [
            json!({"id": {"S": "o-1"}, "qty": {"N": "2"}}),
            json!({"id": {"S": "o-2"}, "qty": {"N": "5"}}),
        ]
    );
}

#[test]
fn a_write_that_fails_is_reported_and_the_rest_go_on() {
    // No such table: every put fails with AWS's error, each message is
    // reported for SQS to deliver again, and the log says why.
    let table = unique("missing");
    let (answers, log) = run(
        &table,
        vec![batch(
            "b",
            &[r#"{"id": "o-1", "qty": 1}"#, r#"{"id": "o-2", "qty": 1}"#],
        )],
    );
    assert_eq!(answers, [("b".to_string(), failures(&["m0", "m1"]))]);
    assert!(
        log.contains("WARN [b] message m0: order o-1 not stored: DynamoDB.PutItem failed: ResourceNotFoundException"),
        "{log}"
    );
}

#[test]
fn at_trace_the_functions_log_shows_no_key_or_signature() {
    // RUST_LOG=trace turns on ureq's own TRACE lines, byte dumps of the
    // wire among them: the runtime's logger drops those of the AWS calls
    // (which carry the signature), and keeps the Runtime API's.
    let moto = moto();
    let table = unique("orders-trace");
    create_table(&table);
    let (answers, log) = run_with(
        &table,
        vec![batch("t", &[r#"{"id": "o-1", "qty": 1}"#])],
        &[("RUST_LOG", "trace")],
    );
    assert_eq!(answers, [("t".to_string(), failures(&[]))], "{log}");
    let secret = moto.keys[0].secret_access_key();
    let chars: Vec<char> = secret.chars().collect();
    for piece in chars.windows(10) {
        let piece: String = piece.iter().collect();
        assert!(!log.contains(&piece), "the secret key shows:\n{log}");
    }
    for marker in [
        "AWS4-HMAC-SHA256",
        "Signature=",
        "Credential=",
        "X-Amz-Date",
    ] {
        assert!(
            !log.to_ascii_lowercase()
                .contains(&marker.to_ascii_lowercase()),
            "{marker} shows:\n{log}"
        );
    }
    // The log was at TRACE, ureq's included: the Runtime API's exchanges
    // show, and the AWS call's DEBUG line.
    for line in [
        "Call<Prepare>",
        "HTTP/1.1",
        "aws: DynamoDB.PutItem 200 attempt 1 in ",
    ] {
        assert!(log.contains(line), "no {line:?}:\n{log}");
    }
}
