//! Lambda Managed Instances: with `AWS_LAMBDA_MAX_CONCURRENCY=N`, N
//! invocations at once, each on a worker of its own with its own
//! connection; each still answered exactly once, whatever the others do.

use std::net::TcpListener;
use std::thread;

use serde_json::{Value, json};

use crate::support::{
    Event, FakeApi, Next, Recorded, answered_id, answers_per_id, assert_no_runtime_panic, finish,
    probe,
};

fn event(id: &str, value: Value) -> Next {
    Next::Event(Event::json(id, &value))
}

/// The route an answer went to: `response` or `error`.
fn route(post: &Recorded) -> &str {
    post.path.rsplit('/').next().unwrap()
}

/// Events whose handlers each block until `listener` accepts and closes
/// their connection: handed out only once `n` long polls are pending, so
/// they are all in flight together. Returns the steps and a thread that
/// releases the handlers once all `n` are waiting.
fn held_together(n: usize, prefix: &str, extra: Value) -> (Vec<Next>, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let steps = (0..n)
        .map(|i| {
            let mut body = json!({ "wait_for_close": addr });
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            Next::WhenPending(
                n,
                Box::new(Next::Event(Event::json(&format!("{prefix}-{i}"), &body))),
            )
        })
        .collect();
    let release = thread::spawn(move || {
        // Every handler connected: all n are running at once. Then all go.
        let held: Vec<_> = (0..n).map(|_| listener.accept().unwrap()).collect();
        drop(held);
    });
    (steps, release)
}

#[test]
fn four_workers_poll_at_once_and_answer_four_hundred_events_once_each() {
    let (mut script, release) = held_together(4, "held", json!({}));
    for i in 0..400 {
        script.push(event(&format!("e-{i}"), json!({ "i": i })));
    }
    let api = FakeApi::start(script);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "4");
    let out = finish(cmd);
    release.join().unwrap();
    assert_no_runtime_panic(&out);
    assert_eq!(out.code, Some(1), "{}", out.stderr);

    // Four long polls were pending at once, on four connections, and never
    // a fifth; four invocations ran at once (the held ones), never five.
    let load = api.load();
    assert_eq!(api.connections(), 4, "{}", out.stderr);
    assert_eq!(load.max_pending, 4, "{load:?}");
    assert_eq!(load.max_in_flight, 4, "{load:?}");
    let answers = answers_per_id(&api);
    assert_eq!(answers.len(), 404);
    assert!(answers.values().all(|&n| n == 1), "{answers:?}");
    for post in api.posts() {
        assert_eq!(route(&post), "response", "{}", post.path);
        let answer = post.json();
        let id = answered_id(&post);
        assert_eq!(answer["context"]["request_id"], id.as_str());
        if let Some(i) = id.strip_prefix("e-") {
            assert_eq!(answer["event"]["i"].to_string(), i);
        }
        // Each handler ran on a worker: main thread plus four.
        assert_eq!(answer["threads"], 5, "{answer}");
    }
    // The workers' connections were each kept for many invocations.
    let conns: std::collections::BTreeSet<usize> = api.requests().iter().map(|r| r.conn).collect();
    assert_eq!(conns.len(), 4);
}

#[test]
fn each_line_carries_the_id_of_the_invocation_that_logged_it() {
    let (script, release) = held_together(4, "log", json!({ "log_lines": 20 }));
    let api = FakeApi::start(script);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "4");
    let out = finish(cmd);
    release.join().unwrap();
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("probe line"))
        .collect();
    assert_eq!(lines.len(), 80, "{}", out.stderr);
    for line in lines {
        // INFO [log-2] probe line 7 of request log-2
        let id = line.rsplit(' ').next().unwrap();
        assert!(line.starts_with(&format!("INFO [{id}] ")), "{line}");
    }
}

#[test]
fn json_lines_carry_the_id_of_the_invocation_that_logged_it() {
    let (script, release) = held_together(3, "json", json!({ "log_lines": 10 }));
    let api = FakeApi::start(script);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "3")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON");
    let out = finish(cmd);
    release.join().unwrap();
    let mut seen = 0;
    for line in out.stderr.lines() {
        let line: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let message = line["message"].as_str().unwrap();
        if message.starts_with("probe line") {
            seen += 1;
            assert_eq!(
                Some(message.rsplit(' ').next().unwrap()),
                line["requestId"].as_str(),
                "{line}"
            );
        }
    }
    assert_eq!(seen, 30, "{}", out.stderr);
}

