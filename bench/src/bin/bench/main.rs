//! The benchmark driver: a fake Lambda Runtime API that spawns each runtime
//! binary (ours, the std-only floor, the official `lambda_runtime`), serves
//! it events and measures it from outside, through `/proc` and the clock.
//!
//! `main` only parses the command line, picks the mode and maps the outcome
//! to an exit code: any failure (a wrong answer, a runtime that dies or
//! hangs) ends the run with `error: ...` and exit code 1, never with a
//! report of half-measured figures.
//!
//! Codemap: `options` (command line), `fake_api` (the HTTP side), `chunked`
//! (streamed bodies), `session` (one runtime process from spawn to kill),
//! `event` (what is sent and what a right answer is), `procfs` (CPU, memory
//! and machine facts), `stats`, `compare` (interleaved rounds and payload
//! scaling), `concurrency` (the `--concurrency N` comparison), `streaming`
//! (the `--streaming` comparison and its trivial writer), `typed` (the
//! `--typed` comparison), `orders` (the `--orders` comparison), `moto`
//! (the AWS it calls) and `keepalive` (moto's keep-alive front), `report` (the generated part of BENCHMARKS.md),
//! `profile` (callgrind and strace modes).

mod compare;
mod concurrency;
mod event;
mod fake_api;
mod http1;
mod keepalive;
mod moto;
mod options;
mod orders;
mod procfs;
mod profile;
mod report;
mod session;
mod signal;
mod stats;
mod streaming;
mod typed;
mod which;

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    // Not a mode of the driver: the load the streaming comparison spawns, as
    // it spawns a runtime, to measure the fake API alone.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "--trivial-writer")
    {
        return streaming::trivial_writer();
    }
    let opts = match options::parse(std::env::args_os().skip(1))? {
        Some(opts) => opts,
        None => {
            print!("{}", options::USAGE);
            return Ok(());
        }
    };
    match (
        &opts.profile,
        &opts.concurrency,
        &opts.streaming,
        &opts.typed,
        &opts.orders,
    ) {
        (Some(profile), ..) => profile::run(&opts, profile),
        (None, Some(concurrency), ..) => concurrency::run(&opts, concurrency),
        (None, None, Some(streaming), ..) => streaming::run(&opts, streaming),
        (None, None, None, Some(typed), _) => typed::run(&opts, typed),
        (None, None, None, None, Some(orders)) => orders::run(&opts, orders),
        (None, None, None, None, None) => compare::run(&opts),
    }
}
