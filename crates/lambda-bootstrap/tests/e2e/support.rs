//! A fake Lambda Runtime API on 127.0.0.1 and helpers to run the real
//! binaries against it.
//!
//! The fake serves a script: each `GET /next` takes the next `Next` step;
//! when the script runs out it closes the connection (once every event
//! handed out has been answered), which makes the runtime exit, so a test
//! waits for the process to end instead of sleeping. Every request is recorded with the connection it came on.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a process may go without moving a byte (no read, no write:
/// its `/proc/<pid>/io` counters standing still) before the test fails it
/// as hung. A measure of no progress, never of the whole run: a busy
/// machine slows a run down, but it does not stop every byte for this long.
pub const NO_PROGRESS: Duration = Duration::from_secs(120);

/// How often a waiting test looks at those counters.
const PROGRESS_POLL: Duration = Duration::from_secs(1);

/// What the fake does with one `GET /next`.
#[allow(dead_code)]
pub enum Next {
    /// Answers 200 with this event.
    Event(Event),
    /// Answers with this status and body.
    Status(u16, &'static str),
    /// Writes these bytes verbatim, then closes the connection.
    Raw(Vec<u8>),
    /// Closes the connection without answering.
    Close,
    /// Writes these bytes verbatim and closes the connection, then accepts
    /// one connection on the listener and closes that too. A handler that
    /// connects there and reads to the end (the probe's `wait_for_close`)
    /// therefore returns only once the close has reached the runtime.
    RawThenRelease(Vec<u8>, TcpListener),
    /// Waits this long (a slow platform, not synchronisation), then does the rest.
    After(Duration, Box<Next>),
    /// Waits until this many `GET /next` have been pending at once (long
    /// polls the fake holds, on as many connections), then does the rest.
    WhenPending(usize, Box<Next>),
    /// Runs this first, then does the rest. It runs once the runtime's
    /// `GET /next` has arrived, so the runtime is idle in its long poll:
    /// the moment to read its `/proc` files.
    Then(Box<dyn FnOnce() + Send>, Box<Next>),
    /// Holds the long poll without answering until the runtime closes the
    /// connection (it exits, or is killed): Lambda's `/next` while the
    /// environment idles, e.g. when it is about to be shut down.
    Hold,
    /// Stops listening (new connections are refused from then on; the
    /// ones open stay), then does the rest.
    StopListening(Box<Next>),
}

/// How the fake answers a POST.
#[allow(dead_code)]
pub enum Reply {
    /// This status, with a short JSON body.
    Status(u16),
    /// These bytes verbatim, then the connection is closed.
    Raw(Vec<u8>),
    /// No answer: the connection is dropped.
    Drop,
    /// No answer, and the connection kept open until the runtime closes
    /// it: an API that hangs.
    Hang,
}

/// One event and the headers that come with it.
#[derive(Clone)]
pub struct Event {
    /// The body, sent as is.
    pub body: Vec<u8>,
    /// Headers of the `/next` answer; the request id is one of them.
    pub headers: Vec<(String, String)>,
}

#[allow(dead_code)]
impl Event {
    /// An event with request id `id` and this body.
    pub fn new(id: &str, body: impl Into<Vec<u8>>) -> Event {
        Event {
            body: body.into(),
            headers: vec![
                ("Lambda-Runtime-Aws-Request-Id".into(), id.into()),
                ("Lambda-Runtime-Deadline-Ms".into(), deadline_in(60_000)),
                (
                    "Lambda-Runtime-Invoked-Function-Arn".into(),
                    "arn:aws:lambda:us-east-1:123456789012:function:test".into(),
                ),
            ],
        }
    }

    /// An event whose body is `value` as JSON.
    pub fn json(id: &str, value: &Value) -> Event {
        Event::new(id, serde_json::to_vec(value).unwrap())
    }

