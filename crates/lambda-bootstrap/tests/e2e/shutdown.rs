//! Graceful shutdown: a handler module's shutdown hook. The runtime then
//! registers an internal extension during init (so that Lambda sends it
//! SIGTERM), and on SIGTERM runs the hook once and exits 0. Without a hook
//! nothing of this happens.

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;

use serde_json::json;

use crate::support::{EXTENSION_ID, Event, FakeApi, Finished, Next, Pid, finish, probe, start};

/// `Next` that sends SIGTERM to the process once its long poll is in, then
/// holds that poll, as Lambda does when it shuts an idle environment down.
fn sigterm(pid: &Arc<Pid>) -> Next {
    let pid = Arc::clone(pid);
    Next::Then(
        Box::new(move || {
            let status = Command::new("kill")
                .args(["-TERM", &pid.get().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }),
        Box::new(Next::Hold),
    )
}

/// Runs `cmd`, whose script may send SIGTERM through `pid`.
fn run(mut cmd: Command, pid: &Arc<Pid>) -> Finished {
    let running = start(&mut cmd, Vec::new());
    pid.set(running.pid);
    running.wait()
}

#[test]
fn the_hook_runs_once_when_lambda_shuts_the_environment_down() {
    let pid = Arc::new(Pid::default());
    let api = FakeApi::start(vec![
        Next::Event(Event::json("s1", &json!({"hello": "world"}))),
        Next::Event(Event::json("s2", &json!({"hello": "world"}))),
        sigterm(&pid),
    ]);
    let out = run(probe(&api, "probe_hooked"), &pid);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let last = out.stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("INFO probe shutdown hook: ") && last.ends_with(" ms left"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("probe shutdown hook").count(), 1);
    // Registered during init, its long poll sent before the runtime's
    // first /next was answered (the fake, like Lambda, holds that /next
    // until the extension polls).
    let requests = api.requests();
    let register = requests
        .iter()
        .find(|r| r.path == "/2020-01-01/extension/register")
        .expect("the extension registered");
    assert_eq!(register.method, "POST");
    assert_eq!(
        register.header("Lambda-Extension-Name"),
        Some("lambda-bootstrap-shutdown")
    );
    assert_eq!(register.json(), json!({"events": []}));
    let poll = requests
        .iter()
        .find(|r| r.path == "/2020-01-01/extension/event/next")
        .expect("the extension polls");
    assert_eq!(poll.method, "GET");
    assert_eq!(
        poll.header("Lambda-Extension-Identifier"),
        Some(EXTENSION_ID)
    );
    assert_eq!(api.posts().len(), 2, "both events answered");
    assert!(!out.stderr.contains(THREADS_WARNING), "{}", out.stderr);
}

/// The start of the warning arming gives when other threads run already.
const THREADS_WARNING: &str = "WARN the shutdown hook may not run: ";

#[test]
fn a_thread_started_before_the_hook_is_armed_is_warned_about() {
    let api = FakeApi::start(vec![Next::Event(Event::json("t", &json!({})))]);
    let mut cmd = probe(&api, "probe_hooked");
    cmd.env("PROBE_THREAD_BEFORE_MAIN", "1");
    let out = finish(cmd);
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with(THREADS_WARNING))
        .collect();
    assert_eq!(
        warnings,
        [
            "WARN the shutdown hook may not run: 2 threads were running when it was armed, \
          and SIGTERM's default action ends the process in any thread started before; \
          start threads after init"
        ],
        "{}",
        out.stderr
    );
    // A warning, not a refusal: the hook is armed and the event served.
    assert!(
        api.requests()
            .iter()
            .any(|r| r.path == "/2020-01-01/extension/register")
    );
    assert_eq!(api.posts().len(), 1, "{}", out.stderr);
}

#[test]
fn without_a_hook_there_is_no_extension_and_sigterm_keeps_its_default() {
    let pid = Arc::new(Pid::default());
    let api = FakeApi::start(vec![
        Next::Event(Event::json("p", &json!({}))),
        sigterm(&pid),
    ]);
    let out = run(probe(&api, "probe"), &pid);
    // Killed by the signal: no exit code.
    assert_eq!(out.code, None, "{}", out.stderr);
    assert!(
        api.requests()
            .iter()
            .all(|r| !r.path.contains("/extension/")),
        "{:?}",
        api.requests()
    );
}

#[test]
fn sigterm_during_an_invocation_runs_the_hook_and_exits_without_waiting() {
    let handler_waits = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = handler_waits.local_addr().unwrap().to_string();
    let api = FakeApi::start(vec![Next::Event(Event::json(
        "busy",
        &json!({"wait_for_close": addr}),
    ))]);
    let mut cmd = probe(&api, "probe_hooked");
    let running = start(&mut cmd, Vec::new());
    // The handler is running (it connected); it will wait for good.
    let _held = handler_waits.accept().unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &running.pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = running.wait();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let hook: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("probe shutdown hook"))
        .collect();
    assert_eq!(hook.len(), 1, "{}", out.stderr);
    // It was told its time: less than Lambda's 500 ms, leaving the runtime
    // a margin to exit before SIGKILL.
    let left: u64 = hook[0]
        .strip_prefix("INFO probe shutdown hook: ")
        .and_then(|l| l.strip_suffix(" ms left"))
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("{}", hook[0]));
    assert!((1..=400).contains(&left), "{left} ms");
    let answers = api
        .posts()
        .iter()
        .filter(|p| p.path.contains("/runtime/"))
        .count();
    assert_eq!(answers, 0, "the invocation was not waited for");
}

#[test]
fn a_hook_that_panics_or_overruns_still_ends_in_an_exit() {
    for (how, says) in [
        (
            "panic",
            "ERROR the shutdown hook panicked; exiting all the same",
        ),
        (
            "block",
            "WARN the shutdown hook is still running after 400 ms (Lambda kills the process at 500 ms): exiting",
        ),
    ] {
        let pid = Arc::new(Pid::default());
        let api = FakeApi::start(vec![sigterm(&pid)]);
        let mut cmd = probe(&api, "probe_hooked");
        cmd.env("PROBE_SHUTDOWN", how);
        let out = run(cmd, &pid);
        assert_eq!(out.code, Some(0), "{how}: {}", out.stderr);
        assert_eq!(out.stderr.lines().last(), Some(says), "{}", out.stderr);
        if how == "panic" {
            assert!(
                out.stderr.contains("ERROR panicked at ")
                    && out.stderr.contains("examples/probe.rs:")
                    && out.stderr.contains("the shutdown hook failed"),
                "{}",
                out.stderr
            );
        }
    }
}

#[test]
fn under_several_workers_the_hook_still_runs_once() {
    let pid = Arc::new(Pid::default());
    // SIGTERM once all four workers wait in their long polls.
    let api = FakeApi::start(vec![
        Next::Event(Event::json("w", &json!({}))),
        Next::WhenPending(4, Box::new(sigterm(&pid))),
        Next::Hold,
        Next::Hold,
        Next::Hold,
    ]);
    let mut cmd = probe(&api, "probe_hooked");
    cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", "4");
    let out = run(cmd, &pid);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let hooks = out
        .stderr
        .lines()
        .filter(|l| l.contains("probe shutdown hook"))
        .count();
    assert_eq!(hooks, 1, "{}", out.stderr);
    // The workers start after arming: no warning.
    assert!(!out.stderr.contains(THREADS_WARNING), "{}", out.stderr);
    let registrations = api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/extension/register"))
        .count();
    assert_eq!(registrations, 1);
}
