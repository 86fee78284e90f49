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
#[path = "../e2e/support.rs"]
#[allow(dead_code)]
mod runtime_api;
#[path = "../aws/support.rs"]
#[allow(dead_code)]
mod support;
