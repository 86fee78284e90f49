//! HTTP/1.1 framing over blocking std I/O, for the driver's servers (the
//! fake Runtime API, moto's keep-alive front) and the trivial writer: a
//! line, the header (or trailer) fields up to the empty line, a chunked
//! body (RFC 9112, section 7.1) read as a streamed answer arrives, and a
//! vectored write of a whole message. A chunked body's data is handed on
//! straight from the read buffer, never gathered, so a 100 MB body costs
//! no memory and no copy. Pure over `BufRead` and `Write`; callers
//! timestamp and judge what they read.

use std::io::{self, BufRead, IoSlice, Read, Write};

/// A line longer than this is not from a Lambda runtime, nor from moto.
const MAX_LINE: usize = 16 * 1024;

/// The largest chunk this reader takes: 2^40 bytes, far beyond Lambda's
/// 200 MB limit on a whole stream, and short of overflow.
const MAX_CHUNK_HEX_DIGITS: usize = 10;

/// Trailer fields, (name, value), in the order they came.
pub type Trailers = Vec<(String, String)>;

/// Reads one chunked body: calls `data` with each run of body bytes in
/// order, and returns the trailer fields (name, value) after the last
/// chunk. `line` is scratch space kept by the caller.
pub fn read_chunked(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    mut data: impl FnMut(&[u8]),
) -> io::Result<Trailers> {
    loop {
        let size = chunk_size(reader, line)?;
        if size == 0 {
            break;
        }
        let mut left = size;
        while left > 0 {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let take = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            data(&buf[..take]);
            reader.consume(take);
            left -= take as u64;
        }
        if !read_line(reader, line)? {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line != b"\r\n" {
            return Err(invalid(format!(
                "chunk of {size} bytes not followed by CRLF: '{}'",
                shown(line)
            )));
        }
    }
    let mut trailers = Vec::new();
    read_fields(reader, line, |text| {
        let Some((name, value)) = text.split_once(':') else {
            return Err(invalid(format!("trailer without a colon: '{text}'")));
        };
        trailers.push((name.trim().to_string(), value.trim().to_string()));
        Ok(())
    })?;
    Ok(trailers)
}

/// A chunk-size line: hex digits, then optional extensions after ';'.
fn chunk_size(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<u64> {
    if !read_line(reader, line)? {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches(['\r', '\n']);
    let digits = text.split(';').next().unwrap_or("").trim_end();
    if digits.is_empty()
        || digits.len() > MAX_CHUNK_HEX_DIGITS
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(invalid(format!("bad chunk size line '{text}'")));
    }
    u64::from_str_radix(digits, 16).map_err(|_| invalid(format!("bad chunk size '{digits}'")))
}

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

fn shown(line: &[u8]) -> String {
    String::from_utf8_lossy(&line[..line.len().min(40)])
        .escape_debug()
        .to_string()
}

/// Reads the request line into `line`; false at the end of the stream.
pub fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    let read = reader.take(MAX_LINE as u64).read_until(b'\n', line)?;
    if read == 0 {
        return Ok(false);
    }
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "request line too long or cut off",
        ));
    }
    Ok(true)
}

/// Reads header (or trailer) lines up to the empty line that ends them,
/// handing each to `field` with its line end trimmed; the input ending
/// before that empty line is an error. `line` is scratch space.
pub fn read_fields(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    mut field: impl FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    loop {
        if !read_line(reader, line)? {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        if text.is_empty() {
            return Ok(());
        }
        field(text)?;
    }
}

/// `write_all` for several buffers in as few system calls as the kernel
/// takes them: the head and a large event go out together, so the runtime
/// is not woken for the head alone.
pub fn write_all_vectored(writer: &mut impl Write, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !bufs.is_empty() {
        match writer.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut bufs, written),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// Reads `body` through a buffer of `capacity` bytes; returns the data,
    /// how many pieces it came in, the trailers and what is left unread.
    fn check(body: &str, capacity: usize) -> io::Result<(String, usize, Trailers, String)> {
        let mut reader = BufReader::with_capacity(capacity, body.as_bytes());
        let (mut data, mut pieces) = (Vec::new(), 0);
        let trailers = read_chunked(&mut reader, &mut Vec::new(), |piece| {
            data.extend_from_slice(piece);
            pieces += 1;
        })?;
        let mut rest = String::new();
        io::Read::read_to_string(&mut reader, &mut rest)?;
        Ok((String::from_utf8(data).unwrap(), pieces, trailers, rest))
    }

    #[test]
    fn reads_chunks_split_anywhere_and_stops_at_the_body_end() {
        let body = "5\r\nhello\r\n1;ext=1\r\n,\r\nB\r\n 0123456789\r\n0\r\n\r\nGET /next";
        for capacity in [1, 2, 7, 64 * 1024] {
            let (data, pieces, trailers, rest) = check(body, capacity).unwrap();
            assert_eq!(data, "hello, 0123456789", "capacity {capacity}");
            assert!(trailers.is_empty());
            assert_eq!(rest, "GET /next");
            assert!(pieces >= 3);
        }
        assert_eq!(check("0\r\n\r\n", 8).unwrap().0, "");
    }

    #[test]
    fn returns_the_trailers() {
        let body = "3\r\nabc\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.Boom\r\n\
                    Lambda-Runtime-Function-Error-Body: e30=\r\n\r\n";
        let (data, _, trailers, _) = check(body, 4).unwrap();
        assert_eq!(data, "abc");
        assert_eq!(
            trailers,
            [
                (
                    "Lambda-Runtime-Function-Error-Type".into(),
                    "Function.Boom".into()
                ),
                ("Lambda-Runtime-Function-Error-Body".into(), "e30=".into())
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_chunked() {
        for (body, why) in [
            ("x\r\nabc\r\n0\r\n\r\n", "bad chunk size line 'x'"),
            ("\r\n", "bad chunk size line ''"),
            ("fffffffffff\r\n", "bad chunk size line 'fffffffffff'"),
            (
                "3\r\nabcd\r\n0\r\n\r\n",
                "chunk of 3 bytes not followed by CRLF: 'd\\r\\n'",
            ),
            (
                "0\r\nno colon\r\n\r\n",
                "trailer without a colon: 'no colon'",
            ),
        ] {
            let err = check(body, 16).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{body:?}");
            assert!(err.to_string().contains(why), "{err}");
        }
        for cut in ["5\r\nhel", "5\r\nhello\r\n", "0\r\n", ""] {
            let err = check(cut, 16).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{cut:?}");
        }
    }

    #[test]
    fn vectored_writes_put_every_byte_out_in_order() {
        let mut out = Vec::new();
        let big = vec![7u8; 100_000];
        write_all_vectored(&mut out, &mut [IoSlice::new(b"head"), IoSlice::new(&big)]).unwrap();
        assert_eq!(out.len(), 100_004);
        assert_eq!(&out[..5], b"head\x07");
    }
}