    /// Adds (or replaces) a header.
    pub fn header(mut self, name: &str, value: &str) -> Event {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Removes a header.
    pub fn without(mut self, name: &str) -> Event {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }
}

/// Milliseconds since the epoch, `ms` from now, as the header's text.
pub fn deadline_in(ms: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    (now.as_millis() as u64 + ms).to_string()
}

/// One request the runtime made.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Which TCP connection (0 = the first accepted).
    pub conn: usize,
    /// `GET` or `POST`.
    pub method: String,
    /// The path as sent, percent-encoding intact.
    pub path: String,
    /// Headers as sent.
    pub headers: Vec<(String, String)>,
    /// The body (a chunked one decoded).
    pub body: Vec<u8>,
    /// A chunked body's trailers, as sent.
    pub trailers: Vec<(String, String)>,
    /// A chunked body's chunks: when each was read whole, and the body's
    /// length after it.
    pub chunks: Vec<(std::time::Instant, usize)>,
}

#[allow(dead_code)]
impl Recorded {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A trailer's value, by case-insensitive name.
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of {} is not JSON ({e}): {:?}",
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `"POST /2018-06-01/runtime/invocation/x/response"`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// How the fake answers POSTs: a status per request; 0 drops the connection
/// without answering.
pub type PostRule = Box<dyn Fn(&Recorded) -> u16 + Send + Sync>;

/// How the fake answers POSTs, when a status is not enough.
pub type ReplyRule = Box<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// The most bytes of a chunked body's trailer section the fake reads, as
/// Go's `net/http` (AWS's emulator): past it, the request is refused and
/// the connection closed without an answer.
pub const MAX_TRAILER_SECTION: usize = 4096;

/// The id the fake gives a registered extension.
pub const EXTENSION_ID: &str = "fake-extension-id";

/// How long the fake, like Lambda, holds the runtime's first `/next` for a
/// registered extension to call `event/next` (init is done only then).
pub const INIT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Default, Clone, Copy)]
struct Extension {
    registered: bool,
    polling: bool,
}

struct Shared {
    script: Mutex<VecDeque<Next>>,
    reply_rule: ReplyRule,
    /// Set while the acceptor should stop; it answers by leaving.
    stop_listening: Mutex<bool>,
    stopped_listening: Condvar,
    addr: String,
    /// A streamed (chunked) body's connection is dropped once this many of
    /// its bytes were read.
    cut_streams_after: Option<usize>,
    /// The extension's state: registered, then polling `event/next`.
    extension: Mutex<Extension>,
    extension_changed: Condvar,
    recorded: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    load: Mutex<Load>,
    load_changed: Condvar,
}

/// What is under way at the fake, counted as requests come and go.
#[derive(Debug, Default, Clone, Copy)]
pub struct Load {
    /// `GET /next` received and not answered yet.
    pub pending: usize,
    /// The most there ever were at once.
    pub max_pending: usize,
    /// Events handed out and not answered yet (by `/response` or `/error`).
    pub in_flight: usize,
    /// The most there ever were at once.
    pub max_in_flight: usize,
}

/// The fake Runtime API.
pub struct FakeApi {
    addr: String,
    shared: Arc<Shared>,
}

#[allow(dead_code)]
impl FakeApi {
    /// Serves `script`, answering every POST with 202.
    pub fn start(script: Vec<Next>) -> FakeApi {
        FakeApi::start_with(script, Box::new(|_| 202))
    }

    /// Serves `script`, answering POSTs as `post_rule` says.
    pub fn start_with(script: Vec<Next>, post_rule: PostRule) -> FakeApi {
        FakeApi::start_replying(
            script,
            Box::new(move |request| match post_rule(request) {
                0 => Reply::Drop,
                status => Reply::Status(status),
            }),
        )
    }

    /// Serves `script`, answering POSTs as `reply_rule` says.
    pub fn start_replying(script: Vec<Next>, reply_rule: ReplyRule) -> FakeApi {
        FakeApi::start_full(script, reply_rule, None)
    }

    /// Serves `script`, answering POSTs with 202, but dropping each
    /// streamed answer's connection once `bytes` of its body were read.
    pub fn start_cutting_streams(script: Vec<Next>, bytes: usize) -> FakeApi {
        FakeApi::start_full(script, Box::new(|_| Reply::Status(202)), Some(bytes))
    }

