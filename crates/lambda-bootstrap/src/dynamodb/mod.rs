//! Typed DynamoDB (the cargo feature `dynamodb`, which brings `aws`): serde
//! types to and from attribute values ([`item`]: numbers as `N`, sets,
//! binary and nulls; [`value`]: the types JSON has no word for), and
//! typed calls on one table ([`table`]), the place `serde_dynamo` and the
//! SDK's client take in the official stack.
//!
//! ```no_run
//! use std::sync::LazyLock;
//!
//! use lambda_bootstrap::aws::Client;
//! use lambda_bootstrap::dynamodb::{Expression, Table};
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde::{Deserialize, Serialize};
//! use serde_json::json;
//!
//! static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);
//!
//! #[derive(Serialize, Deserialize)]
//! struct Item {
//!     id: String,
//!     price: f64, // stored as {"N": "2.5"}
//! }
//!
//! pub fn handle(item: Item, ctx: &Context) -> Result<Option<Item>, HandlerError> {
//!     let table = Table::new(&AWS, "items");
//!     table.put_item_if(ctx, &item, &Expression::new("attribute_not_exists(id)"))?;
//!     Ok(table.get_item(ctx, &json!({"id": item.id}))?)
//! }
//! ```

pub mod item;
pub mod table;
pub mod value;

pub use item::{ItemError, from_attribute, from_item, to_attribute, to_item};
pub use table::{Error, Expression, Table};
pub use value::{Binary, BinarySet, NumberSet, StringSet};
