//! Hostile events: huge, deep, malformed, with odd ids and odd error
//! messages. Each still gets exactly one well-formed answer, and the
//! process keeps serving.

use serde_json::{Value, json};

use crate::support::{
    Event, FakeApi, Next, Recorded, answered_id, answers_per_id, assert_no_runtime_panic, finish,
    probe, raw_event,
};

/// Lambda's limit on a synchronous response: 6 MiB, plus the 100 bytes the
/// Runtime API tolerates.
const RESPONSE_LIMIT: usize = 6 * 1024 * 1024 + 100;

/// Serves `events` to the probe and then one last good event; returns the
/// answers to `events` after checking the last one was answered too.
fn check(events: Vec<Event>) -> Vec<Recorded> {
    check_logged(events).0
}

/// `check`, also returning what the runtime logged.
fn check_logged(events: Vec<Event>) -> (Vec<Recorded>, String) {
    let n = events.len();
    let mut script: Vec<Next> = events.into_iter().map(Next::Event).collect();
    script.push(Next::Event(Event::json("still-alive", &json!({}))));
    let api = FakeApi::start_with(
        script,
        Box::new(|r| {
            if r.body.len() > RESPONSE_LIMIT {
                413
            } else {
                202
            }
        }),
    );
    let out = finish(probe(&api, "probe"));
    // The only panics are the ones the probe was asked for.
    assert_no_runtime_panic(&out);
    assert_eq!(
        answers_per_id(&api).values().max(),
        Some(&1),
        "one answer per id"
    );
    let mut posts = api.posts();
    assert_eq!(posts.len(), n + 1, "{}", out.stderr);
    let last = posts.pop().unwrap();
    assert!(
        last.path.ends_with("/still-alive/response"),
        "{}",
        last.path
    );
    assert_eq!(api.connections(), 1);
    (posts, out.stderr)
}

fn error_type(post: &Recorded) -> String {
    assert!(post.path.ends_with("/error"), "{}", post.path);
    post.json()["errorType"].as_str().unwrap().to_string()
}

/// An event of exactly `len` bytes: `{"s":"xxx…"}`, with `extra` fields.
fn sized_event(id: &str, len: usize, extra: &str) -> Event {
    let frame = format!("{{{extra}\"s\":\"\"}}").len();
    let body = format!("{{{extra}\"s\":\"{}\"}}", "x".repeat(len - frame));
    assert_eq!(body.len(), len);
    Event::new(id, body)
}

#[test]
fn six_megabyte_events_and_answers() {
    const MIB6: usize = 6 * 1024 * 1024;
    let (posts, logs) = check_logged(vec![
        // A 6 MiB event, echoed back with its context: over the limit.
        sized_event("in-6mib", MIB6, ""),
        // An event just small enough for its echo to fit.
        sized_event("in-fits", MIB6 - 1024, ""),
        // Answers of exactly the limit and one byte over it ("x" * n is
        // n + 2 bytes of JSON).
        sized_event(
            "out-limit",
            1024,
            &format!("\"answer_bytes\":{},", RESPONSE_LIMIT - 2),
        ),
        sized_event(
            "out-over",
            1024,
            &format!("\"answer_bytes\":{},", RESPONSE_LIMIT - 1),
        ),
        Event::json("out-7mib", &json!({"answer_bytes": 7 * 1024 * 1024})),
    ]);
    let ids: Vec<String> = posts.iter().map(answered_id).collect();
    assert_eq!(
        ids,
        ["in-6mib", "in-fits", "out-limit", "out-over", "out-7mib"]
    );
    // Each big event was read whole: the handler saw every byte.
    for (post, len) in posts[..2].iter().zip([MIB6, MIB6 - 1024]) {
        assert!(post.path.ends_with("/response"), "{}", post.path);
        assert_eq!(
            post.json()["event"]["s"].as_str().map(str::len),
            Some(len - "{\"s\":\"\"}".len())
        );
    }
    let sizes: Vec<usize> = posts.iter().map(|p| p.body.len()).collect();
    assert!(
        sizes[0] > RESPONSE_LIMIT && sizes[1] <= RESPONSE_LIMIT,
        "{sizes:?}"
    );
    assert_eq!(
        sizes[2..],
        [RESPONSE_LIMIT, RESPONSE_LIMIT + 1, 7 * 1024 * 1024 + 2]
    );
    // Over the limit: the platform's 413 is logged with the id, once, and
    // not followed by an /error (which Lambda would refuse); the loop goes on.
    for (id, refused) in [
        ("in-6mib", true),
        ("in-fits", false),
        ("out-limit", false),
        ("out-over", true),
        ("out-7mib", true),
    ] {
        let line = format!(
            "refused the response for request {id} with status 413 (answer larger than Lambda's 6 MB limit)"
        );
        assert_eq!(logs.contains(&line), refused, "{id}: {logs}");
    }
}

