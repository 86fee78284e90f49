//! The `orders` example end to end: this function's `bootstrap`, built with
//! the `aws` feature, against the runtime's fake Runtime API and moto's
//! server for DynamoDB. `cargo test --features aws`; needs `moto_server`
//! (pip install 'moto[server]'), as the runtime's own `aws` tests do.

mod orders;
// The runtime's test support: the fake Runtime API, and moto.
#[path = "../../crates/lambda-bootstrap/tests/e2e/support.rs"]
#[allow(dead_code)]
mod runtime_api;
#[path = "../../crates/lambda-bootstrap/tests/aws/support.rs"]
#[allow(dead_code)]
mod support;
#[path = "../../crates/lambda-bootstrap/tests/common/test_ca.rs"]
#[allow(dead_code)]
mod test_ca;

use std::process::Command;

/// This function's `bootstrap`, with a clean Lambda-like environment
/// pointing at `api`.
pub fn bootstrap(api: &runtime_api::FakeApi, handler: &str) -> Command {
    runtime_api::lambda(env!("CARGO_BIN_EXE_bootstrap"), api.addr(), handler)
}
