//! What a handler is: a plain function from an event and a `Context` to an
//! answer or a `HandlerError`; or, streaming, one that writes its answer as
//! it goes into a [`ResponseStream`]. The event is any type serde can
//! deserialize (`serde_json::Value`, a struct of the user's with
//! `#[derive(Deserialize)]`, an `aws_lambda_events` type), the answer any
//! type it can serialize. Nothing here knows about HTTP.
//!
//! ```
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! pub struct Order {
//!     id: String,
//!     qty: u32,
//! }
//!
//! #[derive(Serialize)]
//! pub struct Receipt {
//!     id: String,
//!     accepted: bool,
//! }
//!
//! pub fn handle(order: Order, _ctx: &Context) -> Result<Receipt, HandlerError> {
//!     Ok(Receipt { id: order.id, accepted: order.qty > 0 })
//! }
//! # let ctx = Context::local("r", Default::default());
//! # let answer = lambda_bootstrap::handler::buffered(handle, br#"{"id":"a","qty":2}"#, &ctx);
//! # assert_eq!(answer.unwrap(), br#"{"id":"a","accepted":true}"#);
//! ```

use std::any::{Any, type_name};
use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::Context;
use crate::stream::ResponseStream;

/// A buffered handler, as the table holds it: the event's bytes in, the
/// answer's JSON bytes out. [`buffered`] makes one of a typed function;
/// `handler_table!` does that for each line.
pub type BufferedFn = fn(&[u8], &Context) -> Result<Vec<u8>, Failure>;

/// A streaming handler, as the table holds it: the event's bytes in, the
/// answer written into `out` as it goes (up to Lambda's 200 MB), for
/// callers that take a stream (Function URLs with `RESPONSE_STREAM`,
/// `InvokeWithResponseStream`). [`streaming`] makes one of a typed function.
pub type StreamingFn = fn(&[u8], &Context, &mut dyn ResponseStream) -> Result<(), Failure>;

/// One entry of the handler table: either kind of handler.
#[derive(Debug, Clone, Copy)]
pub enum Handler {
    /// Returns its answer (up to Lambda's 6 MB).
    Buffered(BufferedFn),
    /// Writes its answer as it goes.
    Streaming(StreamingFn),
}

/// The table's [`Handler`] for a typed buffered handler function (`fn(T,
/// &Context) -> Result<U, HandlerError>`), for tables written by hand:
/// `Entry::new("orders", buffered!(orders::handle))`. `handler_table!`
/// writes it for each line.
#[macro_export]
macro_rules! buffered {
    ($handler:path) => {
        $crate::handler::Handler::Buffered(|event, ctx| {
            $crate::handler::buffered($handler, event, ctx)
        })
    };
}

/// The table's [`Handler`] for a typed streaming handler function (`fn(T,
/// &Context, &mut dyn ResponseStream) -> Result<(), HandlerError>`).
#[macro_export]
macro_rules! streaming {
    ($handler:path) => {
        $crate::handler::Handler::Streaming(|event, ctx, out| {
            $crate::handler::streaming($handler, event, ctx, out)
        })
    };
}

/// Why a handler gave no answer: the runtime turns each into the error
/// Lambda receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The event is not JSON, or does not fit the handler's event type; the
    /// handler was not called. The message says where and what.
    Unmarshal(String),
    /// The handler's own error.
    Handler(HandlerError),
    /// The handler's answer could not be serialized as JSON.
    Marshal(String),
}

impl From<HandlerError> for Failure {
    fn from(err: HandlerError) -> Failure {
        Failure::Handler(err)
    }
}

/// Runs a buffered handler on an event's raw bytes: parses them straight
/// into its event type `T` (no intermediate `Value`, fields `T` does not
/// name are skipped), calls it, and serializes its answer.
pub fn buffered<T, U>(
    handler: impl FnOnce(T, &Context) -> Result<U, HandlerError>,
    event: &[u8],
    ctx: &Context,
) -> Result<Vec<u8>, Failure>
where
    T: DeserializeOwned,
    U: Serialize,
{
    let answer = handler(parse_event(event)?, ctx)?;
    serde_json::to_vec(&answer)
        .map_err(|e| Failure::Marshal(format!("the handler's answer is not JSON: {e}")))
}

