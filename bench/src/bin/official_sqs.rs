//! lambda_runtime for the typed-events comparison, as its users write an
//! SQS consumer: `LambdaEvent<SqsEvent>` in, `SqsBatchResponse` out, with
//! the same logic as ours (`sqs_failures`). No logger is installed, as
//! `official` installs none: the `log` lines go nowhere.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_bootstrap::events as aws_lambda_events;
use lambda_bootstrap_bench::sqs_failures;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async move {
        let messages = event.payload.records.iter().map(|message| {
            let id = message.message_id.as_deref().unwrap_or_default();
            (id, message.body.as_deref())
        });
        let mut answer = SqsBatchResponse::default();
        for id in sqs_failures(messages) {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            answer.batch_item_failures.push(failure);
        }
        Ok::<_, Error>(answer)
    }))
    .await
}