    fn start_full(
        script: Vec<Next>,
        reply_rule: ReplyRule,
        cut_streams_after: Option<usize>,
    ) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            reply_rule,
            stop_listening: Mutex::new(false),
            stopped_listening: Condvar::new(),
            addr: addr.clone(),
            cut_streams_after,
            extension: Mutex::default(),
            extension_changed: Condvar::new(),
            recorded: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            load: Mutex::new(Load::default()),
            load_changed: Condvar::new(),
        });
        let accept_shared = Arc::clone(&shared);
        thread::spawn(move || {
            loop {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let mut stop = accept_shared.stop_listening.lock().unwrap();
                if *stop {
                    // Asked to stop (this connection is the asker's wake-up).
                    // The listener closes before the asker is told: a
                    // connection made after that is refused, never taken
                    // into the backlog and then reset.
                    drop(listener);
                    *stop = false;
                    accept_shared.stopped_listening.notify_all();
                    return;
                }
                drop(stop);
                let conn = accept_shared.connections.fetch_add(1, Ordering::SeqCst);
                let shared = Arc::clone(&accept_shared);
                thread::spawn(move || serve_connection(stream, conn, &shared));
            }
        });
        FakeApi { addr, shared }
    }

    /// `127.0.0.1:PORT`, as `AWS_LAMBDA_RUNTIME_API` wants it.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.recorded.lock().unwrap().clone()
    }

    /// Long polls and invocations under way, and their peaks.
    pub fn load(&self) -> Load {
        *self.shared.load.lock().unwrap()
    }

    /// Every POST to the Runtime API so far (answers and init errors; not
    /// the Extensions API's registration).
    pub fn posts(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.starts_with("/2018-06-01/"))
            .collect()
    }
}

fn serve_connection(stream: TcpStream, conn: usize, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request_cut(&mut reader, conn, shared.cut_streams_after) {
        shared.recorded.lock().unwrap().push(request.clone());
        if request.path == "/2020-01-01/extension/register" {
            shared.extension.lock().unwrap().registered = true;
            let id = [(
                "Lambda-Extension-Identifier".to_string(),
                EXTENSION_ID.to_string(),
            )];
            if write_answer(&mut writer, 200, &id, b"{}").is_err() {
                return;
            }
            continue;
        }
        if request.path == "/2020-01-01/extension/event/next" {
            shared.extension.lock().unwrap().polling = true;
            shared.extension_changed.notify_all();
            // An internal extension subscribed to no event: never answered.
            hold(&mut reader);
            return;
        }
        if request.method == "GET" && !shared.init_done() {
            let body = r#"{"errorMessage":"init not done: the extension never called event/next"}"#;
            let _ = write_answer(&mut writer, 403, &[], body.as_bytes());
            return;
        }
        if request.method == "POST" {
            if request.path.ends_with("/response") || request.path.ends_with("/error") {
                shared.change_load(|load| load.in_flight = load.in_flight.saturating_sub(1));
            }
            match (shared.reply_rule)(&request) {
                Reply::Status(status) => {
                    let body = if (200..300).contains(&status) {
                        r#"{"status":"OK"}"#
                    } else {
                        r#"{"errorMessage":"refused by the fake","errorType":"Fake.Refused"}"#
                    };
                    if write_answer(&mut writer, status, &[], body.as_bytes()).is_err() {
                        return;
                    }
                }
                Reply::Raw(bytes) => {
                    let _ = writer.write_all(&bytes);
                    let _ = writer.shutdown(std::net::Shutdown::Both);
                    return;
                }
                Reply::Drop => return,
                Reply::Hang => {
                    hold(&mut reader);
                    return;
                }
            }
            continue;
        }
        shared.change_load(|load| {
            load.pending += 1;
            load.max_pending = load.max_pending.max(load.pending);
        });
        let step = shared.script.lock().unwrap().pop_front();
        let step = step.unwrap_or_else(|| {
            // The script is done: once every event handed out is answered
            // (on any connection), close, and the runtime exits.
            let mut load = shared.load.lock().unwrap();
            while load.in_flight > 0 {
                load = shared.load_changed.wait(load).unwrap();
            }
            Next::Close
        });
        let open = answer_next(&mut writer, step, shared);
        shared.change_load(|load| load.pending -= 1);
        if !open {
            return;
        }
    }
}

