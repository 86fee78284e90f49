//! `snsevent`: receives SNS notifications.

use serde_json::{Value, json};

use crate::context::Context;
use crate::handler::HandlerError;

/// Logs each record's message and returns `{}`.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| HandlerError::new("InvalidEvent", "no 'Records' array"))?;
    for record in records {
        log::info!("sns message: {}", record.pointer("/Sns/Subject").unwrap_or(&Value::Null));
    }
    Ok(json!({}))
}
