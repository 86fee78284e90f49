//! `orders` (with the `aws` feature): stores the orders of an SQS batch
//! (read as `sqsevent` reads them) in the DynamoDB table `ORDERS_TABLE`
//! names, one item `{id: S, qty: N}` per order, with a conditional put.
//!
//! SQS delivers at least once, so an order may come twice: the put is
//! refused then (`ConditionalCheckFailedException`), and that is no error,
//! the order is stored already. A message whose body is not an order, or
//! whose write fails, is reported in `batchItemFailures`, so that SQS
//! delivers only that one again. The function's role (serverless.yml,
//! template.yaml) may do exactly `dynamodb:PutItem` on that table.

use std::sync::LazyLock;

use serde_json::json;

use super::sqsevent::{BatchResponse, Order, SqsBatch};
use lambda_bootstrap::aws::{self, Client};
use lambda_bootstrap::context::Context;
use lambda_bootstrap::handler::HandlerError;

/// The AWS client, made once for the environment's life: it keeps its
/// connections and credentials across invocations (and is shared by the
/// workers of Lambda Managed Instances).
static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);

/// The table, from the function's configuration, read once.
static TABLE: LazyLock<Option<String>> =
    LazyLock::new(|| std::env::var("ORDERS_TABLE").ok().filter(|t| !t.is_empty()));

/// Stores each good order; answers the messages to deliver again. Without
/// `ORDERS_TABLE` nothing can be stored: the whole batch is a handler
/// error, and SQS delivers it all again.
pub fn handle(batch: SqsBatch, ctx: &Context) -> Result<BatchResponse, HandlerError> {
    let table = TABLE.as_deref().ok_or_else(|| {
        HandlerError::new(
            "MissingConfiguration",
            "ORDERS_TABLE is not set: the function's environment names the table",
        )
    })?;
    let mut response = BatchResponse::default();
    for message in &batch.records {
        let order = match Order::parse(&message.body) {
            Ok(order) => order,
            Err(why) => {
                response.fail(message, &why);
                continue;
            }
        };
        match store(ctx, table, &order) {
            Ok(()) => log::info!("order {}: qty {} stored", order.id, order.qty),
            Err(e) if e.is("ConditionalCheckFailedException") => {
                log::info!("order {}: stored already (delivered again)", order.id);
            }
            Err(e) => response.fail(message, &format!("order {} not stored: {e}", order.id)),
        }
    }
    Ok(response)
}

/// One conditional put: the item, unless an item with its id is there.
fn store(ctx: &Context, table: &str, order: &Order) -> Result<(), aws::Error> {
    let put = json!({
        "TableName": table,
        "Item": {"id": {"S": order.id}, "qty": {"N": order.qty.to_string()}},
        "ConditionExpression": "attribute_not_exists(id)",
    });
    AWS.json(ctx, &aws::DYNAMODB, "PutItem", &put).map(drop)
}