impl Shared {
    /// Whether init is done, as Lambda counts it: every registered
    /// extension has called `event/next`; waited for up to [`INIT_WAIT`].
    fn init_done(&self) -> bool {
        let extension = self.extension.lock().unwrap();
        let (extension, _) = self
            .extension_changed
            .wait_timeout_while(extension, INIT_WAIT, |e| e.registered && !e.polling)
            .unwrap();
        !extension.registered || extension.polling
    }

    fn change_load(&self, change: impl FnOnce(&mut Load)) {
        change(&mut self.load.lock().unwrap());
        self.load_changed.notify_all();
    }
}

/// Returns whether the connection stays open.
fn answer_next(writer: &mut TcpStream, step: Next, shared: &Shared) -> bool {
    match step {
        Next::Event(event) => {
            shared.change_load(|load| {
                load.in_flight += 1;
                load.max_in_flight = load.max_in_flight.max(load.in_flight);
            });
            write_answer(writer, 200, &event.headers, &event.body).is_ok()
        }
        Next::Status(status, body) => write_answer(writer, status, &[], body.as_bytes()).is_ok(),
        Next::Raw(bytes) => {
            let _ = writer.write_all(&bytes);
            let _ = writer.shutdown(std::net::Shutdown::Both);
            false
        }
        Next::Close => {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            false
        }
        Next::RawThenRelease(bytes, listener) => {
            answer_next(writer, Next::Raw(bytes), shared);
            drop(listener.accept());
            false
        }
        Next::After(delay, then) => {
            thread::sleep(delay);
            answer_next(writer, *then, shared)
        }
        Next::WhenPending(n, then) => {
            // The peak, not the current count: the first of those polls to be
            // answered lowers the count, and the others must still go on.
            let mut load = shared.load.lock().unwrap();
            while load.max_pending < n {
                load = shared.load_changed.wait(load).unwrap();
            }
            drop(load);
            answer_next(writer, *then, shared)
        }
        Next::Then(first, then) => {
            first();
            answer_next(writer, *then, shared)
        }
        Next::Hold => {
            hold(&mut BufReader::new(writer.try_clone().unwrap()));
            false
        }
        Next::StopListening(then) => {
            *shared.stop_listening.lock().unwrap() = true;
            // The acceptor sees the flag on its next connection: this one.
            let wake = TcpStream::connect(&shared.addr).unwrap();
            let mut stop = shared.stop_listening.lock().unwrap();
            while *stop {
                stop = shared.stopped_listening.wait(stop).unwrap();
            }
            drop((stop, wake));
            answer_next(writer, *then, shared)
        }
    }
}

/// Reads until the other side closes the connection; what it sends is
/// not a request the fake answers.
fn hold(reader: &mut BufReader<TcpStream>) {
    let _ = std::io::copy(reader, &mut std::io::sink());
}

fn write_answer(
    writer: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
    let mut bytes = head.into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    writer.write_all(&bytes)
}

/// Reads one HTTP/1.1 request (Content-Length or chunked body); `None` at
/// the end of the connection or on anything unparsable, and (as Go's
/// `net/http`) on a trailer section over [`MAX_TRAILER_SECTION`].
pub fn read_request(reader: &mut BufReader<TcpStream>, conn: usize) -> Option<Recorded> {
    read_request_cut(reader, conn, None)
}

