//! The one type that sends Runtime API requests, over one kept-alive
//! HTTP/1.1 connection, through ureq.
//!
//! It shapes nothing itself (that is `api.rs`) and decides nothing about
//! what a status means beyond `/next`'s (that is `serve.rs`). Requests
//! ureq cannot make (a streamed answer, the extension's long poll) go out
//! on [`Client::connect_fresh`]'s connections, written by `wire.rs`.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ureq::config::Config;
use ureq::http::{self, HeaderMap, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use ureq::{Agent, Body};

use crate::context::Context;
use crate::context::FunctionInfo;
use crate::runtime::api::{self, ApiRequest, Method};
use crate::runtime::config::Endpoint;
use crate::runtime::error::Error;
use crate::runtime::transport::RuntimeConnector;
use crate::runtime::wire;

/// The most bytes of one event the runtime reads. Lambda's largest events
/// (synchronous invokes) are 6 MiB + 100 bytes at the Runtime API; the
/// extra MiB keeps a legitimate event from ever being refused by a small
/// change in how Lambda counts, while a broken or hostile endpoint can make
/// the runtime hold 7 MiB per event at most, not whatever it sends.
pub const MAX_EVENT_BYTES: u64 = 7 * 1024 * 1024;

/// ureq's output buffer size, and the largest response head: one byte
/// under it, as before the input window could grow past it.
const BUFFER_SIZE: usize = 16 * 1024;

/// The most the input window grows to while a body comes in: a big event
/// arrives in reads this large, not in reads the size of the head limit.
/// The head limit stays `BUFFER_SIZE`, checked by ureq itself
/// (`max_response_header_size`), whatever the window.
const BODY_WINDOW: usize = 64 * 1024;

/// An event fetched from `/next`, with its context.
#[derive(Debug)]
pub struct Invocation {
    /// Ids, deadline and function identity.
    pub context: Context,
    /// The raw event, parsed by the loop so that a bad one can be answered;
    /// or, for an event over [`MAX_EVENT_BYTES`], why it was not read (it
    /// is answered with an error all the same).
    pub body: Result<Vec<u8>, EventTooLarge>,
}

/// An event was larger than [`MAX_EVENT_BYTES`]: it was not read whole, and
/// the connection it came on is not reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTooLarge {
    /// What `Content-Length` announced, when it did.
    pub announced: Option<u64>,
}

impl fmt::Display for EventTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the event is larger than {MAX_EVENT_BYTES} bytes")?;
        if let Some(n) = self.announced {
            write!(f, " ({n} announced)")?;
        }
        write!(
            f,
            ", the most this runtime reads (Lambda's own limit is 6 MB)"
        )
    }
}

impl std::error::Error for EventTooLarge {}

/// Talks to one Runtime API endpoint.
pub struct Client {
    agent: Agent,
    base: String,
    /// The agent's resolver, shared: `run` fills it.
    resolver: ResolveOnce,
}

impl Client {
    /// A client with no timeouts, no proxy and one pooled connection.
    pub fn new(endpoint: &Endpoint) -> Client {
        let config = Agent::config_builder()
            // Statuses are data here: a 413 to /response is logged and the
            // loop goes on, so ureq must hand every answer back.
            .http_status_as_error(false)
            // HTTP_PROXY and friends are set for the function's own calls;
            // the Runtime API is on the sandbox's loopback.
            .proxy(None)
            .max_redirects(0)
            .user_agent(concat!("lambda-bootstrap/", env!("CARGO_PKG_VERSION")))
            // `/next` is a long poll and the sandbox is frozen between
            // invocations for any length of time: no timeout of any kind,
            // and the idle connection is never retired for its age.
            .timeout_global(None)
            .timeout_await_100(None)
            .max_idle_age(Duration::MAX)
            .max_idle_connections(1)
            .max_idle_connections_per_host(1)
            // Smaller than ureq's 128 KiB each: events stream through them
            // either way, and the default pair is resident memory for
            // nothing. The transport (RuntimeConnector) starts its buffers
            // at a page and grows them, while reads or writes fill them, to
            // these sizes at most: a small event never grows the input past
            // its first page, a big one comes in 64 KiB reads.
            .input_buffer_size(BODY_WINDOW)
            .output_buffer_size(BUFFER_SIZE)
            // Lambda's heads are a few KiB even with a mobile client
            // context: ureq refuses a longer one ("header is too big"), as it
            // reads it, whatever room the input window has.
            .max_response_header_size(BUFFER_SIZE - 1)
            .build();
        let resolver = ResolveOnce::default();
        Client {
            agent: Agent::with_parts(config, RuntimeConnector, resolver.clone()),
            base: endpoint.base().to_string(),
            resolver,
        }
    }

