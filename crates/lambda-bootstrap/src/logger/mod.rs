//! Structured logging keys (the cargo feature `logger`): Powertools'
//! Logger keys on every line of the JSON log format
//! (`AWS_LAMBDA_LOG_FORMAT=JSON`) a serving thread writes during an
//! invocation: `function_name`, `function_memory_size`, `function_arn`,
//! `function_request_id`, `cold_start`, `xray_trace_id`, `service`
//! (`POWERTOOLS_SERVICE_NAME`), and the keys the handler appends.
//!
//! ```
//! use lambda_bootstrap::{Context, HandlerError, logger};
//! use serde_json::{Value, json};
//!
//! pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
//!     logger::inject_lambda_context(ctx);
//!     logger::append_key("order_id", event["id"].clone());
//!     log::info!("order accepted"); // {"level":"INFO","message":"order accepted","order_id":…,"cold_start":true,…}
//!     Ok(json!({"ok": true}))
//! }
//! # handle(json!({"id": 1}), &Context::local("r", Default::default())).unwrap();
//! ```
//!
//! The keys are the serving thread's own, so concurrent invocations under
//! Managed Instances never see each other's; the runtime forgets them when
//! the invocation ends (`runtime::logging::set_request_id(None)`). A
//! thread the handler starts logs without them, as it logs without the
//! request id. The text format is left as it is.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value};

use crate::context::Context;

/// The keys the log line itself writes: an appended key cannot replace
/// them.
pub const RESERVED: &[&str] = &["timestamp", "level", "message", "requestId"];

thread_local! {
    /// This thread's keys for the invocation it serves; empty between
    /// invocations. (A `RefCell` of a map: a handler appends a few.)
    static KEYS: RefCell<Map<String, Value>> = RefCell::new(Map::new());
}

/// Whether the process's first invocation is still to be injected.
static COLD: AtomicBool = AtomicBool::new(true);

/// Sets this invocation's context keys, Powertools'
/// `inject_lambda_context`: call it first in the handler. `cold_start` is
/// true for the process's first invocation to call it.
pub fn inject_lambda_context(ctx: &Context) {
    let cold = COLD.swap(false, Ordering::Relaxed);
    let service = std::env::var("POWERTOOLS_SERVICE_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "service_undefined".to_string());
    KEYS.with(|keys| {
        let Ok(mut keys) = keys.try_borrow_mut() else {
            return;
        };
        keys.clear();
        let function = &ctx.function;
        keys.insert("function_name".into(), function.name.clone().into());
        if let Some(mb) = function.memory_mb {
            keys.insert("function_memory_size".into(), mb.into());
        }
        if let Some(arn) = &ctx.invoked_function_arn {
            keys.insert("function_arn".into(), arn.clone().into());
        }
        keys.insert("function_request_id".into(), ctx.request_id.clone().into());
        keys.insert("cold_start".into(), cold.into());
        if let Some(trace) = &ctx.trace_id {
            keys.insert("xray_trace_id".into(), trace.clone().into());
        }
        keys.insert("service".into(), service.into());
    });
}

/// Adds `key` to every line this invocation logs from now on (replacing a
/// key of that name); the names in [`RESERVED`] are ignored.
pub fn append_key(key: &str, value: impl Into<Value>) {
    if RESERVED.contains(&key) {
        return;
    }
    let value = value.into();
    KEYS.with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut() {
            keys.insert(key.to_string(), value);
        }
    });
}

/// Stops adding `key`.
pub fn remove_key(key: &str) {
    KEYS.with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut() {
            keys.remove(key);
        }
    });
}

/// This thread's keys now, for a test to assert.
pub fn current_keys() -> Map<String, Value> {
    KEYS.with(|keys| keys.try_borrow().map(|k| k.clone()).unwrap_or_default())
}

/// Forgets this thread's keys: the runtime calls it when an invocation
/// ends.
pub fn clear() {
    KEYS.with(|keys| {
        if let Ok(mut keys) = keys.try_borrow_mut() {
            keys.clear();
        }
    });
}

/// Adds this thread's keys to a JSON log line's `object`, after its own
/// (which they never replace).
pub fn extend(object: &mut Map<String, Value>) {
    KEYS.with(|keys| {
        if let Ok(keys) = keys.try_borrow() {
            for (key, value) in keys.iter() {
                if !object.contains_key(key) {
                    object.insert(key.clone(), value.clone());
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::FunctionInfo;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn keys_are_per_invocation_and_per_thread() {
        let function = Arc::new(FunctionInfo {
            name: "fn".into(),
            memory_mb: Some(128),
            ..FunctionInfo::default()
        });
        let mut ctx = Context::local("req-1", function);
        ctx.trace_id = Some("Root=1-abc".into());
        inject_lambda_context(&ctx);
        append_key("order_id", "o-1");
        append_key("level", "forged");
        let mut line = Map::new();
        line.insert("level".into(), json!("INFO"));
        extend(&mut line);
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["order_id"], "o-1");
        assert_eq!(line["function_name"], "fn");
        assert_eq!(line["function_memory_size"], 128);
        assert_eq!(line["function_request_id"], "req-1");
        assert_eq!(line["xray_trace_id"], "Root=1-abc");
        assert!(line["cold_start"].is_boolean());
        assert!(line["service"].is_string());
        // Another thread serving another invocation has none of them.
        std::thread::spawn(|| assert!(current_keys().is_empty()))
            .join()
            .unwrap();
        remove_key("order_id");
        assert!(!current_keys().contains_key("order_id"));
        // The next invocation starts from its own context, not cold.
        inject_lambda_context(&Context::local("req-2", Default::default()));
        assert_eq!(current_keys()["cold_start"], false);
        assert_eq!(current_keys()["function_request_id"], "req-2");
        clear();
        assert!(current_keys().is_empty());
    }
}
