//! The `aws` feature's client against real parts: moto's server for AWS
//! (with its request authentication on, so a wrong signature fails), a
//! local TLS endpoint, and small local servers playing a failing AWS and a
//! container credentials endpoint. `cargo test --features aws`; needs
//! `moto_server` (pip install 'moto[server]') and the openssl command.

mod credentials;
mod https;
mod retries;
mod secrets;
mod services;
mod sigv4_suite;
mod support;
