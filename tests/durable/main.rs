//! Durable functions end to end: the real binary under AWS's own local
//! runner (`dex-local-runner`) and cargo-lambda's emulator, each test
//! starting and stopping its own (`support.rs`). What is checked is what a
//! user sees: the runner's record of the execution (status, result,
//! error) and its history.
//!
//! Ignored by plain `cargo test --features durable`: they need
//! `dex-local-runner` and `cargo-lambda`, which `.ci/durable.sh` installs
//! (pinned) before running them.

mod order;
mod scenarios;
mod support;
