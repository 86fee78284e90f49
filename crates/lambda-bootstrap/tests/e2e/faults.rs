//! Runtime API faults, from the fake API: for each, the documented
//! behaviour (go on, or exit non-zero naming the cause), no hang, no
//! panic, never two answers for one request id.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::support::{
    Event, FakeApi, Finished, Next, PostRule, answered_id, answers_per_id, assert_no_runtime_panic,
    finish, probe, raw_event,
};

const NEXT_UNREACHABLE: &str = "unreachable during GET /runtime/invocation/next";

fn ok_event(id: &str) -> Next {
    Next::Event(Event::json(id, &json!({"id": id})))
}

/// Runs the probe on `script` with `rule` for POSTs and checks the
/// invariants every fault shares: the process ends (`finish` fails the test
/// if it hangs), the runtime never panics, no request id is answered twice.
fn run(script: Vec<Next>, rule: PostRule) -> (Finished, FakeApi) {
    let api = FakeApi::start_with(script, rule);
    let out = finish(probe(&api, "probe"));
    assert_no_runtime_panic(&out);
    let twice: Vec<_> = answers_per_id(&api)
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .collect();
    assert!(twice.is_empty(), "answered more than once: {twice:?}");
    (out, api)
}

/// The ids answered, in order.
fn answered(api: &FakeApi) -> Vec<String> {
    api.posts().iter().map(answered_id).collect()
}

/// The last thing the runtime logged: on exit, the cause.
fn last_line(out: &Finished) -> &str {
    out.stderr.lines().last().unwrap_or_default()
}

/// Checks a fault that must end the process: the ids answered before it,
/// exit code 1, and a last log line, at ERROR, naming `cause`.
fn check(name: &str, script: Vec<Next>, expected: &[&str], cause: &str) {
    let (out, api) = run(script, Box::new(|_| 202));
    assert_eq!(answered(&api), expected, "{name}: answers");
    assert_eq!(out.code, Some(1), "{name}: {}", out.stderr);
    let last = last_line(&out);
    assert!(
        last.starts_with("ERROR") && last.contains(cause),
        "{name}: expected {cause:?} in {last:?}"
    );
}

#[test]
fn next_faults_end_the_process_with_the_cause() {
    let huge_header = Event::json("huge", &json!({})).header("X-Padding", &"p".repeat(17 * 1024));
    let cases: Vec<(&str, Vec<Next>, &[&str], &str)> = vec![
        ("dropped before the first answer", vec![Next::Close], &[], NEXT_UNREACHABLE),
        ("dropped before a later answer", vec![ok_event("a"), Next::Close], &["a"], NEXT_UNREACHABLE),
        ("dropped inside the status line", vec![Next::Raw(b"HTTP/1.1 20".to_vec())], &[], NEXT_UNREACHABLE),
        ("dropped inside the head", vec![Next::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec())], &[], NEXT_UNREACHABLE),
        (
            "dropped between head and body",
            vec![Next::Raw(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: t\r\nContent-Length: 10\r\n\r\n".to_vec())],
            &[],
            NEXT_UNREACHABLE,
        ),
        (
            "body shorter than its Content-Length",
            vec![Next::Raw(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: t\r\nContent-Length: 100\r\n\r\n{\"trunc".to_vec())],
            &[],
            NEXT_UNREACHABLE,
        ),
        (
            "chunked body cut inside a chunk",
            vec![Next::Raw(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"a\"".to_vec())],
            &[],
            NEXT_UNREACHABLE,
        ),
        ("malformed status line", vec![Next::Raw(b"HTTP/1.1 abc\r\n\r\n".to_vec())], &[], NEXT_UNREACHABLE),
        ("not HTTP at all", vec![Next::Raw(b"garbage\r\n\r\n".to_vec())], &[], NEXT_UNREACHABLE),
        ("a head over 16 KiB", vec![Next::Event(huge_header)], &[], "response header is too big"),
        (
            "missing request id",
            vec![Next::Event(Event::json("x", &json!({})).without("Lambda-Runtime-Aws-Request-Id"))],
            &[],
            "without a Lambda-Runtime-Aws-Request-Id header",
        ),
        ("500", vec![Next::Status(500, "{\"errorType\":\"ServiceException\"}")], &[], "answered 500 to GET /runtime/invocation/next: {\"errorType\":\"ServiceException\"}"),
        ("502 after an event", vec![ok_event("b"), Next::Status(502, "")], &["b"], "answered 502"),
        ("503", vec![Next::Status(503, "")], &[], "answered 503"),
        ("403", vec![Next::Status(403, "")], &[], "answered 403"),
        ("404 (wrong prefix)", vec![Next::Status(404, "not found")], &[], "answered 404 to GET /runtime/invocation/next: not found"),
        ("302 is not followed", vec![Next::Status(302, "")], &[], "answered 302"),
    ];
    for (name, script, answered, cause) in cases {
        check(name, script, answered, cause);
    }
}

/// A port that was just free: nobody listens there any more.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn connection_refused_at_start() {
    let port = closed_port();
    let api = FakeApi::start(vec![]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"));
    let out = finish(cmd);
    assert_eq!(out.code, Some(1));
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let last = last_line(&out);
    assert!(
        last.starts_with("ERROR")
            && last.contains(NEXT_UNREACHABLE)
            && last.contains("Connection refused"),
        "{}",
        out.stderr
    );
    assert_eq!(api.connections(), 0);
}

#[test]
fn an_unknown_handler_with_no_api_to_tell_says_both_cause_first() {
    let port = closed_port();
    let api = FakeApi::start(vec![]);
    let mut cmd = probe(&api, "htpevent");
    cmd.env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"));
    let out = finish(cmd);
    assert_eq!(out.code, Some(1));
    // One line: why the runtime cannot start, then that the report failed,
    // naming the call.
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].starts_with(
            "ERROR Runtime.NoSuchHandler: unknown handler 'htpevent' (known handlers: "
        ) && lines[0].contains(
            "; reporting it failed too: runtime API unreachable during \
                 POST /runtime/init/error: "
        ) && lines[0].ends_with("Connection refused (os error 111)"),
        "{}",
        out.stderr
    );
}