    /// Waits for the next event, read into `buffer` (the previous event's,
    /// handed back by the loop, or empty). Any failure here ends the
    /// process: Lambda starts a fresh one.
    pub fn next(&self, function: &Arc<FunctionInfo>, buffer: Vec<u8>) -> Result<Invocation, Error> {
        let request = api::next();
        let call = "GET /runtime/invocation/next";
        let mut response = self.run(&request).map_err(|e| Error::transport(call, e))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let body = read_body(response.body_mut(), buffer)
                .map_err(|e| Error::transport(call, e))?
                .unwrap_or_default();
            return Err(Error::NextStatus {
                status,
                body: String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
            });
        }
        let headers = response.headers();
        let context = Context::from_headers(|name| header(headers, name), Arc::clone(function))
            .ok_or(Error::MissingRequestId)?;
        let body = read_body(response.body_mut(), buffer).map_err(|e| Error::transport(call, e))?;
        Ok(Invocation { context, body })
    }

    /// Sends an answer and returns the status the Runtime API gave it. The
    /// answer's body is read to the end so the connection goes back to the
    /// pool. A transport failure is an error: the API is gone.
    pub fn send(&self, request: ApiRequest) -> Result<u16, Error> {
        // The call's name is only spelt out on failure.
        let call = || format!("{} {}", request.method.as_str(), request.path);
        let mut response = self
            .run(&request)
            .map_err(|e| Error::transport(call(), e))?;
        drain(response.body_mut()).map_err(|e| Error::transport(call(), ureq::Error::Io(e)))?;
        Ok(response.status().as_u16())
    }

    /// A fresh TCP connection to the Runtime API, outside ureq, for a
    /// streamed answer (ureq cannot send trailers); the caller closes it
    /// after the answer.
    pub fn connect_fresh(&self) -> Result<TcpStream, ureq::Error> {
        let base: Uri = self.base.parse().map_err(http::Error::from)?;
        let addrs = self.resolver.lookup(&base)?;
        let mut last = None;
        for addr in addrs.iter() {
            match TcpStream::connect(addr) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.map_or(ureq::Error::HostNotFound, ureq::Error::Io))
    }

    /// Sends `request` on a fresh connection of its own (see
    /// [`Client::connect_fresh`]) and returns that connection, for its
    /// answer to be read (`wire::read_answer`), or never.
    pub fn open(&self, request: &ApiRequest) -> Result<TcpStream, ureq::Error> {
        let mut socket = self.connect_fresh()?;
        let (host, prefix) = self.authority_and_prefix();
        let mut bytes = wire::request_head(request, host, prefix);
        bytes.extend_from_slice(&request.body);
        socket.write_all(&bytes)?;
        Ok(socket)
    }

    /// `host:port` and the path prefix every API's version hangs off (empty,
    /// or `/prefix`), for requests written outside ureq.
    pub fn authority_and_prefix(&self) -> (&str, &str) {
        let rest = self.base.strip_prefix("http://").unwrap_or(&self.base);
        let slash = rest.find('/').unwrap_or(rest.len());
        rest.split_at(slash)
    }

    fn run(&self, request: &ApiRequest) -> Result<http::Response<Body>, ureq::Error> {
        // The endpoint is looked up here, the first time, rather than when
        // ureq asks the resolver: that call runs on top of ureq's deepest
        // frame (`ureq::run::run`, 14 KiB), and the lookup's own frames
        // there were the deepest stack the process ever touched.
        if !self.resolver.is_done() {
            let base: Uri = self.base.parse().map_err(http::Error::from)?;
            self.resolver.lookup(&base)?;
        }
        let version = request.api.version();
        let mut url = String::with_capacity(self.base.len() + version.len() + request.path.len());
        url.push_str(&self.base);
        url.push_str(version);
        url.push_str(&request.path);
        let method = match request.method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
        };
        let mut builder = http::Request::builder().method(method).uri(url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(content_type) = request.content_type {
            builder = builder.header(http::header::CONTENT_TYPE, content_type);
        }
        match request.method {
            Method::Get => self.agent.run(builder.body(())?),
            Method::Post => self.agent.run(builder.body(&request.body[..])?),
        }
    }
}