/// `read_request`, giving up (`None`) on a chunked body once `cut_after`
/// of its bytes were read.
fn read_request_cut(
    reader: &mut BufReader<TcpStream>,
    conn: usize,
    cut_after: Option<usize>,
) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut raw = Vec::new();
        reader.read_until(b'\n', &mut raw).ok()?;
        let text = String::from_utf8_lossy(&raw);
        let text = text.trim_end();
        if text.is_empty() {
            break;
        }
        let (name, value) = text.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    let mut trailers = Vec::new();
    let mut chunks = Vec::new();
    if let Some(len) = header("content-length") {
        body.resize(len.parse().ok()?, 0);
        reader.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if &chunk[size..] != b"\r\n" {
                return None;
            }
            body.extend_from_slice(&chunk[..size]);
            chunks.push((std::time::Instant::now(), body.len()));
            if cut_after.is_some_and(|cut| body.len() >= cut) {
                return None;
            }
        }
        // The trailer section: fields until an empty line, all of it within
        // Go's limit.
        let mut section = 0;
        loop {
            let mut field = String::new();
            section += reader.read_line(&mut field).ok()?;
            if section > MAX_TRAILER_SECTION {
                return None;
            }
            let field = field.trim_end();
            if field.is_empty() {
                break;
            }
            let (name, value) = field.split_once(':')?;
            trailers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    Some(Recorded {
        conn,
        method,
        path,
        headers,
        body,
        trailers,
        chunks,
    })
}

/// What a finished process left behind.
#[derive(Debug)]
pub struct Finished {
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr (the logs).
    pub stderr: String,
}

/// The `probe` binary (bootstrap's code plus the `probe` handler), with a
/// clean Lambda-like environment pointing at `api`.
pub fn probe(api: &FakeApi, handler: &str) -> Command {
    lambda(probe_binary(), api.addr(), handler)
}

/// The test probe, `examples/probe.rs`: an example, not a binary, so that
/// no deploy tool (cargo-lambda zips every `[[bin]]`) ever ships it. Cargo
/// builds binaries for integration tests but not examples, so the first
/// call builds it, with this test's profile, through cargo itself: up to
/// date after any change, whichever `cargo test` ran (plain `cargo test`
/// has built it already, and this is a no-op).
pub fn probe_binary() -> &'static str {
    static PROBE: OnceLock<String> = OnceLock::new();
    PROBE.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([
                "build",
                "--locked",
                "-p",
                "lambda-bootstrap",
                "--example",
                "probe",
            ])
            .arg("--message-format=json-render-diagnostics")
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        // With the features this test was built with, so that the probe's
        // table is the one `known_handlers` names.
        let features: Vec<&str> = [
            ("aws", cfg!(feature = "aws")),
            ("events", cfg!(feature = "events")),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect();
        if !features.is_empty() {
            cargo.args(["--features", &features.join(",")]);
        }
        let out = cargo.output().expect("run cargo to build the probe");
        assert!(
            out.status.success(),
            "cargo build --example probe failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "probe")
            .and_then(|m| m["executable"].as_str().map(String::from))
            .expect("cargo named the probe's executable")
    })
}

/// `binary` with only the variables Lambda sets (and PATH), so nothing from
/// the test machine (RUST_LOG, proxies) leaks in unless a test adds it.
pub fn lambda(binary: &str, runtime_api: &str, handler: &str) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("_HANDLER", handler)
        .env("AWS_LAMBDA_FUNCTION_NAME", "test-function")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test-function")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/11/25/[$LATEST]0123456789abcdef",
        )
        .env("AWS_REGION", "us-east-1")
        .env("LAMBDA_TASK_ROOT", "/var/task");
    cmd
}

