//! The official runtime, `lambda_runtime`, as its users write it
//! (`#[tokio::main]`, `service_fn`), around the same handler as `bootstrap`.

use std::sync::Arc;

use lambda_bootstrap::FunctionInfo;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let function = Arc::new(FunctionInfo::default());
        let ctx = lambda_bootstrap::Context::local(&event.context.request_id, function);
        handlers::httpevent::handle(event.payload, &ctx)
            .map_err(|e| Error::from(format!("{}: {}", e.error_type(), e.message())))
    }))
    .await
}
