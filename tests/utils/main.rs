//! The utilities that call AWS, against moto's server with its request
//! authentication on (the AWS tests' support, shared): typed DynamoDB, the
//! idempotency store, parameters (SSM, Secrets Manager), and `items`, the
//! example, end to end on the fake Runtime API.
//! `cargo test --features items,parameters --test utils`; needs
//! `moto_server` (pip install 'moto[server]').

mod dynamodb;
mod idempotency;
mod items;
mod parameters;
// The fake Runtime API and the binaries' helpers of the e2e tests.
#[path = "../../crates/lambda-bootstrap/tests/e2e/support.rs"]
#[allow(dead_code)]
mod runtime_api;
#[path = "../../crates/lambda-bootstrap/tests/aws/support.rs"]
#[allow(dead_code)]
mod support;
#[path = "../../crates/lambda-bootstrap/tests/common/test_ca.rs"]
#[allow(dead_code)]
mod test_ca;

/// This function's `bootstrap`, with a clean Lambda-like environment
/// pointing at `api`.
pub fn bootstrap(api: &runtime_api::FakeApi, handler: &str) -> std::process::Command {
    runtime_api::lambda(env!("CARGO_BIN_EXE_bootstrap"), api.addr(), handler)
}
