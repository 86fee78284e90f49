//! `items` (with the `items` feature): an HTTP API over the DynamoDB table
//! `ITEMS_TABLE` names (hash key: the string `id`), built from the
//! utilities: a router table, typed items, idempotency and EMF metrics.
//!
//! - `GET /items/{id}`: 200 with the item as JSON, or 404.
//! - `POST /items` with `{"id": "<string>", "name": "<string>", "price":
//!   <number>}`: 201 with the stored item, `price` stored as a DynamoDB
//!   number. Idempotent on the whole body (records in `IDEMPOTENCY_TABLE`):
//!   the same body again answers the same and writes nothing. A body that
//!   does not fit is a 400 naming the field. Each creation writes one EMF
//!   line: metric `ItemsCreated` (1, Count) in `POWERTOOLS_METRICS_NAMESPACE`,
//!   dimension `service` from `POWERTOOLS_SERVICE_NAME`, and logs
//!   `item created` with Powertools' Logger keys and `item_id`.
//! - Any other method on those paths is a 405, any other path a 404.
//!
//! The function's role (serverless.yml, template.yaml) may do exactly
//! `dynamodb:GetItem` and `dynamodb:PutItem` on the items table, and
//! `GetItem`, `PutItem` and `DeleteItem` on the idempotency table.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value, json};

use lambda_bootstrap::aws::Client;
use lambda_bootstrap::Context;
use lambda_bootstrap::dynamodb::{Expression, Table};
use lambda_bootstrap::HandlerError;
use lambda_bootstrap::http::HttpResponse;
use lambda_bootstrap::idempotency::{Config, Idempotency};
use lambda_bootstrap::logger;
use lambda_bootstrap::metrics::{Metrics, Unit};
use lambda_bootstrap::router::{HttpError, Request, Route, RouteError, Router};

/// The AWS client, made once for the environment's life.
static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);

/// The routes, in the order they are tried.
static ROUTER: Router = Router::new(&[
    Route::get("/items/{id}", get_item),
    Route::post("/items", create_item),
]);

/// An item, as the API takes and answers it and the table stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The table's key.
    pub id: String,
    /// What it is called.
    pub name: String,
    /// Kept as sent (`10` stays `10`, `2.50` is `2.5`), stored as `N`.
    pub price: Number,
}

/// Answers an API Gateway, Function URL or ALB event.
pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
    logger::inject_lambda_context(ctx);
    ROUTER.handle(&event, ctx)
}

/// The variable `name`, which the function's configuration sets.
fn setting(name: &str) -> Result<String, HandlerError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
        HandlerError::new(
            "MissingConfiguration",
            format!("{name} is not set: the function's environment names the table"),
        )
    })
}

fn get_item(req: &Request<'_>, ctx: &Context) -> Result<HttpResponse, RouteError> {
    let id = req.param_str("id")?;
    let table = setting("ITEMS_TABLE")?;
    let item: Option<Item> = Table::new(&AWS, &table).get_item(ctx, &json!({"id": id}))?;
    match item {
        Some(item) => Ok(HttpResponse::new(200).json(&json!(item))),
        None => Err(HttpError::not_found("Not found").into()),
    }
}

fn create_item(req: &Request<'_>, ctx: &Context) -> Result<HttpResponse, RouteError> {
    // Checked before idempotency: a body that does not fit is answered
    // 400 every time, and never recorded.
    let item: Item = req.body_as()?;
    logger::append_key("item_id", item.id.as_str());
    let table = setting("ITEMS_TABLE")?;
    let records = setting("IDEMPOTENCY_TABLE")?;
    let mut metrics = Metrics::new(ctx);
    let body = json!(item);
    let store = Idempotency::new(&AWS, &records, Config::new("items.create"));
    let answer: Value = store.run(ctx, &body, || {
        let absent = Expression::new("attribute_not_exists(id)");
        match Table::new(&AWS, &table).put_item_if(ctx, &item, &absent) {
            Ok(()) => {
                metrics.add_metric("ItemsCreated", Unit::Count, 1.0)?;
                log::info!("item created");
                Ok(json!({"status": 201, "body": item}))
            }
            // Another body with this id was stored first.
            Err(lambda_bootstrap::dynamodb::Error::ConditionFailed) => Ok(json!({
                "status": 409,
                "body": {"statusCode": 409, "message": "an item with this id exists"},
            })),
            Err(e) => Err(HandlerError::from(e)),
        }
    })?;
    let status = answer["status"].as_u64().unwrap_or(500) as u16;
    Ok(HttpResponse::new(status).json(&answer["body"]))
    // `metrics` is dropped here: its line is written when it holds one.
}
