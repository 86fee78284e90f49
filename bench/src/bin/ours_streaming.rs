//! Ours for the streaming comparison: `bootstrap`'s own runtime,
//! `lambda_bootstrap::run` as `src/main.rs` calls it, with a table of one
//! streaming handler that writes the generator's pieces, as a user's
//! handler would write into its `ResponseStream`.

use std::process::ExitCode;

use lambda_bootstrap::{Context, Entry, HandlerError, ResponseStream, streaming};
use lambda_bootstrap_bench::{CONTENT_TYPE, STREAM_HANDLER, pieces, requested_bytes};
use serde_json::Value;

static TABLE: &[Entry] = &[Entry::new(STREAM_HANDLER, streaming!(stream))];

/// `{"bytes": N}`: N bytes of the generator, piece by piece.
fn stream(event: Value, _ctx: &Context, out: &mut dyn ResponseStream) -> Result<(), HandlerError> {
    let bytes = requested_bytes(&event).map_err(|e| HandlerError::new("InvalidEvent", e))?;
    out.set_content_type(CONTENT_TYPE)?;
    for piece in pieces(bytes) {
        out.write_all(piece)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    lambda_bootstrap::run(TABLE)
}
