//! HTTP/1.1 the runtime writes and reads itself, outside ureq, on
//! connections of their own: a streamed answer (ureq cannot send trailers)
//! and the shutdown extension's calls (one of them is a long poll that is
//! sent and never read). Everything else goes through `client.rs`.
//!
//! What it reads of an answer is held to the limits ureq holds every other
//! response head to: at most [`MAX_HEAD`] bytes and [`MAX_HEADERS`] fields.
//! A field that is not UTF-8 is kept as bytes, never an error: the answer
//! is still an answer.

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read};

use crate::runtime::api::ApiRequest;

/// The largest response head read, as for every other Runtime API answer
/// (ureq's `max_response_header_size` in `client.rs`).
pub const MAX_HEAD: usize = 16 * 1024 - 1;

/// The most header fields one answer may have (ureq's limit too).
pub const MAX_HEADERS: usize = 128;

/// The most of an answer's body read (and dropped) so that the API sees
/// its answer taken; the runtime needs only the status and headers.
const MAX_BODY: u64 = 64 * 1024;

/// The request line and headers of `request`, for the endpoint at `host`
/// whose routes hang off `prefix`; a `Content-Length` when it has a body.
/// Every value in it was checked: the request id percent-encoded by
/// `api.rs`, header values by `api::is_header_safe`, host and prefix by
/// `config.rs` at start-up.
pub fn request_head(request: &ApiRequest, host: &str, prefix: &str) -> Vec<u8> {
    let mut head = String::with_capacity(256);
    let _ = write!(
        head,
        "{} {prefix}{}{} HTTP/1.1\r\nHost: {host}\r\n",
        request.method.as_str(),
        request.api.version(),
        request.path
    );
    head.push_str(concat!(
        "User-Agent: lambda-bootstrap/",
        env!("CARGO_PKG_VERSION"),
        "\r\n"
    ));
    for (name, value) in &request.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    if let Some(content_type) = request.content_type {
        let _ = write!(head, "Content-Type: {content_type}\r\n");
    }
    if !request.body.is_empty() {
        let _ = write!(head, "Content-Length: {}\r\n", request.body.len());
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// What the API answered: its status and header fields (names as sent,
/// values as bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The header fields, in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Answer {
    /// The first value of header `name` (any case), when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        std::str::from_utf8(value).ok()
    }
}

/// Reads one answer: its head (within the limits above), then up to 64 KiB
/// of the body its `Content-Length` announces, which is dropped.
pub fn read_answer(socket: impl Read) -> io::Result<Answer> {
    let mut reader = BufReader::new(socket.take(MAX_HEAD as u64));
    let mut line = Vec::new();
    let status_line = read_line(&mut reader, &mut line)?;
    let status = parse_status(status_line).ok_or_else(|| {
        invalid(format!(
            "not an HTTP status line: {:?}",
            String::from_utf8_lossy(status_line)
        ))
    })?;
    let mut headers = Vec::new();
    loop {
        let field = read_line(&mut reader, &mut line)?;
        if field.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(invalid(format!(
                "the answer has more than {MAX_HEADERS} header fields"
            )));
        }
        let colon = field
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| invalid("a header field without a colon".to_string()))?;
        let name = String::from_utf8_lossy(&field[..colon]).trim().to_string();
        let value = field[colon + 1..].trim_ascii().to_vec();
        headers.push((name, value));
    }
    let answer = Answer { status, headers };
    let length = answer
        .header("content-length")
        .and_then(|l| l.trim().parse::<u64>().ok())
        .unwrap_or(0);
    // The head's limit no longer applies to the body, part of which may
    // already be in the reader's buffer.
    let want = length.min(MAX_BODY);
    let buffered = reader.buffer().len() as u64;
    reader.get_mut().set_limit(want.saturating_sub(buffered));
    io::copy(&mut reader.take(want), &mut io::sink())?;
    Ok(answer)
}

/// One line of the head, without its CRLF (or bare LF); an error when the
/// connection ends first or the head passes [`MAX_HEAD`] bytes.
fn read_line<'l>(reader: &mut impl BufRead, line: &'l mut Vec<u8>) -> io::Result<&'l [u8]> {
    line.clear();
    reader.read_until(b'\n', line)?;
    match line.strip_suffix(b"\n") {
        Some(text) => Ok(text.strip_suffix(b"\r").unwrap_or(text)),
        None if line.is_empty() => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed before an answer",
        )),
        None => Err(invalid(format!(
            "the answer's head is cut short or longer than {MAX_HEAD} bytes"
        ))),
    }
}

/// `HTTP/1.x NNN reason` to `NNN`.
fn parse_status(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    let ends = matches!(rest.get(5), None | Some(b' '));
    if rest.get(1) != Some(&b' ') || !code.iter().all(u8::is_ascii_digit) || !ends {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::api;

    type Fields<'a> = &'a [(&'a str, &'a [u8])];

    fn check(bytes: &[u8], expected: Result<(u16, Fields), &str>) {
        let got = read_answer(bytes);
        match (got, expected) {
            (Ok(answer), Ok((status, headers))) => {
                assert_eq!(answer.status, status);
                let headers: Vec<(String, Vec<u8>)> = headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_vec()))
                    .collect();
                assert_eq!(answer.headers, headers);
            }
            (Err(e), Err(message)) => {
                assert!(e.to_string().contains(message), "{e}");
            }
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn answers_are_read_within_limits() {
        check(
            b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}",
            Ok((202, &[("Content-Length", b"16")])),
        );
        check(b"HTTP/1.0 413 Too Large\n\n", Ok((413, &[])));
        // A field that is not UTF-8 is kept, not fatal.
        check(
            b"HTTP/1.1 202 OK\r\nX-Odd: \xff\xfe\r\n\r\n",
            Ok((202, &[("X-Odd", b"\xff\xfe")])),
        );
        check(b"", Err("closed before an answer"));
        check(b"SSH-2.0-OpenSSH\r\n\r\n", Err("not an HTTP status line"));
        check(b"HTTP/1.1 2020 OK\r\n\r\n", Err("not an HTTP status line"));
        check(
            b"HTTP/1.1 202 OK\r\nnocolon\r\n\r\n",
            Err("without a colon"),
        );
        check(b"HTTP/1.1 202 OK\r\nA: b", Err("cut short"));
        let long = format!("HTTP/1.1 202 OK\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        check(long.as_bytes(), Err("longer than 16383 bytes"));
        let endless = format!("HTTP/1.1 202 OK\r\n{}", "X: a\r\n".repeat(MAX_HEADERS + 1));
        check(endless.as_bytes(), Err("more than 128 header fields"));
        let many = format!("HTTP/1.1 202 OK\r\n{}\r\n", "X: a\r\n".repeat(MAX_HEADERS));
        assert_eq!(
            read_answer(many.as_bytes()).unwrap().headers.len(),
            MAX_HEADERS
        );
    }

    #[test]
    fn the_body_is_read_past_the_heads_limit() {
        let body = "b".repeat(MAX_HEAD + 10);
        let answer = format!(
            "HTTP/1.1 500 Oops\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut reader = answer.as_bytes();
        assert_eq!(read_answer(&mut reader).unwrap().status, 500);
        assert!(reader.is_empty(), "{} bytes left", reader.len());
    }

    #[test]
    fn the_head_is_one_request_with_the_prefix_and_host() {
        let request = api::streaming_response("r 1", None, "text/plain");
        let head = String::from_utf8(request_head(&request, "127.0.0.1:9001", "/.rt")).unwrap();
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
}
