//! The example handlers end to end: this function's `bootstrap` against
//! the runtime's fake Runtime API, and its `invoke` command, on the
//! fixtures of `tests/data/`: what Lambda, or a person at a terminal,
//! would see. Each example's own checks are in its file here; deleting an
//! example deletes its file here with it (README, "Add a handler").

mod handlers;
mod local_invoke;
mod shutdown;
mod streaming;
// The runtime's fake Runtime API and process helpers, shared with its
// own end-to-end tests.
#[path = "../../crates/lambda-bootstrap/tests/e2e/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::Command;

/// This function's `bootstrap`, with a clean Lambda-like environment
/// pointing at `api`.
pub fn bootstrap(api: &support::FakeApi, handler: &str) -> Command {
    support::lambda(env!("CARGO_BIN_EXE_bootstrap"), api.addr(), handler)
}
