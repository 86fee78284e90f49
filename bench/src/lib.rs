//! What the three benchmarked runtimes share: the very `httpevent` handler
//! that `bootstrap` ships, so the comparison measures runtimes, not
//! handlers.

use std::rc::Rc;

use lambda_bootstrap::FunctionInfo;
use lambda_bootstrap::{BufferedFn, Context, Handler, handlers::HANDLERS};
use serde_json::Value;

/// `bootstrap`'s own `httpevent`, from its handler table.
pub fn httpevent() -> BufferedFn {
    match HANDLERS
        .iter()
        .find(|(name, _)| *name == "httpevent")
        .expect("httpevent in the table")
        .1
    {
        Handler::Buffered(handler) => handler,
        Handler::Streaming(_) => panic!("httpevent is a buffered handler"),
    }
}

/// Runs `httpevent` on a raw event the way every runtime here must: parse,
/// call, serialize. Errors become a JSON error body.
pub fn answer(event: &[u8], request_id: &str, function: &Rc<FunctionInfo>) -> Vec<u8> {
    let ctx = Context::local(request_id, Rc::clone(function));
    let result = serde_json::from_slice::<Value>(event)
        .map_err(|e| e.to_string())
        .and_then(|event| httpevent()(event, &ctx).map_err(|e| e.to_string()));
    match result {
        Ok(value) => serde_json::to_vec(&value).expect("a Value serializes"),
        Err(message) => serde_json::to_vec(&serde_json::json!({"errorMessage": message})).unwrap(),
    }
}
