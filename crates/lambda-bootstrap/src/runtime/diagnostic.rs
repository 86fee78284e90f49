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
        // A Rust type path (`serde_json::error::Error<T>`): its generics
        // dropped, and a bare `Error` named after its module.
        let path = self.error_type.split('<').next().unwrap_or_default();
        let mut names = path.rsplit([':', '.']).filter(|s| !s.is_empty());
        let last = names.next().unwrap_or("");
        let module = if last == "Error" && path.contains("::") {
            names.find(|m| *m != "error").unwrap_or("")
        } else {
            ""
        };
        let mut reason = String::with_capacity(MAX_HEADER_REASON);
        // `serde_json` to `SerdeJson`: each word capitalised.
        for word in module.split('_') {
            let mut letters = word.chars().filter(char::is_ascii_alphabetic);
            reason.extend(letters.next().map(|c| c.to_ascii_uppercase()));
            reason.extend(letters);
        }
        reason.extend(last.chars().filter(char::is_ascii_alphabetic));
        reason.truncate(MAX_HEADER_REASON);
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
        json_body(&self.error_type, &self.error_message)
    }

    /// The JSON body in at most `max` bytes: when the whole one is longer,
    /// the message is cut on a character boundary and ends by saying so
    /// (and a type longer than [`MAX_CUT_TYPE`] is cut too). For a stream's
    /// trailer, which has a size limit; `/error` takes the whole body.
    pub fn to_json_within(&self, max: usize) -> Vec<u8> {
        let whole = self.to_json();
        if whole.len() <= max {
            return whole;
        }
        let error_type = &self.error_type[..floor_char_boundary(&self.error_type, MAX_CUT_TYPE)];
        let note = format!(
            "… (cut to fit a stream's trailers: {} bytes in all)",
            self.error_message.len()
        );
        let body = |keep: usize| {
            let message = format!("{}{note}", &self.error_message[..keep]);
            json_body(error_type, &message)
        };
        // The longest start of the message that fits, found by halving:
        // escapes make a byte of message one to six bytes of JSON, so the
        // length cannot be worked out in one step.
        let (mut fits, mut too_long) = (0, self.error_message.len());
        while too_long - fits > 1 {
            let mid = floor_char_boundary(&self.error_message, (fits + too_long) / 2);
            if mid == fits {
                break;
            }
            if body(mid).len() <= max {
                fits = mid;
            } else {
                too_long = mid;
            }
        }
        body(fits)
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

/// The most bytes of the error type a cut body keeps.
pub const MAX_CUT_TYPE: usize = 256;

fn json_body(error_type: &str, error_message: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "errorMessage": error_message,
        "errorType": error_type,
    });
    serde_json::to_vec(&body).expect("a JSON object of two strings always serializes")
}

/// The largest index at most `at` that is on a character boundary of `text`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

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
        // Full type paths, as `?` gives them: a bare `Error` takes its module.
        check_header(
            HandlerError::new("serde_json::error::Error", "m"),
            "Function.SerdeJsonError",
        );
        check_header(
            HandlerError::new("std::io::error::Error", "m"),
            "Function.IoError",
        );
        check_header(
            HandlerError::new("core::num::error::ParseIntError", "m"),
            "Function.ParseIntError",
        );
        check_header(
            HandlerError::new("my_app::Wrapper<alloc::string::String>", "m"),
            "Function.Wrapper",
        );
        check_header(HandlerError::new("Error", "m"), "Function.Error");
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
    fn a_body_too_long_for_its_room_is_cut_and_says_so() {
        // Three-byte characters and control characters (escaped six times
        // their size), so cuts land inside characters and escapes.
        let message = "é€\u{1}".repeat(500);
        let d = Diagnostic::from(HandlerError::new("SdkError", message.clone()));
        assert_eq!(d.to_json_within(100_000), d.to_json());
        for max in [2910, 1000, 300] {
            let body = d.to_json_within(max);
            assert!(body.len() <= max, "{} > {max}", body.len());
            let json: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["errorType"], "SdkError");
            let cut = json["errorMessage"].as_str().unwrap();
            let (kept, note) = cut.split_once('…').unwrap();
            assert!(message.starts_with(kept) && !kept.is_empty(), "{cut}");
            assert_eq!(
                note,
                format!(
                    " (cut to fit a stream's trailers: {} bytes in all)",
                    message.len()
                )
            );
        }
        // A type too long for the room is cut too.
        let d = Diagnostic::from(HandlerError::new("T".repeat(10_000), "m"));
        let json: Value = serde_json::from_slice(&d.to_json_within(2910)).unwrap();
        assert_eq!(json["errorType"], "T".repeat(MAX_CUT_TYPE));
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
