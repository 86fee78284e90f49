//! What `main` does, for a given handler table: set up logging, read the
//! environment once, then serve the Runtime API or run the command line,
//! and map the outcome to an exit code.
//!
//! This is the only place that reads the process environment.

use std::convert::Infallible;
use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::context::FunctionInfo;
use crate::handler::{Table, find};
use crate::runtime::cli::{self, Command};
use crate::runtime::client::Client;
use crate::runtime::config::{self, Config};
use crate::runtime::diagnostic::Diagnostic;
use crate::runtime::error::Error;
use crate::runtime::logging::{self, LogSettings};
use crate::runtime::{serve, shutdown, workers};

/// Runs the binary with `table` as its handlers.
pub fn main(table: Table) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    logging::init(&LogSettings::from_lookup(&env));
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match cli::parse(&args) {
        Ok(Command::Serve) => match serve(table, &env) {
            Ok(never) => match never {},
            Err(e) => {
                log::error!("{e}");
                // Non-zero, so Lambda discards this sandbox and starts afresh.
                ExitCode::FAILURE
            }
        },
        Ok(Command::Help) => {
            print!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Invoke {
            handler,
            event_file,
            timeout,
        }) => cli::invoke_local(
            table,
            &handler,
            event_file.as_deref(),
            timeout,
            FunctionInfo::from_lookup(&env),
        ),
        Err(e) => {
            eprintln!("error: {e}\n\n{}", cli::USAGE);
            ExitCode::from(2)
        }
    }
}

/// Set by the first call to serve: `app::main` is safe to call, so this,
/// not the caller's care, keeps the one-worker loop's `set_var` to one loop
/// per process.
static SERVING: AtomicBool = AtomicBool::new(false);

/// Takes the process's one turn at serving; a second call, from any thread,
/// at any time, is refused.
fn claim_the_process() -> Result<(), Error> {
    match SERVING.swap(true, Ordering::SeqCst) {
        false => Ok(()),
        true => Err(Error::AlreadyServing),
    }
}

fn serve(table: Table, env: &dyn Fn(&str) -> Option<String>) -> Result<Infallible, Error> {
    claim_the_process()?;
    let config = Config::from_lookup(env)?;
    let client = Client::new(&config.endpoint);
    let entry = find(table, config.handler.as_deref()).map_err(|unknown| {
        let diagnostic = Diagnostic::runtime("NoSuchHandler", unknown.to_string());
        serve::fail_init(&client, diagnostic)
    })?;
    let handler = entry.handler;
    let workers =
        config::max_concurrency(config.max_concurrency.as_deref()).map_err(|message| {
            serve::fail_init(
                &client,
                Diagnostic::runtime("InvalidMaxConcurrency", message),
            )
        })?;
    // Before any other thread starts and before the first /next: the
    // extension must be registered during init.
    let _armed = entry
        .shutdown
        .map(|hook| shutdown::arm(&client, hook))
        .transpose()?;
    if workers == 1 {
        // SAFETY: one serving loop (`claim_the_process` refused any other
        // call to `main`, on any thread), and the runtime starts no other thread
        // that reads the environment: the shutdown hook's thread (when a
        // hook is declared) takes `trace::hold` before it runs user code.
        // Threads that handlers start are theirs to keep to std::env, as
        // the README's X-Ray paragraph says.
        #[allow(unsafe_code)]
        unsafe {
            serve::serve(&client, handler, config.function)
        }
    } else {
        workers::serve_concurrently(&config.endpoint, handler, &config.function, workers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_served_once() {
        // The only test that claims it: no other unit test serves.
        assert!(claim_the_process().is_ok());
        let second = std::thread::spawn(claim_the_process).join().unwrap();
        assert!(matches!(second, Err(Error::AlreadyServing)), "{second:?}");
        assert!(matches!(claim_the_process(), Err(Error::AlreadyServing)));
    }
}
