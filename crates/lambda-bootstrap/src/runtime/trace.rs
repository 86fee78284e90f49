//! Exports each invocation's X-Ray trace id as `_X_AMZN_TRACE_ID`, where
//! AWS SDKs look for it. Lambda does not set it for custom runtimes. Only
//! when invocations run one at a time: under concurrency the environment
//! would be shared by all of them.
//!
//! Writing the environment is `unsafe` (edition 2024): C's `getenv` reads
//! it without the lock that `std::env` takes, so a thread reading it that
//! way while it changes reads freed memory. Hence [`export`] is an
//! `unsafe fn`, private to the crate, and [`hold`] lets the one thread the
//! runtime itself may run beside the loop (the shutdown hook's) keep it
//! from changing while user code runs there.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The variable AWS SDKs read.
pub const TRACE_ENV: &str = "_X_AMZN_TRACE_ID";

/// Taken while the variable changes, and by whoever must be sure that it
/// does not (the shutdown hook's thread, for the rest of the process).
static WRITING: Mutex<()> = Mutex::new(());

/// Keeps [`export`] from changing the environment until the guard is
/// dropped: the shutdown hook runs user code beside the serving loop while
/// holding it.
pub(crate) fn hold() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sets `_X_AMZN_TRACE_ID` to this invocation's trace id, or removes it when
/// the invocation has none, so no id leaks into the next invocation.
///
/// # Safety
///
/// While it runs, no other thread may read or write the process environment
/// except through `std::env` (which takes std's environment lock, as do
/// std's own readers such as its host-name lookup). That covers the
/// runtime's own threads and any thread a handler started: one still
/// running C code that calls `getenv` (or `setenv`) directly breaks it.
/// The runtime calls it only when it serves one invocation at a time
/// (`AWS_LAMBDA_MAX_CONCURRENCY` unset or 1), between invocations, with
/// [`hold`] not held elsewhere; the README tells handler authors what
/// their threads may do.
#[allow(unsafe_code)]
pub(crate) unsafe fn export(trace_id: Option<&str>) {
    // A NUL cannot be stored in the environment (set_var would panic); the
    // context already refuses control characters, this is the last guard.
    let trace_id = trace_id.filter(|t| !t.is_empty() && !t.contains('\0'));
    let _writing = hold();
    // SAFETY: this function's own contract, passed on to its caller: no
    // thread reads the environment but through std::env while it changes.
    unsafe {
        match trace_id {
            Some(id) => std::env::set_var(TRACE_ENV, id),
            None => std::env::remove_var(TRACE_ENV),
        }
    }
}
