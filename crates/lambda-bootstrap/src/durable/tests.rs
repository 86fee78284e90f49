//! The room against the recorded exchanges (`tests/data/durable/`): the
//! recorded envelopes go into handlers that do what the recorded function
//! did, and every checkpoint they send must be the recorded one, answered
//! with the recorded answer. Then what the recordings cannot show (paging,
//! non-determinism, a large result, a refused token), against a service
//! that keeps a log as the real one does.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::aws;
use crate::durable::api::Checkpointed;
use crate::durable::envelope::{ExecutionState, Invocation};
use crate::durable::operation::{CallbackDetails, Operation, StepDetails};

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/durable/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn ctx() -> Context {
    Context::local("r", Default::default())
}

/// Plays the recorded checkpoints: each call must carry the recorded token
/// and updates, and gets the recorded answer.
struct Recorded {
    exchanges: Mutex<Vec<Value>>,
}

impl Recorded {
    fn new(names: &[&str]) -> Recorded {
        Recorded {
            exchanges: Mutex::new(names.iter().rev().map(|n| sample(n)).collect()),
        }
    }

    fn done(&self) {
        assert!(
            self.exchanges.lock().unwrap().is_empty(),
            "checkpoints left unsent"
        );
    }
}

impl Service for Recorded {
    fn checkpoint(
        &self,
        _: &Context,
        arn: &str,
        token: &str,
        updates: &[Update],
    ) -> Result<Checkpointed, aws::Error> {
        let exchange = self
            .exchanges
            .lock()
            .unwrap()
            .pop()
            .expect("a checkpoint too many");
        let request = &exchange["request"];
        let shaped = api::checkpoint(arn, token, updates);
        assert_eq!(request["path"], shaped.path.as_str());
        assert_eq!(request["method"], shaped.method);
        let body: Value = serde_json::from_slice(&shaped.body).unwrap();
        assert_eq!(body["CheckpointToken"], request["body"]["CheckpointToken"]);
        assert_eq!(body["Updates"], request["body"]["Updates"]);
        let response = aws::Response {
            status: exchange["response"]["status"].as_u64().unwrap() as u16,
            headers: Vec::new(),
            body: serde_json::to_vec(&exchange["response"]["body"]).unwrap(),
        };
        api::read_checkpoint(&response)
    }

    fn state(&self, _: &Context, _: &str, _: &str, _: &str) -> Result<ExecutionState, aws::Error> {
        panic!("no state page was recorded for this execution")
    }
}

fn envelope(name: &str) -> (Invocation, Value) {
    let exchange = sample(name);
    let body = serde_json::to_vec(&exchange["request"]["body"]).unwrap();
    (
        envelope::parse(&body).unwrap(),
        exchange["response"]["body"].clone(),
    )
}

/// The recorded demo: a step, a wait, a callback.
fn demo(event: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = event["name"].as_str().unwrap_or("world").to_string();
    let greeting: String = ctx.step("greet", |_| Ok(format!("hello {name}")))?;
    ctx.wait("pause", Duration::from_secs(1))?;
    let callback = ctx.create_callback("approval", &CallbackConfig::default())?;
    let approval: Value = callback.result()?;
    Ok(json!({"greeting": greeting, "approval": approval}))
}

fn answer(service: &dyn Service, handler: DurableFn<Value, Value>, name: &str) -> Value {
    let (invocation, _) = envelope(name);
    let answer = execute(service, handler, invocation, &ctx()).unwrap();
    serde_json::from_slice(&answer.to_json()).unwrap()
}

#[test]
fn the_first_invocation_checkpoints_as_recorded_and_answers_pending() {
    let service = Recorded::new(&["checkpoint-step-start-succeed", "checkpoint-wait-start"]);
    let (_, recorded) = envelope("invoke-1-first-envelope-PENDING");
    assert_eq!(
        answer(&service, demo, "invoke-1-first-envelope-PENDING"),
        recorded
    );
    service.done();
}

#[test]
fn replay_skips_what_is_done_and_starts_the_callback_as_recorded() {
    // The step is not run again (no checkpoint for it); the callback's
    // START is the one checkpoint, with the recorded options.
    let service = Recorded::new(&["checkpoint-callback-start"]);
    let (_, recorded) = envelope("invoke-2-after-wait-PENDING");
    assert_eq!(
        answer(&service, demo, "invoke-2-after-wait-PENDING"),
        recorded
    );
    service.done();
}