/// Runs `cmd` to completion (stdin closed), failing the test if it hangs.
pub fn finish(mut cmd: Command) -> Finished {
    finish_with_stdin(&mut cmd, Vec::new())
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn finish_with_stdin(cmd: &mut Command, stdin: Vec<u8>) -> Finished {
    start(cmd, stdin).wait()
}

/// A spawned process whose output is being collected.
pub struct Running {
    /// Its pid, for reading `/proc/<pid>/…` while it runs.
    pub pid: u32,
    rx: mpsc::Receiver<std::io::Result<std::process::Output>>,
}

/// Spawns `cmd` with `stdin` fed to it and its output collected.
pub fn start(cmd: &mut Command, stdin: Vec<u8>) -> Running {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let mut input = child.stdin.take().unwrap();
    thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    Running { pid, rx }
}

impl Running {
    /// Waits for the process to end, however long it takes, failing the
    /// test only if it moves no byte for [`NO_PROGRESS`].
    pub fn wait(self) -> Finished {
        self.wait_unless_still_for(NO_PROGRESS)
    }

    /// [`Running::wait`], with the window of no progress given.
    pub fn wait_unless_still_for(self, window: Duration) -> Finished {
        let (pid, rx) = (self.pid, self.rx);
        let mut last = bytes_moved(pid);
        let mut still_since = Instant::now();
        loop {
            match rx.recv_timeout(PROGRESS_POLL) {
                Ok(output) => {
                    let output = output.unwrap();
                    return Finished {
                        code: output.status.code(),
                        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                    };
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the thread waiting for process {pid} died")
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            let now = bytes_moved(pid);
            // Unreadable counters (the process is ending) are no verdict.
            if now.is_none() || now != last {
                last = now;
                still_since = Instant::now();
            } else if still_since.elapsed() >= window {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                panic!(
                    "process {pid} read and wrote nothing for {window:?} \
                     (bytes read, written: {last:?}): hung"
                );
            }
        }
    }
}

/// Bytes `pid` has read and written so far, through any file or socket
/// (`rchar` and `wchar` of `/proc/<pid>/io`); `None` once it is gone.
fn bytes_moved(pid: u32) -> Option<(u64, u64)> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let field = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
    };
    Some((field("rchar:")?, field("wchar:")?))
}

/// A whole `/next` answer as raw bytes, for `Next::Raw`: status 200, the
/// `head` lines given (each ending in `\r\n`, any bytes at all), the
/// Content-Length of `body`, then `body`.
#[allow(dead_code)]
pub fn raw_event(head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut bytes = b"HTTP/1.1 200 OK\r\n".to_vec();
    bytes.extend_from_slice(head);
    bytes.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// The request id an answer was posted for, percent-decoded from its path
/// (`/2018-06-01/runtime/invocation/{id}/response`).
#[allow(dead_code)]
pub fn answered_id(post: &Recorded) -> String {
    let segment = post
        .path
        .rsplit('/')
        .nth(1)
        .unwrap_or_else(|| panic!("not an answer path: {}", post.path));
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// How many answers (POSTs to `/response` or `/error`) each request id got.
#[allow(dead_code)]
pub fn answers_per_id(api: &FakeApi) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for post in api.posts() {
        *counts.entry(answered_id(&post)).or_insert(0) += 1;
    }
    counts
}

/// Fails the test if anything but the probe handler panicked. Every panic
/// is logged "panicked at FILE:LINE" (by the runtime's hook, or by Rust's
/// own before it is installed); the ones a test asks the probe for are at
/// `examples/probe.rs`.
#[allow(dead_code)]
pub fn assert_no_runtime_panic(out: &Finished) {
    for line in out.stderr.lines().filter(|l| l.contains("panicked at")) {
        assert!(
            line.contains("examples/probe.rs:"),
            "the runtime panicked: {line}\n{}",
            out.stderr
        );
    }
}

/// The names the probe's table serves (not the lines of features it was
/// built without), comma-separated, in its order, as its messages list them.
#[allow(dead_code)]
pub fn known_handlers() -> String {
    let mut names = vec![
        "probe",
        "probe_typed",
        "probe_stream",
        "probe_stream_typed",
        "probe_hooked",
    ];
    if cfg!(feature = "aws") {
        names.push("probe_aws");
    }
    names.join(", ")
}

/// A field of `/proc/<pid>/status` counted in kB (`VmRSS`, `VmHWM`), in KiB.
#[allow(dead_code)]
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The runtime's pid, for steps of the fake's script (`Next::Then`) that
/// read its `/proc` files: known once it is spawned, waited for until then.
#[derive(Default)]
#[allow(dead_code)]
pub struct Pid {
    value: Mutex<Option<u32>>,
    known: Condvar,
}

#[allow(dead_code)]
impl Pid {
    /// Records the pid, waking whoever waits for it.
    pub fn set(&self, pid: u32) {
        *self.value.lock().unwrap() = Some(pid);
        self.known.notify_all();
    }

    /// The pid, once it is set.
    pub fn get(&self) -> u32 {
        let mut value = self.value.lock().unwrap();
        loop {
            if let Some(pid) = *value {
                return pid;
            }
            value = self.known.wait(value).unwrap();
        }
    }
}
