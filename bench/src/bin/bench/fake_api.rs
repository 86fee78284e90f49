//! The fake Lambda Runtime API: the HTTP side of one session. It accepts the
//! runtime's connections (a thread for each open one, kept for the next;
//! blocking std networking, keep-alive HTTP/1.1, bodies by Content-Length,
//! or chunked for a streamed answer), serves `n` events (its list of events
//! in turn: one event `n` times, or each batch of the orders comparison
//! once), timestamps each event and answer, and samples the runtime's CPU
//! and memory at the moments the figures are defined by: the first
//! `GET /next`, the second (the first invocation, the cold one, is over),
//! and the `GET /next` after the last answer (with `limit` workers: once
//! every worker that ever held an event is back asking, so the runtime is
//! idle); for a streamed answer also the event's write and the body's end,
//! and it times the first and last payload bytes it reads.
//!
//! It takes up to `limit` requests for events at once (events outstanding
//! plus `GET /next`s waiting), as Lambda does with
//! `AWS_LAMBDA_MAX_CONCURRENCY`; 1 is the classic one-at-a-time API. A
//! `GET /next` after the last event was served is a long poll that never
//! returns: it waits until the session closes the API.
//!
//! It never judges a buffered answer's content (the session does, after the
//! run, so that no JSON parsing sits between an answer and the next event);
//! a streamed one it checks as it reads (`event::StreamCheck`), keeping only
//! the verdict for the session. It does refuse what no Lambda runtime may do: more requests for events at
//! once than `limit` (with 1, a second `GET /next` before answering), an
//! answer to a request id that is not outstanding, any other route. Its
//! replies follow AWS's Runtime Interface Emulator (202 with
//! `{"status":"OK"}` to each answer), because what a client does with that
//! body decides whether it can reuse its connection.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::event::StreamCheck;
use crate::http1::{self, read_fields, read_line, write_all_vectored};
use crate::procfs;
use crate::signal::Signal;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n\
                          Content-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";
/// Lambda gives each invocation its timeout; 60 s is a plausible one.
const DEADLINE: Duration = Duration::from_secs(60);

/// The runtime's state at its first `GET /next`.
#[derive(Debug, Clone, Copy)]
pub struct Init {
    /// CPU used since exec, all threads.
    pub cpu_ns: u64,
    /// Wall time since just before the spawn.
    pub wall: Duration,
    /// Minor page faults since exec.
    pub minor_faults: u64,
    /// `VmHWM` then: the runtime's resident memory, idle, before any event.
    pub peak_rss_kib: u64,
}

/// The runtime's state at the `GET /next` after its last answer (and, in
/// `Samples::second`, at the one after its first).
#[derive(Debug, Clone, Copy)]
pub struct End {
    /// CPU used since exec, all threads.
    pub cpu_ns: u64,
    /// `VmHWM`.
    pub peak_rss_kib: u64,
    /// Minor page faults since exec.
    pub minor_faults: u64,
}

/// How the runtime answers, and so how the fake API reads its answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// A body with a Content-Length, kept for the session to judge.
    Buffered,
    /// A chunked stream of this many payload bytes
    /// (`Lambda-Runtime-Function-Response-Mode: streaming`), checked as it
    /// arrives.
    Streamed(u64),
}

/// One streamed answer, as the fake API read it.
#[derive(Debug, Clone)]
pub struct Stream {
    /// The event it answers (an index into `Samples::sent`).
    pub event: usize,
    /// The runtime's CPU, all threads, just before its event was written.
    pub cpu_at_sent_ns: u64,
    /// When the first payload byte was read (after lambda_runtime's prelude).
    pub first_byte: Option<Instant>,
    /// When the last payload byte was read.
    pub last_byte: Option<Instant>,
    /// The runtime's CPU, all threads, once the body had been read to its end.
    pub cpu_at_end_ns: u64,
    /// CPU the fake API's own thread spent reading and checking the body.
    pub reader_cpu_ns: u64,
    /// `read` system calls the fake API made for the body.
    pub reader_reads: u64,
    /// Times the fake API's thread slept for want of data during the body.
    pub reader_waits: u64,
    /// Payload bytes read.
    pub payload: u64,
    /// What is wrong with the answer (its headers, trailers or body), if
    /// anything.
    pub wrong: Option<String>,
}

