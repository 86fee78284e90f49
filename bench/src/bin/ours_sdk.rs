//! Ours with the official AWS SDK, as a user of this runtime calls
//! DynamoDB without the `aws` feature today: `bootstrap`'s own runtime,
//! `lambda_bootstrap::run`, with one handler, `orders`' logic
//! (bench/src/sdk.rs), the SDK's async calls run by a Tokio runtime made
//! once and a `block_on` per call. The runtime is current-thread: one worker runs one
//! invocation at a time, and nothing runs between calls.

use std::process::ExitCode;
use std::sync::LazyLock;

use handlers::sqsevent::{BatchResponse, Order, SqsBatch};
use lambda_bootstrap::{Context, Entry, HandlerError, buffered};
use lambda_bootstrap_bench::sdk;
use tokio::runtime::{Builder, Runtime};

static TABLE: &[Entry] = &[Entry::new("orders", buffered!(orders))];

/// Made on first use, kept for the environment's life, as the README
/// teaches for any state.
static TOKIO: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
});
static DYNAMODB: LazyLock<aws_sdk_dynamodb::Client> =
    LazyLock::new(|| TOKIO.block_on(sdk::client()));
static ORDERS_TABLE: LazyLock<Option<String>> =
    LazyLock::new(|| std::env::var("ORDERS_TABLE").ok().filter(|t| !t.is_empty()));

fn orders(batch: SqsBatch, _ctx: &Context) -> Result<BatchResponse, HandlerError> {
    let table = ORDERS_TABLE
        .as_deref()
        .ok_or_else(|| HandlerError::new("MissingConfiguration", "ORDERS_TABLE is not set"))?;
    let mut response = BatchResponse::default();
    for message in &batch.records {
        match Order::parse(&message.body) {
            Ok(order) => {
                let stored = TOKIO.block_on(sdk::store(&DYNAMODB, table, &order));
                sdk::record(&mut response, message, &order, stored);
            }
            Err(why) => response.fail(message, &why),
        }
    }
    Ok(response)
}

fn main() -> ExitCode {
    lambda_bootstrap::run(TABLE)
}