#[test]
fn connection_dropped_after_the_event_still_gets_its_one_answer() {
    // The platform closes right after sending the event: the answer goes
    // out on a fresh connection, once. The handler waits on a side socket
    // that the fake closes only after the drop, so the runtime has seen the
    // close before it answers (otherwise which comes first is a race; the
    // test below covers the race itself).
    let side = TcpListener::bind("127.0.0.1:0").unwrap();
    let event = json!({"wait_for_close": side.local_addr().unwrap().to_string()}).to_string();
    let (out, api) = run(
        vec![
            Next::RawThenRelease(
                raw_event(
                    b"Lambda-Runtime-Aws-Request-Id: after-drop\r\n",
                    event.as_bytes(),
                ),
                side,
            ),
            ok_event("next"),
        ],
        Box::new(|_| 202),
    );
    assert_answered_on_a_fresh_connection(&out, &api, "after-drop");
    assert!(api.posts()[0].json()["event"]["wait_for_close"].is_string());
}

#[test]
fn an_event_sent_with_connection_close_is_answered_on_a_fresh_connection() {
    let (out, api) = run(
        vec![
            Next::Raw(raw_event(
                b"Lambda-Runtime-Aws-Request-Id: closing\r\nConnection: close\r\n",
                b"{\"k\":1}",
            )),
            ok_event("next"),
        ],
        Box::new(|_| 202),
    );
    assert_answered_on_a_fresh_connection(&out, &api, "closing");
    assert_eq!(api.posts()[0].json()["event"], json!({"k": 1}));
}

/// After a script of an event on a connection the fake then closed, and
/// `ok_event("next")`: `id` was answered on the second connection, then
/// "next", and the process ended when the script ran out.
fn assert_answered_on_a_fresh_connection(out: &Finished, api: &FakeApi, id: &str) {
    assert_eq!(answered(api), [id, "next"], "{}", out.stderr);
    assert_eq!(
        api.posts()[0].conn,
        1,
        "the answer went out on a fresh connection"
    );
    assert_eq!(api.connections(), 2);
    assert_eq!(out.code, Some(1));
    assert!(last_line(out).contains(NEXT_UNREACHABLE));
}

