//! The serving loop: fetch an event, run the handler, post one answer,
//! forever. It never names a handler; `main` hands one in.
//!
//! Two kinds of failure, never mixed: whatever a handler or an event does
//! becomes an answer and the loop goes on; whatever goes wrong with the
//! Runtime API ends the loop with an `Error`, and the process exits.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::context::{Context, FunctionInfo};
use crate::handler::Handler;
use crate::runtime::api;
use crate::runtime::client::{self, Client, Invocation};
use crate::runtime::diagnostic::Diagnostic;
use crate::runtime::error::Error;
use crate::runtime::invoke::{invoke, invoke_streaming};
use crate::runtime::logging;
use crate::runtime::stream::{ApiStream, Streamed};
use crate::runtime::trace;

/// Tells the Runtime API the runtime cannot start, then returns the error
/// the process exits with (`main` logs it, in one line: the cause first,
/// then whether reporting it failed too).
pub fn fail_init(client: &Client, diagnostic: Diagnostic) -> Error {
    let unreported = match client.send(api::init_error(&diagnostic)) {
        Ok(status) if (200..300).contains(&status) => None,
        Ok(status) => Some(format!(
            "runtime API answered {status} to POST /runtime/init/error"
        )),
        Err(e) => Some(e.to_string()),
    };
    Error::Init {
        diagnostic,
        unreported,
    }
}

/// Serves invocations one at a time, on this thread, until the Runtime API
/// fails. Each invocation's trace id is exported as `_X_AMZN_TRACE_ID`.
///
/// # Safety
///
/// The contract of `trace::export`, for the whole life of the loop: no
/// other thread reads or writes the process environment except through
/// `std::env`. So it must not run beside another serving loop, and threads
/// that handlers start may not call C's `getenv` or `setenv` (the README
/// says so).
#[allow(unsafe_code)]
pub unsafe fn serve(
    client: &Client,
    handler: Handler,
    function: FunctionInfo,
) -> Result<Infallible, Error> {
    serve_loop(client, handler, &Arc::new(function), Trace::Export)
}

/// Whether the loop may write the trace id into the process environment.
/// Crate-private: only [`serve`], an `unsafe fn`, asks for `Export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trace {
    /// Sequential: `trace::export`'s contract holds (see [`serve`]).
    Export,
    /// Concurrent workers: the environment is one for all of them, and
    /// `set_var` beside other threads is unsound; the id reaches handlers
    /// through `Context::trace_id` only.
    ContextOnly,
}

/// One worker's loop: `/next`, the handler, one answer, until the Runtime
/// API fails. Names no handler.
pub(crate) fn serve_loop(
    client: &Client,
    handler: Handler,
    function: &Arc<FunctionInfo>,
    trace: Trace,
) -> Result<Infallible, Error> {
    // Each event is read into the previous one's buffer, where the
    // allocator makes that worth it (`client::recycle`): a run of big
    // events then costs one allocation, not one per event.
    let mut buffer = Vec::new();
    loop {
        let invocation = client.next(function, std::mem::take(&mut buffer))?;
        let ctx = &invocation.context;
        logging::set_request_id(Some(&ctx.request_id));
        if trace == Trace::Export {
            // SAFETY: `Export` comes only from `serve`, whose caller took on
            // `trace::export`'s contract for the life of this loop.
            #[allow(unsafe_code)]
            unsafe {
                trace::export(ctx.trace_id.as_deref())
            };
        }
        let event = match &invocation.body {
            Ok(event) => {
                log::debug!("event: {}", String::from_utf8_lossy(event));
                Ok(event.as_slice())
            }
            // Answered like an unparsable event: this invocation fails, the
            // loop goes on (the next /next opens a fresh connection).
            Err(too_large) => Err(Diagnostic::runtime("EventTooLarge", too_large.to_string())),
        };
        let (route, status) = match handler {
            Handler::Buffered(handler) => {
                let outcome = event.and_then(|event| invoke(handler, event, ctx));
                warn_if_late(ctx, SystemTime::now());
                answer(client, ctx, outcome)?
            }
            Handler::Streaming(handler) => {
                let mut out = ApiStream::new(client, &ctx.request_id, ctx.invocation_id.as_deref());
                let outcome =
                    event.and_then(|event| invoke_streaming(handler, event, ctx, &mut out));
                warn_if_late(ctx, SystemTime::now());
                match out.finish(outcome)? {
                    Streamed::NotStarted(diagnostic) => answer(client, ctx, Err(diagnostic))?,
                    Streamed::Sent {
                        status,
                        failure,
                        bytes,
                    } => {
                        if let Some(diagnostic) = failure {
                            log::error!(
                                "{}: {} (the stream ended with the error after {bytes} bytes)",
                                diagnostic.error_type(),
                                diagnostic.error_message()
                            );
                        }
                        ("streamed response", status)
                    }
                }
            }
        };
        // A refusal (400 bad id, 403 answered twice, 410 too late, 413 too
        // large, 500) concerns this invocation only. Posting /error after a
        // refused /response would be refused in turn, so nothing more is sent.
        if !(200..300).contains(&status) {
            log::error!(
                "runtime API refused the {route} for request {} with status {status}{}",
                ctx.request_id,
                match (status, route) {
                    (413, "streamed response") => " (answer larger than Lambda's 200 MB limit)",
                    (413, _) => " (answer larger than Lambda's 6 MB limit)",
                    _ => "",
                },
            );
        }
        logging::set_request_id(None);
        // The event's buffer outlives the rest of the invocation, as it did
        // when the two were dropped together: freed before the context's
        // small blocks, glibc's heap kept tens of MiB it no longer needed
        // (tests/e2e/memory.rs).
        let Invocation { context, body } = invocation;
        drop(context);
        if let Ok(event) = body {
            buffer = client::recycle(event);
        }
    }
}

/// Says so when the handler returned after its deadline: on Lambda Managed
/// Instances Lambda does not stop a handler at its timeout, and its worker
/// served nothing meanwhile. The answer still goes out (Lambda may refuse
/// it with 410, which is logged like any refusal).
fn warn_if_late(ctx: &Context, now: SystemTime) {
    let Some(deadline) = ctx.deadline_ms else {
        return;
    };
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    if now_ms > deadline {
        log::warn!(
            "request {} returned {} ms after its deadline (its worker served nothing \
             meanwhile: check ctx.remaining_time() in long loops)",
            ctx.request_id,
            now_ms - deadline
        );
    }
}

/// Posts a buffered answer, `/response` or `/error`; returns which, and the
/// status the Runtime API gave it.
fn answer(
    client: &Client,
    ctx: &Context,
    outcome: Result<Vec<u8>, Diagnostic>,
) -> Result<(&'static str, u16), Error> {
    let (route, request) = match outcome {
        Ok(body) => {
            log::debug!("response: {}", String::from_utf8_lossy(&body));
            let request = api::response(&ctx.request_id, ctx.invocation_id.as_deref(), body);
            ("response", request)
        }
        Err(diagnostic) => {
            log::error!(
                "{}: {}",
                diagnostic.error_type(),
                diagnostic.error_message()
            );
            let request = api::error(&ctx.request_id, ctx.invocation_id.as_deref(), &diagnostic);
            ("error", request)
        }
    };
    Ok((route, client.send(request)?))
}
