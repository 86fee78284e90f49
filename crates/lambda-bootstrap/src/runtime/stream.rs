//! A streamed answer on the wire: one `POST .../response` in HTTP/1.1
//! chunked encoding, written as the handler writes, on a TCP connection of
//! its own that is closed after the answer (AWS's documentation has the
//! runtime close it; ureq, which keeps the `/next` connection, cannot send
//! trailers). The `/next` connection is not touched.
//!
//! - Nothing goes out until the handler has written [`FIRST_CHUNK`] bytes,
//!   or flushed some: the request's head (with the content type) leaves
//!   with the first bytes, so a flush before any byte sends nothing, and a
//!   handler that fails before its first byte left gets an ordinary
//!   `/error` answer.
//! - Writes gather in one buffer; each chunk leaves in one `write`, its
//!   size line written into room kept in front of the buffer. A chunk is
//!   [`FIRST_CHUNK`] bytes at first, so that the first bytes leave soon,
//!   and twice the last one after each, up to [`CHUNK`], so that a long
//!   stream leaves in few, large writes. A write of a chunk or more, with
//!   nothing buffered, leaves as its own chunk straight from the handler's
//!   slice (one vectored write): no copy.
//! - Memory is the one buffer, whatever the stream's length.
//! - A failure after the first byte ends the stream with the error trailers
//!   (`api::stream_error_trailers`, within Go's 4 KiB for a trailer
//!   section); so does a stream that passes [`MAX_STREAM_BYTES`], whose
//!   writer refuses the bytes past it.
//! - The API's answer is read within the limits of every response head
//!   (`wire.rs`). After a failed send, the write side is shut first (the
//!   API may still be waiting for the rest of a chunk) and the wait for the
//!   answer is bounded ([`ANSWER_WAIT`]): no answer then is the API gone,
//!   and the process ends rather than leave a worker hung.
//! - A stream whose connection cannot be opened is the Runtime API
//!   unreachable, as for any other call: the process ends.

use std::io::{self, IoSlice, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::runtime::api;
use crate::runtime::client::Client;
use crate::runtime::diagnostic::Diagnostic;
use crate::runtime::error::Error;
use crate::runtime::wire;
use crate::stream::{DEFAULT_CONTENT_TYPE, MAX_STREAM_BYTES, ResponseStream};

/// Bytes a handler writes before the first of them leave without a
/// flush: the first chunk, small so that a stream starts soon (before the
/// buffer a larger one needs is even touched); `flush` sends whatever is
/// buffered at once.
pub const FIRST_CHUNK: usize = 16 * 1024;

/// The largest chunk, which a long stream reaches after a few: larger than
/// the pieces bulk handlers write (a 64 KiB buffer, a file's block),
/// because what a stream costs both sides goes by writes more than by
/// bytes. Each write wakes the Runtime API's reader, and each ends in a
/// partial TCP segment (a chunk's framing never lines up with the segment
/// size) that `TCP_NODELAY` sends on its own, one more packet for the
/// reader. Copying the pieces together costs less than the writes it
/// saves (BENCHMARKS.md, "Streaming"); memory is still one buffer of at
/// most this size, whatever the stream's length.
pub const CHUNK: usize = 256 * 1024;

/// Room in front of the buffer for a chunk's size line: up to 8 hex
/// digits and CRLF, more than `CHUNK` needs.
const SIZE_ROOM: usize = 10;

/// How long the API's answer is waited for after a send failed. Only then:
/// a stream sent whole is answered at the API's pace, like every other
/// answer, without a timeout (a freeze of the sandbox must not turn into
/// a false failure). After a failure the write side is shut, so a live API
/// answers at once.
pub const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// How many of `wanted` bytes may still be written after `written`:
/// all of them up to [`MAX_STREAM_BYTES`], then an error.
pub fn room(written: u64, wanted: usize) -> io::Result<usize> {
    let left = MAX_STREAM_BYTES.saturating_sub(written);
    if left == 0 && wanted > 0 {
        return Err(io::Error::other(format!(
            "the stream reached Lambda's limit of {MAX_STREAM_BYTES} bytes"
        )));
    }
    Ok(wanted.min(usize::try_from(left).unwrap_or(usize::MAX)))
}

/// Why a stream was cut: the handler wrote past [`MAX_STREAM_BYTES`].
pub fn too_large() -> Diagnostic {
    Diagnostic::runtime(
        "StreamTooLarge",
        format!(
            "the handler wrote more than Lambda's limit of {MAX_STREAM_BYTES} bytes for a \
             streamed answer"
        ),
    )
}

/// A content type set after the first byte: refused by every stream.
pub fn content_type_too_late() -> io::Error {
    io::Error::other("the content type goes with the stream's head: set it before the first byte")
}

/// A content type the caller can be sent: one header value.
pub fn check_content_type(content_type: &str) -> io::Result<()> {
    if api::is_header_safe(content_type) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("content type {content_type:?} cannot be sent as a header"),
        ))
    }
}

