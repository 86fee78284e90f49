//! The orders comparison's calls through the official AWS SDK, written
//! once for its two SDK runtimes (`ours-sdk`, `official-orders`): the
//! client, made as the SDK's guide makes it, and `orders`' conditional put
//! with its outcome recorded as `src/handlers/orders.rs` records it, so
//! that the runtimes compared differ in the runtime and the AWS client,
//! not in the handler. Only with the `sdk` feature.

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use handlers::sqsevent::{BatchResponse, Order, SqsMessage};

/// The DynamoDB client from the environment (region, credentials,
/// `AWS_ENDPOINT_URL`), as `aws_config` reads it, over the SDK's hyper
/// client on rustls with ring: what the SDK's default features would give
/// with aws-lc-rs instead (see bench/Cargo.toml).
pub async fn client() -> Client {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .load()
        .await;
    Client::new(&config)
}

/// What became of one order's put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Written now.
    New,
    /// Refused by the condition: an earlier delivery wrote it.
    Already,
}

/// `orders`' conditional put: the item `{id: S, qty: N}`, unless an item
/// with its id is there. The error says which order and why, as AWS's
/// error context gives it.
pub async fn store(client: &Client, table: &str, order: &Order) -> Result<Stored, String> {
    let put = client
        .put_item()
        .table_name(table)
        .item("id", AttributeValue::S(order.id.clone()))
        .item("qty", AttributeValue::N(order.qty.to_string()))
        .condition_expression("attribute_not_exists(id)")
        .send()
        .await;
    match put {
        Ok(_) => Ok(Stored::New),
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(PutItemError::ConditionalCheckFailedException(_))
            ) =>
        {
            Ok(Stored::Already)
        }
        Err(e) => Err(format!(
            "order {} not stored: {}",
            order.id,
            DisplayErrorContext(&e)
        )),
    }
}

/// Logs a put's outcome as `orders` does, and reports a failed one in
/// `response`, for SQS to deliver that message again.
pub fn record(
    response: &mut BatchResponse,
    message: &SqsMessage,
    order: &Order,
    stored: Result<Stored, String>,
) {
    match stored {
        Ok(Stored::New) => log::info!("order {}: qty {} stored", order.id, order.qty),
        Ok(Stored::Already) => log::info!("order {}: stored already (delivered again)", order.id),
        Err(why) => response.fail(message, &why),
    }
}
