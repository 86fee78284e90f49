//! Runtime API faults, from the fake API: for each, the documented
//! behaviour (go on, or exit non-zero naming the cause), no hang, no
//! panic, never two answers for one request id.

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::support::{Event, FakeApi, Finished, Next, PostRule, finish, probe};

fn ok_event(id: &str) -> Next {
    Next::Event(Event::json(id, &json!({"id": id})))
}

/// An event's full answer, written raw: the fake closes the connection
/// right after it.
fn raw_answer(id: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {id}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Runs the probe on `script` with `rule` for POSTs and checks the
/// invariants every fault shares: no runtime panic, at most one answer per
/// request id.
fn run(script: Vec<Next>, rule: PostRule) -> (Finished, FakeApi) {
    let api = FakeApi::start_with(script, rule);
    let out = finish(probe(&api, "probe"));
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let mut answers: HashMap<String, usize> = HashMap::new();
    for post in api.posts() {
        *answers.entry(post.path.clone()).or_default() += 1;
    }
    let ids: Vec<String> = api
        .posts()
        .iter()
        .map(|p| p.path.rsplit('/').nth(1).unwrap().to_string())
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "a request id answered twice");
    (out, api)
}

/// Checks a fault that must end the process: the ids answered before it,
/// exit code 1, and a last log line naming `cause`.
fn check(name: &str, script: Vec<Next>, answered: &[&str], cause: &str) {
    let (out, api) = run(script, Box::new(|_| 202));
    let got: Vec<String> = api
        .posts()
        .iter()
        .map(|p| p.path.rsplit('/').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(got, answered, "{name}: answers");
    assert_eq!(out.code, Some(1), "{name}: {}", out.stderr);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("ERROR") && last.contains(cause),
        "{name}: expected {cause:?} in {last:?}"
    );
}

#[test]
fn next_faults_end_the_process_with_the_cause() {
    let cases: Vec<(&str, Vec<Next>, &[&str], &str)> = vec![
        ("dropped before the answer", vec![ok_event("a"), Next::Close], &["a"], "unreachable during GET /runtime/invocation/next"),
        (
            "dropped inside the head",
            vec![Next::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec())],
            &[],
            "unreachable during GET /runtime/invocation/next",
        ),
        (
            "body shorter than its Content-Length",
            vec![Next::Raw(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: t\r\nContent-Length: 100\r\n\r\n{\"trunc".to_vec())],
            &[],
            "unreachable during GET /runtime/invocation/next",
        ),
        ("malformed status line", vec![Next::Raw(b"HTTP/1.1 abc\r\n\r\n".to_vec())], &[], "unreachable during GET /runtime/invocation/next"),
        ("not HTTP at all", vec![Next::Raw(b"garbage\r\n\r\n".to_vec())], &[], "unreachable during GET /runtime/invocation/next"),
        (
            "missing request id",
            vec![Next::Event(Event::json("x", &json!({})).without("Lambda-Runtime-Aws-Request-Id"))],
            &[],
            "without a Lambda-Runtime-Aws-Request-Id header",
        ),
        ("500", vec![Next::Status(500, "{\"errorType\":\"ServiceException\"}")], &[], "answered 500"),
        ("502", vec![ok_event("b"), Next::Status(502, "")], &["b"], "answered 502"),
        ("503", vec![Next::Status(503, "")], &[], "answered 503"),
        ("404 (wrong prefix)", vec![Next::Status(404, "not found")], &[], "answered 404 to GET /runtime/invocation/next: not found"),
    ];
    for (name, script, answered, cause) in cases {
        check(name, script, answered, cause);
    }
}

#[test]
fn connection_refused_at_start() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = FakeApi::start(vec![]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"));
    let out = finish(cmd);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("unreachable during GET /runtime/invocation/next"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Connection refused"), "{}", out.stderr);
}

#[test]
fn connection_dropped_after_the_event_still_gets_its_one_answer() {
    // The platform closes right after sending the event: the answer goes
    // out on a fresh connection, once. The handler waits on a side socket
    // that the fake closes only after the drop, so the runtime has seen the
    // close before it answers (otherwise which comes first is a race).
    let side = TcpListener::bind("127.0.0.1:0").unwrap();
    let event = json!({"wait_for_close": side.local_addr().unwrap().to_string()}).to_string();
    let (out, api) = run(
        vec![
            Next::RawThenRelease(raw_answer("after-drop", &event), side),
            ok_event("next"),
        ],
        Box::new(|_| 202),
    );
    let lines: Vec<String> = api.posts().iter().map(|p| p.line()).collect();
    assert_eq!(
        lines,
        [
            "POST /2018-06-01/runtime/invocation/after-drop/response",
            "POST /2018-06-01/runtime/invocation/next/response"
        ],
        "{}",
        out.stderr
    );
    assert!(api.posts()[0].json()["event"]["wait_for_close"].is_string());
    assert_eq!(
        api.posts()[0].conn,
        1,
        "the answer went out on a fresh connection"
    );
    assert_eq!(api.connections(), 2);
    assert_eq!(out.code, Some(1));
}

#[test]
fn refused_posts_are_logged_and_the_loop_goes_on() {
    for status in [400u16, 403, 410, 413, 500] {
        let script = vec![
            ok_event("ok-1"),
            Next::Event(Event::json(
                "err-1",
                &json!({"error": {"type": "Boom", "message": "m"}}),
            )),
            ok_event("ok-2"),
        ];
        let (out, api) = run(script, Box::new(move |_| status));
        let routes: Vec<String> = api
            .posts()
            .iter()
            .map(|p| p.path.rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(routes, ["response", "error", "response"], "status {status}");
        for (route, id) in [
            ("response", "ok-1"),
            ("error", "err-1"),
            ("response", "ok-2"),
        ] {
            let line = format!("refused the {route} for request {id} with status {status}");
            assert!(
                out.stderr.contains(&line),
                "expected {line:?} in {}",
                out.stderr
            );
        }
        assert_eq!(
            api.connections(),
            1,
            "a refusal does not cost the connection"
        );
        // The process only ends when the script does.
        assert!(
            out.stderr
                .lines()
                .last()
                .unwrap()
                .contains("GET /runtime/invocation/next")
        );
    }
}

#[test]
fn a_long_poll_is_simply_waited_for() {
    let held = Next::After(Duration::from_secs(5), Box::new(ok_event("late")));
    let (out, api) = run(vec![ok_event("early"), held], Box::new(|_| 202));
    let ids: Vec<String> = api
        .posts()
        .iter()
        .map(|p| p.path.rsplit('/').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(ids, ["early", "late"], "{}", out.stderr);
    assert_eq!(api.connections(), 1);
}

#[test]
fn a_post_that_gets_no_answer_ends_the_process() {
    let (out, api) = run(
        vec![ok_event("lost"), ok_event("never")],
        Box::new(|r| if r.path.contains("/lost/") { 0 } else { 202 }),
    );
    let lines: Vec<String> = api.posts().iter().map(|p| p.line()).collect();
    assert_eq!(lines, ["POST /2018-06-01/runtime/invocation/lost/response"]);
    assert_eq!(out.code, Some(1));
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.contains("unreachable during POST"), "{last}");
}
