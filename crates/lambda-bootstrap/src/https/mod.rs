//! Outbound HTTPS for a handler that calls no AWS service (the cargo
//! feature `https`; `aws` brings it too): one shared ureq agent that trusts
//! what the AWS client trusts, Mozilla's roots compiled in plus the PEM
//! bundle `AWS_CA_BUNDLE` names, with no way to turn verification off.
//!
//! ```no_run
//! use lambda_bootstrap::{Context, HandlerError, https};
//! use serde_json::{Value, json};
//!
//! pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
//!     let mut answer = https::agent()?
//!         .post("https://hooks.example.com/notify")
//!         .header("Content-Type", "application/json")
//!         .send(event.to_string())?;
//!     Ok(json!({"status": answer.status().as_u16(), "body": answer.body_mut().read_to_string()?}))
//! }
//! ```
//!
//! [`tls`] builds the roots and the agent (shared with `aws::Client`);
//! [`resolve`] keeps host lookups a while; [`file`](mod@file) reads the
//! small files the environment names (the bundle) without blocking or
//! size surprises. This file reads the
//! environment once and keeps the one agent.

pub mod file;
pub mod resolve;
pub mod tls;

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

pub use ureq::Agent;

/// How long a connection may take to open: a little over three seconds,
/// so that a SYN lost once is retried by the kernel (its first retry is at
/// one second, the next at three) before the call gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Why the agent cannot be made: `AWS_CA_BUNDLE` names a file that cannot
/// be read or holds no PEM certificate. Every call to [`agent`] says so
/// again, so each invocation fails with the reason rather than with an
/// unverified connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTPS agent: {}", self.0)
    }
}

impl std::error::Error for Error {}

/// The process's one agent, made on first use from the environment
/// ([`from_lookup`]): its pool of kept-alive connections is shared by every
/// invocation and every worker thread.
pub fn agent() -> Result<&'static Agent, Error> {
    static AGENT: OnceLock<Result<Agent, Error>> = OnceLock::new();
    AGENT
        .get_or_init(|| from_lookup(&|name| std::env::var(name).ok()))
        .as_ref()
        .map_err(Clone::clone)
}

/// An agent made from the variables `env` looks up: `AWS_CA_BUNDLE`, when
/// set and not empty, names a PEM file whose certificates are trusted
/// besides Mozilla's roots.
pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Agent, Error> {
    let bundle = env("AWS_CA_BUNDLE").filter(|path| !path.trim().is_empty());
    let roots = tls::bundle_roots(bundle.as_deref()).map_err(Error)?;
    Ok(tls::agent(roots, CONNECT_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_that_cannot_be_read_is_an_error_naming_it() {
        let env = |name: &str| (name == "AWS_CA_BUNDLE").then(|| "/nonexistent/ca.pem".to_string());
        let err = from_lookup(&env).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("HTTPS agent: AWS_CA_BUNDLE '/nonexistent/ca.pem' cannot be read: "),
            "{err}"
        );
        let empty = |name: &str| (name == "AWS_CA_BUNDLE").then(String::new);
        assert!(from_lookup(&empty).is_ok());
        assert!(from_lookup(&|_| None).is_ok());
    }
}
