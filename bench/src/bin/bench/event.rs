//! What the fake API sends (an API Gateway REST event, padded to a size)
//! and what counts as a right answer to it, and to the concurrency
//! comparison's jobs. Pure: no I/O.

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
}
