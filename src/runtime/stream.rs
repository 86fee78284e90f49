//! A streamed answer on the wire: one `POST .../response` in HTTP/1.1
//! chunked encoding, written as the handler writes, on a TCP connection of
//! its own that is closed after the answer (AWS's documentation has the
//! runtime close it; ureq, which keeps the `/next` connection, cannot send
//! trailers). The `/next` connection is not touched.
//!
//! - Nothing goes out until the handler has written [`FIRST_CHUNK`] bytes
//!   or flushed: a handler that fails before that gets an ordinary `/error`
//!   answer, and its content type can still be set.
//! - Writes gather in one buffer; each chunk leaves in one `write`, its
//!   size line written into room kept in front of the buffer. A chunk is
//!   [`FIRST_CHUNK`] bytes at first, so that the first bytes leave soon,
//!   and twice the last one after each, up to [`CHUNK`], so that a long
//!   stream leaves in few, large writes. A write of a chunk or more, with
//!   nothing buffered, leaves as its own chunk straight from the handler's
//!   slice (one vectored write): no copy.
//! - Memory is the one buffer, whatever the stream's length.
//! - A failure after the first byte ends the stream with the error trailers
//!   (`api::stream_error_trailers`); so does a stream that passes
//!   [`MAX_STREAM_BYTES`], whose writer refuses the bytes past it.

use std::io::{self, BufRead, BufReader, IoSlice, Read, Write};
use std::net::TcpStream;

use crate::runtime::api::{self, ApiRequest};
use crate::runtime::client::Client;
use crate::runtime::diagnostic::Diagnostic;
use crate::runtime::error::Error;
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
        }
    }

    fn buffered(&self) -> usize {
        self.buffer.len() - SIZE_ROOM
    }

    /// Sends what is buffered as one chunk, opening the request first.
    fn send_chunk(&mut self) -> io::Result<()> {
        self.ready()?;
        let len = self.buffered();
        if len == 0 {
            return Ok(());
        }
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
        let request =
            api::streaming_response(self.request_id, self.invocation_id, &self.content_type);
        let (host, prefix) = self.client.authority_and_prefix();
        let head = head_bytes(&request, host, prefix);
        let mut socket = self.client.connect_fresh().map_err(io::Error::other)?;
        socket.write_all(&head)?;
        self.socket = Some(socket);
        Ok(())
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
        // What the handler wrote goes out before the end, failure or not.
        let sent = self.send_chunk().and_then(|()| {
            let mut last = b"0\r\n".to_vec();
            if let Some(diagnostic) = &failure {
                for (name, value) in api::stream_error_trailers(diagnostic) {
                    last.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
                }
            }
            last.extend_from_slice(b"\r\n");
            self.socket.as_mut().expect("sent a chunk").write_all(&last)
        });
        // Even if sending failed (the API may have answered early, say 413,
        // and closed), its answer says why; only no answer at all is the
        // API gone.
        let Some(socket) = self.socket.take() else {
            return Err(Error::transport(call(), ureq::Error::Io(sent.unwrap_err())));
        };
        match read_status(socket) {
            Ok(status) => Ok(Streamed::Sent {
                status,
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

/// The request line and headers of `request`, for a chunked body.
fn head_bytes(request: &ApiRequest, host: &str, prefix: &str) -> Vec<u8> {
    let mut head = format!("POST {prefix}{} HTTP/1.1\r\nHost: {host}\r\n", request.path);
    head.push_str(concat!(
        "User-Agent: lambda-bootstrap/",
        env!("CARGO_PKG_VERSION"),
        "\r\n"
    ));
    for (name, value) in &request.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
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

/// Reads the API's answer to the stream (status line, headers, a small
/// body) and returns its status; the connection is closed on return.
fn read_status(socket: TcpStream) -> io::Result<u16> {
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not an HTTP status line: {:?}", line.trim_end()),
            )
        })?;
    // Headers, then as much body as announced (its text is not needed).
    let mut length = 0u64;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    io::copy(&mut reader.take(length.min(64 * 1024)), &mut io::sink())?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_head_is_one_request_with_the_prefix_and_host() {
        let request = api::streaming_response("r 1", None, "text/plain");
        let head =
            String::from_utf8(head_bytes(&request, "127.0.0.1:9001", "/.rt/2018-06-01")).unwrap();
        assert!(head.starts_with(
            "POST /.rt/2018-06-01/runtime/invocation/r%201/response HTTP/1.1\r\n\
             Host: 127.0.0.1:9001\r\nUser-Agent: lambda-bootstrap/"
        ));
        assert!(head.ends_with(
            "Lambda-Runtime-Function-Response-Mode: streaming\r\nContent-Type: text/plain\r\n\
             Transfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type, \
             Lambda-Runtime-Function-Error-Body\r\n\r\n"
        ));
    }

    #[test]
    fn content_types_must_be_one_header_value() {
        assert!(check_content_type("text/plain; charset=utf-8").is_ok());
        for bad in ["", "text/plain\r\nX-Evil: 1", "a\nb"] {
            assert!(check_content_type(bad).is_err(), "{bad:?}");
        }
    }
}
