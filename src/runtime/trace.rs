//! Exports each invocation's X-Ray trace id as `_X_AMZN_TRACE_ID`, where
//! AWS SDKs look for it. Lambda does not set it for custom runtimes. Only
//! when invocations run one at a time: under concurrency the environment
//! would be shared by all of them.

/// The variable AWS SDKs read.
pub const TRACE_ENV: &str = "_X_AMZN_TRACE_ID";

/// Sets `_X_AMZN_TRACE_ID` to this invocation's trace id, or removes it when
/// the invocation has none, so no id leaks into the next invocation.
#[allow(unsafe_code)]
pub fn export(trace_id: Option<&str>) {
    // A NUL cannot be stored in the environment (set_var would panic); such
    // a header is nonsense, so it is treated as no trace id at all.
    let trace_id = trace_id.filter(|t| !t.is_empty() && !t.contains('\0'));
    // SAFETY: called only by the sequential loop (`serve::Trace::Export`),
    // when the runtime is single-threaded for its whole life: it spawns no
    // thread, ureq runs no background thread without timeouts, and handlers
    // run on this same thread, so nothing of the runtime's reads the
    // environment while it changes. Under AWS_LAMBDA_MAX_CONCURRENCY >= 2
    // (workers.rs) it is never called. Keep it that way (ARCHITECTURE.md).
    unsafe {
        match trace_id {
            Some(id) => std::env::set_var(TRACE_ENV, id),
            None => std::env::remove_var(TRACE_ENV),
        }
    }
}
