//! Retries and deadlines, against a local server playing a failing AWS:
//! throttled and 5xx answers and dropped connections are tried again and
//! then succeed; nothing runs past the invocation's deadline; a call with
//! too little time left is not started.

use std::time::{Duration, Instant};

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::{self, Client, Credentials, Error, RetryConfig};
use serde_json::json;

use crate::support::{Answer, Scripted, client_with, context, epoch_ms};

fn client(server: &Scripted, base_delay_ms: u64) -> Client {
    let keys = Source::Static(Credentials::new("AKIDFAKE", "fake", None, None));
    client_with(&server.url, keys, |config| {
        config.retry = RetryConfig {
            base_delay: Duration::from_millis(base_delay_ms),
            ..RetryConfig::default()
        };
    })
}

fn throttled() -> Answer {
    Answer::json(
        400,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#,
    )
}

#[test]
fn throttling_5xx_and_dropped_connections_are_retried_then_succeed() {
    for (first, second) in [
        (
            throttled(),
            Answer::With(500, vec![], "<html>oops</html>".into()),
        ),
        (Answer::With(503, vec![], String::new()), Answer::Close),
    ] {
        let server = Scripted::start(vec![first, second, Answer::json(200, r#"{"Count":1}"#)]);
        let answer = client(&server, 20)
            .json(
                &context(30_000),
                &aws::DYNAMODB,
                "Scan",
                &json!({"TableName": "t"}),
            )
            .unwrap();
        assert_eq!(answer, json!({"Count": 1}));
        let received = server.received();
        assert_eq!(received.len(), 3, "three attempts: {received:?}");
        // Each attempt is signed afresh, with its own date.
        assert!(received.iter().all(|r| r.header("authorization").is_some()));
    }
}

#[test]
fn three_attempts_at_most_then_the_last_answer() {
    let server = Scripted::start(vec![throttled()]);
    let err = client(&server, 5)
        .json(&context(30_000), &aws::DYNAMODB, "Scan", &json!({}))
        .unwrap_err();
    assert!(err.is("ProvisionedThroughputExceededException"), "{err}");
    assert_eq!(server.received().len(), 3);
}

#[test]
fn errors_that_will_not_change_are_not_retried() {
    let server = Scripted::start(vec![Answer::json(
        400,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"no"}"#,
    )]);
    let err = client(&server, 5)
        .json(&context(30_000), &aws::DYNAMODB, "PutItem", &json!({}))
        .unwrap_err();
    assert!(err.is("ConditionalCheckFailedException"), "{err}");
    assert_eq!(server.received().len(), 1);
}

#[test]
fn retries_stop_at_the_deadline() {
    // Always unavailable; a backoff of up to 400 ms doubling, with about
    // 600 ms to go: whatever the jitter draws, the call gives up with the
    // last answer before the deadline, keeping the 50 ms reserve.
    let server = Scripted::start(vec![Answer::With(503, vec![], String::new())]);
    let ctx = context(600);
    let deadline = ctx.deadline_ms.unwrap();
    let err = client(&server, 400)
        .json(&ctx, &aws::DYNAMODB, "Scan", &json!({}))
        .unwrap_err();
    let ended = epoch_ms();
    assert!(err.is("ServiceUnavailable"), "{err}");
    // 25 ms of slack for a loaded machine: the answer is read, and the
    // process scheduled, after the decision to stop was taken in time.
    assert!(
        ended + 50 <= deadline + 25,
        "ended {} ms before the deadline",
        deadline as i64 - ended as i64
    );
    assert!((1..=3).contains(&server.received().len()));
}

#[test]
fn an_answer_that_never_comes_times_out_at_the_deadline() {
    let server = Scripted::start(vec![Answer::Hang]);
    let ctx = context(800);
    let deadline = ctx.deadline_ms.unwrap();
    let started = Instant::now();
    let err = client(&server, 20)
        .json(&ctx, &aws::DYNAMODB, "Scan", &json!({}))
        .unwrap_err();
    let ended = epoch_ms();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(
        err.to_string().starts_with("DynamoDB.Scan timed out"),
        "{err}"
    );
    assert!(
        ended <= deadline,
        "ran {} ms past the deadline",
        ended as i64 - deadline as i64
    );
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "gave up early: {:?}",
        started.elapsed()
    );
}

#[test]
fn a_call_that_cannot_finish_in_time_is_not_started() {
    let server = Scripted::start(vec![Answer::json(200, "{}")]);
    let err = client(&server, 20)
        .json(&context(120), &aws::DYNAMODB, "Scan", &json!({}))
        .unwrap_err();
    let Error::Deadline {
        remaining, needed, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(*remaining <= Duration::from_millis(120) && *needed == Duration::from_millis(150));
    assert!(
        err.to_string().starts_with("DynamoDB.Scan not started: "),
        "{err}"
    );
    assert!(server.received().is_empty(), "nothing was sent");
}

/// A send whose answer never comes, on a client that gives up waiting
/// after 300 ms: how many times it reached the server.
fn sends_of_an_unanswered(request: aws::Request) -> (usize, Error) {
    let server = Scripted::start(vec![Answer::Hang]);
    let keys = Source::Static(Credentials::new("AKIDFAKE", "fake", None, None));
    let client = client_with(&server.url, keys, |config| {
        config.retry.base_delay = Duration::from_millis(5);
        config.read_timeout = Duration::from_millis(300);
    });
    let err = client.send(&context(30_000), &request).unwrap_err();
    (server.received().len(), err)
}

#[test]
fn a_timed_out_send_is_retried_unless_the_request_opts_out() {
    let send = || {
        aws::json::request(
            &aws::SQS,
            "SendMessage",
            &json!({"QueueUrl": "q", "MessageBody": "once"}),
        )
    };
    let (sent, err) = sends_of_an_unanswered(send());
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert_eq!(
        sent, 3,
        "the SDKs' standard mode tries a timed-out call again"
    );
    let (sent, err) = sends_of_an_unanswered(send().no_retry_after_send());
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(
        err.to_string().starts_with("SQS.SendMessage timed out"),
        "{err}"
    );
    assert_eq!(sent, 1, "sent once, not retried after sending");
}

#[test]
fn a_request_that_opts_out_is_still_retried_when_throttled_and_not_after_a_5xx() {
    let keys = Source::Static(Credentials::new("AKIDFAKE", "fake", None, None));
    let once = || aws::json::request(&aws::DYNAMODB, "Scan", &json!({})).no_retry_after_send();
    let server = Scripted::start(vec![throttled(), Answer::json(200, r#"{"Count":2}"#)]);
    let client = client_with(&server.url, keys.clone(), |_| {});
    let answer = client.send(&context(30_000), &once()).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(server.received().len(), 2, "a throttled call did nothing");
    let server = Scripted::start(vec![Answer::With(503, vec![], String::new())]);
    let client = client_with(&server.url, keys, |_| {});
    let answer = client.send(&context(30_000), &once()).unwrap();
    assert_eq!(answer.status, 503);
    assert_eq!(server.received().len(), 1, "a 5xx may come after AWS acted");
}
