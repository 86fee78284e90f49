//! What runs the handlers: everything between Lambda and a handler. A
//! handler author never needs to open this folder; nothing here names a
//! handler (`run` hands the table in), and it is private to the crate:
//! a function reaches it only through `lambda_bootstrap::run`.
//!
//! - [`app`]: what `main` does; [`cli`]: `bootstrap invoke` and `--help`;
//! - [`serve`]: the loop; [`workers`]: N loops at once (Lambda Managed
//!   Instances); [`invoke`]: one event through one handler;
//! - [`api`]: each Runtime API call as a value; [`client`]: the one type
//!   that sends, through [`transport`]: the socket, one write per request;
//!   [`stream`]: a streamed answer, chunked, on a connection of its own;
//!   [`wire`]: the HTTP the runtime writes and reads itself, outside ureq;
//! - [`diagnostic`]: the error wire format; [`error`]: failures that end
//!   the process;
//! - [`config`], [`logging`], [`trace`]: start-up settings, log lines,
//!   `_X_AMZN_TRACE_ID`;
//! - [`shutdown`]: a handler's shutdown hook, on SIGTERM ([`signal`]),
//!   through an internal extension.

pub mod api;
pub mod app;
pub mod cli;
pub mod client;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod invoke;
pub mod logging;
pub mod serve;
pub mod shutdown;
pub mod signal;
pub mod stream;
pub mod trace;
pub mod transport;
pub mod wire;
pub mod workers;
