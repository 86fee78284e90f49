//! lambda_runtime for the concurrency comparison, as its documentation
//! writes it for Lambda Managed Instances: `#[tokio::main]`,
//! `run_concurrent(service_fn(...))`, which starts one polling task per
//! `AWS_LAMBDA_MAX_CONCURRENCY` slot (sequential when unset or 1). The job
//! is the one `_HANDLER` names, read once, as ours does.

use lambda_bootstrap_bench::{Job, SLEEP};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let name = std::env::var("_HANDLER").unwrap_or_default();
    let job = Job::from_name(&name).ok_or_else(|| {
        Error::from(format!(
            "unknown handler '{name}' (known: sleep10, compute)"
        ))
    })?;
    lambda_runtime::run_concurrent(service_fn(move |event: LambdaEvent<Value>| async move {
        if job == Job::Sleep10 {
            // Awaited, not blocking: a blocking sleep would stall every task
            // on this tokio worker.
            tokio::time::sleep(SLEEP).await;
        }
        Ok::<Value, Error>(job.answer(&event.payload))
    }))
    .await
}
