//! End-to-end tests: the real binaries against a fake Runtime API.
//!
//! One test binary (so it links once); each module tests one feature the
//! way Lambda would see it: paths, headers, bodies, exit codes, logs.

mod concurrency;
mod emulator;
mod environment;
mod faults;
mod hang;
mod hostile;
mod local_invoke;
mod logs;
mod memory;
mod secrets;
mod serving;
mod shutdown;
mod soak;
mod streaming;
mod support;