#[test]
fn a_big_client_context_fits_in_the_head() {
    // Lambda's heads are a few KiB; a 12 KiB one (a large mobile client
    // context) is still read, well inside the 16 KiB the runtime allows.
    let context = json!({"client": {"app_title": "a".repeat(12 * 1024)}});
    let posts =
        check(vec![Event::json("cc", &json!({})).header(
            "Lambda-Runtime-Client-Context",
            &context.to_string(),
        )]);
    assert_eq!(posts[0].json()["context"]["client_context"], context);
}

#[test]
fn deep_nesting_is_an_unmarshal_error_not_a_stack_overflow() {
    let arrays = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let objects = "{\"a\":".repeat(100_000) + "1" + &"}".repeat(100_000);
    let unclosed = "[".repeat(5_000_000);
    let posts = check(vec![
        Event::new("arrays", arrays),
        Event::new("objects", objects),
        Event::new("unclosed", unclosed),
    ]);
    for post in &posts {
        assert_eq!(error_type(post), "Runtime.UnmarshalError");
        assert!(
            post.json()["errorMessage"]
                .as_str()
                .unwrap()
                .contains("recursion limit"),
            "{}",
            post.json()
        );
    }
}

#[test]
fn malformed_bytes_are_unmarshal_errors() {
    let posts = check(vec![
        Event::new("utf8", b"{\"a\":\"\xc3\x28\"}".to_vec()),
        Event::new("nul", b"{\"a\":1}\0".to_vec()),
        Event::new("bom", b"\xef\xbb\xbf{}".to_vec()),
        Event::new("two", b"{} {}".to_vec()),
        Event::new("binary", (0..=255u8).collect::<Vec<u8>>()),
    ]);
    for post in &posts {
        assert_eq!(error_type(post), "Runtime.UnmarshalError", "{}", post.path);
    }
}

#[test]
fn huge_numbers_and_strings() {
    let posts = check(vec![
        Event::new("e400", "{\"n\":1e400}"),
        Event::new("two70", "{\"n\":1180591620717411303424}"),
        Event::new("long", "{\"n\":123456789012345678901234567890}"),
        Event::new("negzero", "{\"n\":-0}"),
        Event::new(
            "string",
            format!("{{\"s\":\"{}\"}}", "\\u00e9".repeat(200_000)),
        ),
    ]);
    assert_eq!(error_type(&posts[0]), "Runtime.UnmarshalError");
    assert!(
        posts[0].json()["errorMessage"]
            .as_str()
            .unwrap()
            .contains("number out of range")
    );
    // Beyond u64 a number becomes a float (serde_json's parse is within an ulp).
    let two_70 = posts[1].json()["event"]["n"].as_f64().unwrap();
    assert!((two_70 / 2f64.powi(70) - 1.0).abs() < 1e-15, "{two_70}");
    let long = posts[2].json()["event"]["n"].as_f64().unwrap();
    assert!((long / 1.2345678901234568e29 - 1.0).abs() < 1e-15, "{long}");
    assert_eq!(posts[3].json()["event"]["n"], json!(-0.0));
    assert_eq!(posts[4].json()["event"]["s"], "é".repeat(200_000));
}

