//! Ours for the concurrency comparison: `bootstrap`'s own runtime,
//! `lambda_bootstrap::run` as `src/main.rs` calls it, with a table of the
//! two jobs instead of the shipped handlers. `AWS_LAMBDA_MAX_CONCURRENCY` decides how many workers
//! it runs; the handlers are plain blocking functions, as users write them.

use std::process::ExitCode;

use lambda_bootstrap::{Context, Entry, HandlerError, buffered};
use lambda_bootstrap_bench::{Job, SLEEP};
use serde_json::Value;

/// `_HANDLER` picks one; the names are `Job::name`'s.
static TABLE: &[Entry] = &[
    Entry::new("sleep10", buffered!(sleep10)),
    Entry::new("compute", buffered!(compute)),
];

/// Blocks this worker for `SLEEP`: the other workers go on.
fn sleep10(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    std::thread::sleep(SLEEP);
    Ok(Job::Sleep10.answer(&event))
}

fn compute(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    Ok(Job::Compute.answer(&event))
}

fn main() -> ExitCode {
    lambda_bootstrap::run(TABLE)
}
