//! The `aws` feature's client against real parts: moto's server for AWS
//! (with its request authentication on, so a wrong signature fails), a
//! local TLS endpoint, and small local servers playing a failing AWS and a
//! container credentials endpoint. `cargo test --features aws`.

mod services;
mod support;