#[test]
fn odd_ids_never_break_the_request() {
    let odd = [
        "id with spaces",
        "a/b/../c",
        "q?x=1",
        "frag#1",
        "pct%2F%zz",
        "ünï©ødé-🦀",
        "tab\there",
        "semi;colon,comma",
    ];
    let events = odd
        .iter()
        .map(|id| {
            Event::json(id, &json!({})).header("Lambda-Runtime-Trace-Id", &format!("Root=1-{id}"))
        })
        .collect();
    let posts = check(events);
    for (post, id) in posts.iter().zip(odd) {
        let answer = post.json();
        assert_eq!(answer["context"]["request_id"], id);
        // A trace id with a control character (the tab) is refused, and so
        // is not exported either; every other odd one is, verbatim.
        if id.contains('\t') {
            assert_eq!(answer["context"]["trace_id"], Value::Null);
            assert_eq!(answer["trace_env"], Value::Null);
        } else {
            assert_eq!(answer["trace_env"], format!("Root=1-{id}"));
        }
        // One path segment: nothing of the id escapes it.
        let segment = post
            .path
            .strip_prefix("/2018-06-01/runtime/invocation/")
            .unwrap();
        let segment = segment.strip_suffix("/response").unwrap();
        assert!(
            segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{segment}"
        );
        // And it decodes back to exactly the id the platform sent.
        assert_eq!(answered_id(post), id);
    }
}

#[test]
fn a_trace_id_that_is_not_text_is_dropped_not_leaked() {
    // Header values may carry any byte above 0x7F; one that is not UTF-8
    // cannot go into the environment as text. It is dropped, and the
    // previous invocation's id must not stay behind in its place. (Sent
    // with `Connection: close`, so the runtime reconnects for the rest.)
    let raw = raw_event(
        b"Lambda-Runtime-Aws-Request-Id: latin1\r\nLambda-Runtime-Trace-Id: Root=1-\xff\xfe\r\nConnection: close\r\n",
        b"{}",
    );
    let api = FakeApi::start(vec![
        Next::Event(
            Event::json("before", &json!({})).header("Lambda-Runtime-Trace-Id", "Root=1-before"),
        ),
        Next::Raw(raw),
        Next::Event(Event::json("after", &json!({}))),
    ]);
    let out = finish(probe(&api, "probe"));
    assert_no_runtime_panic(&out);
    let answers: Vec<(String, Value)> = api
        .posts()
        .iter()
        .map(|p| (answered_id(p), p.json()["trace_env"].clone()))
        .collect();
    assert_eq!(
        answers,
        [
            ("before".to_string(), json!("Root=1-before")),
            ("latin1".to_string(), Value::Null),
            ("after".to_string(), Value::Null),
        ],
        "{}",
        out.stderr
    );
    assert_eq!(api.posts()[1].json()["context"]["trace_id"], Value::Null);
}

