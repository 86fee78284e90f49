//! `scheduleevent`'s shutdown hook: when Lambda shuts the environment down
//! (SIGTERM), it logs how many runs this process served.

use std::process::Command;
use std::sync::Arc;

use serde_json::json;

use crate::bootstrap;
use crate::support::{Event, FakeApi, Next, Pid, start};

#[test]
fn scheduleevent_logs_its_runs_when_lambda_shuts_it_down() {
    let pid = Arc::new(Pid::default());
    let signal = Arc::clone(&pid);
    // Once its long poll is in, SIGTERM, as Lambda sends when it shuts an
    // idle environment down; the poll is held.
    let sigterm = Next::Then(
        Box::new(move || {
            let status = Command::new("kill")
                .args(["-TERM", &signal.get().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }),
        Box::new(Next::Hold),
    );
    let api = FakeApi::start(vec![
        Next::Event(Event::json("s1", &json!({"hello": "world"}))),
        Next::Event(Event::json("s2", &json!({"hello": "world"}))),
        sigterm,
    ]);
    let mut cmd = bootstrap(&api, "scheduleevent");
    let running = start(&mut cmd, Vec::new());
    pid.set(running.pid);
    let out = running.wait();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stderr.lines().last(),
        Some("INFO shutting down after 2 runs"),
        "{}",
        out.stderr
    );
    assert_eq!(api.posts().len(), 2, "both events answered");
}
