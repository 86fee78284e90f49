//! The TCP connection to the Runtime API, as ureq's transport: it decides
//! how bytes meet the socket, never what they say.
//!
//! Built on ureq's `unversioned` transport traits, which ureq keeps outside
//! semver: Cargo.toml pins ureq exactly for it. It stays because it is
//! measurably cheaper than ureq's own transport, in time and CPU per
//! invocation (BENCHMARKS.md, "The transport, A/B").
//!
//! ureq's own TCP transport sends a request's head and body in two writes,
//! waking the API side twice per answer, and checks a pooled connection
//! before and after each request by switching the socket to non-blocking,
//! reading, and switching back: three system calls per check, four checks
//! per invocation. Here:
//! - a request leaves in one write, when ureq first waits for the answer
//!   (or earlier, once a whole buffer of it is waiting: a 6 MB answer is not
//!   copied aside);
//! - the socket stays non-blocking from a check until the next read needs it
//!   blocking, so back-to-back checks cost one `recv` each. Every check ureq
//!   asks for is still made, with the same verdicts.
//!
//! There are no timeouts here, because the client sets none (`/next` is a
//! long poll across freezes of any length).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// Opens connections for the client's agent, with buffers that grow to
/// the agent's input and output buffer sizes at most. (A response head is
/// bounded by ureq itself, `max_response_header_size`, as it reads it.)
#[derive(Debug)]
pub struct RuntimeConnector;

impl Connector for RuntimeConnector {
    type Out = Connection<TcpStream>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let mut last = None;
        for addr in &details.addrs {
            match TcpStream::connect(addr) {
                Ok(stream) => {
                    // Both sides of each exchange are written whole: Nagle
                    // would only hold the last segment back.
                    stream.set_nodelay(true)?;
                    let config = details.config;
                    return Ok(Some(Connection::new(
                        stream,
                        config.input_buffer_size(),
                        config.output_buffer_size(),
                    )));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(ureq::Error::Io(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "no address to connect to")
        })))
    }
}

/// What the transport needs of a socket beyond reading and writing; a trait
/// so that the unit tests can watch every call.
pub trait Socket: Read + Write + fmt::Debug + Send + Sync + 'static {
    /// `TcpStream::set_nonblocking`.
    fn set_nonblocking(&self, on: bool) -> io::Result<()>;
    /// `TcpStream::peek`.
    fn peek(&self, buf: &mut [u8]) -> io::Result<usize>;
}

impl Socket for TcpStream {
    fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        TcpStream::set_nonblocking(self, on)
    }
    fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        TcpStream::peek(self, buf)
    }
}

/// One connection: the socket, and the buffers ureq reads and writes in.
#[derive(Debug)]
pub struct Connection<S> {
    socket: S,
    nonblocking: bool,
    buffers: Coalescing,
}

impl<S: Socket> Connection<S> {
    /// Wraps a connected, blocking socket, with buffers of at most
    /// `input_size` and `output_size` bytes.
    pub fn new(socket: S, input_size: usize, output_size: usize) -> Connection<S> {
        Connection {
            socket,
            nonblocking: false,
            buffers: Coalescing::new(input_size, output_size),
        }
    }

    fn blocking(&mut self) -> io::Result<()> {
        if self.nonblocking {
            self.socket.set_nonblocking(false)?;
            self.nonblocking = false;
        }
        Ok(())
    }

    /// Writes what is waiting. A check may have left the socket
    /// non-blocking: a request that fits the socket's buffer goes out
    /// without switching back, and one that does not waits for room.
    fn flush(&mut self) -> io::Result<()> {
        let mut sent = 0;
        while sent < self.buffers.waiting {
            match self
                .socket
                .write(&self.buffers.output[sent..self.buffers.waiting])
            {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.blocking()?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.buffers.waiting = 0;
        Ok(())
    }
}

impl<S: Socket> Transport for Connection<S> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
        if self.buffers.wrote(amount) {
            self.flush()?;
        }
        Ok(())
    }

    fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
        self.flush()?;
        self.blocking()?;
        let buf = self.buffers.input_append_buf();
        let n = loop {
            match self.socket.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => break result?,
            }
        };
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    /// Open means nothing waiting to be read, and no end of stream: ureq's
    /// verdicts (bytes nobody asked for, or a close, retire the connection).
    fn is_open(&mut self) -> bool {
        if !self.nonblocking {
            if self.socket.set_nonblocking(true).is_err() {
                return false;
            }
            self.nonblocking = true;
        }
        matches!(self.socket.peek(&mut [0]), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// ureq's input and output buffers. In the output, ureq writes each piece
/// (head, body chunk) after the pieces still waiting, so that they leave
/// together.
///
/// Each side has a window that starts at a page: that holds any request
/// head the runtime sends and the head and body of most Runtime API
/// answers, so start-up touches one page of each (ureq's own buffers are
/// zeroed whole, four pages each at 16 KiB). A window doubles each time a
/// read or a piece fills it, up to its side's size, so that a big event
/// comes in, and a big answer goes out, in big reads and writes. A body
/// piece goes in the rest of the window while a quarter of it is left, so
/// a small answer's body stays in the page its head is in (a piece always
/// a whole window past the waiting ones grew the buffer to 8 KiB on the
/// first answer); a head's piece is always a whole window, so that any
/// header line up to a window fits, as before.
struct Coalescing {
    /// Read and not yet consumed: `input[start..end]`.
    input: Vec<u8>,
    start: usize,
    end: usize,
    in_window: usize,
    /// The input window's limit: the largest read.
    in_size: usize,
    /// Whether ureq's last look at the input made progress (ureq's rule:
    /// otherwise what is there is not enough, and more must be read).
    progress: bool,
    /// Waiting bytes, then the window ureq writes the next piece in.
    output: Vec<u8>,
    waiting: usize,
    out_window: usize,
    /// The length of the last piece handed to ureq: one it fills grows the
    /// window.
    offered: usize,
    /// What may wait before it is written, and the output window's limit.
    out_size: usize,
}

impl fmt::Debug for Coalescing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coalescing")
            .field("unread", &(self.end - self.start))
            .field("waiting", &self.waiting)
            .finish()
    }
}

/// The first window of each side.
const FIRST_WINDOW: usize = 4096;

/// Makes `buffer` at least `len` bytes long. The first allocation asks for
/// zeroed memory (`vec![0; len]`, a `calloc`), which the system allocator
/// can hand out from fresh pages without writing to them.
fn grow(buffer: &mut Vec<u8>, len: usize) {
    if buffer.is_empty() {
        *buffer = vec![0; len];
    } else if buffer.len() < len {
        buffer.resize(len, 0);
    }
}

fn doubled(window: usize, size: usize) -> usize {
    (2 * window).min(size)
}

impl Coalescing {
    fn new(in_size: usize, out_size: usize) -> Coalescing {
        Coalescing {
            input: Vec::new(),
            start: 0,
            end: 0,
            in_window: FIRST_WINDOW.min(in_size),
            in_size,
            progress: false,
            output: Vec::new(),
            waiting: 0,
            out_window: FIRST_WINDOW.min(out_size),
            offered: 0,
            out_size,
        }
    }

    /// Where ureq writes a request head's next lines: a whole window past
    /// what is waiting. ureq fails a line that does not fit its piece, so
    /// any line up to a window fits.
    fn head_piece(&mut self) -> &mut [u8] {
        self.piece(self.waiting + self.out_window)
    }

    /// Where ureq writes the next piece of a body, which it cuts anywhere:
    /// the rest of the window while a quarter of it is left (so a small
    /// answer's body joins its head in the first page), else a whole
    /// window.
    fn body_piece(&mut self) -> &mut [u8] {
        let rest = self.out_window.saturating_sub(self.waiting);
        if rest >= self.out_window / 4 {
            self.piece(self.out_window)
        } else {
            self.piece(self.waiting + self.out_window)
        }
    }

