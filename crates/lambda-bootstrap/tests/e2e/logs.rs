//! Whose line is it: a log line carries the request id of the invocation
//! the thread that wrote it is serving, and a thread the runtime did not
//! start (one a handler started) carries none, even while another
//! invocation runs.

use std::net::TcpListener;

use serde_json::json;

use crate::support::{Event, FakeApi, Next, probe};

#[test]
fn a_thread_a_handler_started_logs_without_a_request_id() {
    for workers in ["1", "2"] {
        let listen = || TcpListener::bind("127.0.0.1:0").unwrap();
        let (a_thread, b_handler, a_logged) = (listen(), listen(), listen());
        let addr = |l: &TcpListener| l.local_addr().unwrap().to_string();
        let api = FakeApi::start(vec![
            Next::Event(Event::json(
                "a",
                &json!({"thread_logs_later": {"wait": addr(&a_thread), "then": addr(&a_logged)},
                        "log_lines": 1}),
            )),
            Next::Event(Event::json(
                "b",
                &json!({"wait_for_close": addr(&b_handler), "log_lines": 1}),
            )),
        ]);
        let running = crate::support::start(
            probe(&api, "probe").env("AWS_LAMBDA_MAX_CONCURRENCY", workers),
            Vec::new(),
        );
        // Invocation b is running (its handler waits on us) when a's thread
        // is let go and logs; b returns only once that line is written.
        let b = b_handler.accept().unwrap();
        drop(a_thread.accept().unwrap());
        drop(a_logged.accept().unwrap());
        drop(b);
        let out = running.wait();
        // In any order: with two workers, a and b may run at once.
        let mut lines: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.contains("probe line") || l.contains("a line from a thread"))
            .collect();
        lines.sort_unstable();
        assert_eq!(
            lines,
            [
                "INFO [a] probe line 0 of request a",
                "INFO [b] probe line 0 of request b",
                "INFO a line from a thread that invocation a started",
            ],
            "with {workers} worker(s):\n{}",
            out.stderr
        );
    }
}
