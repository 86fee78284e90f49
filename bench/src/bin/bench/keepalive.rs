//! A keep-alive front for moto: moto's server (werkzeug) answers every
//! request with `Connection: close`, where DynamoDB keeps a client's
//! connection open for the next request. The runtimes of the orders
//! comparison reach moto through this front, which keeps their connections
//! open as AWS would and forwards each request to moto on a connection of
//! its own, on the driver's CPU. Without it every `PutItem` would open a
//! connection, and a warm invocation would not be one. It forwards the
//! bytes as they are, but for the `Connection` header of each answer, and
//! refuses (502) what it cannot frame: a request or an answer without a
//! length.

use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

use crate::http1::{read_fields, read_line};

/// A running front.
pub struct KeepAlive {
    /// `http://127.0.0.1:PORT`, what the runtimes are given.
    pub url: String,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl KeepAlive {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> io::Result<KeepAlive> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = Arc::clone(&stop);
            thread::Builder::new().spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    // One thread per connection: a runtime keeps one or two.
                    if let Ok(client) = client {
                        let _ = thread::Builder::new()
                            .stack_size(128 * 1024)
                            .spawn(move || serve(client, upstream));
                    }
                }
            })?
        };
        Ok(KeepAlive {
            url: format!("http://{addr}"),
            addr,
            stop,
            acceptor: Some(acceptor),
        })
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocked accept so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Serves one client connection until it closes: each request to moto on
/// a fresh connection, each answer back on this one.
fn serve(client: TcpStream, upstream: SocketAddr) {
    let _ = client.set_nodelay(true);
    let mut reader = BufReader::new(&client);
    let mut writer = &client;
    let (mut line, mut header) = (Vec::new(), Vec::new());
    loop {
        match read_line(&mut reader, &mut line) {
            Ok(true) => {}
            Ok(false) | Err(_) => return,
        }
        let mut request = line.clone();
        let mut length = 0;
        let mut unframed = false;
        let head = read_fields(&mut reader, &mut header, |field| {
            let (name, value) = field.split_once(':').unwrap_or((field, ""));
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                unframed = true;
            }
            if !name.eq_ignore_ascii_case("connection") {
                request.extend_from_slice(field.as_bytes());
                request.extend_from_slice(b"\r\n");
            }
            Ok(())
        });
        if head.is_err() {
            return;
        }
        if unframed {
            let _ = writer.write_all(&refusal("a chunked request"));
            return;
        }
        request.extend_from_slice(b"Connection: close\r\n\r\n");
        let start = request.len();
        request.resize(start + length, 0);
        if reader.read_exact(&mut request[start..]).is_err() {
            return;
        }
        let answer = forward(upstream, &request).unwrap_or_else(|e| refusal(&e.to_string()));
        if writer.write_all(&answer).is_err() {
            return;
        }
    }
}

/// Sends `request` to moto on a new connection and reads its answer to
/// the end (moto closes it); the answer without its `Connection` header,
/// so that HTTP/1.1's default, keep-alive, holds.
fn forward(upstream: SocketAddr, request: &[u8]) -> io::Result<Vec<u8>> {
    let mut moto = TcpStream::connect(upstream)?;
    let _ = moto.set_nodelay(true);
    moto.write_all(request)?;
    moto.shutdown(Shutdown::Write)?;
    let mut answer = Vec::new();
    moto.read_to_end(&mut answer)?;
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other("moto's answer has no end of head"))?;
    let (head, body) = answer.split_at(end + 4);
    let head = String::from_utf8_lossy(head);
    let mut kept = String::with_capacity(head.len());
    let mut framed = false;
    for line in head.split_inclusive("\r\n") {
        let name = line.split(':').next().unwrap_or("");
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        framed |= name.eq_ignore_ascii_case("content-length");
        kept.push_str(line);
    }
    if !framed {
        return Err(io::Error::other("moto answered without a Content-Length"));
    }
    let mut out = kept.into_bytes();
    out.extend_from_slice(body);
    Ok(out)
}

/// A 502 naming why, which the runtime reports as the put's failure (and
/// the run fails on the answer).
fn refusal(why: &str) -> Vec<u8> {
    let body = format!("{{\"__type\":\"BenchFront\",\"message\":\"the keep-alive front: {why}\"}}");
    format!(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/x-amz-json-1.0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    /// A server playing moto for `connections` connections: answers each
    /// with `answer` and closes it; returns what it was sent.
    fn moto_like(
        connections: usize,
        answer: &'static str,
    ) -> (SocketAddr, JoinHandle<Vec<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let mut seen = Vec::new();
            for _ in 0..connections {
                let (mut conn, _) = listener.accept().unwrap();
                let mut request = Vec::new();
                conn.read_to_end(&mut request).unwrap();
                conn.write_all(answer.as_bytes()).unwrap();
                seen.push(request);
            }
            seen
        });
        (addr, server)
    }

    #[test]
    fn two_requests_on_one_connection_reach_moto_on_two() {
        let (upstream, server) = moto_like(
            2,
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        );
        let front = KeepAlive::start(upstream).unwrap();
        let client = TcpStream::connect(front.addr).unwrap();
        let mut reader = BufReader::new(&client);
        for _ in 0..2 {
            (&client)
                .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                .unwrap();
            let mut head = String::new();
            while !head.ends_with("\r\n\r\n") {
                reader.read_line(&mut head).unwrap();
            }
            assert_eq!(head, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
            let mut body = [0; 2];
            reader.read_exact(&mut body).unwrap();
            assert_eq!(&body, b"{}");
        }
        let seen = server.join().unwrap();
        assert_eq!(
            seen[1],
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
        );
    }

    #[test]
    fn what_cannot_be_framed_is_refused_with_a_reason() {
        let answer = forward(
            moto_like(1, "HTTP/1.1 200 OK\r\n\r\n{}").0,
            b"GET / HTTP/1.1\r\n\r\n",
        )
        .unwrap_err();
        assert!(
            answer.to_string().contains("without a Content-Length"),
            "{answer}"
        );
        let refused = String::from_utf8(refusal("a chunked request")).unwrap();
        let (head, body) = refused.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 502"));
        assert!(head.ends_with(&format!("Content-Length: {}", body.len())));
        assert!(body.contains("a chunked request"));
    }
}