/// Runs a streaming handler on an event's raw bytes: parses them into its
/// event type `T`, then lets it write into `out`.
pub fn streaming<T>(
    handler: impl FnOnce(T, &Context, &mut dyn ResponseStream) -> Result<(), HandlerError>,
    event: &[u8],
    ctx: &Context,
    out: &mut dyn ResponseStream,
) -> Result<(), Failure>
where
    T: DeserializeOwned,
{
    handler(parse_event(event)?, ctx, out).map_err(Failure::Handler)
}

/// Parses an event straight into `T`. When it does not fit, the message
/// names the place, as a JSON path found from serde_json's line and column
/// (`json_path.rs`; the common case pays nothing for it):
/// `Records[2].body: invalid type: integer `5`, expected a string`.
/// serde_json's words quote the value that did not fit, which is event
/// data of any size: past a few hundred bytes they are cut in the middle,
/// saying so; the path keeps every level.
pub fn parse_event<T: DeserializeOwned>(event: &[u8]) -> Result<T, Failure> {
    let e = match serde_json::from_slice(event) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if !e.is_data() {
        return Err(Failure::Unmarshal(format!(
            "could not parse the event as JSON: {}",
            bounded(&e.to_string())
        )));
    }
    let path = crate::json_path::path_at(event, e.line(), e.column());
    let position = format!(" at line {} column {}", e.line(), e.column());
    let text = e.to_string();
    let what = bounded(text.strip_suffix(&position).unwrap_or(&text));
    let at = if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    };
    Err(Failure::Unmarshal(format!(
        "the event does not fit {}: {at}{what} (line {}, column {})",
        short_type_name::<T>(),
        e.line(),
        e.column()
    )))
}

/// The most bytes of serde_json's words an event-parse error keeps whole.
const MAX_QUOTED: usize = 256;

/// `text` whole when it is at most [`MAX_QUOTED`] bytes; otherwise its
/// start and its end (where serde_json says what was expected) around a
/// note of how many bytes were cut, each cut on a character boundary.
fn bounded(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_QUOTED {
        return Cow::Borrowed(text);
    }
    let mut head = MAX_QUOTED * 3 / 4;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - MAX_QUOTED / 4;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    Cow::Owned(format!(
        "{}… ({} bytes cut) …{}",
        &text[..head],
        tail - head,
        &text[tail..]
    ))
}

/// `Order` for `my_crate::handlers::orders::Order`; generics kept.
fn short_type_name<T>() -> &'static str {
    let full = type_name::<T>();
    let end = full.find('<').unwrap_or(full.len());
    full[..end].rfind("::").map_or(full, |i| &full[i + 2..])
}

/// A shutdown hook: runs once when Lambda shuts the execution environment
/// down (SIGTERM), on a thread of its own where it may block, with a little
/// less than Lambda's 500 ms to finish ([`Shutdown::remaining_time`]: the
/// rest is the runtime's margin to exit before SIGKILL); then the process
/// exits. Never run on a timeout or an out-of-memory kill. The process must
/// start no thread before the runtime arms the hook (during init, before
/// the first event): SIGTERM reaching a thread started earlier ends the
/// process without running it, and the runtime warns at arming.
pub type ShutdownFn = fn(&Shutdown);

/// What a shutdown hook knows: how long it has before Lambda kills the
/// process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown {
    deadline: Instant,
}

impl Shutdown {
    /// A shutdown that must be done by `deadline`.
    pub fn new(deadline: Instant) -> Shutdown {
        Shutdown { deadline }
    }

    /// Time left before Lambda kills the process; zero once it has passed.
    pub fn remaining_time(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// One line of the handler table: the name `_HANDLER` selects it by, the
/// handler, and the module's shutdown hook if it declares one.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The name, as `_HANDLER` (serverless.yml's `handler:`) gives it.
    pub name: &'static str,
    /// The function that answers events.
    pub handler: Handler,
    /// Run once at shutdown, when declared.
    pub shutdown: Option<ShutdownFn>,
    /// The cargo feature the handler needs, when this binary was built
    /// without it (`#[cfg(feature = "aws")]` on its table line): the name
    /// is known, so that asking for it says what to build.
    pub needs_feature: Option<&'static str>,
}

impl Entry {
    /// An entry without a shutdown hook.
    pub const fn new(name: &'static str, handler: Handler) -> Entry {
        Entry {
            name,
            handler,
            shutdown: None,
            needs_feature: None,
        }
    }

