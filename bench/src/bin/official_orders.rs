//! lambda_runtime with the official AWS SDK, as its users write a
//! function that calls DynamoDB: `#[tokio::main]`, the client made in
//! `main` before `run` (the SDK's and lambda_runtime's examples do so),
//! `service_fn`, `orders`' logic (bench/src/sdk.rs), each put awaited in
//! turn as ours makes them. The event is `sqsevent`'s declared struct, the
//! one ours parses, not aws_lambda_events' `SqsEvent`: the batch's parse
//! costs the same on both sides (BENCHMARKS.md, Typed events, measures
//! that difference). No logger is installed, as `official` installs none.

use handlers::sqsevent::{BatchResponse, Order, SqsBatch};
use lambda_bootstrap_bench::sdk;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = sdk::client().await;
    let table = std::env::var("ORDERS_TABLE").map_err(|_| "ORDERS_TABLE is not set")?;
    let (client, table) = (&client, table.as_str());
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsBatch>| async move {
        let mut response = BatchResponse::default();
        for message in &event.payload.records {
            match Order::parse(&message.body) {
                Ok(order) => {
                    let stored = sdk::store(client, table, &order).await;
                    sdk::record(&mut response, message, &order, stored);
                }
                Err(why) => response.fail(message, &why),
            }
        }
        Ok::<_, Error>(response)
    }))
    .await
}
