//! `bootstrap`: the executable Lambda starts, serving the handlers of
//! `src/handlers/`. Everything it does is in `runtime/app.rs`, so the test
//! probe (`examples/probe.rs`) runs the very same code with one more handler.

use std::process::ExitCode;

fn main() -> ExitCode {
    lambda_bootstrap::runtime::app::main(lambda_bootstrap::handlers::HANDLERS)
}
