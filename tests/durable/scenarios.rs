//! Each operation and each way replay can go wrong, on the durable
//! probe's handlers (`examples/durable_probe.rs`).

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Stack, probe_binary};

fn events<'a>(history: &'a [Value], event: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    history.iter().filter(move |e| e["EventType"] == event)
}

fn result(execution: &Value) -> Value {
    assert_eq!(execution["Status"], "SUCCEEDED", "{execution}");
    serde_json::from_str(execution["Result"].as_str().unwrap()).unwrap()
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn retries_back_off_then_run_out() {
    let stack = Stack::start(probe_binary(), "flaky", &[]);
    let arn = stack.start_execution("flaky", &json!({}));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(execution["Status"], "FAILED", "{execution}");
    assert_eq!(execution["Error"]["ErrorType"], "RuntimeError");
    assert_eq!(execution["Error"]["ErrorMessage"], "boom 3");
    assert_eq!(events(&history, "StepStarted").count(), 3);
    // Each failed attempt is in the history with the delay asked for
    // before the next: 1 s, then 2 s, then 0 (the last: none follows).
    let delays: Vec<_> = events(&history, "StepFailed")
        .map(|e| {
            e.pointer("/StepFailedDetails/RetryDetails/NextAttemptDelaySeconds")
                .and_then(Value::as_u64)
        })
        .collect();
    assert_eq!(
        delays,
        [Some(1), Some(2), Some(0)],
        "{}",
        Value::from(history.clone())
    );
    let started: Vec<f64> = events(&history, "StepStarted")
        .map(|e| e["EventTimestamp"].as_f64().unwrap())
        .collect();
    assert!(started[1] - started[0] >= 1.0, "{started:?}");
    assert!(started[2] - started[1] >= 2.0, "{started:?}");
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn code_changed_between_invocations_fails_naming_the_operation() {
    let mut stack = Stack::start(probe_binary(), "v1", &[]);
    let arn = stack.start_execution("changed", &json!({}));
    stack.wait_for(&arn, |_, history| {
        events(history, "WaitStarted").count() == 1
    });
    // A deploy while the execution waits: the next invocation runs v2.
    stack.serve("v2");
    let (execution, _) = stack.wait_done(&arn);
    assert_eq!(execution["Status"], "FAILED", "{execution}");
    assert_eq!(execution["Error"]["ErrorType"], "NonDeterministicExecution");
    let message = execution["Error"]["ErrorMessage"].as_str().unwrap();
    assert!(
        message.contains(
            "is a STEP named 'a' in the execution's log, but the code asked for a STEP named 'a2'"
        ),
        "{message}"
    );
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn child_contexts_callbacks_and_a_timeout() {
    let stack = Stack::start(probe_binary(), "ops", &[]);
    let arn = stack.start_execution("ops", &json!({}));
    let id = stack.callback_id(&arn, "external");
    stack.complete_callback(&id, Ok(&json!({"ok": true})));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(
        result(&execution),
        json!({"child": 21, "submitted": {"ok": true}, "timeout": "CallbackTimedOut"})
    );
    let contexts: Vec<_> = events(&history, "ContextSucceeded")
        .map(|e| e["Name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(contexts, ["group", "external"]);
    assert_eq!(events(&history, "CallbackTimedOut").count(), 1);
    // The submitter ran once and handed over the very id.
    let lines = stack.function_lines.lock().unwrap().clone();
    let handed: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("submitter handed over callback id"))
        .collect();
    assert_eq!(handed.len(), 1, "{lines:?}");
    assert!(handed[0].ends_with(&id), "{handed:?}");
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn replay_across_many_invocations_runs_each_step_once() {
    let stack = Stack::start(probe_binary(), "replays", &[]);
    let arn = stack.start_execution("replays", &json!({"waits": 6}));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(result(&execution), json!(15));
    assert_eq!(events(&history, "StepStarted").count(), 6);
    assert!(events(&history, "InvocationCompleted").count() >= 7);
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn a_log_of_more_than_one_page_is_read_whole() {
    let stack = Stack::start(probe_binary(), "pages", &[]);
    let arn = stack.start_execution("pages", &json!({}));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(result(&execution), json!(14 * 400 * 1024));
    assert_eq!(events(&history, "StepStarted").count(), 14);
    // The envelope after the wait held less than the log: the rest was
    // asked for, page by page.
    let lines = stack.runner_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("GET /2025-12-01/durable-executions/") && l.contains("/state")),
        "no state page was read"
    );
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn a_result_too_large_for_the_answer_is_checkpointed() {
    let stack = Stack::start(probe_binary(), "large", &[]);
    let bytes = 7 * 1024 * 1024;
    let arn = stack.start_execution("large", &json!({"bytes": bytes}));
    let (execution, _) = stack.wait_done(&arn);
    let got = result(&execution);
    assert_eq!(got.as_str().map(str::len), Some(bytes));
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn an_invocation_cut_off_mid_step_is_invoked_again() {
    let mark = std::env::temp_dir().join(format!("durable-crash-{}", std::process::id()));
    let _ = std::fs::remove_file(&mark);
    let mark_text = mark.to_str().unwrap().to_string();
    // The emulator never learns that the process died: the runner gives
    // the invocation up after its timeout, as Lambda would, and invokes
    // again.
    let mut stack = Stack::start_with(
        probe_binary(),
        "crash",
        &[("DURABLE_PROBE_MARK", &mark_text)],
        &["--invocation-timeout", "3"],
    );
    let arn = stack.start_execution("crash", &json!({}));
    // The step aborts the process: Lambda would start a new sandbox.
    let mut crashed = false;
    let (execution, _) = stack.wait_for(&arn, |execution, _| {
        execution["Status"] != "RUNNING" || std::path::Path::new(&mark).exists()
    });
    if execution["Status"] == "RUNNING" {
        while !stack.function_exited() {
            std::thread::sleep(Duration::from_millis(50));
        }
        crashed = true;
        stack.serve("crash");
    }
    let (execution, history) = stack.wait_done(&arn);
    let _ = std::fs::remove_file(&mark);
    assert!(crashed, "the step never cut the invocation off");
    assert_eq!(result(&execution), json!("finished on attempt 1"));
    assert_eq!(events(&history, "StepSucceeded").count(), 1);
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn two_executions_at_once_under_max_concurrency() {
    let stack = Stack::start(
        env!("CARGO_BIN_EXE_bootstrap"),
        "durableorder",
        &[("AWS_LAMBDA_MAX_CONCURRENCY", "2")],
    );
    let a = stack.start_execution("a", &json!({"orderId": "a", "amount": 1}));
    let b = stack.start_execution("b", &json!({"orderId": "b", "amount": 2}));
    let id_a = stack.callback_id(&a, "approval");
    let id_b = stack.callback_id(&b, "approval");
    assert_ne!(id_a, id_b);
    stack.complete_callback(&id_b, Ok(&json!({"by": "bob"})));
    stack.complete_callback(&id_a, Ok(&json!({"by": "ann"})));
    for (arn, order, by) in [(&a, "a", "ann"), (&b, "b", "bob")] {
        let (execution, _) = stack.wait_done(arn);
        assert_eq!(
            result(&execution),
            json!({"orderId": order, "status": "charged", "approvedBy": by})
        );
    }
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn map_parallel_and_wait_for_condition() {
    let stack = Stack::start(probe_binary(), "fanout", &[]);
    let arn = stack.start_execution("fanout", &json!({}));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(
        result(&execution),
        json!({"map": [2, 4, 6, 8], "parallel": [1, 2], "polled": 3})
    );
    // Each branch's step ran once, though one branch's wait ended an
    // invocation while the others were done.
    let steps: Vec<_> = events(&history, "StepSucceeded")
        .map(|e| e["Name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        steps.iter().filter(|n| *n == "twice").count(),
        4,
        "{steps:?}"
    );
    let contexts: Vec<_> = events(&history, "ContextSucceeded")
        .map(|e| e["Name"].as_str().unwrap_or("").to_string())
        .collect();
    for name in ["double", "double-0", "double-3", "both", "both-1"] {
        assert!(contexts.iter().any(|c| c == name), "{name}: {contexts:?}");
    }
    // The condition was polled three times, the state carried between.
    assert_eq!(
        events(&history, "StepStarted")
            .filter(|e| e["Name"] == "count")
            .count(),
        3
    );
}
