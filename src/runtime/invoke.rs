//! Runs one handler on one raw event and turns every outcome into exactly
//! one answer: the JSON to post to `/response` (or, streaming, what the
//! handler wrote), or the `Diagnostic` for `/error`. Shared by the serving
//! loop and `bootstrap invoke`.

use std::panic::{self, AssertUnwindSafe};

use serde_json::Value;

use crate::context::Context;
use crate::handler::{BufferedFn, HandlerError, StreamingFn};
use crate::runtime::diagnostic::Diagnostic;
use crate::stream::ResponseStream;

/// Parses `event` as JSON, runs `handler` with panics caught, and serializes
/// its result. A bad event or a panic never escapes as anything but a
/// `Diagnostic`.
pub fn invoke(handler: BufferedFn, event: &[u8], context: &Context) -> Result<Vec<u8>, Diagnostic> {
    let value = run(event, |event| handler(event, context))?;
    Ok(serde_json::to_vec(&value).expect("a serde_json::Value always serializes"))
}

/// Parses `event` as JSON and runs a streaming `handler` into `out`, with
/// panics caught. What it wrote stays written; the `Diagnostic` says why it
/// stopped early.
pub fn invoke_streaming(
    handler: StreamingFn,
    event: &[u8],
    context: &Context,
    out: &mut dyn ResponseStream,
) -> Result<(), Diagnostic> {
    run(event, |event| handler(event, context, out))
}

/// The part both kinds share: the event parsed, the handler called with
/// its panics caught, its error turned into a `Diagnostic`.
fn run<T>(
    event: &[u8],
    call: impl FnOnce(Value) -> Result<T, HandlerError>,
) -> Result<T, Diagnostic> {
    let event = serde_json::from_slice(event).map_err(|e| {
        Diagnostic::runtime(
            "UnmarshalError",
            format!("could not parse the event as JSON: {e}"),
        )
    })?;
    log::trace!("event parsed, calling the handler");
    match panic::catch_unwind(AssertUnwindSafe(|| call(event))) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(Diagnostic::from(err)),
        Err(payload) => {
            let diagnostic = Diagnostic::panic(&*payload);
            // The payload is the handler's value: its `Drop` may panic in
            // turn, outside the catch above, and end the process unanswered.
            // Such a second payload is leaked, not dropped (std's advice).
            if let Err(again) = panic::catch_unwind(AssertUnwindSafe(|| drop(payload))) {
                std::mem::forget(again);
            }
            Err(diagnostic)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::FunctionInfo;
    use serde_json::json;
    use std::rc::Rc;

    fn echo(event: Value, _: &Context) -> Result<Value, HandlerError> {
        Ok(json!({ "got": event }))
    }

    fn fails(_: Value, _: &Context) -> Result<Value, HandlerError> {
        Err(HandlerError::new("InvalidEvent", "no Records"))
    }

    fn panics(_: Value, _: &Context) -> Result<Value, HandlerError> {
        panic!("handler bug {}", 7)
    }

    fn check(handler: BufferedFn, event: &[u8], expected: Result<Value, (&str, &str)>) {
        let ctx = Context::local("r", Rc::new(FunctionInfo::default()));
        let got = invoke(handler, event, &ctx)
            .map(|bytes| serde_json::from_slice::<Value>(&bytes).unwrap());
        match (got, expected) {
            (Ok(v), Ok(e)) => assert_eq!(v, e),
            (Err(d), Err((ty, msg))) => {
                assert_eq!(d.error_type(), ty);
                assert!(d.error_message().contains(msg), "{:?}", d.error_message());
            }
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    /// A panic payload whose own `Drop` panics.
    struct Grenade;

    impl Drop for Grenade {
        fn drop(&mut self) {
            panic!("payload drop");
        }
    }

    fn throws_grenade(_: Value, _: &Context) -> Result<Value, HandlerError> {
        std::panic::panic_any(Grenade)
    }

    #[test]
    fn a_payload_that_panics_on_drop_is_still_an_answer() {
        check(
            throws_grenade,
            b"{}",
            Err((
                "Runtime.HandlerPanic",
                "handler panicked with a non-string payload",
            )),
        );
    }

    #[test]
    fn outcomes() {
        check(echo, br#"{"a":1}"#, Ok(json!({"got": {"a": 1}})));
        check(fails, b"{}", Err(("InvalidEvent", "no Records")));
        check(
            panics,
            b"{}",
            Err(("Runtime.HandlerPanic", "handler bug 7")),
        );
        check(
            echo,
            b"{nope",
            Err(("Runtime.UnmarshalError", "could not parse")),
        );
        check(echo, b"", Err(("Runtime.UnmarshalError", "EOF")));
        check(
            echo,
            b"\"\xff\"",
            Err(("Runtime.UnmarshalError", "could not parse")),
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        check(
            echo,
            deep.as_bytes(),
            Err(("Runtime.UnmarshalError", "recursion limit")),
        );
    }
}
