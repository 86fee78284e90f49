//! `httpevent`: greets the caller of an API Gateway endpoint.

use serde_json::{Value, json};

use crate::context::Context;
use crate::handler::HandlerError;

/// Answers `Hello {name} from Rust`, `name` from the `hello` query parameter.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let name = event
        .pointer("/queryStringParameters/hello")
        .and_then(Value::as_str)
        .unwrap_or("World");
    Ok(json!({
        "statusCode": 200,
        "headers": {"content-type": "text/plain; charset=utf-8"},
        "body": format!("Hello {name} from Rust"),
        "isBase64Encoded": false,
    }))
}