/// ureq resolves the host before every request, even one that goes out on
/// the pooled connection; the Runtime API's address never changes for the
/// life of the sandbox, so it is resolved once. With std directly, not
/// ureq's `DefaultResolver`: without timeouts that does the same lookup,
/// and its code to look up on a thread (for a timeout) would ship unused.
/// (ureq's `unversioned` API: pinned by Cargo.lock, revisit on a ureq
/// upgrade.)
#[derive(Debug, Default, Clone)]
struct ResolveOnce {
    addrs: Arc<OnceLock<ResolvedSocketAddrs>>,
}

impl ResolveOnce {
    fn is_done(&self) -> bool {
        self.addrs.get().is_some()
    }

    /// The endpoint's addresses: looked up the first time, kept after.
    /// Never inlined, so that its frame is not part of `Client::run`'s.
    #[inline(never)]
    fn lookup(&self, uri: &Uri) -> Result<&ResolvedSocketAddrs, ureq::Error> {
        if let Some(addrs) = self.addrs.get() {
            return Ok(addrs);
        }
        // The endpoint's URL is built from AWS_LAMBDA_RUNTIME_API, which
        // `config.rs` checked has a host.
        let authority = uri.authority().ok_or(ureq::Error::HostNotFound)?;
        // `host()` keeps an IPv6 address's brackets, as the parse wants.
        let host_port = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(80)
        );
        let mut addrs = ResolvedSocketAddrs::from_fn(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        for addr in host_port.to_socket_addrs()? {
            if addrs.try_push(addr).is_err() {
                break;
            }
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(self.addrs.get_or_init(|| addrs))
    }
}

impl Resolver for ResolveOnce {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.lookup(uri).cloned()
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    // A scan, not `HeaderMap::get`: `get` parses and hashes the name on
    // every call, and a `/next` answer has a dozen headers, eight of them
    // asked for. Stored names are lower case, as `name` is; the first of
    // repeated values, as `get` gives.
    let value = headers.iter().find(|(n, _)| n.as_str() == name)?.1;
    std::str::from_utf8(value.as_bytes()).ok()
}

/// Reads an answer's body to its end and drops it. Not `io::copy`: its
/// 8 KiB stack buffer sat on top of ureq's deep frames and made the
/// deepest stack of the loop two pages deeper, for a `{"status":"OK"}`.
fn drain(body: &mut Body) -> io::Result<()> {
    let mut reader = body.as_reader();
    let mut buf = [0; 256];
    while reader.read(&mut buf)? > 0 {}
    Ok(())
}

/// Reads a body of at most [`MAX_EVENT_BYTES`] into `buffer`. One
/// announced as larger is not read at all; one that turns out larger is
/// read no further. Either way the connection is left unfinished, so ureq
/// does not pool it again.
///
/// A body with a `Content-Length` (every event Lambda sends) is read
/// straight into a buffer of exactly that length, the last event's when it
/// fits (see [`fit`]): a big event then costs no fresh pages to fault in,
/// and no zeroing or growing of the buffer as `read_to_end` would do.
/// Lambda sends no event without one; the `read_to_end` path is for other
/// Runtime API implementations.
fn read_body(
    body: &mut Body,
    mut buffer: Vec<u8>,
) -> Result<Result<Vec<u8>, EventTooLarge>, ureq::Error> {
    let announced = body.content_length();
    if announced.is_some_and(|n| n > MAX_EVENT_BYTES) {
        return Ok(Err(EventTooLarge { announced }));
    }
    let mut reader = body.with_config().limit(MAX_EVENT_BYTES).reader();
    let read = match announced {
        Some(length) => {
            fit(&mut buffer, length as usize, REUSE_EVENT_BUFFER);
            reader
                .read_exact(&mut buffer)
                .and_then(|()| at_end(&mut reader))
        }
        None => {
            buffer.clear();
            reader.read_to_end(&mut buffer).map(drop)
        }
    };
    match read.map_err(ureq::Error::from) {
        Ok(()) => Ok(Ok(buffer)),
        Err(ureq::Error::BodyExceedsLimit(_)) => Ok(Err(EventTooLarge { announced })),
        Err(e) => Err(e),
    }
}

/// Whether an event is read into the last one's buffer (see [`fit`]):
/// with musl's malloc, which `build.sh` ships, yes. It gives every large
/// block back to the kernel when it is freed, so a fresh buffer per event
/// costs a page fault for each 4 KiB of it, most of what a big event cost
/// on top of the floor (BENCHMARKS.md, "Payload scaling"). glibc's malloc
/// keeps freed blocks in its heap for the next (its adaptive mmap
/// threshold), where a buffer kept across events would only pin the heap
/// and hold memory up (tests/e2e/memory.rs, which runs on glibc, saw it).
const REUSE_EVENT_BUFFER: bool = cfg!(target_env = "musl");

/// What the serving loop keeps of an answered event for the next one's
/// [`Client::next`]: its buffer where that is reused, nothing otherwise
/// (a buffer held while the loop waits would pin glibc's heap just the
/// same).
pub fn recycle(event: Vec<u8>) -> Vec<u8> {
    if REUSE_EVENT_BUFFER {
        event
    } else {
        Vec::new()
    }
}

/// Makes `buffer` exactly `length` initialized bytes long. With `reuse`,
/// its memory is kept when the event fills at least half of it, so a run
/// of big events costs one allocation. Otherwise (or for a small event
/// after a big one, or a bigger one) it is freed first, so that the two are
/// never held at once, and a zeroed one taken, which the allocator hands
/// out as fresh pages without writing them.
fn fit(buffer: &mut Vec<u8>, length: usize, reuse: bool) {
    if reuse && length <= buffer.capacity() && length >= buffer.capacity() / 2 {
        buffer.resize(length, 0);
    } else {
        *buffer = Vec::new();
        *buffer = vec![0; length];
    }
}

/// Reads on past the `Content-Length` bytes: ureq hands the connection
/// back to its pool only once its reader has said the body ended.
fn at_end(reader: &mut impl Read) -> io::Result<()> {
    match reader.read(&mut [0])? {
        0 => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the event is longer than its Content-Length",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let config = Agent::config_builder().build();
        let addrs = ResolveOnce::default().resolve(&uri, &config, NextTimeout::default())?;
        Ok(addrs.iter().copied().collect())
    }

    #[test]
    fn the_endpoint_resolves_as_aws_and_the_emulators_spell_it() {
        let v4: SocketAddr = "127.0.0.1:9001".parse().unwrap();
        let v6: SocketAddr = "[::1]:9001".parse().unwrap();
        assert_eq!(resolve("http://127.0.0.1:9001/2018-06-01").unwrap(), [v4]);
        assert_eq!(resolve("http://[::1]:9001/2018-06-01").unwrap(), [v6]);
        // A name goes through the system's lookup (here /etc/hosts).
        let local = resolve("http://localhost:9001/2018-06-01").unwrap();
        assert!(
            !local.is_empty()
                && local
                    .iter()
                    .all(|a| a.ip().is_loopback() && a.port() == 9001)
        );
    }

    #[test]
    fn an_event_buffer_is_reused_while_events_fill_half_of_it() {
        let mut buffer = Vec::new();
        fit(&mut buffer, 1000, true);
        assert_eq!((buffer.len(), buffer.capacity()), (1000, 1000));
        let memory = buffer.as_ptr();
        // As big, smaller down to half: the same memory, the length exact.
        for length in [1000, 600, 500, 900] {
            fit(&mut buffer, length, true);
            assert_eq!(buffer.len(), length);
            assert_eq!(buffer.as_ptr(), memory, "{length} bytes");
        }
        // Under half: a buffer of its own size, the big one freed.
        fit(&mut buffer, 499, true);
        assert_eq!((buffer.len(), buffer.capacity()), (499, 499));
        // Bigger than the buffer: a new one.
        fit(&mut buffer, 2000, true);
        assert_eq!((buffer.len(), buffer.capacity()), (2000, 2000));
        fit(&mut buffer, 0, true);
        assert_eq!(buffer.capacity(), 0);
    }

    #[test]
    fn without_reuse_every_event_gets_a_buffer_of_its_own_size() {
        let mut buffer = Vec::new();
        for length in [1000, 1000, 600, 2000, 0] {
            fit(&mut buffer, length, false);
            assert_eq!((buffer.len(), buffer.capacity()), (length, length));
            assert!(buffer.iter().all(|&b| b == 0));
        }
    }

    /// An event read into the last one's buffer, as the serving loop hands
    /// it back where buffers are reused (musl): with a `Content-Length`,
    /// or without one (read to the end).
    fn read_after(last: &[u8], event: &[u8], announced: bool) -> Vec<u8> {
        let mut body = if announced {
            Body::builder().data(event.to_vec())
        } else {
            Body::builder().reader(io::Cursor::new(event.to_vec()))
        };
        assert_eq!(body.content_length().is_some(), announced);
        read_body(&mut body, last.to_vec()).unwrap().unwrap()
    }

    #[test]
    fn an_event_read_into_the_last_ones_buffer_is_only_itself() {
        let big = format!(r#"{{"big": "{}"}}"#, "x".repeat(1000));
        let small = br#"{"small": true}"#;
        // Just over half the big one: read into the same memory with reuse.
        let half = format!(r#"{{"half": "{}"}}"#, "y".repeat(500));
        for announced in [true, false] {
            assert_eq!(read_after(big.as_bytes(), small, announced), small);
            assert_eq!(
                read_after(big.as_bytes(), half.as_bytes(), announced),
                half.as_bytes()
            );
            assert_eq!(read_after(big.as_bytes(), b"", announced), b"");
            assert_eq!(read_after(b"", small, announced), small);
        }
    }

    #[test]
    fn the_endpoint_is_resolved_once() {
        let resolver = ResolveOnce::default();
        let config = Agent::config_builder().build();
        let first: Uri = "http://127.0.0.1:9001/".parse().unwrap();
        let other: Uri = "http://127.0.0.2:9002/".parse().unwrap();
        resolver
            .resolve(&first, &config, NextTimeout::default())
            .unwrap();
        let again = resolver
            .resolve(&other, &config, NextTimeout::default())
            .unwrap();
        assert_eq!(
            again.iter().copied().collect::<Vec<_>>(),
            ["127.0.0.1:9001".parse().unwrap()]
        );
    }
}
