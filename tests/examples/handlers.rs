//! The example handlers on their fixtures, through the real `bootstrap`
//! and the fake Runtime API: what Lambda would receive.

use serde_json::{Value, json};

use crate::bootstrap;
use crate::support::{Event, FakeApi, Finished, Next, finish};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Serves each fixture, in order, to `handler`; returns each POST's route
/// leaf (`response` or `error`) and body, plus the process's output.
fn check(handler: &str, fixtures: &[&str]) -> (Vec<(String, Value)>, Finished) {
    let events = fixtures
        .iter()
        .enumerate()
        .map(|(i, f)| Next::Event(Event::new(&format!("{handler}-{i}"), fixture(f))))
        .collect();
    let api = FakeApi::start(events);
    let out = finish(bootstrap(&api, handler));
    let posts = api.posts();
    assert_eq!(posts.len(), fixtures.len(), "{}", out.stderr);
    let answers = posts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let leaf = p.path.rsplit('/').next().unwrap().to_string();
            assert!(p.path.contains(&format!("/{handler}-{i}/")), "{}", p.path);
            (leaf, p.json())
        })
        .collect();
    (answers, out)
}

#[test]
fn httpevent_answers_both_payload_versions() {
    let (answers, _) = check(
        "httpevent",
        &[
            "apigw-rest-get-query.json",
            "apigw-rest-post-base64.json",
            "apigw-http-get.json",
            "apigw-http-cookies.json",
            "function-url.json",
            "sns-two-records.json",
        ],
    );
    let text = "text/plain; charset=utf-8";
    let v1 = |body: &str| {
        json!({"statusCode": 200, "headers": {"Content-Type": text}, "multiValueHeaders": {},
               "body": body, "isBase64Encoded": false})
    };
    let v2 = |body: &str| {
        json!({"statusCode": 200, "headers": {"Content-Type": text}, "cookies": [],
               "body": body, "isBase64Encoded": false})
    };
    let expected = [
        ("response", v1("Hello Alice from Rust")),
        ("response", v1("Hello World from Rust")),
        ("response", v2("Hello Bob from Rust")),
        ("response", v2("Hello Carol Ann from Rust")),
        ("response", v2("Hello World from Rust")),
        (
            "error",
            json!({"errorType": "InvalidEvent",
                   "errorMessage": "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'"}),
        ),
    ];
    for (got, (leaf, body)) in answers.iter().zip(expected) {
        assert_eq!((got.0.as_str(), &got.1), (leaf, &body));
    }
}

#[test]
fn snsevent_logs_each_record_at_info() {
    let (answers, out) = check("snsevent", &["sns-two-records.json", "schedule-input.json"]);
    assert_eq!(answers[0], ("response".to_string(), json!({})));
    // Not SNS records: refused before the handler, naming what is missing.
    assert_eq!(
        answers[1],
        (
            "error".to_string(),
            json!({"errorType": "Runtime.UnmarshalError",
                   "errorMessage": "the event does not fit SnsEvent: missing field `Records` \
                                    (line 1, column 18)"})
        )
    );
    assert!(out.stderr.contains(
        "INFO [snsevent-0] sns topic=arn:aws:sns:us-east-1:123456789012:lambda-bootstrap-events \
         subject=order placed message=\"{\\\"order\\\":1042,\\\"total\\\":\\\"19.99\\\"}\""
    ), "{}", out.stderr);
    assert!(out.stderr.contains("INFO [snsevent-0] sns topic=arn:aws:sns:us-east-1:123456789012:lambda-bootstrap-events subject=(none) message=\"plain text second message\""), "{}", out.stderr);
}

#[test]
fn scheduleevent_takes_input_and_envelope() {
    let (answers, out) = check(
        "scheduleevent",
        &["schedule-input.json", "eventbridge-scheduled.json"],
    );
    // One process served both: the state it keeps in a static carries
    // from the first invocation to the second.
    let runs: Vec<&Value> = answers
        .iter()
        .map(|(route, answer)| {
            assert_eq!(route, "response");
            assert!(answer["warm_for_ms"].is_u64(), "{answer}");
            &answer["runs"]
        })
        .collect();
    assert_eq!(runs, [&json!(1), &json!(2)]);
    // What it got is DEBUG: not shown at the default level.
    assert!(!out.stderr.contains("hello"), "{}", out.stderr);

    let api = FakeApi::start(vec![Next::Event(Event::new(
        "s",
        fixture("eventbridge-scheduled.json"),
    ))]);
    let mut cmd = bootstrap(&api, "scheduleevent");
    cmd.env("AWS_LAMBDA_LOG_LEVEL", "DEBUG");
    let out = finish(cmd);
    assert!(
        out.stderr
            .contains("DEBUG [s] scheduled event from arn:aws:events:us-east-1:123456789012:rule/"),
        "{}",
        out.stderr
    );
}

#[test]
fn sqsevent_reports_only_the_bad_messages() {
    let (answers, out) = check(
        "sqsevent",
        &["sqs-orders.json", "sqs-empty.json", "sns-two-records.json"],
    );
    assert_eq!(
        answers[0],
        (
            "response".to_string(),
            json!({"batchItemFailures": [
                {"itemIdentifier": "2b7c4a19-1e5d-4f3a-8c6b-9d0e1f2a3b02"},
                {"itemIdentifier": "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e03"},
            ]})
        )
    );
    assert_eq!(
        answers[1],
        ("response".to_string(), json!({"batchItemFailures": []}))
    );
    assert_eq!(answers[2].0, "error");
    assert_eq!(
        answers[2].1["errorMessage"],
        "the event does not fit SqsBatch: Records[0]: missing field `messageId` (line 22, column 5)"
    );
    for line in [
        "INFO [sqsevent-0] order o-1001: qty 2",
        "INFO [sqsevent-0] order o-1004: qty 1",
        "WARN [sqsevent-0] message c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e03: order o-1003 has qty 0; \
         SQS will deliver it again",
    ] {
        assert!(
            out.stderr.lines().any(|l| l == line),
            "{line}\n{}",
            out.stderr
        );
    }
    assert!(
        out.stderr.contains(
            "WARN [sqsevent-0] message 2b7c4a19-1e5d-4f3a-8c6b-9d0e1f2a3b02: its body is not an \
             order: expected value at line 1 column 1"
        ),
        "{}",
        out.stderr
    );
}
