//! One session: one runtime process, from spawn with a Lambda-like
//! environment to its end, served `n` events by the fake API (`Work` says
//! which, for which handler, with what more in the environment, how many at
//! once). It owns the
//! rules for ending a process: SIGKILL right after the last sample (a
//! runtime blocks on `GET /next` forever), or, under a profiler, closing the
//! connection and letting the runtime exit so the tool writes its results.
//! Every wait is bounded; nothing here sleeps to synchronise.
//!
//! A session succeeds only if every event got an answer and every answer is
//! right (`Work::check`, or for a stream the fake API's `event::StreamCheck`);
//! otherwise its error names the runtime, what went wrong and the last lines
//! the runtime printed.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{PipeReader, Read};
use std::net::SocketAddr;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::event;
use crate::fake_api::{self, Answers, FakeApi, Samples};
use crate::options::Runtime;
use crate::procfs;
use crate::signal::Signal;
use crate::which::find_in_path;

/// How long a session may take before it is declared hung: the slowest,
/// a profile's invocations under valgrind, takes minutes.
const RUN_LIMIT: Duration = Duration::from_secs(900);
/// How long a runtime may take to exit once its connection is closed
/// (valgrind writes its profile then).
const EXIT_LIMIT: Duration = Duration::from_secs(120);
/// How much of the runtime's output an error quotes.
const OUTPUT_TAIL: usize = 4 * 1024;

/// Judges one buffered answer, given the index of the event it answers;
/// the error says what is wrong with it.
pub type Check<'a> = dyn Fn(usize, &[u8]) -> Result<(), String> + 'a;

/// What a session serves and how it judges the answers.
pub struct Work<'a> {
    /// `_HANDLER`.
    pub handler: &'a str,
    /// The events, sent in turn until `n` were sent (event `i` is
    /// `events[i % events.len()]`): most comparisons send one event `n`
    /// times.
    pub events: &'a [Arc<[u8]>],
    /// Invocations.
    pub n: usize,
    /// More environment for the runtime, beside Lambda's own (the orders
    /// comparison's table, endpoint and credentials).
    pub env: &'a [(&'a str, String)],
    /// `AWS_LAMBDA_MAX_CONCURRENCY`, which is also how many requests for
    /// events the fake API takes at once; `None`: unset, one at a time.
    pub concurrency: Option<usize>,
    /// Judges each buffered answer.
    pub check: &'a Check<'a>,
    /// Buffered answers, or streams of a size, judged as they arrive.
    pub answers: Answers,
}

impl<'a> Work<'a> {
    /// `httpevent` on `event`, one invocation at a time, as Lambda runs a
    /// classic function: the side-by-side comparison and the profiles.
    pub fn httpevent(event: &'a Arc<[u8]>, n: usize) -> Work<'a> {
        Work {
            handler: "httpevent",
            events: std::slice::from_ref(event),
            n,
            env: &[],
            concurrency: None,
            check: &greeting,
            answers: Answers::Buffered,
        }
    }

    /// The streaming handler asked for `bytes` bytes (`event` says so),
    /// one invocation at a time: the streaming comparison.
    pub fn stream(event: &'a Arc<[u8]>, n: usize, bytes: u64) -> Work<'a> {
        Work {
            handler: lambda_bootstrap_bench::STREAM_HANDLER,
            events: std::slice::from_ref(event),
            n,
            env: &[],
            concurrency: None,
            check: &judged_as_they_arrive,
            answers: Answers::Streamed(bytes),
        }
    }
}

/// `httpevent`'s answer to the API Gateway event, whichever it was.
fn greeting(_: usize, answer: &[u8]) -> Result<(), String> {
    event::check_answer(answer)
}

/// A streamed answer keeps no body to judge afterwards: the fake API judged
/// it as it read it (`fake_api::Stream::wrong`).
fn judged_as_they_arrive(_: usize, _: &[u8]) -> Result<(), String> {
    Ok(())
}

/// The wrapper that starts each runtime under `taskset -c CPUS`
/// (`--runtime-cpus`); none without CPUs.
pub fn pin(cpus: Option<&str>) -> Result<Vec<OsString>, String> {
    let Some(cpus) = cpus else {
        return Ok(Vec::new());
    };
    let taskset =
        find_in_path("taskset").ok_or("taskset is not on PATH (apt-get install util-linux)")?;
    Ok(vec![taskset.into(), "-c".into(), cpus.into()])
}

/// How a session ends once every event was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// SIGKILL straight after the end sample.
    Kill,
    /// Close the connection, refuse new ones, wait for the runtime to exit.
    Exit,
}

/// Runs `runtime` (under `wrapper`, a tool and its arguments, if not empty)
/// against a fake API serving `work`.
pub fn run(
    runtime: &Runtime,
    wrapper: &[OsString],
    work: &Work,
    ending: Ending,
) -> Result<Samples, String> {
    let name = runtime.name;
    let n = work.n;
    let listener = fake_api::bind().map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;
    let (output, output_writer) =
        std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    let stderr = output_writer
        .try_clone()
        .map_err(|e| format!("cannot make a pipe: {e}"))?;

    let mut command = match wrapper.split_first() {
        Some((tool, args)) => {
            let mut command = Command::new(tool);
            command.args(args).arg(&runtime.path);
            command
        }
        None => Command::new(&runtime.path),
    };
    command.args(&runtime.args);
    lambda_environment(&mut command, addr, work);
    command
        .stdin(Stdio::null())
        .stdout(output_writer)
        .stderr(stderr);
    // The driver's threads (output reader, acceptor, first connection
    // worker) are started before the runtime is: on the one CPU they share,
    // no thread start lands in its init.
    let (signals, received) = mpsc::channel();
    let output = read_output(output, signals.clone());
    let limit = work.concurrency.unwrap_or(1);
    let events: Arc<[Arc<[u8]>]> = work.events.into();
    let api = FakeApi::start(listener, n, limit, events, work.answers, signals)
        .map_err(|e| format!("cannot start the fake API: {e}"))?;
    let spawned = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let _ = api.finish();
            return Err(format!(
                "{name}: cannot start {}: {e}",
                command.get_program().display()
            ));
        }
    };
    api.serving(child.id(), spawned);
    // The Command holds our copies of the pipe's write end: without them,
    // end of file on the pipe means the runtime (and its wrapper) is gone.
    drop(command);

    let mut outcome = match received.recv_timeout(RUN_LIMIT) {
        Ok(Signal::Finished) => Ok(()),
        Ok(Signal::Failed(why)) => Err(Some(why)),
        Ok(Signal::OutputClosed) => Err(None),
        Err(_) => Err(Some(format!(
            "no end within {} s: hung?",
            RUN_LIMIT.as_secs()
        ))),
    };
    if outcome.is_ok() && ending == Ending::Exit {
        // Ends the connection of the last GET /next, which waits for this.
        api.close();
        if !wait_for_exit(&received, EXIT_LIMIT) {
            outcome = Err(Some(format!(
                "did not exit within {} s of its connection closing",
                EXIT_LIMIT.as_secs()
            )));
        }
    }
    // Harmless when it already exited: it is not reaped until `wait`.
    let _ = child.kill();
    // Sessions run one at a time, and nothing else is reaped meanwhile:
    // what the reaped children's CPU grows by is this runtime's.
    let reaped = procfs::reaped_children_cpu_ns();
    let status = child.wait();
    let total_cpu_ns = procfs::reaped_children_cpu_ns().checked_sub(reaped);
    let mut samples = api.finish();
    samples.total_cpu_ns = total_cpu_ns.filter(|_| status.is_ok());
    let tail = output.join().unwrap_or_default();

    let failure = match outcome {
        Ok(()) => check_answers(&samples, n, work.check).err(),
        Err(Some(why)) => Some(why),
        Err(None) => Some(format!("exited ({}) before the end", describe(status))),
    };
    match failure {
        None => Ok(samples),
        Some(why) => Err(format!(
            "{name} ({}): {why}\n  {} of {n} events served, {} answered\n  \
             --- the runtime's last output ---\n{}",
            runtime.path.display(),
            samples.served,
            samples.answered.len(),
            if tail.trim().is_empty() {
                "  (none)".to_string()
            } else {
                tail
            }
        )),
    }
}

