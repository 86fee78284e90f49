//! Response streaming: a streaming handler's answer reaches the Runtime API
//! as one chunked `POST .../response` in streaming mode, as it is written;
//! a failure after the first byte ends it with the error trailers, one
//! before it is an ordinary `/error`; the next event is served after each.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::support::{
    Event, FakeApi, Finished, Next, Pid, Recorded, Reply, answered_id, answers_per_id,
    assert_no_runtime_panic, finish, probe, status_kib,
};

/// `lambda_bootstrap::stream::MAX_STREAM_BYTES`.
const LIMIT: usize = 200 * 1024 * 1024;

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

/// The JSON error body a trailer carries, base64.
fn trailer_error(post: &Recorded) -> Value {
    let encoded = post
        .trailer("Lambda-Runtime-Function-Error-Body")
        .unwrap_or_else(|| panic!("no error body trailer: {:?}", post.trailers));
    let bytes = lambda_bootstrap::http::base64::decode(encoded).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The process ended (exit 1) as on any Runtime API failure: its last
/// line names the streamed answer for `id` and contains `cause`.
fn assert_the_stream_ended_the_process(out: &Finished, id: &str, cause: &str) {
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let last = out.stderr.lines().last().unwrap_or_default();
    let call = format!(
        "ERROR [{id}] runtime API unreachable during POST /runtime/invocation/{id}/response \
         (streamed)"
    );
    assert!(
        last.starts_with(&call) && last.contains(cause),
        "{}",
        out.stderr
    );
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
fn a_panic_after_bytes_went_out_ends_the_stream_with_trailers() {
    // The probe's stream: a panic after two flushed lines.
    let api = FakeApi::start(vec![
        Next::Event(Event::json(
            "panics",
            &json!({"content_type": "text/plain", "lines": ["a\n", "b\n"], "flush": true,
                    "panic": "mid-stream"}),
        )),
        Next::Event(Event::json("after", &json!({"lines": ["ok\n"]}))),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    let panicked = answer_for(&api, "panics");
    assert_streamed(&panicked, "text/plain");
    assert_eq!(panicked.body, b"a\nb\n");
    assert_eq!(
        panicked.trailer("Lambda-Runtime-Function-Error-Type"),
        Some("Runtime.HandlerPanic")
    );
    assert_eq!(trailer_error(&panicked)["errorMessage"], "mid-stream");
    let after = answer_for(&api, "after");
    assert_streamed(&after, "application/octet-stream");
    assert_eq!(after.body, b"ok\n");
    // No /error for either: one answer each.
    assert!(
        answers_per_id(&api).values().all(|&n| n == 1),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failure_before_anything_went_out_is_an_ordinary_error() {
    let api = FakeApi::start(vec![
        // Written but never flushed, and under a chunk: nothing went out.
        Next::Event(Event::json(
            "early-error",
            &json!({"lines": ["unsent\n"], "error": "too early"}),
        )),
        Next::Event(Event::json("early-panic", &json!({"panic": "at once"}))),
        // A content type once bytes are written, even unsent ones: refused.
        Next::Event(Event::json(
            "late-type",
            &json!({"lines": ["x\n"], "content_type_late": "text/html"}),
        )),
        Next::Event(Event::new("bad-json", "{nope")),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    for (id, error_type) in [
        ("early-error", "ProbeFailure"),
        ("early-panic", "Runtime.HandlerPanic"),
        ("late-type", "std::io::error::Error"),
        ("bad-json", "Runtime.UnmarshalError"),
    ] {
        let post = answer_for(&api, id);
        assert!(post.path.ends_with("/error"), "{id}: {}", post.path);
        assert_eq!(post.json()["errorType"], error_type, "{}", out.stderr);
        assert_eq!(post.header("Lambda-Runtime-Function-Response-Mode"), None);
    }
    assert_eq!(
        answer_for(&api, "late-type").json()["errorMessage"],
        "the content type goes with the stream's head: set it before the first byte"
    );
    // No stream was opened: one connection for everything.
    assert_eq!(api.connections(), 1);
}

#[test]
fn a_stream_past_the_limit_is_cut_with_a_trailer() {
    let api = FakeApi::start(vec![
        Next::Event(Event::json("over", &json!({"bytes": LIMIT + 1}))),
        Next::Event(Event::json(
            "over-ignored",
            &json!({"bytes": LIMIT + 1, "ignore_write_errors": true}),
        )),
        Next::Event(Event::json("after", &json!({"lines": ["ok\n"]}))),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    for id in ["over", "over-ignored"] {
        let post = answer_for(&api, id);
        assert_eq!(post.body.len(), LIMIT, "{id}: exactly the limit went out");
        assert_eq!(
            post.trailer("Lambda-Runtime-Function-Error-Type"),
            Some("Runtime.StreamTooLarge"),
            "{id}"
        );
        let line = format!(
            "ERROR [{id}] Runtime.StreamTooLarge: the handler wrote more than Lambda's limit \
             of {LIMIT} bytes for a streamed answer (the stream ended with the error after \
             {LIMIT} bytes)"
        );
        assert!(
            out.stderr.lines().any(|l| l == line),
            "{line}\n{}",
            out.stderr
        );
    }
    assert_eq!(answer_for(&api, "after").body, b"ok\n");
}

#[test]
fn a_stream_starts_after_16_kib_and_its_chunks_grow_to_256_kib_at_most() {
    const KIB: usize = 1024;
    let api = FakeApi::start(vec![
        Next::Event(Event::json(
            "small-writes",
            &json!({"bytes": 2 << 20, "piece": 1000}),
        )),
        Next::Event(Event::json("bulk", &json!({"bytes": 2 << 20}))),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    let sizes = |id: &str| {
        let post = answer_for(&api, id);
        assert_eq!(post.body.len(), 2 << 20, "{id}: {}", out.stderr);
        let ends: Vec<usize> = post.chunks.iter().map(|&(_, end)| end).collect();
        let sizes: Vec<usize> = ends
            .iter()
            .scan(0, |start, &end| Some(end - std::mem::replace(start, end)))
            .collect();
        sizes
    };
    // Small writes: the first bytes leave once 16 KiB gathered, and the
    // buffer never holds more than 256 KiB.
    let small = sizes("small-writes");
    assert_eq!(small[..5], [16, 32, 64, 128, 256].map(|k| k * KIB));
    assert!(small.iter().all(|&s| s <= 256 * KIB), "{small:?}");
    // 64 KiB writes leave as they come until a chunk is larger than one,
    // then gather.
    let bulk = sizes("bulk");
    assert_eq!(bulk[..5], [64, 64, 64, 128, 256].map(|k| k * KIB));
    let (last, middle) = bulk[5..].split_last().unwrap();
    assert!(middle.iter().all(|&s| s == 256 * KIB), "{bulk:?}");
    assert!(*last <= 256 * KIB, "{bulk:?}");
}

#[test]
fn a_hundred_megabyte_stream_takes_no_more_memory_than_a_small_one() {
    let peaks: Arc<Mutex<Vec<u64>>> = Arc::default();
    let pid = Arc::new(Pid::default());
    let measure = |then: Next| {
        let (peaks, pid) = (Arc::clone(&peaks), Arc::clone(&pid));
        Next::Then(
            Box::new(move || peaks.lock().unwrap().push(status_kib(pid.get(), "VmHWM"))),
            Box::new(then),
        )
    };
    let api = FakeApi::start(vec![
        Next::Event(Event::json("small", &json!({"bytes": 1024}))),
        measure(Next::Event(Event::json(
            "big",
            &json!({"bytes": 100 << 20}),
        ))),
        measure(Next::Close),
    ]);
    let running = crate::support::start(&mut probe(&api, "probe_stream"), Vec::new());
    pid.set(running.pid);
    let out = running.wait();
    assert_eq!(
        answer_for(&api, "big").body.len(),
        100 << 20,
        "{}",
        out.stderr
    );
    let peaks = peaks.lock().unwrap().clone();
    let [small, big] = peaks[..] else {
        panic!("{peaks:?}")
    };
    assert!(
        big <= small + 1024,
        "peak RSS {small} KiB after 1 KiB, {big} KiB after 100 MiB"
    );
}

#[test]
fn an_error_too_long_for_the_trailers_is_cut_to_fit_and_the_loop_goes_on() {
    // An SDK's error chain of 3 KB, after the first byte: base64 makes it
    // 4 KB, past Go's limit for a trailer section (the fake keeps it).
    let chain = "dispatch failure: io error: connection reset; ".repeat(70);
    let api = FakeApi::start(vec![
        Next::Event(Event::json(
            "long",
            &json!({"lines": ["a\n"], "flush": true, "error": chain}),
        )),
        Next::Event(Event::json("after", &json!({"lines": ["ok\n"]}))),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    assert_eq!(out.code, Some(1), "the fake closes when its script ends");
    let long = answer_for(&api, "long");
    assert_eq!(long.body, b"a\n");
    assert_eq!(
        long.trailer("Lambda-Runtime-Function-Error-Type"),
        Some("Function.ProbeFailure")
    );
    let error = trailer_error(&long);
    assert_eq!(error["errorType"], "ProbeFailure");
    let message = error["errorMessage"].as_str().unwrap();
    let (kept, note) = message.split_once('…').unwrap();
    assert!(chain.starts_with(kept) && kept.len() > 2000, "{message}");
    assert_eq!(
        note,
        format!(
            " (cut to fit a stream's trailers: {} bytes in all)",
            chain.len()
        )
    );
    // The whole message is still in the log, and the next event was served.
    assert!(out.stderr.contains(&chain), "{}", out.stderr);
    assert_eq!(answer_for(&api, "after").body, b"ok\n");
}

#[test]
fn a_flush_before_the_first_byte_sends_nothing() {
    let api = FakeApi::start(vec![
        // Flush, then set the content type: it is the one the head carries.
        Next::Event(Event::json(
            "typed",
            &json!({"flush_first": true, "content_type": "text/csv", "lines": ["a,b\n"]}),
        )),
        // Flush, then fail: nothing went out, so an ordinary /error.
        Next::Event(Event::json(
            "fails",
            &json!({"flush_first": true, "error": "before any byte"}),
        )),
        // Flush and nothing else: an empty stream, still one answer.
        Next::Event(Event::json("empty", &json!({"flush_first": true}))),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    let typed = answer_for(&api, "typed");
    assert_streamed(&typed, "text/csv");
    assert_eq!(typed.body, b"a,b\n", "{}", out.stderr);
    let fails = answer_for(&api, "fails");
    assert!(fails.path.ends_with("/error"), "{}", fails.path);
    assert_eq!(
        fails.json(),
        json!({"errorType": "ProbeFailure", "errorMessage": "before any byte"})
    );
    let empty = answer_for(&api, "empty");
    assert_streamed(&empty, "application/octet-stream");
    assert!(empty.body.is_empty() && empty.trailers.is_empty());
}

#[test]
fn the_answer_to_a_stream_is_read_within_the_limits_of_every_head() {
    let answer = |head: &[u8]| {
        let mut bytes = b"HTTP/1.1 202 Accepted\r\n".to_vec();
        bytes.extend_from_slice(head);
        bytes.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        bytes
    };
    // A field that is not UTF-8: still an answer, and the loop goes on.
    let odd = answer(b"X-Odd: \xff\xfe\r\n");
    let api = FakeApi::start_replying(
        vec![
            Next::Event(Event::json("odd", &json!({"lines": ["a\n"]}))),
            Next::Event(Event::json("after", &json!({"lines": ["b\n"]}))),
        ],
        Box::new(move |r| {
            if answered_id(r) == "odd" {
                Reply::Raw(odd.clone())
            } else {
                Reply::Status(202)
            }
        }),
    );
    let out = finish(probe(&api, "probe_stream"));
    assert_eq!(answer_for(&api, "after").body, b"b\n", "{}", out.stderr);
    // The only error is the end of the script, on the next long poll.
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("ERROR"))
        .collect();
    assert_eq!(
        errors,
        [
            "ERROR runtime API unreachable during GET /runtime/invocation/next: io: Peer disconnected"
        ]
    );

    // A head past 16 KiB, or past 128 fields: the API is broken, and the
    // process ends naming it, as for any other answer.
    for (head, says) in [
        (
            format!("X-Big: {}\r\n", "a".repeat(17 * 1024)),
            "longer than 16383 bytes",
        ),
        ("X: a\r\n".repeat(129), "more than 128 header fields"),
    ] {
        let raw = answer(head.as_bytes());
        let api = FakeApi::start_replying(
            vec![
                Next::Event(Event::json("bad", &json!({"lines": ["a\n"]}))),
                Next::Event(Event::json("never", &json!({}))),
            ],
            Box::new(move |_| Reply::Raw(raw.clone())),
        );
        let out = finish(probe(&api, "probe_stream"));
        assert_the_stream_ended_the_process(&out, "bad", says);
        assert_eq!(api.posts().len(), 1, "nothing posted after it");
    }
}

#[test]
fn the_api_refusing_a_stream_is_logged_and_the_loop_goes_on() {
    let api = FakeApi::start_with(
        vec![
            Next::Event(Event::json("refused", &json!({"lines": ["a\n"]}))),
            Next::Event(Event::json("after", &json!({"lines": ["b\n"]}))),
        ],
        Box::new(|r| {
            if answered_id(r) == "refused" {
                403
            } else {
                202
            }
        }),
    );
    let out = finish(probe(&api, "probe_stream"));
    assert!(
        out.stderr.lines().any(|l| l
            == "ERROR [refused] runtime API refused the streamed response for request \
                refused with status 403"),
        "{}",
        out.stderr
    );
    assert_eq!(answer_for(&api, "after").body, b"b\n");
    assert_eq!(
        answers_per_id(&api).get("refused"),
        Some(&1),
        "no /error after it"
    );
}

#[test]
fn a_connection_dropped_mid_stream_ends_the_process_with_the_cause() {
    let api = FakeApi::start_cutting_streams(
        vec![
            Next::Event(Event::json("cut", &json!({"bytes": 4 << 20}))),
            Next::Event(Event::json("never", &json!({}))),
        ],
        64 * 1024,
    );
    let out = finish(probe(&api, "probe_stream"));
    // The reset meets a write ("the Runtime API stopped reading the
    // stream: …") or, when the last write already left, the read of the
    // answer: either way the cause is the connection's end.
    let last = out.stderr.lines().last().unwrap_or_default().to_string();
    let cause = [
        "stopped reading the stream",
        "Connection reset",
        "Broken pipe",
    ]
    .into_iter()
    .find(|cause| last.contains(cause))
    .unwrap_or("the connection's end");
    assert_the_stream_ended_the_process(&out, "cut", cause);
    // Nothing was answered twice, nor the next event fetched.
    assert!(api.posts().is_empty(), "{:?}", api.posts());
    let gets = api.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!(gets, 1);
}

#[test]
fn a_stream_whose_connection_is_refused_ends_the_process() {
    let api = FakeApi::start(vec![
        Next::StopListening(Box::new(Next::Event(Event::json(
            "refused",
            &json!({"lines": ["a\n"], "flush": true, "ignore_write_errors": true}),
        )))),
        Next::Event(Event::json("never", &json!({}))),
    ]);
    let out = finish(probe(&api, "probe_stream"));
    assert_the_stream_ended_the_process(&out, "refused", "onnection refused");
    assert!(
        api.posts().is_empty(),
        "no /error on the old connection either"
    );
}

#[test]
fn streaming_handlers_under_several_workers_answer_each_event_once() {
    let mut script = Vec::new();
    for i in 0..12 {
        let event = match i % 4 {
            0 => json!({"lines": [format!("{i}\n")], "flush": true}),
            1 => json!({"bytes": 100_000}),
            2 => json!({"lines": ["a\n"], "flush": true, "error": "late"}),
            _ => json!({"panic": "early"}),
        };
        script.push(Next::Event(Event::json(&format!("e{i}"), &event)));
    }
    let api = FakeApi::start(script);
    let mut cmd = probe(&api, "probe_stream");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "3");
    let out = finish(cmd);
    assert_no_runtime_panic(&out);
    assert_eq!(answers_per_id(&api).len(), 12, "{}", out.stderr);
    assert!(answers_per_id(&api).values().all(|&n| n == 1));
    for i in 0..12 {
        let post = answer_for(&api, &format!("e{i}"));
        match i % 4 {
            0 => assert_eq!(post.body, format!("{i}\n").as_bytes()),
            1 => assert_eq!(post.body.len(), 100_000),
            2 => {
                assert_eq!(post.body, b"a\n");
                assert_eq!(trailer_error(&post)["errorMessage"], "late");
            }
            _ => assert_eq!(post.json()["errorType"], "Runtime.HandlerPanic"),
        }
    }
}

#[test]
fn a_typed_streaming_handler_refuses_an_ill_shaped_event_naming_the_place() {
    let api = FakeApi::start(vec![
        Next::Event(Event::json("good", &json!({"lines": ["a\n", "b\n"]}))),
        Next::Event(Event::json("bad", &json!({"lines": ["a\n", 7]}))),
    ]);
    let out = finish(probe(&api, "probe_stream_typed"));
    assert_eq!(answer_for(&api, "good").body, b"a\nb\n");
    let bad = answer_for(&api, "bad");
    assert!(bad.path.ends_with("/error"), "{}", out.stderr);
    assert_eq!(
        bad.json(),
        json!({"errorType": "Runtime.UnmarshalError",
               "errorMessage": "the event does not fit Lines: lines[1]: invalid type: integer `7`, \
                                expected a string (line 1, column 17)"})
    );
}

#[test]
fn under_several_workers_a_stream_whose_connection_is_refused_ends_the_process() {
    // Two workers both polling; one gets a streaming event once the fake
    // refuses new connections, the other poll (and any later one) is held:
    // the refused stream must end the process, not just its worker.
    let api = FakeApi::start(vec![
        Next::WhenPending(
            2,
            Box::new(Next::StopListening(Box::new(Next::Event(Event::json(
                "refused",
                &json!({"lines": ["a\n"], "flush": true, "ignore_write_errors": true}),
            ))))),
        ),
        Next::Hold,
        Next::Hold,
    ]);
    let mut cmd = probe(&api, "probe_stream");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "2");
    let out = finish(cmd);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    // Logged by the main thread once the worker reported it: no request id.
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "ERROR runtime API unreachable during POST /runtime/invocation/refused/response \
             (streamed)"
        ) && last.contains("onnection refused"),
        "{}",
        out.stderr
    );
    assert!(api.posts().is_empty(), "{:?}", api.posts());
}
