//! A minimal, blocking custom runtime for AWS Lambda.
//!
//! Lambda starts the `bootstrap` binary; it long-polls the Runtime API for
//! events on one kept-alive connection, runs the handler `_HANDLER` names
//! from a static table, and posts one answer per event. One thread, no
//! async runtime.
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
//! and is listed in the function's handler table, which [`handler_table!`]
//! reads; its `main` hands the table to [`run`]:
//!
//! ```ignore
//! // src/handlers/mod.rs
//! lambda_bootstrap::handler_table! {
//!     "hello" => hello,
//! }
//!
//! // src/main.rs
//! mod handlers;
//!
//! fn main() -> std::process::ExitCode {
//!     lambda_bootstrap::run(handlers::HANDLERS)
//! }
//! ```
//!
//! The crate is cut by who opens what:
//! - **what you use**, [`handler`] (the signatures, [`HandlerError`], the
//!   table's [`Entry`]), [`stream`] (what a streaming handler writes into,
//!   [`ResponseStream`]), [`context`] (what a handler knows: [`Context`],
//!   [`FunctionInfo`]) and [`http`] (API Gateway request and response
//!   helpers). None of them imports from the runtime;
//! - **what calls AWS**, `aws` (the cargo feature `aws`): a blocking
//!   client for DynamoDB, SQS, S3 and every JSON-protocol service, and the
//!   HTTPS agent for a handler's own calls; `events` (the cargo feature
//!   `events`): the `aws_lambda_events` types; `durable` (the cargo
//!   feature `durable`): durable functions, steps, waits and callbacks
//!   that survive re-invocation;
//! - **the utilities**, Powertools' for Rust, each its own cargo feature
//!   and guide in `docs/`: `https` (the agent, without `aws`), `hmac`
//!   (webhook signatures), `router`, `metrics` (CloudWatch EMF), `logger`
//!   (structured log keys), `batch` (partial batch failures), `dynamodb`
//!   (typed items), `idempotency`, `parameters` (SSM, Secrets Manager) and
//!   `testing` (event builders, fixtures, assertions);
//! - **what runs it**, [`run`]: the serving loop, the Runtime API client,
//!   logging, configuration and the command line, all private to the
//!   crate. It never names a handler.

#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "batch")]
pub mod batch;
pub mod context;
#[cfg(feature = "durable")]
pub mod durable;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod handler;
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
// The fuzz targets (fuzz/, built by cargo-fuzz with `--cfg fuzzing`) drive
// the runtime's answer path directly; to every other build it is private.
#[cfg(fuzzing)]
pub mod runtime;
#[cfg(not(fuzzing))]
mod runtime;
pub mod stream;
mod table;
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
    BufferedFn, Entry, Failure, Handler, HandlerError, Shutdown, ShutdownFn, StreamingFn, Table,
};
pub use stream::ResponseStream;

/// The function's `main`: serves `table`'s handlers. Under Lambda (with
/// `AWS_LAMBDA_RUNTIME_API` set) it serves the one `_HANDLER` names until
/// the process ends; `bootstrap invoke NAME [EVENT_FILE]` runs one event
/// locally, and `--help` says how. Returns the exit code `main` should
/// return.
pub fn run(table: Table) -> std::process::ExitCode {
    runtime::app::main(table)
}