/// How a streamed answer ended.
#[derive(Debug)]
pub enum Streamed {
    /// Nothing went out: the failure is to be answered with an ordinary
    /// `POST /error`.
    NotStarted(Diagnostic),
    /// The stream went out whole, or ended with the error trailers for
    /// `failure`; the Runtime API answered `status`.
    Sent {
        /// The API's status for the whole answer.
        status: u16,
        /// Why it was cut short, when it was.
        failure: Option<Diagnostic>,
        /// Body bytes sent.
        bytes: u64,
    },
}

/// The writer a streaming handler gets from the serving loop.
pub struct ApiStream<'c> {
    client: &'c Client,
    request_id: &'c str,
    invocation_id: Option<&'c str>,
    content_type: String,
    /// `SIZE_ROOM` bytes of room, then what waits to be sent.
    buffer: Vec<u8>,
    /// Bytes that make the next chunk: `FIRST_CHUNK`, doubled by each
    /// chunk sent, up to `CHUNK`.
    chunk: usize,
    socket: Option<TcpStream>,
    written: u64,
    /// The handler wrote past `MAX_STREAM_BYTES`.
    overflowed: bool,
    /// The connection failed while sending: the API stopped reading.
    broken: Option<io::Error>,
    /// The connection could not be opened: the API is unreachable.
    unreachable: Option<ureq::Error>,
    /// How long the answer is waited for after a failed send.
    answer_wait: Duration,
}

impl<'c> ApiStream<'c> {
    /// A stream for one invocation's answer; connects on its first chunk.
    pub fn new(client: &'c Client, request_id: &'c str, invocation_id: Option<&'c str>) -> Self {
        ApiStream {
            client,
            request_id,
            invocation_id,
            content_type: DEFAULT_CONTENT_TYPE.to_string(),
            buffer: vec![0; SIZE_ROOM],
            chunk: FIRST_CHUNK,
            socket: None,
            written: 0,
            overflowed: false,
            broken: None,
            unreachable: None,
            answer_wait: ANSWER_WAIT,
        }
    }

    fn buffered(&self) -> usize {
        self.buffer.len() - SIZE_ROOM
    }

    /// Sends what is buffered as one chunk, opening the request first;
    /// nothing at all when nothing is buffered (an empty flush).
    fn send_chunk(&mut self) -> io::Result<()> {
        let len = self.buffered();
        if len == 0 {
            return Ok(());
        }
        self.ready()?;
        let size = format!("{len:x}\r\n");
        let at = SIZE_ROOM - size.len();
        self.buffer[at..SIZE_ROOM].copy_from_slice(size.as_bytes());
        self.buffer.extend_from_slice(b"\r\n");
        let socket = self.socket.as_mut().expect("ready");
        let sent = socket.write_all(&self.buffer[at..]);
        self.buffer.truncate(SIZE_ROOM);
        self.grow_chunk();
        self.check(sent)
    }