#[test]
fn a_completed_callback_finishes_the_execution_without_checkpoints() {
    let service = Recorded::new(&[]);
    let got = answer(&service, demo, "invoke-3-after-callback-SUCCEEDED");
    assert_eq!(got["Status"], "SUCCEEDED");
    let result: Value = serde_json::from_str(got["Result"].as_str().unwrap()).unwrap();
    assert_eq!(result, json!({"greeting": "hello rust", "approval": "yes"}));
    service.done();
}

#[test]
fn a_failed_callback_fails_the_execution_with_its_error() {
    let service = Recorded::new(&[]);
    let got = answer(&service, demo, "invoke-callback-failed-FAILED");
    assert_eq!(
        got,
        json!({"Status": "FAILED", "Error": {"ErrorType": "Rejected", "ErrorMessage": "not approved"}})
    );
}

fn flaky(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let before: String = ctx.step("ok-step", |_| Ok("before".to_string()))?;
    let config = StepConfig {
        retry: RetryStrategy::exponential(2),
        ..StepConfig::default()
    };
    let never: String = ctx.step_with("flaky", &config, |step| {
        Err(HandlerError::new(
            "RuntimeError",
            format!("boom {}", step.attempt),
        ))
    })?;
    Ok(json!([before, never]))
}

#[test]
fn a_failed_attempt_is_retried_after_the_delay_then_the_step_fails() {
    // The first invocation that ran `flaky`: the envelope of the recorded
    // second one, before its RETRY.
    let (mut invocation, _) = envelope("invoke-step-failed-FAILED");
    let ops = &mut invocation.initial_execution_state.operations;
    ops.retain(|op| op.name.as_deref() != Some("flaky"));
    invocation.checkpoint_token =
        sample("checkpoint-step-retry")["request"]["body"]["CheckpointToken"]
            .as_str()
            .unwrap()
            .to_string();
    let service = Recorded::new(&["checkpoint-step-retry"]);
    let got = execute(&service, flaky, invocation, &ctx()).unwrap();
    assert_eq!(got, Answer::Pending);
    service.done();

    // The retry is due (READY, attempt 1 made): attempt 2 runs, fails, and
    // is the last.
    let service = Recorded::new(&["checkpoint-step-fail"]);
    let got = answer(&service, flaky, "invoke-step-failed-FAILED");
    assert_eq!(
        got,
        json!({"Status": "FAILED", "Error": {"ErrorType": "RuntimeError", "ErrorMessage": "boom 2"}})
    );
    service.done();
}

/// A service that keeps the log as the real one does, and counts calls.
#[derive(Default)]
struct Log {
    inner: Mutex<LogInner>,
}

#[derive(Default)]
struct LogInner {
    ops: Vec<Operation>,
    token: u32,
    checkpoints: Vec<Vec<Update>>,
    pages_read: u32,
    refuse: bool,
}

impl Log {
    fn with_input(input: &str) -> Log {
        let log = Log::default();
        log.inner
            .lock()
            .unwrap()
            .ops
            .push(operation("exec", "EXECUTION", "STARTED", None));
        log.inner.lock().unwrap().ops[0].execution_details = Some(operation::ExecutionDetails {
            input_payload: Some(input.to_string()),
        });
        log
    }

    /// The envelope of the next invocation, with at most `page` operations
    /// in it: the rest must be paged in.
    fn envelope(&self, page: usize) -> Invocation {
        let inner = self.inner.lock().unwrap();
        let more = inner.ops.len() > page;
        Invocation {
            durable_execution_arn: "local/exec".into(),
            checkpoint_token: format!("t{}", inner.token),
            initial_execution_state: ExecutionState {
                operations: inner.ops[..page.min(inner.ops.len())].to_vec(),
                next_marker: more.then(|| page.to_string()),
            },
        }
    }

    fn checkpoints(&self) -> Vec<Vec<Update>> {
        self.inner.lock().unwrap().checkpoints.clone()
    }

    /// Completes every started wait, as the clock would.
    fn elapse(&self) {
        for op in &mut self.inner.lock().unwrap().ops {
            if op.kind == "WAIT" {
                op.status = "SUCCEEDED".into();
            }
            if op.kind == "STEP" && op.status == "PENDING" {
                op.status = "READY".into();
            }
        }
    }
}

