//! The benchmark driver: a fake Lambda Runtime API that spawns each runtime
//! binary (ours, the std-only floor, the official `lambda_runtime`), serves
//! it events and measures it from outside, through `/proc` and the clock.
//!
//! `main` only parses the command line, picks the mode and maps the outcome
//! to an exit code: any failure (a wrong answer, a runtime that dies or
//! hangs) ends the run with `error: ...` and exit code 1, never with a
//! report of half-measured figures.
//!
//! Codemap, from the bottom up (a file imports only files above it):
//! `stats`, `procfs` (CPU, memory and machine facts), `which` (tools on
//! PATH), `options` (command line), `event` (what is sent and what a right
//! answer is), `http1` (the HTTP/1.1 framing the driver's servers read and
//! write), `signal` (what a session hears), `fake_api` (the Runtime API
//! side), `session` (one runtime process from spawn to kill), `report`
//! (what every part renders alike) and `publish` (BENCHMARKS.md's markers
//! and merging a part into it); then the comparisons, each measuring and
//! rendering its own part: `compare` (interleaved rounds and payload
//! scaling), `concurrency` (`--concurrency N`), `streaming` (`--streaming`
//! and its trivial writer), `typed` (`--typed`), `orders` (`--orders`,
//! with `keepalive`, moto's keep-alive front, and `moto`, the AWS it
//! calls); and `profile` (the callgrind and strace modes).

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
mod publish;
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