#[test]
fn a_trace_id_with_control_characters_is_refused_with_a_debug_line() {
    // What HTTP lets through of control characters: a tab, and C1 controls
    // (U+0085 here) as UTF-8. SDKs would copy the id into a request header.
    let api = FakeApi::start(vec![
        Next::Event(
            Event::json("tab", &json!({})).header("Lambda-Runtime-Trace-Id", "Root=1-a\tb"),
        ),
        Next::Event(
            Event::json("nel", &json!({})).header("Lambda-Runtime-Trace-Id", "Root=1-a\u{85}b"),
        ),
        Next::Event(Event::json("fine", &json!({})).header("Lambda-Runtime-Trace-Id", "Root=1-ok")),
    ]);
    let mut cmd = probe(&api, "probe");
    cmd.env("RUST_LOG", "debug");
    let out = finish(cmd);
    let traces: Vec<(String, Value, Value)> = api
        .posts()
        .iter()
        .map(|p| {
            let answer = p.json();
            (
                answered_id(p),
                answer["context"]["trace_id"].clone(),
                answer["trace_env"].clone(),
            )
        })
        .collect();
    assert_eq!(
        traces,
        [
            ("tab".to_string(), Value::Null, Value::Null),
            ("nel".to_string(), Value::Null, Value::Null),
            ("fine".to_string(), json!("Root=1-ok"), json!("Root=1-ok")),
        ]
    );
    let refusals = out
        .stderr
        .lines()
        .filter(|l| {
            l.starts_with("DEBUG ")
                && l.ends_with(
                    "ignoring header lambda-runtime-trace-id: it holds control characters",
                )
        })
        .count();
    assert_eq!(refusals, 2, "{}", out.stderr);
}

#[test]
fn error_messages_with_anything_in_them_stay_valid_json() {
    let messages = [
        "quote \" backslash \\ slash /",
        "new\nline\r\ncrlf\ttab",
        "control \u{0} \u{1} \u{1b}[31m \u{7f}",
        "unicode \u{2028} \u{fffd} 🦀",
        "</script><script>alert(1)</script>",
    ];
    let events = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Event::json(
                &format!("m{i}"),
                &json!({"error": {"type": "Odd\"Type\n", "message": m}}),
            )
        })
        .collect();
    let posts = check(events);
    for (post, message) in posts.iter().zip(messages) {
        assert_eq!(
            post.json(),
            json!({"errorType": "Odd\"Type\n", "errorMessage": message})
        );
        assert_eq!(
            post.header("Lambda-Runtime-Function-Error-Type"),
            Some("Function.OddType")
        );
    }
}

#[test]
fn long_error_types_and_ids_still_fit_the_request_head() {
    // Every line of an answer's head must fit the transport's output piece
    // (ureq fails a line that does not): a handler's error type and the
    // platform's ids are echoed in them. The error type's header keeps its
    // first 128 letters; the body keeps it whole.
    let long_type = "Long".repeat(2000);
    let long_id = "i".repeat(3000);
    let posts = check(vec![
        Event::json("t", &json!({"error": {"type": long_type, "message": "m"}})),
        Event::json(&long_id, &json!({})).header("Lambda-Runtime-Invocation-Id", &long_id),
    ]);
    assert_eq!(posts[0].json()["errorType"], long_type);
    assert_eq!(
        posts[0].header("Lambda-Runtime-Function-Error-Type"),
        Some(format!("Function.{}", &long_type[..128]).as_str())
    );
    assert_eq!(answered_id(&posts[1]), long_id);
}

#[test]
fn panics_with_any_payload() {
    let posts = check(vec![
        Event::json("s", &json!({"panic": "text \"quoted\"\nnext line"})),
        Event::json("n", &json!({"panic_any": 7})),
        Event::json("none", &json!({"panic_any": null})),
    ]);
    let messages: Vec<Value> = posts
        .iter()
        .map(|p| p.json()["errorMessage"].clone())
        .collect();
    assert_eq!(
        messages,
        [
            json!("text \"quoted\"\nnext line"),
            json!("handler panicked with a non-string payload"),
            json!("handler panicked with a non-string payload"),
        ]
    );
    for post in &posts {
        assert_eq!(error_type(post), "Runtime.HandlerPanic");
    }
}

/// The most bytes of one event the runtime reads (`client::MAX_EVENT_BYTES`).
const EVENT_LIMIT: usize = 7 * 1024 * 1024;

