//! The benchmark driver: a fake Lambda Runtime API that spawns each runtime
//! binary (ours, the std-only floor, the official `lambda_runtime`), serves
//! it events and measures it from outside, through `/proc` and the clock.
//!
//! `main` only parses the command line, picks the mode and maps the outcome
//! to an exit code: any failure (a wrong answer, a runtime that dies or
//! hangs) ends the run with `error: ...` and exit code 1, never with a
//! report of half-measured figures.
//!
//! Codemap: `options` (command line), `fake_api` (the HTTP side), `session`
//! (one runtime process from spawn to kill), `event` (what is sent and what
//! a right answer is), `procfs` (CPU, memory and machine facts), `stats`,
//! `compare` (interleaved rounds and payload scaling), `concurrency` (the
//! `--concurrency N` comparison), `report` (the generated part of
//! BENCHMARKS.md), `profile` (callgrind and strace modes).

mod compare;
mod concurrency;
mod event;
mod fake_api;
mod options;
mod procfs;
mod profile;
mod report;
mod session;
mod stats;

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
    let opts = match options::parse(std::env::args_os().skip(1))? {
        Some(opts) => opts,
        None => {
            print!("{}", options::USAGE);
            return Ok(());
        }
    };
    match (&opts.profile, &opts.concurrency) {
        (Some(profile), _) => profile::run(&opts, profile),
        (None, Some(concurrency)) => concurrency::run(&opts, concurrency),
        (None, None) => compare::run(&opts),
    }
}
