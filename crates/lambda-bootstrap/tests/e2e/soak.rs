//! Soak: many invocations of good events, bad events, handler errors and
//! panics through one fast fake API, one at a time and with eight workers
//! (`AWS_LAMBDA_MAX_CONCURRENCY=8`). Every one is answered exactly once, on
//! one connection per worker, and memory and file descriptors stay flat
//! after a warm-up.
//!
//! `cargo test` runs a soak of [`DEFAULT`] invocations, the same mix and
//! checks; the full [`FULL`] runs are `--ignored`, for `.ci/run` on the
//! release binary (`cargo test --release --test e2e soak:: -- --ignored`).

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;

use crate::support::{lambda, probe_binary, read_request, start, status_kib};

/// The soak `cargo test` runs: long enough after its warm-up for a leak of
/// even one small allocation an invocation to pass the RSS check's margin.
const DEFAULT: Size = Size {
    total: 20_000,
    warm: 2_000,
};

/// The full soak, for `.ci/run`.
const FULL: Size = Size {
    total: 100_000,
    warm: 10_000,
};

/// How many invocations a soak serves, and after how many (the warm-up)
/// it takes its first sample.
#[derive(Debug, Clone, Copy)]
struct Size {
    total: usize,
    warm: usize,
}

/// What the process looked like while blocked in `/next`.
#[derive(Debug, Clone, Copy)]
struct Sample {
    peak_rss_kib: u64,
    fds: usize,
}

struct State {
    size: Size,
    served: usize,
    answered: usize,
    answers: Vec<u8>,
    wrong_route: Vec<usize>,
    samples: Vec<Sample>,
}

/// Good events most of the time; every tenth is unparsable, every
/// tenth + 1 a handler error, every tenth + 2 a panic.
fn event(i: usize) -> (Vec<u8>, &'static str) {
    match i % 10 {
        3 => (b"{\"broken\":".to_vec(), "error"),
        5 => (
            b"{\"error\":{\"type\":\"Soak\",\"message\":\"planned\"}}".to_vec(),
            "error",
        ),
        7 => (b"{\"panic\":\"planned\"}".to_vec(), "error"),
        _ => (format!("{{\"i\":{i}}}").into_bytes(), "response"),
    }
}

fn sample(pid: u32) -> Sample {
    let peak_rss_kib = status_kib(pid, "VmHWM");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    Sample { peak_rss_kib, fds }
}

fn serve(stream: TcpStream, shared: &(Mutex<State>, Condvar), pid: u32) {
    let (state, all_answered) = shared;
    let Size { total, warm } = state.lock().unwrap().size;
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader, 0) {
        let (method, path) = (request.method, request.path);
        if method == "POST" {
            // /2018-06-01/runtime/invocation/s-{i}/{route}
            let mut parts = path.rsplit('/');
            let route = parts.next().unwrap();
            let i: usize = parts
                .next()
                .unwrap()
                .trim_start_matches("s-")
                .parse()
                .unwrap();
            {
                let mut s = state.lock().unwrap();
                s.answers[i] += 1;
                s.answered += 1;
                if s.answered == total || s.answered == warm {
                    all_answered.notify_all();
                }
                if route != event(i).1 {
                    s.wrong_route.push(i);
                }
            }
            writer
                .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            continue;
        }
        let next = {
            let mut s = state.lock().unwrap();
            if s.served == warm {
                // Sampled once every event handed out is answered, as at the
                // end: a worker mid-invocation holds files for a moment (the
                // probe reads /proc/self/task), which is no leak.
                while s.answered < warm {
                    s = all_answered.wait(s).unwrap();
                }
                if s.samples.is_empty() {
                    let sample = sample(pid);
                    s.samples.push(sample);
                }
            }
            s.served += 1;
            s.served - 1
        };
        if next >= total {
            // Once every event is answered (other workers may still be at
            // their last), sample once and close: that ends the runtime.
            let mut s = state.lock().unwrap();
            while s.answered < total {
                s = all_answered.wait(s).unwrap();
            }
            if s.samples.len() == 1 {
                let sample = sample(pid);
                s.samples.push(sample);
            }
            return;
        }
        let (body, _) = event(next);
        let head = format!(
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: s-{next}\r\n\
             Lambda-Runtime-Deadline-Ms: 99999999999999\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        // One write: a head and body in two would meet Nagle and delayed ACK.
        let mut answer = head.into_bytes();
        answer.extend_from_slice(&body);
        writer.write_all(&answer).unwrap();
    }
}

#[test]
fn mixed_invocations() {
    soak(1, DEFAULT);
}

#[test]
fn mixed_invocations_on_eight_workers() {
    soak(8, DEFAULT);
}

#[test]
#[ignore = "the full soak: .ci/run runs it on the release binary"]
fn a_hundred_thousand_mixed_invocations() {
    soak(1, FULL);
}

#[test]
#[ignore = "the full soak: .ci/run runs it on the release binary"]
fn a_hundred_thousand_mixed_invocations_on_eight_workers() {
    soak(8, FULL);
}

/// The soak of `size` with `workers` workers: `AWS_LAMBDA_MAX_CONCURRENCY`,
/// unset for one.
fn soak(workers: usize, size: Size) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let state = Arc::new((
        Mutex::new(State {
            size,
            served: 0,
            answered: 0,
            answers: vec![0; size.total],
            wrong_route: Vec::new(),
            samples: Vec::new(),
        }),
        Condvar::new(),
    ));
    // The server learns the pid before it serves the first event.
    let (pid_tx, pid_rx) = mpsc::channel::<u32>();
    let connections = Arc::new(AtomicUsize::new(0));
    {
        let (state, connections) = (Arc::clone(&state), Arc::clone(&connections));
        thread::spawn(move || {
            let pid = pid_rx.recv().unwrap();
            for stream in listener.incoming() {
                connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&state);
                thread::spawn(move || serve(stream.unwrap(), &state, pid));
            }
        });
    }
    let mut cmd = lambda(probe_binary(), &addr, "probe");
    // WARN keeps the error lines (three in ten) out of the pipe; the behaviour is the same.
    cmd.env("AWS_LAMBDA_LOG_LEVEL", "WARN");
    if workers > 1 {
        cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", workers.to_string());
    }
    let running = start(&mut cmd, Vec::new());
    pid_tx.send(running.pid).unwrap();
    let out = running.wait();
    assert_eq!(
        out.code,
        Some(1),
        "the runtime exits when the fake closes at the end: {}",
        out.stderr
    );

    let s = state.0.lock().unwrap();
    let unanswered = s.answers.iter().filter(|&&n| n == 0).count();
    let twice = s.answers.iter().filter(|&&n| n > 1).count();
    assert_eq!(
        (unanswered, twice),
        (0, 0),
        "every invocation answered exactly once"
    );
    assert!(
        s.wrong_route.is_empty(),
        "wrong route for {:?}",
        &s.wrong_route[..s.wrong_route.len().min(10)]
    );
    assert_eq!(connections.load(Ordering::SeqCst), workers);
    let [warm, end] = s.samples[..] else {
        panic!("samples: {:?}", s.samples)
    };
    assert_eq!(
        warm.fds, end.fds,
        "file descriptors leaked: {warm:?} -> {end:?}"
    );
    assert!(
        end.peak_rss_kib <= warm.peak_rss_kib + 1024,
        "peak RSS grew by more than 1 MiB after warm-up: {warm:?} -> {end:?}"
    );
}
