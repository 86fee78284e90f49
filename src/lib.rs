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
//! and is listed in [`handlers`]. The tour of the rest:
//! - [`runtime`]: the serving loop; [`invoke`]: one event through one handler;
//! - [`api`]: each Runtime API call as a value; [`client`]: the one type that sends,
//!   through [`transport`]: the socket, one write per request;
//! - [`context`]: what a handler knows; [`diagnostic`]: the error wire format;
//! - [`app`]: what `main` does; [`config`], [`logging`], [`trace`], [`cli`]: start-up, logs, X-Ray, command line;
//! - [`http`]: API Gateway request and response helpers for handlers.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod app;
pub mod cli;
pub mod client;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod error;
pub mod handler;
pub mod handlers;
pub mod http;
pub mod invoke;
pub mod logging;
pub mod runtime;
pub mod trace;
pub mod transport;

pub use client::Client;
pub use context::Context;
pub use error::Error;
pub use handler::{Handler, HandlerError, Table};
