//! Runs one handler on one raw event and turns every outcome into exactly
//! one answer: the JSON to post to `/response` (or, streaming, what the
//! handler wrote), or the `Diagnostic` for `/error`. Shared by the serving
//! loop and `bootstrap invoke`.
//!
//! Everything user code does runs inside one `catch_unwind`: the event's
//! `Deserialize`, the handler, the answer's `Serialize` and the drops of
//! both, so that a panic in any of them is an answer too.

use std::panic::{self, AssertUnwindSafe};

use crate::context::Context;
use crate::handler::{BufferedFn, Failure, StreamingFn};
use crate::runtime::diagnostic::Diagnostic;
use crate::stream::ResponseStream;

/// Runs `handler` on `event` (parsed into its type, its answer serialized)
/// with panics caught. A bad event or a panic never escapes as anything
/// but a `Diagnostic`.
pub fn invoke(handler: BufferedFn, event: &[u8], context: &Context) -> Result<Vec<u8>, Diagnostic> {
    run(|| handler(event, context))
}

/// Runs a streaming `handler` on `event` into `out`, with panics caught.
/// What it wrote stays written; the `Diagnostic` says why it stopped early.
pub fn invoke_streaming(
    handler: StreamingFn,
    event: &[u8],
    context: &Context,
    out: &mut dyn ResponseStream,
) -> Result<(), Diagnostic> {
    run(|| handler(event, context, out))
}

/// The part both kinds share: the call with its panics caught, its failure
/// turned into a `Diagnostic`.
fn run<T>(call: impl FnOnce() -> Result<T, Failure>) -> Result<T, Diagnostic> {
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(Failure::Unmarshal(message))) => Err(Diagnostic::runtime("UnmarshalError", message)),
        Ok(Err(Failure::Marshal(message))) => Err(Diagnostic::runtime("MarshalError", message)),
        Ok(Err(Failure::Handler(err))) => Err(Diagnostic::from(err)),
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
    use crate::buffered;
    use crate::context::FunctionInfo;
    use crate::handler::{Handler, HandlerError};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::{Value, json};
    use std::sync::Arc;

    fn echo(event: Value, _: &Context) -> Result<Value, HandlerError> {
        Ok(json!({ "got": event }))
    }

    fn fails(_: Value, _: &Context) -> Result<Value, HandlerError> {
        Err(HandlerError::new("InvalidEvent", "no Records"))
    }

    fn panics(_: Value, _: &Context) -> Result<Value, HandlerError> {
        panic!("handler bug {}", 7)
    }

    fn check(handler: Handler, event: &[u8], expected: Result<Value, (&str, &str)>) {
        let Handler::Buffered(handler) = handler else {
            panic!("a buffered handler")
        };
        let ctx = Context::local("r", Arc::new(FunctionInfo::default()));
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
            buffered!(throws_grenade),
            b"{}",
            Err((
                "Runtime.HandlerPanic",
                "handler panicked with a non-string payload",
            )),
        );
    }

    /// An event type whose `Deserialize` panics, and an answer type whose
    /// `Serialize` does: user code, run inside the same catch.
    struct Touchy;

    impl<'de> Deserialize<'de> for Touchy {
        fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Touchy, D::Error> {
            panic!("deserialize bug")
        }
    }

    impl Serialize for Touchy {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            panic!("serialize bug")
        }
    }

    fn takes_touchy(_: Touchy, _: &Context) -> Result<Value, HandlerError> {
        Ok(Value::Null)
    }

    fn gives_touchy(_: Value, _: &Context) -> Result<Touchy, HandlerError> {
        Ok(Touchy)
    }

    #[derive(Deserialize, Serialize)]
    struct Order {
        id: String,
        qty: u32,
    }

    fn order(order: Order, _: &Context) -> Result<Order, HandlerError> {
        Ok(order)
    }

    fn bad_keys(
        _: Value,
        _: &Context,
    ) -> Result<std::collections::BTreeMap<Vec<u8>, u8>, HandlerError> {
        Ok([(vec![1], 1)].into())
    }

    #[test]
    fn user_types_in_and_out() {
        check(
            buffered!(order),
            br#"{"id": "a", "qty": 2, "note": "skipped"}"#,
            Ok(json!({"id": "a", "qty": 2})),
        );
        check(
            buffered!(order),
            br#"{"id": "a", "qty": -2}"#,
            Err((
                "Runtime.UnmarshalError",
                "the event does not fit Order: qty: invalid value: integer `-2`, expected u32",
            )),
        );
        // An answer JSON cannot hold (a map with non-string keys).
        check(
            buffered!(bad_keys),
            b"{}",
            Err((
                "Runtime.MarshalError",
                "the handler's answer is not JSON: key must be a string",
            )),
        );
        check(
            buffered!(takes_touchy),
            b"{}",
            Err(("Runtime.HandlerPanic", "deserialize bug")),
        );
        check(
            buffered!(gives_touchy),
            b"{}",
            Err(("Runtime.HandlerPanic", "serialize bug")),
        );
    }

    #[test]
    fn outcomes() {
        check(buffered!(echo), br#"{"a":1}"#, Ok(json!({"got": {"a": 1}})));
        check(buffered!(fails), b"{}", Err(("InvalidEvent", "no Records")));
        check(
            buffered!(panics),
            b"{}",
            Err(("Runtime.HandlerPanic", "handler bug 7")),
        );
        check(
            buffered!(echo),
            b"{nope",
            Err(("Runtime.UnmarshalError", "could not parse")),
        );
        check(buffered!(echo), b"", Err(("Runtime.UnmarshalError", "EOF")));
        check(
            buffered!(echo),
            b"\"\xff\"",
            Err(("Runtime.UnmarshalError", "could not parse")),
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        check(
            buffered!(echo),
            deep.as_bytes(),
            Err(("Runtime.UnmarshalError", "recursion limit")),
        );
    }
}