fn operation(id: &str, kind: &str, status: &str, name: Option<&str>) -> Operation {
    serde_json::from_value(json!({"Id": id, "Type": kind, "Status": status, "Name": name})).unwrap()
}

impl Service for Log {
    fn checkpoint(
        &self,
        _: &Context,
        _: &str,
        token: &str,
        updates: &[Update],
    ) -> Result<Checkpointed, aws::Error> {
        let mut inner = self.inner.lock().unwrap();
        if inner.refuse || token != format!("t{}", inner.token) {
            return Err(aws::Error::Service(aws::ServiceError {
                operation: "Lambda.CheckpointDurableExecution".into(),
                code: "InvalidParameterValueException".into(),
                message: "Invalid checkpoint token".into(),
                status: 400,
                request_id: None,
            }));
        }
        inner.token += 1;
        inner.checkpoints.push(updates.to_vec());
        let mut changed = Vec::new();
        for update in updates {
            let status = match (update.kind, update.action) {
                (_, "START") => "STARTED",
                (_, "SUCCEED") => "SUCCEEDED",
                (_, "FAIL") => "FAILED",
                (_, "RETRY") => "PENDING",
                _ => "CANCELLED",
            };
            let mut op = operation(&update.id, update.kind, status, update.name.as_deref());
            match update.kind {
                "STEP" => {
                    op.step_details = Some(StepDetails {
                        attempt: Some(1),
                        result: update.payload.clone(),
                        error: update.error.clone(),
                    })
                }
                "CONTEXT" => {
                    op.context_details = Some(operation::ContextDetails {
                        result: update.payload.clone(),
                        error: update.error.clone(),
                        replay_children: update.context_options.map(|o| o.replay_children),
                    })
                }
                "CALLBACK" => {
                    op.callback_details = Some(CallbackDetails {
                        callback_id: Some(format!("cb-{}", &update.id[..8])),
                        ..Default::default()
                    })
                }
                _ => {}
            }
            match inner.ops.iter_mut().find(|o| o.id == update.id) {
                Some(existing) => {
                    existing.status = op.status.clone();
                    if op.step_details.is_some() {
                        existing.step_details = op.step_details.clone();
                    }
                    if op.context_details.is_some() {
                        existing.context_details = op.context_details.clone();
                    }
                }
                None => inner.ops.push(op.clone()),
            }
            changed.push(op);
        }
        Ok(Checkpointed {
            checkpoint_token: format!("t{}", inner.token),
            new_execution_state: ExecutionState {
                operations: changed,
                next_marker: None,
            },
        })
    }

    fn state(
        &self,
        _: &Context,
        _: &str,
        token: &str,
        marker: &str,
    ) -> Result<ExecutionState, aws::Error> {
        let mut inner = self.inner.lock().unwrap();
        assert_eq!(
            token,
            format!("t{}", inner.token),
            "paged with a stale token"
        );
        inner.pages_read += 1;
        let from: usize = marker.parse().unwrap();
        let to = (from + 2).min(inner.ops.len());
        Ok(ExecutionState {
            operations: inner.ops[from..to].to_vec(),
            next_marker: (to < inner.ops.len()).then(|| to.to_string()),
        })
    }
}

fn many_steps(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let mut sum = 0;
    for i in 0..7u32 {
        sum += ctx.step(&format!("s{i}"), |_| Ok(i))?;
    }
    ctx.wait("w", Duration::from_secs(1))?;
    Ok(json!(sum))
}

#[test]
fn state_of_many_pages_is_read_whole_and_nothing_done_runs_twice() {
    let log = Log::with_input("{}");
    let got = execute(&log, many_steps, log.envelope(100), &ctx()).unwrap();
    assert_eq!(got, Answer::Pending);
    // Seven steps, each START and SUCCEED in one call; the wait's START
    // went with the answer.
    let sent = log.checkpoints();
    assert_eq!(sent.len(), 8);
    assert!(
        sent[..7]
            .iter()
            .all(|c| c.len() == 2 && c[0].action == "START" && c[1].action == "SUCCEED")
    );
    assert_eq!(sent[7][0].kind, "WAIT");
    log.elapse();
    // Two operations in the envelope, the other seven in pages of two.
    let got = execute(&log, many_steps, log.envelope(2), &ctx()).unwrap();
    assert_eq!(
        got,
        Answer::Succeeded {
            result: "21".into()
        }
    );
    assert_eq!(log.inner.lock().unwrap().pages_read, 4);
    assert_eq!(log.checkpoints().len(), 8, "a step ran again");
}