/// Everything one session measured.
#[derive(Debug, Default)]
pub struct Samples {
    /// Taken at the first `GET /next`.
    pub init: Option<Init>,
    /// Taken at the `GET /next` after the last answer.
    pub end: Option<End>,
    /// Taken as the second event is served, with one worker: the first
    /// invocation, the cold one, is over. `None` with fewer than two
    /// events or more workers.
    pub second: Option<End>,
    /// The runtime's CPU from exec to its end, every thread, those that
    /// ended before it too (the samples above count the threads alive
    /// when taken): set by the session once the process is reaped.
    pub total_cpu_ns: Option<u64>,
    /// Events served.
    pub served: usize,
    /// When each event's write began, by event (in the order served).
    pub sent: Vec<Instant>,
    /// When each answer had been read in full, in the order they came.
    pub answered: Vec<Instant>,
    /// Which event each answer answered (an index into `sent`), in the
    /// order they came; with one worker, 0, 1, 2, ...
    pub answered_event: Vec<usize>,
    /// The answers' bodies, end to end, in the order they came; `answer(i)`
    /// cuts one out.
    answers: Vec<u8>,
    answer_ends: Vec<usize>,
    /// The streamed answers, in the order they came (`Answers::Streamed`
    /// only; their `answered` entries hold when each body ended).
    pub streams: Vec<Stream>,
    /// TCP connections accepted.
    pub connections: usize,
}

impl Samples {
    /// The body of answer `i`.
    pub fn answer(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.answer_ends[i - 1] };
        &self.answers[start..self.answer_ends[i]]
    }
}

/// What the connection threads share.
struct Shared {
    n: usize,
    /// Requests for events it takes at once.
    limit: usize,
    /// Event `i` is `events[i % events.len()]`.
    events: Arc<[Arc<[u8]>]>,
    answers: Answers,
    /// The runtime's pid and when it was spawned, set right after.
    runtime: OnceLock<(u32, Instant)>,
    signals: Sender<Signal>,
    connections: AtomicUsize,
    init_taken: AtomicBool,
    failed: AtomicBool,
    state: Mutex<State>,
    /// Where `GET /next`s wait once every event was served.
    parked: Condvar,
}

#[derive(Default)]
struct State {
    samples: Samples,
    /// Events served and not yet answered: request id and event index, in
    /// the order served (at most `limit`, so a list is quick to search).
    outstanding: Vec<(String, usize)>,
    /// `GET /next`s waiting: every event was served.
    waiting: usize,
    /// The most requests for events held at once (outstanding plus
    /// waiting): how many workers the runtime showed.
    most_at_once: usize,
    /// The API is closed: waiting `GET /next`s end their connections.
    closed: bool,
    /// The runtime's CPU as each event's write began, by event (streamed
    /// answers only).
    cpu_at_sent_ns: Vec<u64>,
}

/// A running fake API; `finish` ends it and hands back the samples.
pub struct FakeApi {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: JoinHandle<()>,
    shared: Arc<Shared>,
}

/// A listener on a free loopback port, for the runtime's environment.
pub fn bind() -> io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
}

