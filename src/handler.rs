//! What a handler is: a plain function from an event and a `Context` to a
//! JSON answer or a `HandlerError`; or, streaming, one that writes its
//! answer as it goes into a [`ResponseStream`]. Nothing here knows about
//! HTTP.

use std::borrow::Cow;
use std::fmt;

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

/// A handler table: names (as `_HANDLER` gives them) and functions.
pub type Table = &'static [(&'static str, Handler)];

/// Looks `name` up in `table`; surrounding whitespace in `_HANDLER` is
/// forgiven, anything else must match exactly.
pub fn find(table: Table, name: Option<&str>) -> Result<Handler, UnknownHandler> {
    let wanted = name.map(str::trim);
    table
        .iter()
        .find(|(n, _)| Some(*n) == wanted)
        .map(|&(_, handler)| handler)
        .ok_or_else(|| UnknownHandler {
            name: name.map(str::to_string),
            known: table.iter().map(|(n, _)| *n).collect(),
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
/// last path segment, e.g. `ParseIntError`) becomes the `errorType`. An
/// error AWS answered with (the `aws` feature) takes AWS's error code
/// instead (`ConditionalCheckFailedException`). The error must own its
/// data (`'static`, which finding the AWS one takes): one that borrows,
/// such as a poisoned lock guard of a local `Mutex`, is mapped first
/// (`map_err(|e| HandlerError::new("Poisoned", e.to_string()))`); a
/// `static`'s guard is `'static` and converts.
impl<E: std::error::Error + 'static> From<E> for HandlerError {
    fn from(err: E) -> Self {
        #[cfg(feature = "aws")]
        if let Some(code) = (&err as &dyn std::error::Error)
            .downcast_ref::<crate::aws::Error>()
            .and_then(crate::aws::Error::code)
        {
            return HandlerError::new(code.to_string(), err.to_string());
        }
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
        assert_eq!(err.error_type(), "Error");
    }

    #[test]
    fn display_names_type_and_message() {
        let err = HandlerError::new("InvalidEvent", "no Records");
        assert_eq!(err.to_string(), "InvalidEvent: no Records");
    }
}