fn changed(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.step("s0", |_| Ok(0))?;
    ctx.step("renamed", |_| Ok(1))?;
    Ok(Value::Null)
}

#[test]
fn code_that_changed_is_a_terminal_error_naming_the_operation() {
    let log = Log::with_input("{}");
    let _ = execute(&log, many_steps, log.envelope(100), &ctx()).unwrap();
    let got = execute(&log, changed, log.envelope(100), &ctx()).unwrap();
    let Answer::Failed { error } = got else {
        panic!("{got:?}")
    };
    assert_eq!(error.kind(), "NonDeterministicExecution");
    assert!(
        error.message().contains("is a STEP named 's1' in the execution's log, but the code asked for a STEP named 'renamed'"),
        "{}",
        error.message()
    );
    assert!(
        error.message().contains(&id::derive(None, 2)),
        "{}",
        error.message()
    );

    fn a_wait_now(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
        ctx.wait("s0", Duration::from_secs(1))?;
        Ok(Value::Null)
    }
    let got = execute(&log, a_wait_now, log.envelope(100), &ctx()).unwrap();
    let Answer::Failed { error } = got else {
        panic!("{got:?}")
    };
    assert!(
        error.message().contains("is a STEP named 's0'"),
        "{}",
        error.message()
    );
    assert!(
        error.message().contains("asked for a WAIT named 's0'"),
        "{}",
        error.message()
    );
}

#[test]
fn a_result_too_large_for_the_answer_is_checkpointed() {
    fn large(_: Value, _: &DurableContext) -> Result<String, DurableError> {
        Ok("x".repeat(MAX_ANSWER))
    }
    let log = Log::with_input("{}");
    let invocation = log.envelope(100);
    let answer = execute(&log, large, invocation, &ctx()).unwrap();
    assert_eq!(
        answer,
        Answer::Succeeded {
            result: String::new()
        }
    );
    let sent = log.checkpoints();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0][0].kind, sent[0][0].action),
        ("EXECUTION", "SUCCEED")
    );
    assert_eq!(sent[0][0].id, "exec");
    assert_eq!(sent[0][0].payload.as_ref().unwrap().len(), MAX_ANSWER + 2);

    fn small(_: Value, _: &DurableContext) -> Result<String, DurableError> {
        Ok("x".repeat(1000))
    }
    let log = Log::with_input("{}");
    let answer = execute(&log, small, log.envelope(100), &ctx()).unwrap();
    assert!(matches!(answer, Answer::Succeeded { result } if result.len() == 1002));
    assert!(log.checkpoints().is_empty());
}

#[test]
fn a_refused_token_is_an_invocation_error_and_a_panicking_step_a_failed_one() {
    let log = Log::with_input("{}");
    log.inner.lock().unwrap().refuse = true;
    let err = execute(&log, many_steps, log.envelope(100), &ctx()).unwrap_err();
    assert_eq!(err.error_type(), "InvalidParameterValueException");
    assert!(
        err.message().contains("Invalid checkpoint token"),
        "{}",
        err.message()
    );

    fn panics(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
        let config = StepConfig {
            retry: RetryStrategy::none(),
            ..StepConfig::default()
        };
        ctx.step_with("bad", &config, |_| -> Result<u8, HandlerError> {
            panic!("step bug")
        })?;
        Ok(Value::Null)
    }
    let log = Log::with_input("{}");
    let answer = execute(&log, panics, log.envelope(100), &ctx()).unwrap();
    assert_eq!(
        answer,
        Answer::Failed {
            error: ErrorObject::new("StepPanicked", "step bug")
        }
    );
    assert_eq!(log.checkpoints()[0][1].action, "FAIL");
}