impl FakeApi {
    /// Starts serving `n` events on `listener` (`events` in turn, from the
    /// first, as often as it takes), up to `limit`
    /// requests for events at once, reading `answers`, reporting through
    /// `signals`; `serving` names the runtime once it is spawned. Returns
    /// once its threads (the acceptor and the first connection workers)
    /// have started and reached their loops: a thread starting on the
    /// runtime's CPU while it initialises would count against its init
    /// (bench/run.sh pins both to one CPU), and one starting as a stream's
    /// connection opens, against its time to first byte.
    pub fn start(
        listener: TcpListener,
        n: usize,
        limit: usize,
        events: Arc<[Arc<[u8]>]>,
        answers: Answers,
        signals: Sender<Signal>,
    ) -> io::Result<FakeApi> {
        if events.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no event to serve",
            ));
        }
        let addr = listener.local_addr()?;
        let mut state = State::default();
        state.samples.sent.reserve(n);
        state.samples.answered.reserve(n);
        state.samples.answered_event.reserve(n);
        state.samples.answer_ends.reserve(n);
        let shared = Arc::new(Shared {
            n,
            limit: limit.max(1),
            events,
            answers,
            runtime: OnceLock::new(),
            signals,
            connections: AtomicUsize::new(0),
            init_taken: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            state: Mutex::new(state),
            parked: Condvar::new(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        // Each thread says when it has started. If the acceptor cannot
        // start, the workers go with it: it owns their queue.
        let (started, has_started) = mpsc::channel();
        let mut workers = Workers::new(&shared);
        // A streaming runtime keeps its `GET /next` connection open while it
        // streams on another: one worker for each.
        let first_workers = match answers {
            Answers::Buffered => 1,
            Answers::Streamed(_) => 2,
        };
        for _ in 0..first_workers {
            workers.spawn(Some(started.clone()))?;
        }
        let acceptor = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
            thread::Builder::new().spawn(move || {
                let _ = started.send(());
                accept(listener, &shared, &stop, workers);
            })?
        };
        for _ in 0..first_workers + 1 {
            // Every thread holds a sender until it sends: this returns.
            let _ = has_started.recv();
        }
        Ok(FakeApi {
            addr,
            stop,
            acceptor,
            shared,
        })
    }

    /// Names the runtime it serves, right after its spawn.
    pub fn serving(&self, pid: u32, spawned: Instant) {
        let _ = self.shared.runtime.set((pid, spawned));
    }

    /// Stops accepting and ends the waiting `GET /next`s' connections: from
    /// now on the runtime's connection attempts are refused, so a client
    /// that reconnects after its connection closed gives up instead of
    /// asking again.
    pub fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.parked.notify_all();
        if !self.stop.swap(true, Ordering::SeqCst) {
            // Wakes the blocked accept so that it sees the flag.
            let _ = TcpStream::connect(self.addr);
        }
    }

    /// Ends the API and returns what it measured. Call it once the runtime
    /// is gone: it waits for every connection to end.
    pub fn finish(self) -> Samples {
        self.close();
        let _ = self.acceptor.join();
        let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut samples = std::mem::take(&mut state.samples);
        samples.connections = self.shared.connections.load(Ordering::SeqCst);
        samples
    }
}

fn accept(listener: TcpListener, shared: &Shared, stop: &AtomicBool, mut workers: Workers) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) => {
                shared.fail(format!("the fake API cannot accept: {e}"));
                break;
            }
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = workers.hand(stream) {
            shared.fail(format!("the fake API cannot start a thread: {e}"));
        }
    }
    drop(listener);
    workers.join();
}

/// The threads that serve connections, one connection each at a time, kept
/// for the next one. The first starts with the API, before the runtime;
/// more start only when a connection finds none idle (lambda_runtime opens
/// thousands of connections in a run, mostly one after another).
struct Workers {
    shared: Arc<Shared>,
    queue: Sender<TcpStream>,
    next: Arc<Mutex<Receiver<TcpStream>>>,
    /// Workers not serving a connection, counting those about to start.
    idle: Arc<AtomicUsize>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    fn new(shared: &Arc<Shared>) -> Workers {
        let (queue, next) = mpsc::channel();
        Workers {
            shared: Arc::clone(shared),
            queue,
            next: Arc::new(Mutex::new(next)),
            idle: Arc::new(AtomicUsize::new(0)),
            handles: Vec::new(),
        }
    }