    /// A line whose handler needs `feature`, which this binary was built
    /// without: never served, only named in the init error.
    pub const fn unbuilt(name: &'static str, feature: &'static str) -> Entry {
        Entry {
            name,
            handler: Handler::Buffered(not_built),
            shutdown: None,
            needs_feature: Some(feature),
        }
    }

    /// The same entry, with `hook` run at shutdown.
    pub const fn with_shutdown(mut self, hook: ShutdownFn) -> Entry {
        self.shutdown = Some(hook);
        self
    }
}

/// The handler of an [`Entry::unbuilt`] line; `find` never hands it out.
fn not_built(_: &[u8], _: &Context) -> Result<Vec<u8>, Failure> {
    Err(Failure::Handler(HandlerError::new(
        "NotBuilt",
        "this handler was not built into this binary",
    )))
}

/// A handler table: every entry this binary can serve.
pub type Table = &'static [Entry];

/// Looks `name` up in `table`; surrounding whitespace in `_HANDLER` is
/// forgiven, anything else must match exactly. A line built without the
/// feature it needs is not found, and the error says which feature.
pub fn find(table: Table, name: Option<&str>) -> Result<&'static Entry, UnknownHandler> {
    let wanted = name.map(str::trim);
    let entry = table.iter().find(|entry| Some(entry.name) == wanted);
    match entry {
        Some(entry) if entry.needs_feature.is_none() => Ok(entry),
        _ => Err(UnknownHandler {
            name: name.map(str::to_string),
            known: table
                .iter()
                .filter(|entry| entry.needs_feature.is_none())
                .map(|entry| entry.name)
                .collect(),
            needs_feature: entry.and_then(|entry| entry.needs_feature),
        }),
    }
}

/// `_HANDLER` is unset or names no entry of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownHandler {
    /// What was asked for; `None` when `_HANDLER` is unset.
    pub name: Option<String>,
    /// The names this binary serves, in the table's order.
    pub known: Vec<&'static str>,
    /// The cargo feature the named handler needs, when its line is in the
    /// table but this binary was built without it.
    pub needs_feature: Option<&'static str>,
}

impl fmt::Display for UnknownHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.needs_feature) {
            // A table line under a `cfg` other than one feature.
            (Some(name), Some(predicate)) if predicate.starts_with("cfg(") => write!(
                f,
                "handler '{name}' is built only where `{predicate}` holds, which it did not \
                 for this binary"
            )?,
            (Some(name), Some(feature)) => write!(
                f,
                "handler '{name}' needs the cargo feature '{feature}', which this binary was \
                 built without: build it with `./build.sh --features {feature}`"
            )?,
            (Some(name), None) => write!(f, "unknown handler '{name}'")?,
            (None, _) => write!(f, "no handler named: _HANDLER is not set")?,
        }
        write!(f, " (known handlers: {})", self.known.join(", "))
    }
}

impl std::error::Error for UnknownHandler {}

/// A handler's own failure: posted to `/error` as
/// `{"errorType": error_type, "errorMessage": message}`; the loop goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    error_type: Cow<'static, str>,
    message: String,
}