#[test]
fn an_input_that_does_not_fit_fails_the_execution_and_a_bad_envelope_is_refused() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Typed {
        amount: i64,
    }
    fn typed(_: Typed, _: &DurableContext) -> Result<Value, DurableError> {
        Ok(Value::Null)
    }
    let log = Log::with_input(r#"{"amount": "ten"}"#);
    let answer = execute(&log, typed, log.envelope(100), &ctx()).unwrap();
    let Answer::Failed { error } = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(error.kind(), "Runtime.UnmarshalError");
    assert!(
        error
            .message()
            .starts_with("the event does not fit Typed: amount: invalid type"),
        "{}",
        error.message()
    );

    let got = run(demo, br#"{"orderId": "o1", "amount": 5}"#, &ctx());
    let Err(Failure::Unmarshal(message)) = got else {
        panic!("{got:?}")
    };
    assert!(
        message.starts_with("the event is not a durable execution's invocation"),
        "{message}"
    );
}

#[test]
fn at_most_once_steps_record_their_start_first_and_never_run_twice() {
    use std::sync::atomic::{AtomicU32, Ordering};
    static RUNS: AtomicU32 = AtomicU32::new(0);
    fn once(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
        let config = StepConfig {
            retry: RetryStrategy::none(),
            semantics: Semantics::AtMostOncePerRetry,
        };
        let n: u32 = ctx.step_with("once", &config, |_| Ok(RUNS.fetch_add(1, Ordering::SeqCst)))?;
        Ok(json!(n))
    }
    let log = Log::with_input("{}");
    execute(&log, once, log.envelope(100), &ctx()).unwrap();
    let sent = log.checkpoints();
    assert_eq!(sent.len(), 2, "START alone, before the code ran");
    assert_eq!(sent[0][0].action, "START");
    // An invocation cut off after the START: the step is STARTED.
    let log = Log::with_input("{}");
    let mut started = operation(&id::derive(None, 1), "STEP", "STARTED", Some("once"));
    started.step_details = Some(StepDetails::default());
    log.inner.lock().unwrap().ops.push(started);
    let before = RUNS.load(Ordering::SeqCst);
    let answer = execute(&log, once, log.envelope(100), &ctx()).unwrap();
    assert_eq!(RUNS.load(Ordering::SeqCst), before, "ran twice");
    let Answer::Failed { error } = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(error.kind(), "StepInterrupted");
}

fn doubled(event: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items: Vec<u64> = serde_json::from_value(event["items"].clone()).unwrap();
    let out = ctx.map("double", &items, 2, |branch, item, i| {
        let x: u64 = branch.step("twice", |_| Ok(item * 2))?;
        if event["wait_in"] == json!(i) {
            branch.wait("settle", Duration::from_secs(1))?;
        }
        Ok(x)
    })?;
    Ok(json!(out))
}

fn starts(log: &Log, kind: &str) -> usize {
    log.checkpoints()
        .iter()
        .flatten()
        .filter(|u| u.kind == kind && u.action == "START")
        .count()
}

#[test]
fn map_runs_each_branch_once_in_its_own_checkpointed_context() {
    let log = Log::with_input(r#"{"items": [1, 2, 3, 4], "wait_in": 2}"#);
    let got = execute(&log, doubled, log.envelope(1000), &ctx()).unwrap();
    assert_eq!(got, Answer::Pending, "one branch waits");
    // Every branch ran its step, the map and its four branches started.
    assert_eq!(starts(&log, "STEP"), 4);
    assert_eq!(starts(&log, "CONTEXT"), 5);
    let names: Vec<_> = log
        .checkpoints()
        .iter()
        .flatten()
        .filter(|u| u.kind == "CONTEXT" && u.action == "START")
        .map(|u| u.name.clone().unwrap())
        .collect();
    assert!(names.contains(&"double-3".to_string()), "{names:?}");
    log.elapse();
    let got = execute(&log, doubled, log.envelope(1000), &ctx()).unwrap();
    assert_eq!(
        got,
        Answer::Succeeded {
            result: "[2,4,6,8]".into()
        }
    );
    assert_eq!(starts(&log, "STEP"), 4, "a branch's step ran twice");
    // Once the map succeeded, replay answers it whole.
    let before = log.checkpoints().len();
    let got = execute(&log, doubled, log.envelope(1000), &ctx()).unwrap();
    assert_eq!(
        got,
        Answer::Succeeded {
            result: "[2,4,6,8]".into()
        }
    );
    assert_eq!(log.checkpoints().len(), before);
}

#[test]
fn parallel_branches_fail_the_whole_with_the_first_failure() {
    fn two(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
        let ok = |c: &DurableContext| c.step("ok", |_| Ok(1u8));
        let bad = |c: &DurableContext| {
            let config = StepConfig {
                retry: RetryStrategy::none(),
                ..StepConfig::default()
            };
            c.step_with("bad", &config, |_| -> Result<u8, HandlerError> {
                Err(HandlerError::new("Nope", "branch 1 failed"))
            })
        };
        let branches: [Branch<'_, '_, u8>; 2] = [&ok, &bad];
        Ok(json!(ctx.parallel("both", &branches, 4)?))
    }
    let log = Log::with_input("{}");
    let got = execute(&log, two, log.envelope(1000), &ctx()).unwrap();
    assert_eq!(
        got,
        Answer::Failed {
            error: ErrorObject::new("Nope", "branch 1 failed")
        }
    );
    assert_eq!(starts(&log, "STEP"), 2, "both branches ran");
}

#[test]
fn wait_for_condition_polls_with_its_state_until_done() {
    fn poll(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
        let n: u32 = ctx.wait_for_condition(
            "count",
            0,
            |n, _| Ok(n + 1),
            |n, _| {
                if *n >= 3 {
                    Poll::Done
                } else {
                    Poll::Again(Duration::from_secs(2))
                }
            },
        )?;
        Ok(json!(n))
    }
    let log = Log::with_input("{}");
    for _ in 0..2 {
        assert_eq!(
            execute(&log, poll, log.envelope(1000), &ctx()).unwrap(),
            Answer::Pending
        );
        log.elapse();
    }
    let got = execute(&log, poll, log.envelope(1000), &ctx()).unwrap();
    assert_eq!(got, Answer::Succeeded { result: "3".into() });
    let retries: Vec<_> = log
        .checkpoints()
        .iter()
        .flatten()
        .filter(|u| u.action == "RETRY")
        .map(|u| {
            (
                u.payload.clone().unwrap(),
                u.step_options.unwrap().next_attempt_delay_seconds,
            )
        })
        .collect();
    assert_eq!(retries, [("1".to_string(), 2), ("2".to_string(), 2)]);
}

#[test]
fn a_chained_invoke_starts_with_its_function_and_input_then_answers_its_result() {
    fn call(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
        let price: Value = ctx.invoke("price", "LookupPrice", &json!({"sku": "a"}))?;
        Ok(price)
    }
    let log = Log::with_input("{}");
    assert_eq!(
        execute(&log, call, log.envelope(1000), &ctx()).unwrap(),
        Answer::Pending
    );
    let sent = log.checkpoints();
    let start = &sent[0][0];
    assert_eq!((start.kind, start.action), ("CHAINED_INVOKE", "START"));
    assert_eq!(start.payload.as_deref(), Some(r#"{"sku":"a"}"#));
    assert_eq!(
        start.chained_invoke_options.as_ref().unwrap().function_name,
        "LookupPrice"
    );
    {
        let mut inner = log.inner.lock().unwrap();
        let op = inner
            .ops
            .iter_mut()
            .find(|o| o.kind == "CHAINED_INVOKE")
            .unwrap();
        op.status = "SUCCEEDED".into();
        op.chained_invoke_details = Some(operation::ResultDetails {
            result: Some("12".into()),
            error: None,
        });
    }
    let got = execute(&log, call, log.envelope(1000), &ctx()).unwrap();
    assert_eq!(
        got,
        Answer::Succeeded {
            result: "12".into()
        }
    );
}

#[test]
fn the_state_call_and_a_refused_token_are_the_recorded_ones() {
    let exchange = sample("state-get-unsigned");
    let request = &exchange["request"];
    let arn = "cc97dd7b-6fcd-4f5d-8e47-5bc4ecb0d565/10dc2eda-16ba-44a2-a9e1-8d9e0064d869";
    let token = request["query"]["CheckpointToken"][0].as_str().unwrap();
    let shaped = api::state(arn, token, "");
    assert_eq!(request["path"], shaped.path.as_str());
    assert_eq!(request["method"], shaped.method);
    let page = api::read_state(&aws::Response {
        status: 200,
        headers: Vec::new(),
        body: serde_json::to_vec(&exchange["response"]["body"]).unwrap(),
    })
    .unwrap();
    assert_eq!(page.more(), None);
    assert_eq!(
        page.operations[0]
            .execution_details
            .as_ref()
            .unwrap()
            .input_payload
            .as_deref(),
        Some(r#"{"name":"rust"}"#)
    );

    let refused = sample("error-stale-checkpoint-token");
    let err = api::read_checkpoint(&aws::Response {
        status: refused["response"]["status"].as_u64().unwrap() as u16,
        headers: Vec::new(),
        body: serde_json::to_vec(&refused["response"]["body"]).unwrap(),
    })
    .unwrap_err();
    assert!(api::is_token_refused(&err), "{err:?}");
}