    /// Starts a worker; with `started`, it says so there before its first
    /// connection.
    fn spawn(&mut self, started: Option<Sender<()>>) -> io::Result<()> {
        let (shared, next, idle) = (
            Arc::clone(&self.shared),
            Arc::clone(&self.next),
            Arc::clone(&self.idle),
        );
        self.idle.fetch_add(1, Ordering::SeqCst);
        // Small stacks keep the threads cheap to start.
        let handle = thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                if let Some(started) = started {
                    let _ = started.send(());
                }
                loop {
                    let stream = next.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(stream) = stream else { return };
                    serve(stream, &shared);
                    idle.fetch_add(1, Ordering::SeqCst);
                }
            });
        match handle {
            Ok(handle) => {
                self.handles.push(handle);
                Ok(())
            }
            Err(e) => {
                self.idle.fetch_sub(1, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    /// Gives `stream` to an idle worker, starting one if none is.
    fn hand(&mut self, stream: TcpStream) -> io::Result<()> {
        if self.idle.load(Ordering::SeqCst) == 0 {
            self.spawn(None)?;
        }
        self.idle.fetch_sub(1, Ordering::SeqCst);
        // A worker holds the receiver until `join`: sending cannot fail.
        let _ = self.queue.send(stream);
        Ok(())
    }

    /// Waits for every connection to end.
    fn join(self) {
        drop(self.queue);
        for handle in self.handles {
            let _ = handle.join();
        }
    }
}

/// Serves one connection until the runtime closes it, is killed, or breaks
/// a rule (then the session hears of it through `Signal::Failed`).
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    // Larger reads for streams: fewer system calls per MB in the fake.
    let capacity = match shared.answers {
        Answers::Buffered => 64 * 1024,
        Answers::Streamed(_) => 256 * 1024,
    };
    let reads = Cell::new(0);
    let mut reader = BufReader::with_capacity(
        capacity,
        Counted {
            inner: &stream,
            reads: &reads,
        },
    );
    let mut writer = &stream;
    let (mut line, mut header, mut body, mut head) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    loop {
        // Read errors end the connection quietly: a killed runtime resets it.
        match read_line(&mut reader, &mut line) {
            Ok(true) => {}
            Ok(false) | Err(_) => return,
        }
        let request_line = String::from_utf8_lossy(&line);
        let mut words = request_line.split_ascii_whitespace();
        let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        if method == "GET" && !shared.init_taken.swap(true, Ordering::SeqCst) {
            shared.take_init();
        }
        let request = match read_head(&mut reader, &mut header) {
            Ok(request) => request,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return shared.fail(format!("bad request {method} {path}: {e}"));
            }
            Err(_) => return,
        };
        if request.chunked {
            if method != "POST" {
                return shared.fail(format!("unexpected chunked request {method} {path}"));
            }
            match shared.stream(path, &request, &mut reader, &reads, &mut header) {
                Some(()) => match writer.write_all(ACCEPTED) {
                    Ok(()) => continue,
                    Err(_) => return,
                },
                None => return,
            }
        }
        body.clear();
        body.resize(request.length, 0);
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let written = match method {
            "GET" if path == NEXT => match shared.next(&mut head) {
                Some(index) => write_all_vectored(
                    &mut writer,
                    &mut [IoSlice::new(&head), IoSlice::new(shared.event(index))],
                ),
                None => return,
            },
            "POST" => match shared.answer(path, &body) {
                Some(()) => writer.write_all(ACCEPTED),
                None => return,
            },
            _ => {
                return shared.fail(format!(
                    "unexpected request {method} {path}: {}",
                    preview(&body)
                ));
            }
        };
        if written.is_err() {
            return;
        }
    }
}

