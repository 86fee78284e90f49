//! What a handler is: a plain function from an event and a `Context` to a
//! JSON answer or a `HandlerError`; or, streaming, one that writes its
//! answer as it goes into a [`ResponseStream`]. Nothing here knows about
//! HTTP.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::context::Context;
use crate::stream::ResponseStream;

/// A buffered handler: the whole answer, as JSON, at once (up to Lambda's
/// 6 MB).
pub type BufferedFn = fn(Value, &Context) -> Result<Value, HandlerError>;

/// A streaming handler: writes its answer into `out` as it goes (up to
/// Lambda's 200 MB), for callers that take a stream (Function URLs with
/// `RESPONSE_STREAM`, `InvokeWithResponseStream`).
pub type StreamingFn = fn(Value, &Context, &mut dyn ResponseStream) -> Result<(), HandlerError>;

/// One entry of the handler table: either kind of handler.
#[derive(Debug, Clone, Copy)]
pub enum Handler {
    /// Returns its answer.
    Buffered(BufferedFn),
    /// Writes its answer as it goes.
    Streaming(StreamingFn),
}

/// A shutdown hook: runs once when Lambda shuts the execution environment
/// down (SIGTERM), on a thread of its own where it may block, with about
/// 500 ms to finish ([`Shutdown::remaining_time`]); then the process
/// exits. Never run on a timeout or an out-of-memory kill.
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
}

impl Entry {
    /// An entry without a shutdown hook.
    pub const fn new(name: &'static str, handler: Handler) -> Entry {
        Entry {
            name,
            handler,
            shutdown: None,
        }
    }

    /// The same entry, with `hook` run at shutdown.
    pub const fn with_shutdown(mut self, hook: ShutdownFn) -> Entry {
        self.shutdown = Some(hook);
        self
    }
}

/// A handler table: every entry this binary can serve.
pub type Table = &'static [Entry];

/// Looks `name` up in `table`; surrounding whitespace in `_HANDLER` is
/// forgiven, anything else must match exactly.
pub fn find(table: Table, name: Option<&str>) -> Result<&'static Entry, UnknownHandler> {
    let wanted = name.map(str::trim);
    table
        .iter()
        .find(|entry| Some(entry.name) == wanted)
        .ok_or_else(|| UnknownHandler {
            name: name.map(str::to_string),
            known: table.iter().map(|entry| entry.name).collect(),
        })
}

/// `_HANDLER` is unset or names no entry of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownHandler {
    /// What was asked for; `None` when `_HANDLER` is unset.
    pub name: Option<String>,
    /// The table's names, in its order.
    pub known: Vec<&'static str>,
}

impl fmt::Display for UnknownHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "unknown handler '{name}'")?,
            None => write!(f, "no handler named: _HANDLER is not set")?,
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

/// Lets a handler use `?` on any standard error; the error's type name (its
/// last path segment, e.g. `ParseIntError`) becomes the `errorType`.
impl<E: std::error::Error> From<E> for HandlerError {
    fn from(err: E) -> Self {
        let full = std::any::type_name::<E>();
        let short = full.split('<').next().unwrap_or(full);
        let short = short.rsplit("::").next().unwrap_or(short);
        HandlerError::new(short.to_string(), err.to_string())
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
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

    #[test]
    fn question_mark_keeps_the_error_type_name() {
        fn parse(s: &str) -> Result<u32, HandlerError> {
            Ok(s.parse::<u32>()?)
        }
        let err = parse("x").unwrap_err();
        assert_eq!(err.error_type(), "ParseIntError");
        assert_eq!(err.message(), "invalid digit found in string");
    }

    #[test]
    fn display_names_type_and_message() {
        let err = HandlerError::new("InvalidEvent", "no Records");
        assert_eq!(err.to_string(), "InvalidEvent: no Records");
    }
}