#[test]
fn panics_errors_and_bad_events_stay_with_their_own_invocation() {
    let mut script = Vec::new();
    let mut expected = Vec::new();
    for i in 0..200 {
        let id = format!("m-{i}");
        let (step, outcome) = match i % 5 {
            0 => (
                event(&id, json!({"panic": "planned"})),
                "Runtime.HandlerPanic",
            ),
            1 => (
                event(&id, json!({"error": {"type": "Planned", "message": "no"}})),
                "Planned",
            ),
            2 => (
                Next::Event(Event::new(&id, "{broken")),
                "Runtime.UnmarshalError",
            ),
            _ => (event(&id, json!({"i": i})), "ok"),
        };
        script.push(step);
        expected.push((id, outcome));
    }
    let api = FakeApi::start(script);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "4");
    let out = finish(cmd);
    assert_no_runtime_panic(&out);
    let posts = api.posts();
    assert_eq!(posts.len(), 200, "{}", out.stderr);
    assert!(answers_per_id(&api).values().all(|&n| n == 1));
    for (id, outcome) in expected {
        let post = posts.iter().find(|p| answered_id(p) == id).unwrap();
        match outcome {
            "ok" => assert_eq!(route(post), "response", "{id}"),
            error_type => {
                assert_eq!(route(post), "error", "{id}");
                assert_eq!(post.json()["errorType"], error_type, "{id}");
            }
        }
    }
    assert_eq!(api.connections(), 4);
}

#[test]
fn the_trace_id_reaches_handlers_through_the_context_only() {
    let mut script = Vec::new();
    for i in 0..40 {
        let id = format!("t-{i}");
        let trace = format!("Root=1-00000000-{i:024};Sampled=1");
        script.push(Next::Event(
            Event::json(&id, &json!({})).header("Lambda-Runtime-Trace-Id", &trace),
        ));
    }
    let api = FakeApi::start(script);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "2");
    let out = finish(cmd);
    let posts = api.posts();
    assert_eq!(posts.len(), 40, "{}", out.stderr);
    for post in posts {
        let answer = post.json();
        let i: usize = answered_id(&post)[2..].parse().unwrap();
        assert_eq!(
            answer["context"]["trace_id"],
            format!("Root=1-00000000-{i:024};Sampled=1").as_str()
        );
        // Never written to the environment, which all workers share.
        assert_eq!(answer["trace_env"], Value::Null, "{answer}");
    }
}

#[test]
fn empty_optional_headers_are_absent_not_warnings() {
    let api = FakeApi::start(vec![Next::Event(
        Event::json("empty", &json!({}))
            .header("Lambda-Runtime-Client-Context", "")
            .header("Lambda-Runtime-Cognito-Identity", ""),
    )]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "2");
    let out = finish(cmd);
    let answer = api.posts()[0].json();
    assert_eq!(answer["context"]["client_context"], Value::Null);
    assert_eq!(answer["context"]["identity"], Value::Null);
    assert!(!out.stderr.contains("WARN"), "{}", out.stderr);
}

#[test]
fn bad_values_of_the_variable_are_one_init_error() {
    for bad in ["0", "-1", "four", "2.5", "1601", ""] {
        let api = FakeApi::start(vec![]);
        let mut cmd = probe(&api, "probe");
        cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", bad);
        let out = finish(cmd);
        assert_eq!(out.code, Some(1), "{bad:?}: {}", out.stderr);
        let requests = api.requests();
        assert_eq!(requests.len(), 1, "only the init error: {requests:?}");
        assert_eq!(requests[0].line(), "POST /2018-06-01/runtime/init/error");
        let body = requests[0].json();
        assert_eq!(body["errorType"], "Runtime.InvalidMaxConcurrency");
        assert_eq!(
            body["errorMessage"],
            format!(
                "AWS_LAMBDA_MAX_CONCURRENCY is '{bad}': expected a whole number from 1 to 1600 \
                 (Lambda's largest concurrency per execution environment)"
            )
            .as_str()
        );
    }
}

#[test]
fn an_unknown_handler_is_one_init_error_not_one_per_worker() {
    let api = FakeApi::start(vec![]);
    let mut cmd = probe(&api, "htpevent");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "8");
    let out = finish(cmd);
    assert_eq!(out.code, Some(1));
    let requests = api.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].json()["errorType"], "Runtime.NoSuchHandler");
}

#[test]
fn a_runtime_api_failure_on_one_worker_ends_the_process() {
    // Two workers both polling; one poll is answered 500, the other is
    // held (a third poll never comes): the process exits 1 all the same.
    let api = FakeApi::start(vec![
        Next::WhenPending(2, Box::new(Next::Status(500, "{\"errorType\":\"Broken\"}"))),
        Next::WhenPending(3, Box::new(Next::Close)),
    ]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "2");
    let out = finish(cmd);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("runtime API answered 500 to GET /runtime/invocation/next"),
        "{}",
        out.stderr
    );
}

#[test]
fn one_worker_is_todays_runtime() {
    let api = FakeApi::start(vec![Next::Event(
        Event::json("one", &json!({})).header("Lambda-Runtime-Trace-Id", "Root=1-a"),
    )]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "1");
    let out = finish(cmd);
    let answer = api.posts()[0].json();
    assert_eq!(answer["trace_env"], "Root=1-a", "{}", out.stderr);
    assert_eq!(answer["threads"], 1);
    assert_eq!(api.connections(), 1);
}