impl Shared {
    /// Reports the first failure; later ones are consequences of it.
    fn fail(&self, why: String) {
        if !self.failed.swap(true, Ordering::SeqCst) {
            let _ = self.signals.send(Signal::Failed(why));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The runtime's pid and spawn time. A runtime can ask for its first
    /// event before the session has named it (`FakeApi::serving`, right
    /// after the spawn returns): its sample waits for the name.
    fn runtime(&self) -> (u32, Instant) {
        *self.runtime.wait()
    }

    fn take_init(&self) {
        let arrived = Instant::now();
        let (pid, spawned) = self.runtime();
        let init = Init {
            cpu_ns: procfs::cpu_ns(pid),
            wall: arrived.saturating_duration_since(spawned),
            minor_faults: procfs::minor_faults(pid),
            // Read last: the figures above are the ones timed.
            peak_rss_kib: procfs::peak_rss_kib(pid),
        };
        self.lock().samples.init = Some(init);
    }

    /// Event `index`'s bytes.
    fn event(&self, index: usize) -> &[u8] {
        &self.events[index % self.events.len()]
    }

    /// A `GET /next`: writes the next event's head into `head` and returns
    /// its index, or, once every event was served, waits until the API
    /// closes, and `None` closes the connection. The wait that finds the
    /// runtime idle (every event answered, every worker it showed waiting)
    /// takes the end sample and tells the session.
    fn next(&self, head: &mut Vec<u8>) -> Option<usize> {
        let mut state = self.lock();
        let held = state.outstanding.len() + state.waiting;
        if held >= self.limit {
            let why = match state.outstanding.first() {
                Some((id, _)) if self.limit == 1 => {
                    format!("asked for the next event before answering {id}")
                }
                _ => format!(
                    "asked for more than {} events at once ({} outstanding, {} GET /next waiting)",
                    self.limit,
                    state.outstanding.len(),
                    state.waiting
                ),
            };
            drop(state);
            self.fail(why);
            return None;
        }
        state.most_at_once = state.most_at_once.max(held + 1);
        if state.samples.served == self.n {
            state.waiting += 1;
            let idle = state.samples.answered.len() == self.n
                && state.waiting == state.most_at_once
                && state.samples.end.is_none();
            if idle {
                let (pid, _) = self.runtime();
                state.samples.end = Some(End {
                    cpu_ns: procfs::cpu_ns(pid),
                    peak_rss_kib: procfs::peak_rss_kib(pid),
                    minor_faults: procfs::minor_faults(pid),
                });
                let _ = self.signals.send(Signal::Finished);
            }
            // A long poll with nothing left to give: it ends with the API.
            while !state.closed {
                state = self.parked.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            return None;
        }
        let index = state.samples.served;
        let id = request_id(index);
        state.samples.served += 1;
        // One worker only: with more, the others would wait on the lock
        // while /proc is read, and the sample would mean nothing anyway.
        if index == 1 && self.limit == 1 {
            let (pid, _) = self.runtime();
            state.samples.second = Some(End {
                cpu_ns: procfs::cpu_ns(pid),
                peak_rss_kib: procfs::peak_rss_kib(pid),
                minor_faults: procfs::minor_faults(pid),
            });
        }
        if let Answers::Streamed(_) = self.answers {
            let (pid, _) = self.runtime();
            state.cpu_at_sent_ns.push(procfs::cpu_ns(pid));
        }
        head.clear();
        let _ = write!(
            head,
            "HTTP/1.1 200 OK\r\n\
             Content-Type: application/json\r\n\
             Lambda-Runtime-Aws-Request-Id: {id}\r\n\
             Lambda-Runtime-Deadline-Ms: {}\r\n\
             Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
             Lambda-Runtime-Trace-Id: Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=0\r\n\
             Content-Length: {}\r\n\r\n",
            deadline_ms(),
            self.event(index).len()
        );
        state.outstanding.push((id, index));
        state.samples.sent.push(Instant::now());
        Some(index)
    }

    /// A POST: must be the answer to an outstanding event.
    fn answer(&self, path: &str, body: &[u8]) -> Option<()> {
        let now = Instant::now();
        let mut state = self.lock();
        let answered_id = path
            .strip_prefix(INVOCATION)
            .and_then(|rest| rest.strip_suffix("/response"));
        if let Answers::Streamed(_) = self.answers {
            drop(state);
            self.fail(format!(
                "expected a streamed answer, got POST {path} with a Content-Length body: {}",
                preview(body)
            ));
            return None;
        }
        let found = answered_id.and_then(|answered| {
            state
                .outstanding
                .iter()
                .position(|(id, _)| id.as_str() == answered)
        });
        match found {
            Some(at) => {
                let (_, index) = state.outstanding.remove(at);
                let samples = &mut state.samples;
                samples.answered.push(now);
                samples.answered_event.push(index);
                samples.answers.extend_from_slice(body);
                samples.answer_ends.push(samples.answers.len());
                Some(())
            }
            None => {
                let expected = match state.outstanding.as_slice() {
                    [] => "no POST (no event is outstanding)".to_string(),
                    [(id, _)] => format!("POST {INVOCATION}{id}/response"),
                    more => format!(
                        "a POST {INVOCATION}ID/response for one of the {} outstanding events",
                        more.len()
                    ),
                };
                drop(state);
                self.fail(format!(
                    "expected {expected}, got POST {path}: {}",
                    preview(body)
                ));
                None
            }
        }
    }

    /// A chunked POST: must be the streamed answer to an outstanding event.
    /// Reads the body to its end as fast as it comes, checking and timing
    /// it; the event stays outstanding until then.
    fn stream(
        &self,
        path: &str,
        head: &Head,
        reader: &mut impl BufRead,
        reads: &Cell<u64>,
        line: &mut Vec<u8>,
    ) -> Option<()> {
        let Answers::Streamed(bytes) = self.answers else {
            self.fail(format!(
                "expected a Content-Length answer, got a chunked POST {path}"
            ));
            return None;
        };
        let answered_id = path
            .strip_prefix(INVOCATION)
            .and_then(|rest| rest.strip_suffix("/response"));
        let (pid, _) = self.runtime();
        let event = {
            let state = self.lock();
            let found = answered_id.and_then(|answered| {
                state
                    .outstanding
                    .iter()
                    .find(|(id, _)| id.as_str() == answered)
            });
            match found {
                Some(&(_, index)) => index,
                None => {
                    let expected = match state.outstanding.as_slice() {
                        [(id, _)] => format!("POST {INVOCATION}{id}/response"),
                        _ => format!(
                            "a POST for one of {} outstanding events",
                            state.outstanding.len()
                        ),
                    };
                    drop(state);
                    self.fail(format!("expected {expected}, got a chunked POST {path}"));
                    return None;
                }
            }
        };
        let reader_cpu = procfs::thread_cpu_ns();
        let (reads_before, waits_before) = (reads.get(), procfs::thread_waits());
        let mut wrong = None;
        if !head.streaming {
            wrong = Some(format!(
                "a chunked answer without '{RESPONSE_MODE}: streaming'"
            ));
        }
        let mut check = StreamCheck::new(&head.content_type)
            .map_err(|why| wrong.get_or_insert(why).clone())
            .ok();
        let (mut first_byte, mut last_byte) = (None, None);
        let read = http1::read_chunked(reader, line, |piece| {
            if let Some(check) = &mut check
                && check.feed(piece).is_some()
            {
                let now = Instant::now();
                first_byte.get_or_insert(now);
                last_byte = Some(now);
            }
        });
        let cpu_at_end_ns = procfs::cpu_ns(pid);
        let reader_cpu_ns = procfs::thread_cpu_ns().saturating_sub(reader_cpu);
        let reader_waits = procfs::thread_waits().saturating_sub(waits_before);
        let reader_reads = reads.get() - reads_before;
        let trailers = match read {
            Ok(trailers) => trailers,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                self.fail(format!("bad chunked body in POST {path}: {e}"));
                return None;
            }
            // The runtime closed or reset the connection mid-stream.
            Err(_) => return None,
        };
        let trailer = |name: &str| {
            trailers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        if let Some(error_type) = trailer("Lambda-Runtime-Function-Error-Type") {
            let body = trailer("Lambda-Runtime-Function-Error-Body").unwrap_or("");
            wrong.get_or_insert(format!(
                "the stream ended with an error trailer: {error_type} (body, base64: {body})"
            ));
        }
        if let Some(check) = &check
            && let Err(why) = check.verdict(bytes)
        {
            wrong.get_or_insert(why);
        }
        let now = Instant::now();
        let mut state = self.lock();
        state.outstanding.retain(|&(_, index)| index != event);
        let stream = Stream {
            event,
            cpu_at_sent_ns: state.cpu_at_sent_ns.get(event).copied().unwrap_or(0),
            first_byte,
            last_byte,
            cpu_at_end_ns,
            reader_cpu_ns,
            reader_reads,
            reader_waits,
            payload: check.map_or(0, |c| c.payload),
            wrong,
        };
        let samples = &mut state.samples;
        samples.streams.push(stream);
        samples.answered.push(now);
        samples.answered_event.push(event);
        samples.answer_ends.push(samples.answers.len());
        Some(())
    }
}

/// A connection's reading half that counts its `read` system calls: how
/// many a stream costs the fake API is a property of how the runtime wrote
/// it (segment sizes, pauses), and a count is not noisy as a time is.
struct Counted<'a> {
    inner: &'a TcpStream,
    reads: &'a Cell<u64>,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.set(self.reads.get() + 1);
        self.inner.read(buf)
    }
}

/// A request id shaped like Lambda's (a UUID), unique within a session.
fn request_id(i: usize) -> String {
    format!("8476a536-e9f4-11e8-9739-{i:012x}")
}

fn deadline_ms() -> u128 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + DEADLINE).as_millis()
}

