//! `durable_probe`: the `bootstrap` binary with extra durable handlers for
//! the durable tests (`tests/durable/`), one per behaviour they check from
//! outside, under AWS's local runner. An example, not a `[[bin]]`, so
//! that nothing deploys it; the tests build it themselves (`cargo build
//! --example durable_probe --features durable`).
//!
//! - `flaky`: a step that always fails (`RuntimeError`, `boom <attempt>`),
//!   3 attempts, 1 s then 2 s apart.
//! - `v1`, `v2`: the same function before and after a change: `v1` runs
//!   the step `a` then waits 1 s; `v2` asks for the step `a2` first.
//! - `pages`: 14 steps of 400 KiB results each, a wait, then their total
//!   length: the log outgrows one page of the envelope.
//! - `large`: a result of `{"bytes": N}` bytes, more than an answer holds.
//! - `ops`: a child context holding a step, a wait-for-callback whose
//!   submitter logs the id, and a callback with a 1 s timeout that is let
//!   time out; answers what each gave.
//! - `crash`: a step that aborts the process on its first run (the
//!   `DURABLE_PROBE_MARK` file marks it), then succeeds: an invocation cut
//!   off mid-step.
//! - `replays`: `{"waits": N}` waits of 1 s, a step between each: one
//!   invocation per wait.
//! - `fanout`: a map over 4 items, 2 at a time, one branch waiting 1 s; a
//!   parallel of two branches; a wait-for-condition polling 3 times, 1 s
//!   apart.

use std::process::ExitCode;
use std::time::Duration;

use lambda_bootstrap::durable::{
    Branch, CallbackConfig, DurableContext, DurableError, Poll, RetryStrategy, Semantics,
    StepConfig,
};
use lambda_bootstrap::{Entry, HandlerError, durable};
use serde_json::{Value, json};

fn flaky(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = StepConfig {
        retry: RetryStrategy::exponential(3),
        semantics: Semantics::AtLeastOncePerRetry,
    };
    let never: String = ctx.step_with("flaky", &config, |step| {
        Err(HandlerError::new(
            "RuntimeError",
            format!("boom {}", step.attempt),
        ))
    })?;
    Ok(json!(never))
}

fn v1(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let a: u32 = ctx.step("a", |_| Ok(1))?;
    ctx.wait("w", Duration::from_secs(1))?;
    Ok(json!(a))
}

fn v2(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let a: u32 = ctx.step("a2", |_| Ok(2))?;
    ctx.wait("w", Duration::from_secs(1))?;
    Ok(json!(a))
}

fn pages(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let mut total = 0;
    for i in 0..14 {
        let part: String = ctx.step(&format!("part{i}"), |_| Ok("p".repeat(400 * 1024)))?;
        total += part.len();
    }
    ctx.wait("w", Duration::from_secs(1))?;
    Ok(json!(total))
}

fn large(event: Value, _: &DurableContext) -> Result<Value, DurableError> {
    let bytes = event["bytes"].as_u64().unwrap_or(0) as usize;
    Ok(json!("l".repeat(bytes)))
}

fn ops(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let child: u32 = ctx.run_in_child_context("group", |child| {
        let x: u32 = child.step("inner", |_| Ok(20))?;
        Ok(x + 1)
    })?;
    let submitted: Value = ctx.wait_for_callback(
        "external",
        &CallbackConfig::default(),
        &StepConfig::default(),
        |id| {
            log::info!("submitter handed over callback id {id}");
            Ok(())
        },
    )?;
    let short = CallbackConfig {
        timeout: Some(Duration::from_secs(1)),
        heartbeat_timeout: None,
    };
    let timed_out = ctx.create_callback("short", &short)?;
    let timeout = match timed_out.result::<Value>() {
        Err(DurableError::Failed(error)) => json!(error.kind()),
        Err(other) => return Err(other),
        Ok(value) => json!({"unexpected": value}),
    };
    Ok(json!({"child": child, "submitted": submitted, "timeout": timeout}))
}

fn crash(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let runs: String = ctx.step("fragile", |step| {
        let mark = std::env::var("DURABLE_PROBE_MARK").unwrap_or_default();
        if !mark.is_empty() && std::fs::metadata(&mark).is_err() {
            std::fs::write(&mark, "cut off once")?;
            // As a timeout or an out-of-memory kill would: no unwinding.
            std::process::abort();
        }
        Ok(format!("finished on attempt {}", step.attempt))
    })?;
    Ok(json!(runs))
}

fn replays(event: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let waits = event["waits"].as_u64().unwrap_or(1);
    let mut sum = 0u64;
    for i in 0..waits {
        sum += ctx.step(&format!("s{i}"), |_| Ok(i))?;
        ctx.wait(&format!("w{i}"), Duration::from_secs(1))?;
    }
    Ok(json!(sum))
}

fn fanout(_: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items = [1u64, 2, 3, 4];
    let doubled = ctx.map("double", &items, 2, |branch, item, i| {
        let x: u64 = branch.step("twice", |_| Ok(item * 2))?;
        if i == 1 {
            branch.wait("settle", Duration::from_secs(1))?;
        }
        Ok(x)
    })?;
    let one = |c: &DurableContext| c.step("one", |_| Ok(1u64));
    let two = |c: &DurableContext| c.step("two", |_| Ok(2u64));
    let branches: [Branch<'_, '_, u64>; 2] = [&one, &two];
    let both = ctx.parallel("both", &branches, 2)?;
    let polled: u32 = ctx.wait_for_condition(
        "count",
        0,
        |n, _| Ok(n + 1),
        |n, _| {
            if *n >= 3 {
                Poll::Done
            } else {
                Poll::Again(Duration::from_secs(1))
            }
        },
    )?;
    Ok(json!({"map": doubled, "parallel": both, "polled": polled}))
}

fn main() -> ExitCode {
    static TABLE: &[Entry] = &[
        Entry::new("flaky", durable!(flaky)),
        Entry::new("v1", durable!(v1)),
        Entry::new("v2", durable!(v2)),
        Entry::new("pages", durable!(pages)),
        Entry::new("large", durable!(large)),
        Entry::new("ops", durable!(ops)),
        Entry::new("crash", durable!(crash)),
        Entry::new("replays", durable!(replays)),
        Entry::new("fanout", durable!(fanout)),
    ];
    lambda_bootstrap::run(TABLE)
}