    /// Sends `data` as one chunk straight from the handler's own buffer
    /// (its size line, the bytes and CRLF in one vectored write), when
    /// nothing waits in ours: a big write is not copied, nor cut up.
    fn send_direct(&mut self, data: &[u8]) -> io::Result<()> {
        self.ready()?;
        let size = format!("{:x}\r\n", data.len());
        let mut slices = [
            IoSlice::new(size.as_bytes()),
            IoSlice::new(data),
            IoSlice::new(b"\r\n"),
        ];
        let socket = self.socket.as_mut().expect("ready");
        let sent = write_all_vectored(socket, &mut slices);
        self.grow_chunk();
        self.check(sent)
    }

    /// After a chunk left: the next may be twice as large, up to `CHUNK`.
    fn grow_chunk(&mut self) {
        self.chunk = (self.chunk * 2).min(CHUNK);
    }

    /// The connection, opened if need be; an error if it broke before.
    fn ready(&mut self) -> io::Result<()> {
        if let Some(e) = &self.broken {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        if self.unreachable.is_some() {
            return Err(io::Error::other("the Runtime API is unreachable"));
        }
        if self.socket.is_none() {
            self.start()?;
        }
        Ok(())
    }

    /// Remembers a failed send: the API stopped reading, and every later
    /// write fails the same way.
    fn check(&mut self, sent: io::Result<()>) -> io::Result<()> {
        sent.map_err(|e| {
            let message = format!("the Runtime API stopped reading the stream: {e}");
            self.broken = Some(io::Error::new(e.kind(), message.clone()));
            io::Error::new(e.kind(), message)
        })
    }

    /// Connects and writes the request's head.
    fn start(&mut self) -> io::Result<()> {
        let socket = match self.client.connect_fresh() {
            Ok(socket) => socket,
            Err(e) => {
                let message = format!("could not open the stream: {e}");
                self.unreachable = Some(e);
                return Err(io::Error::other(message));
            }
        };
        let request =
            api::streaming_response(self.request_id, self.invocation_id, &self.content_type);
        let (host, prefix) = self.client.authority_and_prefix();
        let head = wire::request_head(&request, host, prefix);
        let socket = self.socket.insert(socket);
        let sent = socket.write_all(&head);
        self.check(sent)
    }

    /// Ends the answer after the handler's `outcome`: sends what is left
    /// and the last chunk (with the error trailers on a failure), reads the
    /// API's answer and closes the connection. A failure before anything
    /// went out is handed back for an ordinary `/error`.
    pub fn finish(mut self, outcome: Result<(), Diagnostic>) -> Result<Streamed, Error> {
        let request_id = self.request_id;
        let call = || {
            let path = api::streaming_response(request_id, None, "").path;
            format!("POST {path} (streamed)")
        };
        if let Some(e) = self.unreachable.take() {
            return Err(Error::transport(call(), e));
        }
        let failure = if self.overflowed {
            Some(too_large())
        } else {
            outcome.err()
        };
        if self.socket.is_none() {
            if let Some(diagnostic) = failure {
                return Ok(Streamed::NotStarted(diagnostic));
            }
        }
        // What the handler wrote goes out before the end, failure or not;
        // an empty stream opens here.
        let sent = self
            .send_chunk()
            .and_then(|()| self.ready())
            .and_then(|()| {
                let mut last = b"0\r\n".to_vec();
                if let Some(diagnostic) = &failure {
                    for (name, value) in api::stream_error_trailers(diagnostic) {
                        last.extend_from_slice(name.as_bytes());
                        last.extend_from_slice(b": ");
                        last.extend_from_slice(value.as_bytes());
                        last.extend_from_slice(b"\r\n");
                    }
                }
                last.extend_from_slice(b"\r\n");
                let socket = self.socket.as_mut().expect("ready");
                let sent = socket.write_all(&last);
                self.check(sent)
            });
        if let Some(e) = self.unreachable.take() {
            return Err(Error::transport(call(), e));
        }
        let socket = self.socket.take().expect("opened, or unreachable above");
        // Even if sending failed (the API may have answered early, say 413,
        // and closed), its answer says why; only no answer at all is the
        // API gone.
        let answer = match &sent {
            Ok(()) => wire::read_answer(&socket),
            Err(_) => read_answer_after_failure(&socket, self.answer_wait),
        };
        match answer {
            Ok(answer) => Ok(Streamed::Sent {
                status: answer.status,
                failure,
                bytes: self.written,
            }),
            Err(e) => Err(Error::transport(
                call(),
                ureq::Error::Io(sent.err().unwrap_or(e)),
            )),
        }
    }
}

/// The answer after a failed send: the API may still be waiting for the
/// rest of a chunk, so it is told that nothing more comes, and given
/// `wait` to answer.
fn read_answer_after_failure(socket: &TcpStream, wait: Duration) -> io::Result<wire::Answer> {
    let _ = socket.shutdown(Shutdown::Write);
    socket.set_read_timeout(Some(wait))?;
    wire::read_answer(socket).map_err(|e| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "no answer within {} s of the failed send",
                wait.as_secs_f32()
            ),
        ),
        _ => e,
    })
}

