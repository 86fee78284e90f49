//! `bootstrap`: the executable Lambda starts, serving the handlers of
//! `src/handlers/`. Everything it does is in `app.rs`, so the test probe
//! (`src/bin/probe.rs`) runs the very same code with one more handler.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: lambda_bootstrap::allocator::Allocator =
    lambda_bootstrap::allocator::Allocator::new();

fn main() -> ExitCode {
    lambda_bootstrap::app::main(lambda_bootstrap::handlers::HANDLERS)
}