    fn piece(&mut self, end: usize) -> &mut [u8] {
        grow(&mut self.output, end);
        self.offered = end - self.waiting;
        &mut self.output[self.waiting..end]
    }

    /// Counts `amount` more bytes written in the piece as waiting; true
    /// when enough wait to be worth a write.
    fn wrote(&mut self, amount: usize) -> bool {
        if amount == self.offered {
            self.out_window = doubled(self.out_window, self.out_size);
        }
        self.waiting += amount;
        self.waiting >= self.out_size
    }

    /// The free input space after moving what is unconsumed to the front:
    /// at least `at_least` bytes, and up to the window.
    fn free_input(&mut self, at_least: usize) -> &mut [u8] {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.start > 0 {
            self.input.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        // A head that fills the window (a big client context) gets more
        // room, up to `in_size`; ureq calls it too big past its own limit,
        // which the client sets below `in_size`. (It can be past the window
        // when a request body made the buffer bigger.)
        while self.end >= self.in_window && self.in_window < self.in_size {
            self.in_window = doubled(self.in_window, self.in_size);
        }
        let len = (self.end + at_least).max(self.in_window);
        grow(&mut self.input, len);
        &mut self.input[self.end..]
    }
}

impl Buffers for Coalescing {
    fn output(&mut self) -> &mut [u8] {
        self.head_piece()
    }

    fn input(&self) -> &[u8] {
        &self.input[self.start..self.end]
    }

    fn input_append_buf(&mut self) -> &mut [u8] {
        let window = self.in_window;
        let free = self.free_input(0);
        let len = free.len().min(window);
        &mut free[..len]
    }

    fn input_appended(&mut self, amount: usize) {
        if amount == self.in_window {
            self.in_window = doubled(self.in_window, self.in_size);
        }
        self.end += amount;
        assert!(self.end <= self.input.len());
    }

    fn input_consume(&mut self, amount: usize) {
        self.progress = amount > 0;
        self.start += amount;
        assert!(self.start <= self.end);
    }

    /// ureq reads a request body into the input's free space (`tmp`) and
    /// frames it into the output: room for the body's next piece on both.
    fn tmp_and_output(&mut self) -> (&mut [u8], &mut [u8]) {
        let piece = self.body_piece().len();
        let start = self.waiting;
        self.free_input(piece);
        (
            &mut self.input[self.end..],
            &mut self.output[start..start + piece],
        )
    }

