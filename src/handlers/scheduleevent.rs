//! `scheduleevent`: runs on a schedule.

use serde_json::{Value, json};

use crate::context::Context;
use crate::handler::HandlerError;

/// Logs what it got at DEBUG and returns `{}`.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    log::debug!("scheduled event: {event}");
    Ok(json!({}))
}