impl HandlerError {
    /// An error with a type of the handler's choosing, e.g. `InvalidEvent`.
    /// The header Lambda sees is `Function.<type>` reduced to letters.
    pub fn new(error_type: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        HandlerError {
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    /// The type, as it will appear in `errorType`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The message, as it will appear in `errorMessage`.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn into_parts(self) -> (Cow<'static, str>, String) {
        (self.error_type, self.message)
    }
}

/// Lets a handler use `?` on the errors crates give: any error type (any
/// `std::error::Error`: serde_json's, `io::Error`, an SDK's, a `static`
/// mutex's poisoned lock), a `Box<dyn Error + Send + Sync>` (what most
/// crates, and the official runtime's `Error`, are), a `String` or a `&str`
/// (anything `Display` that owns its data, as the official runtime takes).
///
/// The `errorType` is the error's full type path, as the official runtime
/// names it (`std::any::type_name`): `serde_json::error::Error`,
/// `std::io::error::Error`, `core::num::error::ParseIntError`. A box is
/// looked into for the common std and serde_json errors; a box of another
/// type, a `String` or a `&str` is `Error`. The message is the error's
/// `Display`. (The `Lambda-Runtime-Function-Error-Type` header, which takes
/// letters only, gets `Function.` and the path's last name, with its module
/// for a bare `Error`: `Function.SerdeJsonError`, `Function.IoError`.)
///
/// An error AWS answered with (the `aws` feature's `aws::Error`, boxed or
/// not) takes AWS's error code instead: `ConditionalCheckFailedException`.
///
/// (`HandlerError` is not `Display` itself, which is what lets this take
/// every `Display`: read it with [`HandlerError::error_type`] and
/// [`HandlerError::message`].)
impl<E: fmt::Display + 'static> From<E> for HandlerError {
    fn from(err: E) -> Self {
        let any: &dyn Any = &err;
        let boxed: Option<&(dyn Error + 'static)> =
            if let Some(b) = any.downcast_ref::<Box<dyn Error + Send + Sync>>() {
                Some(&**b)
            } else if let Some(b) = any.downcast_ref::<Box<dyn Error + Send>>() {
                Some(&**b)
            } else if let Some(b) = any.downcast_ref::<Box<dyn Error>>() {
                Some(&**b)
            } else {
                None
            };
        #[cfg(feature = "aws")]
        {
            let aws = match boxed {
                Some(inner) => inner.downcast_ref::<crate::aws::Error>(),
                None => any.downcast_ref::<crate::aws::Error>(),
            };
            if let Some(code) = aws.and_then(crate::aws::Error::code) {
                return HandlerError::new(code.to_string(), err.to_string());
            }
        }
        let error_type = match boxed {
            Some(inner) => boxed_type_name(inner),
            None if any.is::<String>() || any.is::<&str>() => "Error",
            None => type_name::<E>(),
        };
        HandlerError::new(error_type, err.to_string())
    }
}

/// The type of a boxed error, when it is one of the common ones; `Error`.
fn boxed_type_name(err: &(dyn Error + 'static)) -> &'static str {
    macro_rules! known {
        ($($t:ty),* $(,)?) => {
            $(if err.is::<$t>() {
                return type_name::<$t>();
            })*
        };
    }
    known!(
        std::io::Error,
        serde_json::Error,
        std::fmt::Error,
        std::num::ParseIntError,
        std::num::ParseFloatError,
        std::num::TryFromIntError,
        std::str::ParseBoolError,
        std::str::Utf8Error,
        std::string::FromUtf8Error,
        std::net::AddrParseError,
        std::env::VarError,
        std::time::SystemTimeError,
    );
    "Error"
}

/// What kind of JSON value `value` is, for error messages about an event's
/// shape: "null", "a boolean", "a number", "a string", "an array" or
/// "an object".
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_question_mark<E: fmt::Display + 'static>(err: E, error_type: &str, message: &str) {
        let handler = move || -> Result<(), HandlerError> { Err(err)? };
        let err = handler().unwrap_err();
        assert_eq!((err.error_type(), err.message()), (error_type, message));
    }

    #[test]
    fn question_mark_names_the_errors_full_type() {
        check_question_mark(
            "x".parse::<u32>().unwrap_err(),
            "core::num::error::ParseIntError",
            "invalid digit found in string",
        );
        let json = serde_json::from_str::<u32>("[").unwrap_err();
        check_question_mark(
            json,
            "serde_json::error::Error",
            "invalid type: sequence, expected u32 at line 1 column 0",
        );
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        check_question_mark(io, "std::io::error::Error", "no such file");
        // A box: looked into for the common errors, else `Error`.
        let boxed: Box<dyn Error + Send + Sync> =
            serde_json::from_str::<u32>("x").unwrap_err().into();
        check_question_mark(
            boxed,
            "serde_json::error::Error",
            "expected value at line 1 column 1",
        );
        let boxed: Box<dyn Error + Send + Sync> = "a crate's own error".into();
        check_question_mark(boxed, "Error", "a crate's own error");
        let boxed: Box<dyn Error> = Box::new(std::fmt::Error);
        check_question_mark(
            boxed,
            "core::fmt::Error",
            "an error occurred when formatting an argument",
        );
        check_question_mark(format!("made up {}", 1), "Error", "made up 1");
        check_question_mark("plain", "Error", "plain");
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Batch {
        #[serde(rename = "Records")]
        records: Vec<Message>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Message {
        #[serde(rename = "messageId")]
        message_id: String,
        body: String,
    }

    fn check_parse<T: DeserializeOwned + fmt::Debug>(event: &str, expected: Result<(), &str>) {
        match (parse_event::<T>(event.as_bytes()), expected) {
            (Ok(_), Ok(())) => {}
            (Err(Failure::Unmarshal(message)), Err(expected)) => assert_eq!(message, expected),
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn an_event_that_does_not_fit_says_where_and_what() {
        let ok = r#"{"Records": [{"messageId": "1", "body": "a", "md5OfBody": "x"}], "more": [1]}"#;
        check_parse::<Batch>(ok, Ok(()));
        check_parse::<Batch>(
            r#"{"Records": [{"messageId": "1", "body": "a"}, {"messageId": "2", "body": "b"},
                {"messageId": "3", "body": 5}]}"#,
            Err(
                "the event does not fit Batch: Records[2].body: invalid type: integer `5`, \
                 expected a string (line 2, column 44)",
            ),
        );
        check_parse::<Batch>(
            r#"{"Records": [{"body": "a"}]}"#,
            Err(
                "the event does not fit Batch: Records[0]: missing field `messageId` \
                 (line 1, column 26)",
            ),
        );
        check_parse::<Batch>(
            "5",
            Err(
                "the event does not fit Batch: invalid type: integer `5`, expected struct Batch \
                 (line 1, column 1)",
            ),
        );
        check_parse::<Batch>(
            "{nope",
            Err("could not parse the event as JSON: key must be a string at line 1 column 2"),
        );
        check_parse::<Value>("{\"any\": [\"thing\"]}", Ok(()));
        check_parse::<u8>(
            "300",
            Err(
                "the event does not fit u8: invalid value: integer `300`, expected u8 \
                 (line 1, column 3)",
            ),
        );
    }

    /// A stream that keeps what is written, for the streaming kind.
    struct Kept(Vec<u8>);

    impl std::io::Write for Kept {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl ResponseStream for Kept {
        fn set_content_type(&mut self, _: &str) -> std::io::Result<()> {
            Ok(())
        }
        fn written(&self) -> u64 {
            self.0.len() as u64
        }
    }

    #[test]
    fn a_huge_value_that_does_not_fit_is_cut_from_the_message_not_the_path() {
        // A string of 6 MiB where a number goes: serde_json quotes it
        // whole. '€' is three bytes: the cuts must find a boundary.
        let huge = "€".repeat(2 * 1024 * 1024);
        let event = format!(r#"[[1], [2, "{huge}"]]"#);
        let Err(Failure::Unmarshal(message)) = parse_event::<Vec<Vec<u32>>>(event.as_bytes())
        else {
            panic!("a string is not a number")
        };
        assert!(message.len() < 2 * MAX_QUOTED, "{} bytes", message.len());
        let (start, end) = message
            .split_once(" bytes cut) …")
            .unwrap_or_else(|| panic!("says it was cut: {message}"));
        assert!(
            start.starts_with("the event does not fit Vec<")
                && start.contains(">: [1][1]: invalid type: string \"€€€"),
            "{message}"
        );
        let cut: usize = start.rsplit("… (").next().unwrap().parse().unwrap();
        assert!(cut > huge.len() - MAX_QUOTED, "{cut}");
        // The end says what was expected, and where: the string's closing
        // quote, before the last two brackets.
        let expected = format!("€\", expected u32 (line 1, column {})", event.len() - 2);
        assert!(
            end.starts_with('€') && end.ends_with(&expected),
            "{message}"
        );
        // Short words stay whole.
        assert_eq!(
            bounded("invalid type: integer `5`"),
            "invalid type: integer `5`"
        );
    }

    #[test]
    fn the_handler_is_not_called_with_an_event_that_does_not_fit() {
        // Types that have a value for any JSON (`null` makes an `Option`
        // `None`, a `Value` `Null`): a runtime that called the handler
        // anyway would have something to call it with.
        let ctx = Context::local("r", Default::default());
        let called = std::cell::Cell::new(false);
        let handler = |_: Option<Batch>, _: &Context| -> Result<Value, HandlerError> {
            called.set(true);
            Ok(Value::Null)
        };
        for event in [
            &b"{oops"[..],
            b"",
            br#"{"Records": 5}"#,
            br#"{"Records": [{"body": 1}]}"#,
        ] {
            let got = buffered(handler, event, &ctx);
            assert!(matches!(got, Err(Failure::Unmarshal(_))), "{got:?}");
            assert!(!called.get(), "buffered: called on {event:?}");

            let mut out = Kept(Vec::new());
            let got = streaming(
                |_: Option<Batch>, _: &Context, out: &mut dyn ResponseStream| {
                    called.set(true);
                    out.write_all(b"called")?;
                    Ok(())
                },
                event,
                &ctx,
                &mut out,
            );
            assert!(matches!(got, Err(Failure::Unmarshal(_))), "{got:?}");
            assert!(!called.get(), "streaming: called on {event:?}");
            assert!(out.0.is_empty(), "streaming: wrote on {event:?}");
        }
        // The same handler on an event that fits: called (the check above
        // was a real one).
        let got = buffered(handler, br#"{"Records": []}"#, &ctx);
        assert_eq!(got, Ok(b"null".to_vec()));
        assert!(called.get());
    }

    #[test]
    fn typed_handlers_answer_with_their_serialized_type() {
        #[derive(serde::Serialize)]
        struct Count {
            records: usize,
        }
        fn count(batch: Batch, _: &Context) -> Result<Count, HandlerError> {
            Ok(Count {
                records: batch.records.len(),
            })
        }
        let ctx = Context::local("r", Default::default());
        let event = br#"{"Records": [{"messageId": "1", "body": "a"}]}"#;
        assert_eq!(buffered(count, event, &ctx).unwrap(), br#"{"records":1}"#);
        // A map with keys JSON cannot have: a marshal failure, not a panic.
        fn bad_keys(
            _: Value,
            _: &Context,
        ) -> Result<std::collections::BTreeMap<Vec<u8>, u8>, HandlerError> {
            Ok([(vec![1], 1)].into())
        }
        assert!(matches!(
            buffered(bad_keys, b"{}", &ctx),
            Err(Failure::Marshal(m)) if m.starts_with("the handler's answer is not JSON: key must be a string")
        ));
    }

    #[test]
    fn the_context_can_be_shared_with_scoped_threads() {
        let ctx = Context::local("r", Default::default());
        let ids: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| ctx.request_id.clone()))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(ids, ["r", "r"]);
    }

    #[test]
    fn question_mark_works_on_a_static_mutexs_poisoned_lock() {
        // The conversion needs `'static` errors: a guard of a `static`
        // (the README's pattern for state) is one.
        static CACHE: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
        fn read() -> Result<u32, HandlerError> {
            Ok(*CACHE.lock()?)
        }
        assert_eq!(read(), Ok(0));
    }

    #[cfg(feature = "aws")]
    #[test]
    fn question_mark_on_an_aws_error_keeps_awss_code() {
        use crate::aws::{Error, ServiceError};
        fn put(err: Error) -> Result<(), HandlerError> {
            Err(err)?
        }
        let err = put(Error::Service(ServiceError {
            operation: "DynamoDB.PutItem".into(),
            code: "ConditionalCheckFailedException".into(),
            message: "The conditional request failed".into(),
            status: 400,
            request_id: Some("R1".into()),
        }))
        .unwrap_err();
        assert_eq!(err.error_type(), "ConditionalCheckFailedException");
        assert_eq!(
            err.message(),
            "DynamoDB.PutItem failed: ConditionalCheckFailedException: \
             The conditional request failed (status 400, request id R1)"
        );
        // Failures AWS did not answer with keep the usual rule.
        let err = put(Error::Credentials("none".into())).unwrap_err();
        assert_eq!(err.error_type(), "lambda_bootstrap::aws::error::Error");
    }
}