impl Write for ApiStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = room(self.written, buf.len()).inspect_err(|_| self.overflowed = true)?;
        if self.buffered() == 0 && n >= self.chunk {
            self.send_direct(&buf[..n])?;
            self.written += n as u64;
            return Ok(n);
        }
        let n = n.min(self.chunk - self.buffered());
        // Room for the whole chunk and its CRLF at once: growing by
        // doubling would copy what is buffered, and end at twice the size.
        self.buffer
            .reserve_exact(SIZE_ROOM + self.chunk + 2 - self.buffer.len());
        self.buffer.extend_from_slice(&buf[..n]);
        self.written += n as u64;
        if self.buffered() == self.chunk {
            self.send_chunk()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_chunk()
    }
}

impl ResponseStream for ApiStream<'_> {
    fn set_content_type(&mut self, content_type: &str) -> io::Result<()> {
        // After the first byte, even one still buffered, as the trait says:
        // whether it has left yet is not the handler's to know.
        if self.written > 0 {
            return Err(content_type_too_late());
        }
        check_content_type(content_type)?;
        content_type.clone_into(&mut self.content_type);
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }
}

/// `Write::write_all` for several slices (std's own is unstable).
fn write_all_vectored(socket: &mut TcpStream, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !slices.is_empty() {
        match socket.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::config::Endpoint;
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Instant;

    /// `stream.finish(result)` and how long it took; a finish still waiting
    /// after `limit` is a failure of the test (its socket is shut from here
    /// so the test ends), not a test that hangs.
    fn finish_within(
        stream: ApiStream<'_>,
        result: Result<(), Diagnostic>,
        limit: Duration,
    ) -> (Result<Streamed, Error>, Duration) {
        let socket = stream.socket.as_ref().unwrap().try_clone().unwrap();
        std::thread::scope(|scope| {
            let (done, finished) = mpsc::channel();
            scope.spawn(move || {
                let started = Instant::now();
                let outcome = stream.finish(result);
                let _ = done.send((outcome, started.elapsed()));
            });
            finished.recv_timeout(limit).unwrap_or_else(|_| {
                let _ = socket.shutdown(Shutdown::Both);
                panic!("finish still waiting after {limit:?}: the wait for the answer is unbounded")
            })
        })
    }

    /// A fake API on a thread of its own: it reads a stream's head, says so
    /// on the receiver, waits for the test's word on the sender (holding the
    /// connection open, reading nothing), then hands the connection to `then`.
    fn an_api_that_reads_the_head(
        then: impl FnOnce(BufReader<TcpStream>) + Send + 'static,
    ) -> (
        Client,
        mpsc::Receiver<()>,
        mpsc::Sender<()>,
        std::thread::JoinHandle<()>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client =
            Client::new(&Endpoint::parse(&listener.local_addr().unwrap().to_string()).unwrap());
        let (read_head, head_read) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let api = std::thread::spawn(move || {
            let (socket, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(socket);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            read_head.send(()).unwrap();
            let _ = released.recv();
            then(reader);
        });
        (client, head_read, release, api)
    }

    /// A stream to `client` whose head and first bytes went out and whose
    /// head the API has read; it waits `answer_wait` for an answer.
    fn a_stream_past_its_head<'c>(
        client: &'c Client,
        head_read: &mpsc::Receiver<()>,
        answer_wait: Duration,
    ) -> ApiStream<'c> {
        let mut stream = ApiStream::new(client, "r", None);
        stream.answer_wait = answer_wait;
        stream.write_all(b"first").unwrap();
        stream.flush().unwrap();
        head_read.recv().unwrap();
        stream
    }

    #[test]
    fn after_a_failed_send_the_wait_for_the_answer_is_bounded() {
        // An API that takes the head and a chunk, then neither reads nor
        // answers nor closes until the test is over: it may be waiting for
        // the rest of a chunk.
        let (client, head_read, release, api) = an_api_that_reads_the_head(|_| {});
        let mut stream = a_stream_past_its_head(&client, &head_read, Duration::from_millis(300));
        // The send breaks on this side (as a reset or a full buffer with a
        // send timeout would), the API none the wiser.
        stream
            .socket
            .as_ref()
            .unwrap()
            .shutdown(Shutdown::Write)
            .unwrap();
        stream.write_all(&[b'x'; CHUNK]).unwrap_err();
        let (outcome, waited) = finish_within(
            stream,
            Err(Diagnostic::runtime("HandlerPanic", "late")),
            Duration::from_secs(30),
        );
        let message = outcome.unwrap_err().to_string();
        assert!(
            message.starts_with(
                "runtime API unreachable during POST /runtime/invocation/r/response (streamed): \
                 io: the Runtime API stopped reading the stream: Broken pipe"
            ),
            "{message}"
        );
        // Only the bound ended the wait: the API never answered nor closed.
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(20),
            "waited {waited:?}"
        );
        release.send(()).unwrap();
        api.join().unwrap();
    }

    #[test]
    fn after_a_failed_send_the_write_side_is_shut_so_a_waiting_api_answers_at_once() {
        // An API that takes the head, then stops reading (the runtime's send
        // fails on a full buffer while the connection stays open), then
        // reads to the end of the request and answers: it can answer only
        // once the runtime has said that nothing more comes.
        let (client, head_read, release, api) = an_api_that_reads_the_head(|mut reader| {
            let _ = io::copy(&mut reader, &mut io::sink());
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        });
        let mut stream = a_stream_past_its_head(&client, &head_read, Duration::from_secs(20));
        // The send fails as it would against a stalled reader with a send
        // timeout: the connection itself stays open both ways.
        stream
            .socket
            .as_ref()
            .unwrap()
            .set_write_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let piece = vec![b'x'; CHUNK];
        while stream.write_all(&piece).is_ok() {}
        release.send(()).unwrap();
        let (outcome, waited) = finish_within(
            stream,
            Err(Diagnostic::runtime("HandlerPanic", "late")),
            Duration::from_secs(30),
        );
        match outcome {
            Ok(Streamed::Sent { status: 202, .. }) => {}
            other => panic!("{other:?}"),
        }
        // Answered once the write side was shut, not at the bound (at the
        // bound the runtime gives up, and the outcome is no 202). The bound
        // is generous, so that a busy machine is not mistaken for it.
        assert!(waited < Duration::from_secs(20), "waited {waited:?}");
        api.join().unwrap();
    }

    #[test]
    fn room_stops_at_the_limit() {
        assert_eq!(room(0, 10).unwrap(), 10);
        assert_eq!(room(MAX_STREAM_BYTES - 4, 10).unwrap(), 4);
        assert_eq!(room(MAX_STREAM_BYTES, 0).unwrap(), 0);
        let err = room(MAX_STREAM_BYTES, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the stream reached Lambda's limit of 209715200 bytes"
        );
    }

    #[test]
    fn content_types_must_be_one_header_value() {
        assert!(check_content_type("text/plain; charset=utf-8").is_ok());
        for bad in ["", "text/plain\r\nX-Evil: 1", "a\nb"] {
            assert!(check_content_type(bad).is_err(), "{bad:?}");
        }
    }
}
