//! A minimal, blocking custom runtime for AWS Lambda.
//!
//! Lambda starts the `bootstrap` binary; it long-polls the Runtime API for
//! events on one kept-alive connection, runs the handler `_HANDLER` names
//! from a static table, and posts one answer per event. One thread, no
//! async runtime, four dependencies.
//!
//! A handler is a plain function:
//!
//! ```
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde_json::{Value, json};
//!
//! pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
//!     let name = event["name"].as_str().ok_or_else(|| {
//!         HandlerError::new("InvalidEvent", "no 'name' in the event")
//!     })?;
//!     Ok(json!({ "greeting": format!("hello {name}") }))
//! }
//! # let ctx = Context::local("r", Default::default());
//! # assert_eq!(handle(json!({"name": "x"}), &ctx).unwrap()["greeting"], "hello x");
//! # assert!(handle(json!({}), &ctx).is_err());
//! ```
//!
//! and is listed in [`handlers`]. The crate is cut by who opens what:
//! - **what you write**, [`handlers`]: the table and one file per handler;
//! - **what you use**, [`handler`] (the signatures, [`HandlerError`]),
//!   [`stream`] (what a streaming handler writes into, [`ResponseStream`]),
//!   [`context`] (what a handler knows: [`Context`], [`FunctionInfo`]) and
//!   [`http`] (API Gateway request and response helpers). None of them
//!   imports from the runtime;
//! - **what calls AWS**, `aws` (the cargo feature `aws`): a blocking
//!   client for DynamoDB, SQS, S3 and every JSON-protocol service, and the
//!   HTTPS agent for a handler's own calls;
//! - **the utilities**, Powertools' for Rust, each its own cargo feature
//!   and guide in `docs/`: `https` (the agent, without `aws`), `hmac`
//!   (webhook signatures), `router`, `metrics` (CloudWatch EMF), `logger`
//!   (structured log keys), `batch` (partial batch failures), `dynamodb`
//!   (typed items), `idempotency`, `parameters` (SSM, Secrets Manager) and
//!   `testing` (event builders, fixtures, assertions);
//! - **what runs it**, [`runtime`]: the serving loop, the Runtime API
//!   client, logging, configuration and the command line. A handler author
//!   never needs to open it, and it never names a handler.

#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "batch")]
pub mod batch;
pub mod context;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod handler;
pub mod handlers;
#[cfg(feature = "hmac")]
pub mod hmac;
pub mod http;
#[cfg(feature = "https")]
pub mod https;
#[cfg(feature = "idempotency")]
pub mod idempotency;
mod json_path;
#[cfg(feature = "logger")]
pub mod logger;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "parameters")]
pub mod parameters;
#[cfg(feature = "router")]
pub mod router;
pub mod runtime;
pub mod stream;
#[cfg(feature = "testing")]
pub mod testing;

/// The event types of the `aws_lambda_events` crate (`events::sqs::SqsEvent`,
/// `events::dynamodb::Event`, `events::s3::S3Event`, ...), for handlers
/// that take them: `pub fn handle(event: SqsEvent, ctx: &Context) ->
/// Result<SqsBatchResponse, HandlerError>`. Only with the `events` feature.
#[cfg(feature = "events")]
pub use aws_lambda_events as events;

pub use context::{Context, FunctionInfo};
pub use handler::{
    BufferedFn, Entry, Handler, HandlerError, Shutdown, ShutdownFn, StreamingFn, Table,
};
pub use stream::ResponseStream;
