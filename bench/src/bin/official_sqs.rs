//! lambda_runtime for the typed-events comparison, as its users write an
//! SQS consumer: `LambdaEvent<SqsEvent>` in, `SqsBatchResponse` out, with
//! the same logic as ours (`sqs_event_failures`). No logger is installed, as
//! `official` installs none: the `log` lines go nowhere.

use lambda_bootstrap::events::sqs::SqsEvent;
use lambda_bootstrap_bench::sqs_event_failures;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(sqs_event_failures(&event.payload))
    }))
    .await
}
