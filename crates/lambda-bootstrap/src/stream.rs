//! What a streaming handler writes into: a [`ResponseStream`], any
//! `std::io::Write` user code works with (`write!`, `serde_json::to_writer`,
//! `io::copy` from a file), plus the answer's content type.
//!
//! The runtime implements it towards the Runtime API, `bootstrap invoke`
//! towards standard output; handlers see only this trait, never HTTP.
//!
//! ```
//! use std::io::Write;
//!
//! use lambda_bootstrap::{Context, HandlerError, ResponseStream};
//! use serde_json::Value;
//!
//! pub fn handle(_event: Value, _ctx: &Context, out: &mut dyn ResponseStream) -> Result<(), HandlerError> {
//!     out.set_content_type("text/plain; charset=utf-8")?;
//!     for i in 1..=3 {
//!         writeln!(out, "line {i}")?;
//!         out.flush()?; // on its way to the caller now
//!     }
//!     Ok(())
//! }
//! ```
//!
//! What is written is buffered (16 KiB before the first bytes leave, up to
//! 256 KiB later in a long stream) and leaves when the buffer is full or
//! the handler calls `flush`; it is never all held in memory. One rule
//! decides the rest: **the answer's head (status, content type) leaves
//! with its first bytes.** So:
//! - the content type can be set until the first byte is written, and not
//!   after (the caller may have the head already);
//! - a `flush` before any byte is written sends nothing;
//! - a failure before any byte went out (none written, or all still
//!   buffered) is an ordinary error answer, exactly as for a buffered
//!   handler; after that, what went out stays out, and the caller's stream
//!   ends with the error in its trailers.

use std::io;

/// The most bytes one streamed answer may carry: Lambda's limit (200 MB,
/// counted as MiB like its 6 MB). A write past it fails with an
/// `io::Error`, and the stream ends with an error.
pub const MAX_STREAM_BYTES: u64 = 200 * 1024 * 1024;

/// The content type a stream has unless the handler sets one.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Where a streaming handler writes its answer.
pub trait ResponseStream: io::Write {
    /// Sets the answer's `Content-Type` (default
    /// [`DEFAULT_CONTENT_TYPE`]). Only before the first byte is written
    /// (a `flush` before then sends nothing and changes nothing): after
    /// that it is an error, since the head leaves with the first bytes.
    fn set_content_type(&mut self, content_type: &str) -> io::Result<()>;

    /// Bytes written so far.
    fn written(&self) -> u64;
}