/// The start of a body, for error messages.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    if body.len() > 300 {
        format!("{text}... ({} bytes)", body.len())
    } else {
        text.into_owned()
    }
}

/// The header a streamed answer carries.
const RESPONSE_MODE: &str = "Lambda-Runtime-Function-Response-Mode";

/// What the fake API reads from a request's headers.
#[derive(Debug, Default, PartialEq, Eq)]
struct Head {
    /// Content-Length (0 without one).
    length: usize,
    /// `Transfer-Encoding: chunked`.
    chunked: bool,
    /// Content-Type.
    content_type: String,
    /// `Lambda-Runtime-Function-Response-Mode: streaming`.
    streaming: bool,
}

/// Reads the headers after the request line. `header` is scratch space,
/// kept by the caller so that a request costs no allocation.
fn read_head(reader: &mut impl BufRead, header: &mut Vec<u8>) -> io::Result<Head> {
    let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let mut head = Head::default();
    read_fields(reader, header, |text| {
        let Some((name, value)) = text.split_once(':') else {
            return Err(invalid(format!("header without a colon: '{text}'")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            head.length = value
                .parse()
                .map_err(|_| invalid(format!("bad Content-Length '{value}'")))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if !value.eq_ignore_ascii_case("chunked") {
                return Err(invalid(format!(
                    "Transfer-Encoding '{value}' (this fake API reads Content-Length \
                     and chunked bodies)"
                )));
            }
            head.chunked = true;
        } else if name.eq_ignore_ascii_case("content-type") {
            head.content_type = value.to_string();
        } else if name.eq_ignore_ascii_case(RESPONSE_MODE) {
            head.streaming = value.eq_ignore_ascii_case("streaming");
        }
        Ok(())
    })?;
    if head.chunked && head.length != 0 {
        return Err(invalid(
            "both Content-Length and Transfer-Encoding: chunked".to_string(),
        ));
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(request: &str) -> io::Result<(String, Vec<u8>)> {
        let mut reader = io::Cursor::new(request.as_bytes().to_vec());
        let (mut line, mut header) = (Vec::new(), Vec::new());
        assert!(read_line(&mut reader, &mut line)?);
        let head = read_head(&mut reader, &mut header)?;
        let mut body = vec![0; head.length];
        reader.read_exact(&mut body)?;
        Ok((String::from_utf8(line).unwrap(), body))
    }

    #[test]
    fn reads_requests_with_and_without_bodies() {
        let (line, body) = check("GET /next HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!((line.as_str(), body.len()), ("GET /next HTTP/1.1\r\n", 0));
        let (_, body) =
            check("POST /r HTTP/1.1\r\ncontent-LENGTH: 5\r\nHost: x\r\n\r\nhello, more").unwrap();
        assert_eq!(body, b"hello");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for (request, why) in [
            (
                "POST /r HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                "Transfer-Encoding 'gzip'",
            ),
            (
                "POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                "both Content-Length and Transfer-Encoding",
            ),
            (
                "POST /r HTTP/1.1\r\nContent-Length: lots\r\n\r\n",
                "bad Content-Length 'lots'",
            ),
            (
                "POST /r HTTP/1.1\r\nno colon\r\n\r\n",
                "header without a colon",
            ),
        ] {
            let err = check(request).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains(why), "{err}");
        }
        let cut = check("POST /r HTTP/1.1\r\nContent-Length: 9\r\n\r\nshort").unwrap_err();
        assert_eq!(cut.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn reads_what_marks_a_streamed_answer() {
        let request = "Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\
                       lambda-runtime-function-response-mode: Streaming\r\n\r\n5\r\n";
        let head = read_head(&mut request.as_bytes(), &mut Vec::new()).unwrap();
        let expected = Head {
            length: 0,
            chunked: true,
            content_type: "application/octet-stream".into(),
            streaming: true,
        };
        assert_eq!(head, expected);
    }

    #[test]
    fn request_ids_are_unique_and_uuid_shaped() {
        let (a, b) = (request_id(0), request_id(19_999));
        assert_ne!(a, b);
        assert_eq!((a.len(), b.len()), (36, 36));
    }

    #[test]
    fn the_202_body_is_as_long_as_its_content_length() {
        let text = std::str::from_utf8(ACCEPTED).unwrap();
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(body.len(), 16);
    }
}
