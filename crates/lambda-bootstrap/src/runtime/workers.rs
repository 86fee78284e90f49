//! Lambda Managed Instances: several invocations at once, one blocking
//! worker thread each. Lambda sets `AWS_LAMBDA_MAX_CONCURRENCY` to N and
//! then accepts N concurrent `/next` long polls; here each of N threads runs
//! the sequential loop (`serve::serve_loop`) on a connection of its own.
//!
//! What changes from one thread: the trace id is never written to the
//! process environment
//! (`Context::trace_id` carries it). What does not: a handler's failure is
//! its own invocation's answer, and a Runtime API failure on any worker
//! ends the process, exactly as with one thread.

use std::convert::Infallible;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use crate::context::FunctionInfo;
use crate::handler::Handler;
use crate::runtime::client::Client;
use crate::runtime::config::Endpoint;
use crate::runtime::error::Error;
use crate::runtime::serve::{Trace, serve_loop};

/// The least stack a worker gets: Linux's default main-thread stack, and
/// Lambda's (`ulimit -s` is 8 MiB there). Reserved address space, not
/// memory: only the pages a handler touches become resident.
pub const MIN_STACK: usize = 8 << 20;

/// Runs `workers` workers until one of them loses the Runtime API, and
/// returns that failure (the process then exits, and Lambda replaces the
/// environment: a half-working one would take events it cannot answer).
pub fn serve_concurrently(
    endpoint: &Endpoint,
    handler: Handler,
    function: &FunctionInfo,
    workers: usize,
) -> Result<Infallible, Error> {
    let stack = stack_size(std::fs::read_to_string("/proc/self/limits").ok().as_deref());
    log::debug!("serving {workers} invocations at once, {stack} bytes of stack each");
    let (endpoint, function) = (endpoint.clone(), function.clone());
    run_workers(workers, stack, move |_| {
        // Each worker its own client: its own kept-alive connection.
        let client = Client::new(&endpoint);
        serve_loop(
            &client,
            handler,
            &Arc::new(function.clone()),
            Trace::ContextOnly,
        )
    })
}

/// Runs `work(i)` on each of `workers` threads and returns the first
/// failure: an error a worker returned, or a panic of the runtime's own
/// that stopped one (handlers' panics are caught inside the loop).
fn run_workers(
    workers: usize,
    stack: usize,
    work: impl Fn(usize) -> Result<Infallible, Error> + Send + Sync + 'static,
) -> Result<Infallible, Error> {
    let work = Arc::new(work);
    // The first worker's failure, for the main thread to return.
    let failed = Arc::new((Mutex::new(None), Condvar::new()));
    for i in 0..workers {
        let (failed, work) = (Arc::clone(&failed), Arc::clone(&work));
        thread::Builder::new()
            .name(format!("worker-{i}"))
            .stack_size(stack)
            .spawn(move || {
                let error = match panic::catch_unwind(AssertUnwindSafe(|| work(i))) {
                    Ok(Err(error)) => error,
                    // The panic hook has logged it.
                    Err(_) => Error::WorkerPanicked(i),
                };
                let (first, told) = &*failed;
                let mut first = first.lock().unwrap_or_else(PoisonError::into_inner);
                first.get_or_insert(error);
                told.notify_one();
            })
            .map_err(|e| Error::Spawn(workers, e))?;
    }
    // Every worker reports before it ends (its loop and any panic in it are
    // caught above); the first report ends the wait, and the process.
    let (first, told) = &*failed;
    let mut first = first.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(error) = first.take() {
            return Err(error);
        }
        first = told.wait(first).unwrap_or_else(PoisonError::into_inner);
    }
}

/// The worker stack: at least the main thread's (its soft limit in
/// `/proc/self/limits`), at least [`MIN_STACK`]; `MIN_STACK` when the
/// limit is unlimited or unreadable.
fn stack_size(limits: Option<&str>) -> usize {
    let main = limits.and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("Max stack size"))?;
        line.split_whitespace().nth(3)?.parse::<usize>().ok()
    });
    main.map_or(MIN_STACK, |bytes| bytes.max(MIN_STACK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_stopped_by_a_panic_of_the_runtime_ends_the_serving() {
        // Three workers; worker 1 panics in runtime code, the others stay
        // in their long poll (here: parked for good). The panic must not
        // leave a half-alive set of workers.
        let (done, finished) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let outcome = run_workers(3, MIN_STACK, |i| {
                if i == 1 {
                    panic!("a bug in the runtime");
                }
                loop {
                    thread::park();
                }
            });
            let _ = done.send(outcome);
        });
        // Failing, not hanging, if the serving outlives the panic (the
        // parked workers are left behind with the test's thread).
        let outcome = finished
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("run_workers still serving 30 s after a worker's panic");
        let message = outcome.unwrap_err().to_string();
        assert_eq!(message, "worker thread 1 stopped on a panic");
    }

    #[test]
    fn workers_get_at_least_the_main_threads_stack() {
        let limits = |soft: &str| {
            format!(
                "Limit                     Soft Limit           Hard Limit           Units\n\
                 Max cpu time              unlimited            unlimited            seconds\n\
                 Max stack size            {soft:<20} unlimited            bytes\n"
            )
        };
        assert_eq!(stack_size(Some(&limits("8388608"))), 8 << 20);
        assert_eq!(stack_size(Some(&limits("33554432"))), 32 << 20);
        assert_eq!(stack_size(Some(&limits("1048576"))), MIN_STACK);
        assert_eq!(stack_size(Some(&limits("unlimited"))), MIN_STACK);
        assert_eq!(stack_size(None), MIN_STACK);
        // This machine's own limit, read as the runtime reads it.
        let here = std::fs::read_to_string("/proc/self/limits").unwrap();
        assert!(stack_size(Some(&here)) >= MIN_STACK);
    }
}
