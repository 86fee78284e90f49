//! The runtime core: the loop, answers, errors, context, trace id, logging,
//! start-up failures.

use serde_json::{Value, json};

use crate::support::{Event, FakeApi, Finished, Next, finish, known_handlers, probe};

const NEXT: &str = "GET /2018-06-01/runtime/invocation/next";

/// Serves `events` to the probe binary (handler `probe`) and returns what
/// it printed and what the API received.
fn run_probe(events: Vec<Next>) -> (Finished, FakeApi) {
    let api = FakeApi::start(events);
    let out = finish(probe(&api, "probe"));
    (out, api)
}

fn event(id: &str, body: Value) -> Next {
    Next::Event(Event::json(id, &body))
}

/// The answer the probe posted for the only event.
fn single_answer(api: &FakeApi) -> Value {
    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    posts[0].json()
}

#[test]
fn serves_many_invocations_on_one_connection() {
    let n = 300;
    let events = (0..n)
        .map(|i| {
            Next::Event(Event::json(
                &format!("req-{i}"),
                &json!({"httpMethod": "GET", "path": "/hello", "queryStringParameters": {"hello": format!("n{i}")}}),
            ))
        })
        .collect();
    let api = FakeApi::start(events);
    let out = finish(probe(&api, "probe"));

    let requests = api.requests();
    assert_eq!(
        requests.len(),
        2 * n + 1,
        "n events, n answers, one last /next"
    );
    for i in 0..n {
        assert_eq!(requests[2 * i].line(), NEXT);
        let answer = &requests[2 * i + 1];
        assert_eq!(
            answer.line(),
            format!("POST /2018-06-01/runtime/invocation/req-{i}/response")
        );
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(
            answer.json()["event"]["queryStringParameters"]["hello"],
            format!("n{i}")
        );
    }
    assert_eq!(
        api.connections(),
        1,
        "one kept-alive connection for the whole life"
    );
    assert!(requests.iter().all(|r| r.conn == 0));
    assert_eq!(out.stdout, "", "logs go to stderr; stdout stays clean");
    // The script ends by closing the connection: a Runtime API failure.
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("GET /runtime/invocation/next"),
        "{}",
        out.stderr
    );
}

