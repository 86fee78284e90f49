//! Test helpers for handler unit tests (the cargo feature `testing`; use
//! it from `[dev-dependencies]`): builders for the four HTTP event shapes
//! ([`http`]) and for [`Context`] ([`context`]), fixtures of the common
//! event sources ([`fixtures`]), and assertions on the EMF lines and log
//! keys a handler produced ([`assert`], with the `metrics` and `logger`
//! features).
//!
//! ```
//! use lambda_bootstrap::testing::{context, http::HttpEvent};
//!
//! let ctx = context().request_id("r-1").build();
//! let event = HttpEvent::post("/items").json(&serde_json::json!({"id": "a"})).http_api();
//! assert_eq!(event["requestContext"]["http"]["method"], "POST");
//! assert_eq!(ctx.request_id, "r-1");
//! ```

pub mod assert;
pub mod context;
pub mod fixtures;
pub mod http;

pub use context::{ContextBuilder, context};

use crate::context::Context;

/// A context for a test: see [`context`].
pub fn ctx() -> Context {
    context().build()
}