    fn can_use_input(&self) -> bool {
        self.start < self.end && self.progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// A socket that records each call and plays back scripted reads.
    #[derive(Debug, Default)]
    struct Script {
        calls: Mutex<Vec<String>>,
        reads: VecDeque<&'static [u8]>,
        /// Bytes a non-blocking write takes before saying WouldBlock.
        room: Option<usize>,
        nonblocking: Mutex<bool>,
    }

    impl Script {
        fn log(&self, call: String) {
            self.calls.lock().unwrap().push(call);
        }
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let data = self.reads.pop_front().unwrap_or(b"");
            self.log(format!("read {}", data.len()));
            buf[..data.len()].copy_from_slice(data);
            Ok(data.len())
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = match self.room {
                Some(room) if *self.nonblocking.lock().unwrap() => {
                    if room == 0 {
                        self.log("write would block".into());
                        return Err(io::ErrorKind::WouldBlock.into());
                    }
                    self.room = Some(0);
                    room.min(buf.len())
                }
                _ => buf.len(),
            };
            self.log(format!("write {:?}", String::from_utf8_lossy(&buf[..n])));
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Socket for Script {
        fn set_nonblocking(&self, on: bool) -> io::Result<()> {
            *self.nonblocking.lock().unwrap() = on;
            self.log(format!("nonblocking {on}"));
            Ok(())
        }
        fn peek(&self, _: &mut [u8]) -> io::Result<usize> {
            self.log("peek".into());
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    fn send(conn: &mut Connection<Script>, piece: &str) {
        conn.buffers().output()[..piece.len()].copy_from_slice(piece.as_bytes());
        conn.transmit_output(piece.len(), NextTimeout::default())
            .unwrap();
    }

    /// Writes `body` as ureq does: in the body's pieces, as much of it as
    /// each holds.
    fn send_body(conn: &mut Connection<Script>, mut body: &str) {
        while !body.is_empty() {
            let (_, output) = conn.buffers().tmp_and_output();
            let n = output.len().min(body.len());
            output[..n].copy_from_slice(&body.as_bytes()[..n]);
            conn.transmit_output(n, NextTimeout::default()).unwrap();
            body = &body[n..];
        }
    }

    fn calls(conn: &Connection<Script>) -> Vec<String> {
        std::mem::take(&mut *conn.socket.calls.lock().unwrap())
    }

    #[test]
    fn head_and_body_leave_in_one_write_when_the_answer_is_awaited() {
        let mut conn = Connection::new(Script::default(), 64, 64);
        conn.socket.reads.push_back(b"HTTP/1.1 202 Accepted\r\n");
        send(&mut conn, "POST /r HTTP/1.1\r\n\r\n");
        send(&mut conn, "{\"a\":1}");
        assert_eq!(calls(&conn), Vec::<String>::new(), "nothing written yet");

        assert!(conn.await_input(NextTimeout::default()).unwrap());
        assert_eq!(
            calls(&conn),
            [
                "write \"POST /r HTTP/1.1\\r\\n\\r\\n{\\\"a\\\":1}\"",
                "read 23"
            ]
        );
        assert_eq!(conn.buffers().input(), b"HTTP/1.1 202 Accepted\r\n");
    }

    #[test]
    fn a_body_bigger_than_the_buffer_goes_out_a_buffer_at_a_time() {
        let mut conn = Connection::new(Script::default(), 8, 8);
        send(&mut conn, "head");
        send_body(&mut conn, "12345678abcdefghxy");
        assert_eq!(calls(&conn), ["write \"head1234\"", "write \"5678abcd\""]);
        conn.await_input(NextTimeout::default()).unwrap();
        assert_eq!(calls(&conn), ["write \"efghxy\"", "read 0"]);
    }

    #[test]
    fn a_small_body_joins_its_head_in_the_first_page() {
        let mut conn = Connection::new(Script::default(), 16384, 16384);
        send(&mut conn, &"h".repeat(300));
        send_body(&mut conn, &"b".repeat(3000));
        conn.await_input(NextTimeout::default()).unwrap();
        assert_eq!(calls(&conn).len(), 2, "one write, one read");
        assert_eq!(
            conn.buffers.output.len(),
            FIRST_WINDOW,
            "the buffer never grew"
        );
    }

    #[test]
    fn a_head_line_gets_a_whole_window_whatever_is_waiting() {
        // ureq writes a head line by line and fails a line that does not
        // fit its piece: after 3000 bytes of lines, a 4000-byte line must
        // still fit.
        let mut conn = Connection::new(Script::default(), 16384, 16384);
        send(&mut conn, &"h".repeat(3000));
        assert_eq!(conn.buffers().output().len(), FIRST_WINDOW);
        send(&mut conn, &"l".repeat(4000));
        conn.await_input(NextTimeout::default()).unwrap();
        assert_eq!(calls(&conn)[0].len(), "write \"\"".len() + 7000);
    }

    #[test]
    fn the_window_starts_at_a_page_and_doubles_while_body_chunks_fill_it() {
        let size = 4 * FIRST_WINDOW;
        let mut conn = Connection::new(Script::default(), size, size);
        let mut windows = vec![];
        send(&mut conn, "head");
        for _ in 0..4 {
            let window = conn.buffers().tmp_and_output().1.len();
            windows.push(window);
            send_body(&mut conn, &"b".repeat(window));
        }
        // The head took 4 bytes of the first window; each write is a whole
        // buffer.
        assert_eq!(windows, [4092, 4096, 8192, 16384]);
        let writes: Vec<usize> = calls(&conn)
            .iter()
            .map(|call| call.len() - "write \"\"".len())
            .collect();
        assert_eq!(writes, [size, size]);
        assert!(conn.buffers.output.len() < 2 * size);
    }

    #[test]
    fn the_input_window_grows_with_reads_that_fill_it_up_to_the_buffer_size() {
        let size = 4 * FIRST_WINDOW;
        let mut buffers = Coalescing::new(size, size);
        let mut reads = vec![];
        for _ in 0..4 {
            let n = buffers.input_append_buf().len();
            reads.push(n);
            buffers.input_appended(n);
            buffers.input_consume(n);
        }
        assert_eq!(reads, [4096, 8192, 16384, 16384]);

        // A head that never completes gets room up to `size`, no further
        // (ureq then calls it too big).
        let mut buffers = Coalescing::new(size, size);
        loop {
            let n = buffers.input_append_buf().len();
            if n == 0 {
                break;
            }
            buffers.input_appended(n);
            buffers.input_consume(0);
        }
        assert_eq!(buffers.input().len(), size);
        assert_eq!(buffers.input.len(), size);
    }

    #[test]
    fn a_big_head_after_a_big_answer_still_gets_room_up_to_the_buffer_size() {
        let size = 4 * FIRST_WINDOW;
        let mut buffers = Coalescing::new(size, size);
        // An answer's body chunks grew the output window to 8 KiB; framing
        // the next one asked the input for that much room.
        buffers.out_window = 2 * FIRST_WINDOW;
        buffers.tmp_and_output();
        // Then a head arrives in reads that never fill a window.
        loop {
            let n = buffers.input_append_buf().len().min(3000);
            if n == 0 {
                break;
            }
            buffers.input_appended(n);
            buffers.input_consume(0);
        }
        assert_eq!(buffers.input().len(), size);
    }

    #[test]
    fn checks_leave_the_socket_non_blocking_until_a_read() {
        let mut conn = Connection::new(Script::default(), 64, 64);
        assert!(conn.is_open());
        assert!(conn.is_open());
        send(&mut conn, "GET /next HTTP/1.1\r\n\r\n");
        conn.await_input(NextTimeout::default()).unwrap();
        assert!(conn.is_open());
        assert_eq!(
            calls(&conn),
            [
                "nonblocking true",
                "peek",
                "peek",
                "write \"GET /next HTTP/1.1\\r\\n\\r\\n\"",
                "nonblocking false",
                "read 0",
                "nonblocking true",
                "peek",
            ]
        );
    }

    #[test]
    fn a_write_with_no_room_waits_for_it_in_blocking_mode() {
        let script = Script {
            room: Some(3),
            ..Script::default()
        };
        let mut conn = Connection::new(script, 64, 64);
        assert!(conn.is_open());
        send(&mut conn, "abcdef");
        conn.await_input(NextTimeout::default()).unwrap();
        assert_eq!(
            calls(&conn),
            [
                "nonblocking true",
                "peek",
                "write \"abc\"",
                "write would block",
                "nonblocking false",
                "write \"def\"",
                "read 0",
            ]
        );
    }

    #[test]
    fn what_a_check_sees_decides_whether_the_connection_is_reused() {
        // Real sockets: a fresh connection is open; one with bytes nobody
        // asked for, or one the peer closed, is not.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut conn = Connection::new(TcpStream::connect(addr).unwrap(), 64, 64);
        let (mut peer, _) = listener.accept().unwrap();
        assert!(conn.is_open());

        peer.write_all(b"x").unwrap();
        // Wait for the byte without sleeping: a blocking peek.
        conn.socket.set_nonblocking(false).unwrap();
        conn.socket.peek(&mut [0]).unwrap();
        conn.nonblocking = false;
        assert!(!conn.is_open(), "unasked-for bytes");

        let mut conn = Connection::new(TcpStream::connect(addr).unwrap(), 64, 64);
        drop(listener.accept().unwrap());
        conn.socket.peek(&mut [0]).unwrap(); // blocks until the close arrives
        assert!(!conn.is_open(), "closed by the peer");
    }
}
