//! The error wire format: the one JSON body and header value Lambda gets for
//! every failure, whether the handler's, the event's or the runtime's own.
//!
//! Bodies are built with serde_json only, so quotes, newlines and control
//! characters in a message can never break the JSON.

use std::any::Any;
use std::borrow::Cow;

use crate::handler::HandlerError;

/// Who failed: decides the `Category` half of the error-type header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// The runtime could not run the handler (bad event, panic, no handler).
    Runtime,
    /// The handler ran and returned an error.
    Function,
}

/// One failure, as Lambda will show it to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    category: Category,
    error_type: Cow<'static, str>,
    error_message: String,
}

impl Diagnostic {
    /// A failure of the runtime's own, typed `Runtime.<reason>`.
    pub fn runtime(reason: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            category: Category::Runtime,
            error_type: Cow::Owned(format!("Runtime.{reason}")),
            error_message: message.into(),
        }
    }

    /// A handler panicked; the payload becomes the message when it is text.
    pub fn panic(payload: &(dyn Any + Send)) -> Diagnostic {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "handler panicked with a non-string payload".to_string()
        };
        Diagnostic::runtime("HandlerPanic", message)
    }

    /// `errorType` in the body, verbatim.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// `errorMessage` in the body, verbatim.
    pub fn error_message(&self) -> &str {
        &self.error_message
    }

    /// The `Lambda-Runtime-Function-Error-Type` value. Lambda (and AWS's
    /// emulator) only keep `(Runtime|Function)\.[A-Z][a-zA-Z]+`, so a handler's
    /// free-form type is reduced to letters rather than be turned into
    /// `Runtime.Unknown` by the platform. At most `MAX_HEADER_REASON`
    /// letters of it: the header is one line of the answer's head, which
    /// must fit the transport's first window (the body keeps the whole
    /// type).
    pub fn header_error_type(&self) -> String {
        let prefix = match self.category {
            Category::Runtime => "Runtime.",
            Category::Function => "Function.",
        };
        let last = self
            .error_type
            .rsplit([':', '.'])
            .find(|s| !s.is_empty())
            .unwrap_or("");
        let mut reason: String = last
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(MAX_HEADER_REASON)
            .collect();
        if reason.len() < 2 {
            reason = "Unhandled".to_string();
        }
        reason[..1].make_ascii_uppercase();
        let mut header = String::with_capacity(prefix.len() + reason.len());
        header.push_str(prefix);
        header.push_str(&reason);
        header
    }

    /// The JSON body: `{"errorMessage": ..., "errorType": ...}`.
    pub fn to_json(&self) -> Vec<u8> {
        let body = serde_json::json!({
            "errorMessage": self.error_message,
            "errorType": self.error_type,
        });
        serde_json::to_vec(&body).expect("a JSON object of two strings always serializes")
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(err: HandlerError) -> Diagnostic {
        let (error_type, error_message) = err.into_parts();
        Diagnostic {
            category: Category::Function,
            error_type,
            error_message,
        }
    }
}

/// The most letters of a handler's error type that its header carries.
const MAX_HEADER_REASON: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn check_header(err: HandlerError, expected: &str) {
        assert_eq!(Diagnostic::from(err).header_error_type(), expected);
    }

    #[test]
    fn handler_types_become_function_reasons() {
        check_header(
            HandlerError::new("InvalidEvent", "m"),
            "Function.InvalidEvent",
        );
        check_header(HandlerError::new("Function.Custom", "m"), "Function.Custom");
        check_header(HandlerError::new("Runtime.Sneaky", "m"), "Function.Sneaky");
        check_header(
            HandlerError::new("std::num::ParseIntError", "m"),
            "Function.ParseIntError",
        );
        check_header(HandlerError::new("bad-type 42!", "m"), "Function.Badtype");
        check_header(HandlerError::new("", "m"), "Function.Unhandled");
        check_header(HandlerError::new("é", "m"), "Function.Unhandled");
        let long = "Long".repeat(2000);
        let header = Diagnostic::from(HandlerError::new(long.clone(), "m")).header_error_type();
        assert_eq!(header, format!("Function.{}", &long[..MAX_HEADER_REASON]));
    }

    #[test]
    fn runtime_reasons_are_kept() {
        let d = Diagnostic::runtime("UnmarshalError", "x");
        assert_eq!(d.error_type(), "Runtime.UnmarshalError");
        assert_eq!(d.header_error_type(), "Runtime.UnmarshalError");
    }

    #[test]
    fn body_round_trips_hostile_messages() {
        let message = "quote \" backslash \\ newline \n nul \u{0} bell \u{7} é 🦀";
        let d = Diagnostic::from(HandlerError::new("Odd\"Type", message));
        let body: Value = serde_json::from_slice(&d.to_json()).unwrap();
        assert_eq!(
            body,
            json!({"errorMessage": message, "errorType": "Odd\"Type"})
        );
    }

    #[test]
    fn panic_payloads() {
        let text: Box<dyn Any + Send> = Box::new("boom");
        assert_eq!(Diagnostic::panic(&*text).error_message(), "boom");
        let owned: Box<dyn Any + Send> = Box::new(format!("boom {}", 2));
        assert_eq!(Diagnostic::panic(&*owned).error_message(), "boom 2");
        let number: Box<dyn Any + Send> = Box::new(42_u32);
        let d = Diagnostic::panic(&*number);
        assert_eq!(d.error_type(), "Runtime.HandlerPanic");
        assert_eq!(
            d.error_message(),
            "handler panicked with a non-string payload"
        );
    }
}
