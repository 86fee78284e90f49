//! `streamevent` streaming its lines over a Function URL: one chunked
//! answer as it is written, the trailers when it fails midway, and `invoke`
//! printing the stream's body.

use serde_json::{Value, json};

use crate::bootstrap;
use crate::support::{
    Event, FakeApi, Next, Recorded, answered_id, assert_no_runtime_panic, finish, finish_with_stdin,
};

const HTTP_CONTENT_TYPE: &str = "application/vnd.awslambda.http-integration-response";

/// A Function URL event asking `streamevent` for `query`.
fn function_url(id: &str, query: &[(&str, &str)]) -> Next {
    let path = format!(
        "{}/tests/data/function-url.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut event: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    event["rawQueryString"] = json!(raw.join("&"));
    event["queryStringParameters"] = query
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    Next::Event(
        Event::json(id, &event).header("Lambda-Runtime-Invocation-Id", &format!("inv-{id}")),
    )
}

/// The answer posted for `id`; exactly one.
fn answer_for(api: &FakeApi, id: &str) -> Recorded {
    let posts: Vec<Recorded> = api
        .posts()
        .into_iter()
        .filter(|p| answered_id(p) == id)
        .collect();
    assert_eq!(posts.len(), 1, "one answer for {id}: {posts:?}");
    posts.into_iter().next().unwrap()
}

/// Splits an HTTP stream's body into its prelude (JSON) and the rest.
fn prelude_and_body(body: &[u8]) -> (Value, String) {
    let end = body
        .windows(8)
        .position(|w| w == [0; 8])
        .expect("the prelude's eight NULs");
    (
        serde_json::from_slice(&body[..end]).unwrap(),
        String::from_utf8(body[end + 8..].to_vec()).unwrap(),
    )
}

/// The JSON error body a trailer carries, base64.
fn trailer_error(post: &Recorded) -> Value {
    let encoded = post
        .trailer("Lambda-Runtime-Function-Error-Body")
        .unwrap_or_else(|| panic!("no error body trailer: {:?}", post.trailers));
    let bytes = lambda_bootstrap::http::base64::decode(encoded).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn assert_streamed(post: &Recorded, content_type: &str) {
    assert!(post.path.ends_with("/response"), "{}", post.path);
    assert_eq!(
        post.header("Lambda-Runtime-Function-Response-Mode"),
        Some("streaming")
    );
    assert_eq!(post.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(post.header("Content-Type"), Some(content_type));
    assert_eq!(
        post.header("Trailer"),
        Some("Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
    );
}

#[test]
fn streamevent_streams_its_lines_and_the_next_event_is_served() {
    let api = FakeApi::start(vec![
        function_url("s1", &[("lines", "3")]),
        function_url("s2", &[]),
        Next::Event(Event::json("after", &json!({}))),
    ]);
    let out = finish(bootstrap(&api, "streamevent"));
    assert_no_runtime_panic(&out);
    let post = answer_for(&api, "s1");
    assert_streamed(&post, HTTP_CONTENT_TYPE);
    assert_eq!(post.header("Lambda-Runtime-Invocation-Id"), Some("inv-s1"));
    assert!(post.trailers.is_empty(), "{:?}", post.trailers);
    let (prelude, body) = prelude_and_body(&post.body);
    assert_eq!(
        prelude,
        json!({"statusCode": 200, "headers": {"content-type": "text/plain; charset=utf-8"},
               "cookies": []})
    );
    assert_eq!(body, "line 1\nline 2\nline 3\n");
    let (_, body) = prelude_and_body(&answer_for(&api, "s2").body);
    assert_eq!(body.lines().count(), 10);
    // Not an HTTP event: an ordinary error, and the loop went on.
    let after = answer_for(&api, "after");
    assert!(after.path.ends_with("/error"), "{}", after.path);
    assert_eq!(after.json()["errorType"], "InvalidEvent");
    // Each stream on a connection of its own; /next kept its one.
    assert_eq!(api.connections(), 3, "{}", out.stderr);
    let next_conns: std::collections::BTreeSet<usize> = api
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.conn)
        .collect();
    assert_eq!(next_conns.len(), 1);
}

#[test]
fn the_first_line_arrives_long_before_the_handler_finishes() {
    let api = FakeApi::start(vec![function_url(
        "slow",
        &[("lines", "3"), ("delay_ms", "400")],
    )]);
    let out = finish(bootstrap(&api, "streamevent"));
    let post = answer_for(&api, "slow");
    let (_, body) = prelude_and_body(&post.body);
    assert_eq!(body, "line 1\nline 2\nline 3\n", "{}", out.stderr);
    // The chunk that completed line 1 was read at least two delays before
    // the last one: it left when flushed, not when the handler returned.
    let line_1_end = post.body.len() - "line 2\nline 3\n".len();
    let first = post
        .chunks
        .iter()
        .find(|(_, len)| *len >= line_1_end)
        .unwrap();
    let last = post.chunks.last().unwrap();
    let gap = last.0.duration_since(first.0);
    assert!(
        gap.as_millis() >= 700,
        "line 1 arrived only {gap:?} before the end: {:?}",
        post.chunks
    );
}

#[test]
fn a_failure_after_bytes_went_out_ends_the_stream_with_trailers() {
    let api = FakeApi::start(vec![
        function_url("fails", &[("lines", "5"), ("fail_after", "2")]),
        Next::Event(Event::json(
            "panics",
            &json!({"lines": ["a\n", "b\n"], "flush": true, "panic": "mid-stream"}),
        )),
        Next::Event(Event::json("after", &json!({"lines": ["ok\n"]}))),
    ]);
    let out = finish(bootstrap(&api, "streamevent"));
    let failed = answer_for(&api, "fails");
    assert_streamed(&failed, HTTP_CONTENT_TYPE);
    let (_, body) = prelude_and_body(&failed.body);
    assert_eq!(body, "line 1\nline 2\n", "what went out stays out");
    assert_eq!(
        failed.trailer("Lambda-Runtime-Function-Error-Type"),
        Some("Function.PlannedFailure")
    );
    assert_eq!(
        trailer_error(&failed),
        json!({"errorType": "PlannedFailure",
               "errorMessage": "failed after 2 lines, as fail_after asked"})
    );
    assert!(
        out.stderr.contains(
            "ERROR [fails] PlannedFailure: failed after 2 lines, as fail_after asked \
             (the stream ended with the error after"
        ),
        "{}",
        out.stderr
    );
    // streamevent cannot parse the next two (not HTTP events): ordinary
    // errors, nothing streamed.
    for id in ["panics", "after"] {
        assert!(answer_for(&api, id).path.ends_with("/error"));
    }
}

#[test]
fn local_invoke_streams_to_stdout_and_reports_a_mid_stream_error() {
    let invoke = |query: &str| {
        let path = format!(
            "{}/tests/data/function-url.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut event: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        event["rawQueryString"] = json!(query);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"));
        cmd.env_clear().args(["invoke", "streamevent", "-"]);
        finish_with_stdin(&mut cmd, serde_json::to_vec(&event).unwrap())
    };
    let out = invoke("lines=2");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, "line 1\nline 2\n", "stdout is the body");
    assert_eq!(
        out.stderr,
        "http: {\"cookies\":[],\"headers\":{\"content-type\":\"text/plain; charset=utf-8\"},\
         \"statusCode\":200}\n"
    );
    let out = invoke("lines=3&fail_after=1");
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "line 1\n");
    assert!(
        out.stderr.ends_with(
            "error: the stream ended with {\"errorMessage\":\"failed after 1 lines, as \
             fail_after asked\",\"errorType\":\"PlannedFailure\"}\n"
        ),
        "{}",
        out.stderr
    );
}