/// The environment Lambda gives a `provided.al2023` function, less the
/// credentials (`Work::env` adds them when a runtime calls AWS); no
/// `RUST_LOG`, so each runtime logs as it would by default.
/// With concurrency, `AWS_LAMBDA_MAX_CONCURRENCY` too, as on a Lambda
/// Managed Instance.
fn lambda_environment(command: &mut Command, api: SocketAddr, work: &Work) {
    command.env_clear();
    if let Some(n) = work.concurrency {
        command.env("AWS_LAMBDA_MAX_CONCURRENCY", n.to_string());
    }
    command
        .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
        .env("_HANDLER", work.handler)
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .env("LAMBDA_RUNTIME_DIR", "/var/runtime")
        .env("TZ", ":UTC")
        .env("LANG", "en_US.UTF-8");
    for (name, value) in work.env {
        command.env(name, value);
    }
}

/// Reads the runtime's output to its end, keeping the last lines for error
/// messages, then says so. A pipe rather than /dev/null: Lambda reads a
/// function's output through one too, and its end of file is how the
/// session learns, without polling, that the process is gone. Returns once
/// the thread has started.
fn read_output(mut pipe: PipeReader, signals: Sender<Signal>) -> JoinHandle<String> {
    let (started, has_started) = mpsc::channel();
    let reader = thread::spawn(move || {
        let _ = started.send(());
        let mut tail = VecDeque::with_capacity(2 * OUTPUT_TAIL);
        let mut buf = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(read) => {
                    tail.extend(&buf[..read]);
                    if tail.len() > OUTPUT_TAIL {
                        tail.drain(..tail.len() - OUTPUT_TAIL);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = signals.send(Signal::OutputClosed);
        String::from_utf8_lossy(tail.make_contiguous()).into_owned()
    });
    // The thread holds the sender until it sends: this returns.
    let _ = has_started.recv();
    reader
}

/// True once the output closed, false after `limit`.
fn wait_for_exit(received: &Receiver<Signal>, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(Signal::OutputClosed) => return true,
            // A client retrying on a new connection, refused: keep waiting.
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
        }
    }
}

fn describe(status: std::io::Result<ExitStatus>) -> String {
    match status {
        Ok(status) => status.to_string(),
        Err(e) => format!("status unknown: {e}"),
    }
}

/// Every event answered, every answer right.
fn check_answers(samples: &Samples, n: usize, check: &Check) -> Result<(), String> {
    if samples.answered.len() != n {
        return Err(format!("{} answers to {n} events", samples.answered.len()));
    }
    if let Some(i) = samples.streams.iter().position(|s| s.wrong.is_some()) {
        let why = samples.streams[i].wrong.as_deref().unwrap_or_default();
        return Err(format!("streamed answer {} of {n} is wrong: {why}", i + 1));
    }
    for i in 0..n {
        let answer = samples.answer(i);
        if let Err(why) = check(samples.answered_event[i], answer) {
            let shown = String::from_utf8_lossy(&answer[..answer.len().min(300)]);
            return Err(format!("answer {} of {n} is wrong: {why}: {shown}", i + 1));
        }
    }
    Ok(())
}