#[test]
fn connection_dropped_after_the_event_gives_at_most_one_answer() {
    // The fake sends a whole event, then closes without a word. Which of
    // two things happens depends on whether the FIN lands before the
    // runtime's POST: ureq sees the pooled connection closed and posts on
    // a new one (answered, the loop goes on), or the POST goes out on the
    // dead one and fails (the process exits naming the POST). Both are
    // correct; two answers, a hang or a panic never are (`run` checks).
    let (out, api) = run(
        vec![
            Next::Raw(raw_event(
                b"Lambda-Runtime-Aws-Request-Id: after-drop\r\n",
                b"{\"k\":1}",
            )),
            ok_event("next"),
        ],
        Box::new(|_| 202),
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let last = last_line(&out);
    match &answered(&api)[..] {
        [first, second] if first == "after-drop" && second == "next" => {
            assert_eq!(api.posts()[0].json()["event"], json!({"k": 1}));
            assert!(last.contains(NEXT_UNREACHABLE), "{last}");
        }
        [] => assert!(last.contains("unreachable during POST"), "{}", out.stderr),
        other => panic!("unexpected answers {other:?}: {}", out.stderr),
    }
}

#[test]
fn a_post_that_gets_no_answer_ends_the_process() {
    // The connection is dropped after the POST is read, before it is
    // answered: the runtime cannot know whether it landed, so it does not
    // post again, and it exits.
    let (out, api) = run(
        vec![ok_event("lost"), ok_event("never")],
        Box::new(|r| if r.path.contains("/lost/") { 0 } else { 202 }),
    );
    let lines: Vec<String> = api.posts().iter().map(|p| p.line()).collect();
    assert_eq!(lines, ["POST /2018-06-01/runtime/invocation/lost/response"]);
    assert_eq!(out.code, Some(1));
    let last = last_line(&out);
    assert!(
        last.starts_with("ERROR") && last.contains("unreachable during POST"),
        "{last}"
    );
}

#[test]
fn answer_statuses_are_logged_when_refused_and_the_loop_goes_on() {
    for status in [200u16, 201, 202, 400, 403, 410, 413, 500] {
        let script = vec![
            ok_event("ok-1"),
            Next::Event(Event::json(
                "err-1",
                &json!({"error": {"type": "Boom", "message": "m"}}),
            )),
            Next::Event(Event::json("panic-1", &json!({"panic": "p"}))),
            ok_event("ok-2"),
        ];
        let (out, api) = run(script, Box::new(move |_| status));
        let routes: Vec<String> = api
            .posts()
            .iter()
            .map(|p| format!("{} {}", answered_id(p), p.path.rsplit('/').next().unwrap()))
            .collect();
        assert_eq!(
            routes,
            [
                "ok-1 response",
                "err-1 error",
                "panic-1 error",
                "ok-2 response"
            ],
            "status {status}: one answer each, never /error after a refused /response"
        );
        let accepted = (200..300).contains(&status);
        for (route, id) in [
            ("response", "ok-1"),
            ("error", "err-1"),
            ("error", "panic-1"),
            ("response", "ok-2"),
        ] {
            let line = format!("refused the {route} for request {id} with status {status}");
            assert_eq!(
                out.stderr.contains(&line),
                !accepted,
                "{line:?} logged?\n{}",
                out.stderr
            );
        }
        assert_eq!(
            out.stderr.contains("larger than Lambda's 6 MB limit"),
            status == 413
        );
        assert_eq!(
            api.connections(),
            1,
            "status {status}: a refusal does not cost the connection"
        );
        // The process only ends when the script does.
        assert_eq!(out.code, Some(1));
        assert!(last_line(&out).contains(NEXT_UNREACHABLE));
    }
}

#[test]
fn a_long_poll_is_simply_waited_for() {
    // The platform holds /next for 5 s (a quiet function, a frozen
    // sandbox): the runtime has no timeout on it and answers when it comes.
    let held = Next::After(Duration::from_secs(5), Box::new(ok_event("late")));
    let (out, api) = run(vec![ok_event("early"), held], Box::new(|_| 202));
    assert_eq!(answered(&api), ["early", "late"], "{}", out.stderr);
    assert_eq!(api.connections(), 1);
    assert!(!out.stderr.contains("timed out"), "{}", out.stderr);
}
