//! `bootstrap`: the executable Lambda starts, serving the handlers of
//! `src/handlers/`.

mod handlers;

fn main() -> std::process::ExitCode {
    lambda_bootstrap::run(handlers::HANDLERS)
}
