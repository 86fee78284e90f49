//! The shipped `durableorder` example, its contract exactly as the issue
//! states it: reserve, the `approval` callback, a 1 s `cooldown`, charge.

use serde_json::{Value, json};

use crate::support::Stack;

fn stack() -> Stack {
    Stack::start(env!("CARGO_BIN_EXE_bootstrap"), "durableorder", &[])
}

fn count(history: &[Value], event: &str, name: &str) -> usize {
    history
        .iter()
        .filter(|e| e["EventType"] == event && e["Name"] == name)
        .count()
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn an_approved_order_is_charged() {
    let stack = stack();
    let arn = stack.start_execution("approved", &json!({"orderId": "o-1", "amount": 5}));
    let id = stack.callback_id(&arn, "approval");
    stack.complete_callback(&id, Ok(&json!({"by": "alice"})));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(execution["Status"], "SUCCEEDED", "{execution}");
    let result: Value = serde_json::from_str(execution["Result"].as_str().unwrap()).unwrap();
    assert_eq!(
        result,
        json!({"orderId": "o-1", "status": "charged", "approvedBy": "alice"})
    );
    // Each operation ran once, however many invocations replayed it.
    for (started, name) in [
        ("StepStarted", "reserve"),
        ("CallbackStarted", "approval"),
        ("WaitStarted", "cooldown"),
        ("StepStarted", "charge"),
    ] {
        assert_eq!(count(&history, started, name), 1, "{started} {name}");
    }
    let wait = history
        .iter()
        .find(|e| e["EventType"] == "WaitStarted")
        .unwrap();
    assert_eq!(wait["WaitStartedDetails"]["Duration"], 1);
    // Replayed: the callback and the wait each ended an invocation.
    let invocations = history
        .iter()
        .filter(|e| e["EventType"] == "InvocationCompleted")
        .count();
    assert!(invocations >= 3, "{invocations} invocations");
    // The id, at INFO, in the function's log.
    let lines = stack.function_lines.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("INFO") && l.contains(&id)),
        "{lines:?}"
    );
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn a_rejected_order_fails_with_order_rejected() {
    let stack = stack();
    let arn = stack.start_execution("rejected", &json!({"orderId": "o-2", "amount": 5}));
    let id = stack.callback_id(&arn, "approval");
    stack.complete_callback(&id, Err(("Rejected", "not approved")));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(execution["Status"], "FAILED", "{execution}");
    assert_eq!(execution["Error"]["ErrorType"], "OrderRejected");
    assert_eq!(execution["Error"]["ErrorMessage"], "not approved");
    assert_eq!(count(&history, "StepStarted", "charge"), 0);
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn an_amount_of_zero_fails_reserve_with_invalid_amount_without_retrying() {
    let stack = stack();
    let arn = stack.start_execution("zero", &json!({"orderId": "o-3", "amount": 0}));
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(execution["Status"], "FAILED", "{execution}");
    assert_eq!(execution["Error"]["ErrorType"], "InvalidAmount");
    assert_eq!(count(&history, "StepStarted", "reserve"), 1);
    assert_eq!(count(&history, "StepFailed", "reserve"), 1);
    assert_eq!(count(&history, "CallbackStarted", "approval"), 0);
}

#[test]
#[ignore = "needs dex-local-runner and cargo-lambda; run by .ci/durable.sh"]
fn an_order_nobody_approves_times_out_and_nothing_is_charged() {
    let stack = stack();
    let arn =
        stack.start_execution_within("unanswered", &json!({"orderId": "o-4", "amount": 5}), 2);
    let (execution, history) = stack.wait_done(&arn);
    assert_eq!(execution["Status"], "TIMED_OUT", "{execution}");
    assert_eq!(count(&history, "StepSucceeded", "reserve"), 1);
    assert_eq!(count(&history, "StepStarted", "charge"), 0);
}