#[test]
fn context_reaches_the_handler() {
    let e = Event::json("req-ctx", &json!({"k": "v"}))
        .header(
            "Lambda-Runtime-Deadline-Ms",
            &crate::support::deadline_in(30_000),
        )
        .header(
            "Lambda-Runtime-Trace-Id",
            "Root=1-67891233-abcdef012345678912345678;Sampled=1",
        )
        .header(
            "Lambda-Runtime-Client-Context",
            r#"{"client":{"installation_id":"i-1"},"custom":{"a":"b"}}"#,
        )
        .header(
            "Lambda-Runtime-Cognito-Identity",
            r#"{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}"#,
        )
        .header("Lambda-Runtime-Aws-Tenant-Id", "tenant-7")
        .header("Lambda-Runtime-Invocation-Id", "inv-42");
    let (_, api) = run_probe(vec![Next::Event(e)]);
    let answer = single_answer(&api);
    let ctx = &answer["context"];
    assert_eq!(answer["event"], json!({"k": "v"}));
    assert_eq!(ctx["request_id"], "req-ctx");
    let remaining = ctx["remaining_ms"].as_u64().unwrap();
    assert!(remaining > 20_000 && remaining <= 30_000, "{remaining}");
    assert_eq!(
        ctx["invoked_function_arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:test"
    );
    assert_eq!(
        ctx["trace_id"],
        "Root=1-67891233-abcdef012345678912345678;Sampled=1"
    );
    assert_eq!(ctx["client_context"]["custom"], json!({"a": "b"}));
    assert_eq!(ctx["identity"]["cognitoIdentityPoolId"], "pool-1");
    assert_eq!(ctx["tenant_id"], "tenant-7");
    assert_eq!(ctx["invocation_id"], "inv-42");
    assert_eq!(ctx["function_name"], "test-function");
    assert_eq!(ctx["function_version"], "$LATEST");
    assert_eq!(ctx["memory_mb"], 128);
    assert_eq!(ctx["log_group"], "/aws/lambda/test-function");
    assert_eq!(ctx["log_stream"], "2026/11/25/[$LATEST]0123456789abcdef");
    assert_eq!(
        answer["threads"], 1,
        "the runtime must stay single-threaded"
    );
}

#[test]
fn missing_or_odd_optional_headers_break_nothing() {
    let bare = Event::json("req-bare", &json!({}))
        .without("Lambda-Runtime-Deadline-Ms")
        .without("Lambda-Runtime-Invoked-Function-Arn");
    let odd = Event::json("req-odd", &json!({}))
        .header("Lambda-Runtime-Deadline-Ms", "tomorrow")
        .header("Lambda-Runtime-Client-Context", "{not json");
    let (_, api) = run_probe(vec![Next::Event(bare), Next::Event(odd)]);
    let posts = api.posts();
    assert_eq!(posts.len(), 2);
    for post in &posts {
        assert!(post.path.ends_with("/response"), "{}", post.path);
        let ctx = &post.json()["context"];
        assert_eq!(ctx["deadline_ms"], Value::Null);
        assert_eq!(ctx["remaining_ms"], Value::Null);
        assert_eq!(ctx["client_context"], Value::Null);
    }
}

#[test]
fn trace_id_is_exported_and_removed() {
    let with = |id: &str, trace: &str| {
        Next::Event(Event::json(id, &json!({})).header("Lambda-Runtime-Trace-Id", trace))
    };
    let (_, api) = run_probe(vec![
        with("a", "Root=1-aaaa"),
        event("b", json!({})),
        with("c", "Root=1-cccc;Parent=1;Sampled=0"),
    ]);
    let seen: Vec<Value> = api
        .posts()
        .iter()
        .map(|p| p.json()["trace_env"].clone())
        .collect();
    assert_eq!(
        seen,
        vec![
            json!("Root=1-aaaa"),
            Value::Null,
            json!("Root=1-cccc;Parent=1;Sampled=0")
        ]
    );
}

#[test]
fn request_ids_are_percent_encoded_into_one_segment() {
    let id = "a/b?c#d%e f/../é";
    let (_, api) = run_probe(vec![event(id, json!({}))]);
    assert_eq!(
        api.posts()[0].path,
        "/2018-06-01/runtime/invocation/a%2Fb%3Fc%23d%25e%20f%2F..%2F%C3%A9/response"
    );
    assert_eq!(api.posts()[0].json()["context"]["request_id"], id);
}

/// Checks one `/error` post: route, headers and JSON body.
fn check_error(post: &crate::support::Recorded, id: &str, header: &str, body: Value) {
    assert_eq!(
        post.line(),
        format!("POST /2018-06-01/runtime/invocation/{id}/error")
    );
    assert_eq!(
        post.header("Lambda-Runtime-Function-Error-Type"),
        Some(header)
    );
    assert_eq!(
        post.header("content-type"),
        Some("application/vnd.aws.lambda.error+json")
    );
    assert_eq!(post.json(), body);
}

#[test]
fn bad_events_get_unmarshal_errors_and_the_loop_goes_on() {
    let (out, api) = run_probe(vec![
        Next::Event(Event::new("bad-json", "{not json")),
        Next::Event(Event::new("bad-utf8", b"\"\xff\xfe\"".to_vec())),
        Next::Event(Event::new("empty", "")),
        event("good", json!({"ok": true})),
    ]);
    let posts = api.posts();
    assert_eq!(posts.len(), 4);
    for (post, id) in posts.iter().zip(["bad-json", "bad-utf8", "empty"]) {
        assert_eq!(
            post.header("Lambda-Runtime-Function-Error-Type"),
            Some("Runtime.UnmarshalError")
        );
        let body = post.json();
        assert_eq!(body["errorType"], "Runtime.UnmarshalError");
        assert!(
            body["errorMessage"]
                .as_str()
                .unwrap()
                .starts_with("could not parse the event as JSON")
        );
        assert!(post.path.contains(&format!("/{id}/error")));
    }
    assert_eq!(posts[3].json()["event"], json!({"ok": true}));
    assert!(
        out.stderr
            .contains("ERROR [bad-json] Runtime.UnmarshalError"),
        "{}",
        out.stderr
    );
}

#[test]
fn handler_errors_are_posted_with_the_handlers_type() {
    let (out, api) = run_probe(vec![
        event(
            "e1",
            json!({"error": {"type": "InvalidEvent", "message": "no \"Records\"\nat all"}}),
        ),
        event(
            "e2",
            json!({"error": {"type": "weird type!", "message": ""}}),
        ),
        event("after", json!({})),
    ]);
    let posts = api.posts();
    check_error(
        &posts[0],
        "e1",
        "Function.InvalidEvent",
        json!({"errorType": "InvalidEvent", "errorMessage": "no \"Records\"\nat all"}),
    );
    check_error(
        &posts[1],
        "e2",
        "Function.Weirdtype",
        json!({"errorType": "weird type!", "errorMessage": ""}),
    );
    assert!(posts[2].path.ends_with("/after/response"));
    assert!(
        out.stderr
            .contains("ERROR [e1] InvalidEvent: no \"Records\""),
        "{}",
        out.stderr
    );
}

#[test]
fn panics_are_reported_and_the_loop_goes_on() {
    let (out, api) = run_probe(vec![
        event("p1", json!({"panic": "boom at \"x\""})),
        event("p2", json!({"panic_any": 42})),
        event("after", json!({})),
    ]);
    let posts = api.posts();
    check_error(
        &posts[0],
        "p1",
        "Runtime.HandlerPanic",
        json!({"errorType": "Runtime.HandlerPanic", "errorMessage": "boom at \"x\""}),
    );
    check_error(
        &posts[1],
        "p2",
        "Runtime.HandlerPanic",
        json!({"errorType": "Runtime.HandlerPanic", "errorMessage": "handler panicked with a non-string payload"}),
    );
    assert!(posts[2].path.ends_with("/after/response"));
    assert_eq!(api.connections(), 1);
    // The panic is logged as one line with the request id, not the default hook's text.
    assert!(
        out.stderr.contains("ERROR [p1] panicked at "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("RUST_BACKTRACE"), "{}", out.stderr);
}

#[test]
fn invocation_id_is_echoed_on_both_routes() {
    let ok = Event::json("ok", &json!({})).header("Lambda-Runtime-Invocation-Id", "inv-1");
    let err =
        Event::json("err", &json!({"panic": "x"})).header("Lambda-Runtime-Invocation-Id", "inv-2");
    let (_, api) = run_probe(vec![
        Next::Event(ok),
        Next::Event(err),
        event("none", json!({})),
    ]);
    let posts = api.posts();
    assert_eq!(
        posts[0].header("Lambda-Runtime-Invocation-Id"),
        Some("inv-1")
    );
    assert_eq!(
        posts[1].header("Lambda-Runtime-Invocation-Id"),
        Some("inv-2")
    );
    assert_eq!(posts[2].header("Lambda-Runtime-Invocation-Id"), None);
}

#[test]
fn refused_answers_are_logged_and_never_followed_by_an_error_post() {
    let api = FakeApi::start_with(
        vec![
            event("too-big", json!({})),
            event("gone", json!({})),
            event("next", json!({})),
        ],
        Box::new(|r| {
            if r.path.contains("too-big") {
                413
            } else if r.path.contains("gone") {
                410
            } else {
                200 // any 2xx is success
            }
        }),
    );
    let out = finish(probe(&api, "probe"));
    let lines: Vec<String> = api.posts().iter().map(|p| p.line()).collect();
    assert_eq!(
        lines,
        vec![
            "POST /2018-06-01/runtime/invocation/too-big/response",
            "POST /2018-06-01/runtime/invocation/gone/response",
            "POST /2018-06-01/runtime/invocation/next/response",
        ]
    );
    assert!(
        out.stderr
            .contains("refused the response for request too-big with status 413"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("refused the response for request gone with status 410"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("request next with"), "{}", out.stderr);
}

#[test]
fn next_failures_end_the_process() {
    for (step, cause) in [
        (
            Next::Status(500, r#"{"errorType":"ServiceException"}"#),
            "answered 500",
        ),
        (Next::Status(403, ""), "answered 403"),
        (
            Next::Close,
            "unreachable during GET /runtime/invocation/next",
        ),
    ] {
        let (out, api) = run_probe(vec![event("first", json!({})), step]);
        assert_eq!(api.posts().len(), 1);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert!(
            out.stderr.contains(cause),
            "expected {cause:?} in {}",
            out.stderr
        );
    }
}

#[test]
fn an_event_without_request_id_ends_the_process() {
    let e = Event::json("x", &json!({})).without("Lambda-Runtime-Aws-Request-Id");
    let (out, api) = run_probe(vec![Next::Event(e)]);
    assert!(api.posts().is_empty());
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("without a Lambda-Runtime-Aws-Request-Id"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_or_missing_handler_is_an_init_error() {
    let mut cases = vec![
        (Some("htpevent"), "unknown handler 'htpevent'"),
        (None, "_HANDLER is not set"),
    ];
    // A line of the table built without its feature: the name is known,
    // and the error says what to build.
    if cfg!(not(feature = "aws")) {
        cases.push((
            Some("probe_aws"),
            "handler 'probe_aws' needs the cargo feature 'aws', which this binary was built \
             without: build it with `./build.sh --features aws`",
        ));
    }
    for (handler, quoted) in cases {
        let api = FakeApi::start(vec![]);
        let mut cmd = probe(&api, "");
        match handler {
            Some(h) => cmd.env("_HANDLER", h),
            None => cmd.env_remove("_HANDLER"),
        };
        let out = finish(cmd);
        let requests = api.requests();
        assert_eq!(
            requests.len(),
            1,
            "only the init error, no /next: {requests:?}"
        );
        assert_eq!(requests[0].line(), "POST /2018-06-01/runtime/init/error");
        assert_eq!(
            requests[0].header("Lambda-Runtime-Function-Error-Type"),
            Some("Runtime.NoSuchHandler")
        );
        let body = requests[0].json();
        assert_eq!(body["errorType"], "Runtime.NoSuchHandler");
        let message = body["errorMessage"].as_str().unwrap();
        assert!(message.contains(quoted), "{message}");
        let known = format!("(known handlers: {})", known_handlers());
        assert!(message.ends_with(&known), "{message}");
        assert_eq!(out.code, Some(1));
        assert!(out.stderr.contains(quoted), "{}", out.stderr);
    }
}

#[test]
fn missing_runtime_api_is_explained() {
    let api = FakeApi::start(vec![]);
    let mut cmd = probe(&api, "probe");
    cmd.env_remove("AWS_LAMBDA_RUNTIME_API");
    let out = finish(cmd);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("AWS_LAMBDA_RUNTIME_API is not set"),
        "{}",
        out.stderr
    );
    assert_eq!(api.connections(), 0);
}

#[test]
fn a_bad_runtime_api_prefix_is_an_init_error_naming_the_variable() {
    let api = FakeApi::start(vec![]);
    let mut cmd = probe(&api, "probe");
    // Host and port are fine: only the prefix (which goes verbatim into
    // the request lines the runtime writes itself) is wrong.
    let value = format!("http://{}/a b", api.addr());
    cmd.env("AWS_LAMBDA_RUNTIME_API", &value);
    let out = finish(cmd);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("AWS_LAMBDA_RUNTIME_API is '{value}'"))
            && out.stderr.contains("the path prefix may hold only"),
        "{}",
        out.stderr
    );
    // Refused at start-up, before any request.
    assert_eq!(api.connections(), 0, "{}", out.stderr);
}

#[test]
fn emulator_url_form_with_a_prefix() {
    let api = FakeApi::start(vec![event("u1", json!({}))]);
    let mut cmd = probe(&api, "probe");
    cmd.env(
        "AWS_LAMBDA_RUNTIME_API",
        format!("http://{}/.rt/", api.addr()),
    );
    finish(cmd);
    let lines: Vec<String> = api.requests().iter().map(|r| r.line()).collect();
    assert_eq!(lines[0], "GET /.rt/2018-06-01/runtime/invocation/next");
    assert_eq!(
        lines[1],
        "POST /.rt/2018-06-01/runtime/invocation/u1/response"
    );
}

#[test]
fn text_logs_carry_the_request_id_and_hide_payloads_at_info() {
    let marker = "PAYLOAD-MARKER-6a1f";
    let (out, _) = run_probe(vec![event(
        "t1",
        json!({"error": {"type": "Boom", "message": "m"}, "x": marker}),
    )]);
    assert!(out.stderr.contains("ERROR [t1] Boom: m"), "{}", out.stderr);
    assert!(
        !out.stderr.contains(marker),
        "payload logged at INFO: {}",
        out.stderr
    );

    let api = FakeApi::start(vec![event("t2", json!({"x": marker}))]);
    let mut cmd = probe(&api, "probe");
    cmd.env("RUST_LOG", "debug");
    let out = finish(cmd);
    assert!(
        out.stderr
            .contains(&format!("DEBUG [t2] event: {{\"x\":\"{marker}\"}}")),
        "{}",
        out.stderr
    );
}

#[test]
fn json_logs_are_one_object_a_line() {
    let api = FakeApi::start(vec![event(
        "j1",
        json!({"error": {"type": "Boom", "message": "m"}}),
    )]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "DEBUG");
    let out = finish(cmd);
    let lines: Vec<Value> = out
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 3, "{}", out.stderr);
    for line in &lines {
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(line["level"].is_string() && line["message"].is_string());
    }
    let error = lines
        .iter()
        .find(|l| l["level"] == "ERROR" && l["message"] == "Boom: m")
        .unwrap();
    assert_eq!(error["requestId"], "j1");
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "DEBUG" && l["requestId"] == "j1")
    );
    let last = lines.last().unwrap();
    assert_eq!(last["level"], "ERROR");
    assert_eq!(
        last.get("requestId"),
        None,
        "no request id between invocations"
    );
}

#[test]
fn a_handler_that_returns_after_its_deadline_is_reported_and_still_answered() {
    // A deadline already behind: whatever the handler does, it returns
    // late (on Managed Instances, Lambda would not have stopped it).
    let past = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        - 1500)
        .to_string();
    // Buffered and streaming handlers alike.
    for (workers, handler) in [
        ("1", "probe"),
        ("3", "probe"),
        ("1", "probe_stream"),
        ("3", "probe_stream"),
    ] {
        let api = FakeApi::start(vec![
            Next::Event(
                Event::json("late", &json!({})).header("Lambda-Runtime-Deadline-Ms", &past),
            ),
            event("on-time", json!({})),
        ]);
        let mut cmd = probe(&api, handler);
        cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", workers);
        let out = finish(cmd);
        let warnings: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("WARN"))
            .collect();
        let [warning] = warnings[..] else {
            panic!("{handler}, {workers} worker(s): {}", out.stderr)
        };
        let overrun: u64 = warning
            .strip_prefix("WARN [late] request late returned ")
            .and_then(|rest| rest.split_once(" ms after its deadline (its worker served nothing"))
            .and_then(|(ms, _)| ms.parse().ok())
            .unwrap_or_else(|| panic!("{warning}"));
        assert!(overrun >= 1500, "{warning}");
        // Still answered, like the one on time.
        let answered: Vec<String> = api.posts().iter().map(|p| p.line()).collect();
        assert_eq!(answered.len(), 2, "{answered:?}");
        assert!(
            answered.iter().all(|l| l.ends_with("/response")),
            "{answered:?}"
        );
    }
}
