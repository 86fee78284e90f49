//! The `aws` feature's client against real parts: moto's server for AWS
//! (with its request authentication on, so a wrong signature fails), a
//! local TLS endpoint, and small local servers playing a failing AWS and a
//! container credentials endpoint. `cargo test --features aws`; needs
//! `moto_server` (pip install 'moto[server]') and the openssl command.

mod base_path;
mod ca_bundle;
mod credentials;
mod https;
mod limits;
mod proxy;
mod redirects;
mod retries;
mod secrets;
mod services;
// The fake Runtime API and the binaries' helpers of the e2e tests, for
// `orders` end to end.
#[path = "../e2e/support.rs"]
#[allow(dead_code)]
mod runtime_api;
mod sigv4_suite;
mod support;
#[path = "../common/test_ca.rs"]
mod test_ca;