#[test]
fn events_over_the_limit_get_an_error_and_the_loop_goes_on() {
    // Announced too large: not read at all. Chunked, so only counting finds
    // out: read up to the limit, no further. Both arrive on a connection
    // that is given up, so each is answered on a fresh one.
    let announced = raw_event(
        b"Lambda-Runtime-Aws-Request-Id: announced\r\n",
        &vec![b' '; EVENT_LIMIT + 1],
    );
    let mut chunked = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: chunked\r\n\
        Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..8 {
        chunked.extend_from_slice(format!("{:x}\r\n", 1 << 20).as_bytes());
        chunked.extend_from_slice(&vec![b' '; 1 << 20]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let api = FakeApi::start(vec![
        Next::Raw(announced),
        Next::Raw(chunked),
        // Exactly the limit is still an event.
        Next::Event(sized_event("at-limit", EVENT_LIMIT, "\"summary\":true,")),
        Next::Event(Event::json("after", &json!({}))),
    ]);
    let out = finish(probe(&api, "probe"));
    assert_no_runtime_panic(&out);
    let posts = api.posts();
    let answered: Vec<(String, String)> = posts
        .iter()
        .map(|p| (answered_id(p), p.path.rsplit('/').next().unwrap().into()))
        .collect();
    assert_eq!(
        answered,
        [
            ("announced".into(), "error".into()),
            ("chunked".into(), "error".into()),
            ("at-limit".into(), "response".into()),
            ("after".into(), "response".into()),
        ],
        "{}",
        out.stderr
    );
    for (post, announced) in posts[..2].iter().zip([" (7340033 announced)", ""]) {
        assert_eq!(error_type(post), "Runtime.EventTooLarge");
        let message = format!(
            "the event is larger than 7340032 bytes{announced}, the most this runtime reads \
             (Lambda's own limit is 6 MB)"
        );
        assert_eq!(post.json()["errorMessage"], message.as_str());
        // One line, with the request id, says what happened.
        let id = answered_id(post);
        let line = format!("ERROR [{id}] Runtime.EventTooLarge: {message}");
        assert!(
            out.stderr.lines().any(|l| l == line),
            "{line}\n{}",
            out.stderr
        );
    }
    assert_eq!(posts[2].json()["event_bytes"], EVENT_LIMIT);
}

#[test]
fn a_huge_value_that_does_not_fit_is_cut_from_the_error_but_its_path_is_not() {
    // 6 MiB of text where a record goes: serde_json's words quote it.
    let huge = "x".repeat(6 * 1024 * 1024);
    let event = format!(r#"{{"Records": [{{"messageId": "1", "body": "a"}}, "{huge}"]}}"#);
    let event_len = event.len();
    let api = FakeApi::start(vec![Next::Event(Event::new("huge", event))]);
    let out = finish(probe(&api, "probe_typed"));
    let posts = api.posts();
    assert_eq!(posts.len(), 1, "{}", out.stderr);
    assert!(posts[0].path.ends_with("/huge/error"), "{}", posts[0].path);
    assert!(posts[0].body.len() < 1024, "{} bytes", posts[0].body.len());
    assert_eq!(error_type(&posts[0]), "Runtime.UnmarshalError");
    let message = posts[0].json()["errorMessage"]
        .as_str()
        .unwrap()
        .to_string();
    let (start, end) = message
        .split_once(" bytes cut) …")
        .unwrap_or_else(|| panic!("says it was cut: {message}"));
    assert!(
        start.starts_with("the event does not fit Batch: Records[1]: invalid type: string \"xxx"),
        "{message}"
    );
    // The end says what was expected, and where: the closing quote, before `]}`.
    let column = event_len - 2;
    assert!(
        end.ends_with(&format!(
            "xxx\", expected struct Record (line 1, column {column})"
        )),
        "{message}"
    );
    // The log says the same, in a line as short.
    let logged: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("Records[1]"))
        .collect();
    assert_eq!(logged.len(), 1, "{}", out.stderr);
    assert!(
        logged[0].starts_with("ERROR") && logged[0].len() < 1024,
        "{}",
        logged[0]
    );
    assert!(
        out.stderr.len() < 4096,
        "{} bytes of logs",
        out.stderr.len()
    );
}
