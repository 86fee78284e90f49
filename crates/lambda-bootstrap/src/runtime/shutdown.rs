//! The shutdown hook, for a handler whose module declares one (`with
//! shutdown` in the table). Lambda sends SIGTERM at shutdown only to a
//! runtime that has an extension, so the runtime registers an internal one
//! (in its own process, subscribed to no event) during init, and then:
//!
//! - SIGTERM is blocked in every thread and taken by one thread that waits
//!   in `sigwait` (`signal.rs`); that thread is the only one the runtime
//!   adds, and it sleeps until shutdown;
//! - the extension's `event/next` long poll is sent and never read: Lambda
//!   needs it before init is done, and never answers it for an extension
//!   with no events, so it needs no thread to wait on it either;
//! - on SIGTERM the hook runs once (whatever the number of workers), on a
//!   thread of its own where it may block, told how long it has
//!   ([`HOOK_BUDGET`]: Lambda's 500 ms less a margin, so that the exit and
//!   the last log line come before SIGKILL); a panic in it is logged; then
//!   the process exits 0, without waiting for invocations still running.
//!
//! The rule for the process: no thread may start before the hook is armed.
//! The mask is inherited, so a thread started earlier keeps SIGTERM
//! unblocked, the kernel may deliver it there, and its default action ends
//! the process without the hook; arming says so in a warning.
//!
//! Without a hook none of this happens: no registration, no signal mask.

use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::handler::{Shutdown, ShutdownFn};
use crate::runtime::api;
use crate::runtime::client::Client;
use crate::runtime::error::Error;
use crate::runtime::{signal, trace, wire, workers};

/// The internal extension's name; unique within the function, as Lambda
/// requires of internal extensions.
pub const EXTENSION_NAME: &str = "lambda-bootstrap-shutdown";

/// How long Lambda gives a runtime with an internal extension between
/// SIGTERM and SIGKILL.
pub const LAMBDA_BUDGET: Duration = Duration::from_millis(500);

/// How long the hook is given: less than [`LAMBDA_BUDGET`], leaving a
/// margin for what comes after it (the last log line written, the exit)
/// on a busy or throttled sandbox.
pub const HOOK_BUDGET: Duration = Duration::from_millis(400);

/// The armed hook: keeps the extension's long poll open for the life of
/// the process.
#[derive(Debug)]
pub struct Armed {
    _event_next: Option<TcpStream>,
}

/// Arms `hook`: SIGTERM blocked and waited for, the extension registered
/// and its long poll sent. Call it during init, before the first `/next`,
/// and before any other thread starts (workers, handlers' threads, a
/// thread the binary's `main` starts before the runtime's): a thread
/// already running keeps SIGTERM unblocked, and the signal delivered to it
/// kills the process without running the hook. Arming with more than one
/// thread in the process logs one WARN line saying so.
/// An Extensions API that refuses the registration (an emulator without
/// one) leaves the hook unarmed, with a warning; one that cannot be
/// reached is the Runtime API gone.
pub fn arm(client: &Client, hook: ShutdownFn) -> Result<Armed, Error> {
    if let Some(threads) = threads().filter(|&n| n > 1) {
        log::warn!(
            "the shutdown hook may not run: {threads} threads were running when it was armed, \
             and SIGTERM's default action ends the process in any thread started before; \
             start threads after init"
        );
    }
    signal::block_sigterm().map_err(Error::Signal)?;
    thread::Builder::new()
        .name("sigterm".into())
        // It only waits, then starts the hook's thread.
        .stack_size(64 * 1024)
        .spawn(move || run_on_sigterm(hook))
        .map_err(Error::Signal)?;
    let Some(id) = register(client)? else {
        return Ok(Armed { _event_next: None });
    };
    let request = api::extension_next(&id);
    let event_next = client
        .open(&request)
        .map_err(|e| Error::transport(call(&request), e))?;
    log::debug!("shutdown hook armed: extension {EXTENSION_NAME} registered");
    Ok(Armed {
        _event_next: Some(event_next),
    })
}

/// Registers the extension; its id, or `None` when the API refused.
fn register(client: &Client) -> Result<Option<String>, Error> {
    let request = api::register_extension(EXTENSION_NAME);
    let failed = |e| Error::transport(call(&request), e);
    let socket = client.open(&request).map_err(failed)?;
    let answer = wire::read_answer(&socket).map_err(|e| failed(ureq::Error::Io(e)))?;
    let id = answer
        .header(api::EXTENSION_ID_HEADER)
        .filter(|id| api::is_header_safe(id));
    match (answer.status, id) {
        (200..300, Some(id)) => Ok(Some(id.to_string())),
        (status, _) => {
            log::warn!(
                "the shutdown hook will not run: the Extensions API answered {status} to {}{}",
                call(&request),
                if (200..300).contains(&status) {
                    " without an extension id"
                } else {
                    ""
                }
            );
            Ok(None)
        }
    }
}

/// The threads of this process (`/proc/self/task`); `None` where that
/// cannot be read, which is no reason to refuse arming.
fn threads() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

fn call(request: &api::ApiRequest) -> String {
    format!("{} {}", request.method.as_str(), request.path)
}

/// The SIGTERM thread: waits for the signal, runs the hook once on a
/// thread of its own for at most [`HOOK_BUDGET`], then exits 0.
fn run_on_sigterm(hook: ShutdownFn) {
    if let Err(e) = signal::wait_for_sigterm() {
        log::error!("the shutdown hook will not run: waiting for SIGTERM failed: {e}");
        return;
    }
    let deadline = Instant::now() + HOOK_BUDGET;
    // The hook is user code running beside the serving loop: the trace id
    // is not written to the environment from now on.
    let _environment = trace::hold();
    log::debug!("SIGTERM: running the shutdown hook");
    // Whether the hook returned (true) or panicked (false), once it ended.
    // A mutex and condvar, as in workers.rs: an mpsc channel costs more code.
    let ended = Arc::new((Mutex::new(None), Condvar::new()));
    let tell = Arc::clone(&ended);
    let started = thread::Builder::new()
        .name("shutdown-hook".into())
        .stack_size(workers::MIN_STACK)
        .spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| hook(&Shutdown::new(deadline))));
            let (state, changed) = &*tell;
            *state.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome.is_ok());
            changed.notify_one();
        });
    if let Err(e) = started {
        log::error!("the shutdown hook did not run: no thread for it: {e}");
        process::exit(0);
    }
    let (state, changed) = &*ended;
    let state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let left = deadline.saturating_duration_since(Instant::now());
    let (state, _) = changed
        .wait_timeout_while(state, left, |ended| ended.is_none())
        .unwrap_or_else(PoisonError::into_inner);
    match *state {
        Some(true) => {}
        // The panic hook logged the panic itself.
        Some(false) => log::error!("the shutdown hook panicked; exiting all the same"),
        None => log::warn!(
            "the shutdown hook is still running after {} ms (Lambda kills the process at {} ms): exiting",
            HOOK_BUDGET.as_millis(),
            LAMBDA_BUDGET.as_millis()
        ),
    }
    process::exit(0);
}
