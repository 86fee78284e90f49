//! What a route answers instead of its response: an [`HttpError`] (a
//! status and a message the caller sees, as Powertools' `BadRequestError`
//! and friends), or a failure the invocation reports to Lambda. Both meet
//! in [`RouteError`], which `?` makes from either, and from any error a
//! crate gives.

use std::borrow::Cow;
use std::fmt;

use serde_json::json;

use crate::handler::HandlerError;
use crate::http::HttpResponse;

/// An HTTP error answer: `status` and `{"statusCode": status, "message":
/// message}` as the body, the shape Powertools' event handler answers
/// with. Messages name what was wrong (a parameter, a JSON path) without
/// quoting more than a short piece of the request.
///
/// (Not `Display`, so that [`RouteError`] can take every `Display` error
/// as a failure and this one as an answer.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    status: u16,
    message: Cow<'static, str>,
}

impl HttpError {
    /// An answer with `status` and `message`.
    pub fn new(status: u16, message: impl Into<Cow<'static, str>>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
        }
    }

    /// 400: the request is wrong (a parameter, the body).
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> HttpError {
        HttpError::new(400, message)
    }

    /// 404: nothing is there.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> HttpError {
        HttpError::new(404, message)
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The answer: the status, and the JSON body.
    pub fn into_response(self) -> HttpResponse {
        HttpResponse::new(self.status).json(&json!({
            "statusCode": self.status,
            "message": self.message,
        }))
    }
}

/// Why a route did not return its response: an answer to send anyway, or
/// a failure of the invocation (posted to Lambda as the handler's error,
/// which API Gateway turns into a 502 and logs).
#[derive(Debug)]
pub enum RouteError {
    /// Sent to the caller as it is.
    Answer(HttpResponse),
    /// Reported to Lambda.
    Failure(HandlerError),
}

impl From<HttpError> for RouteError {
    fn from(err: HttpError) -> RouteError {
        RouteError::Answer(err.into_response())
    }
}

impl From<HttpResponse> for RouteError {
    fn from(response: HttpResponse) -> RouteError {
        RouteError::Answer(response)
    }
}

impl From<HandlerError> for RouteError {
    fn from(err: HandlerError) -> RouteError {
        RouteError::Failure(err)
    }
}

/// Any error a crate gives (an AWS call's, serde_json's, io's) is a
/// failure of the invocation, typed as [`HandlerError`]'s `From` types it.
impl<E: fmt::Display + 'static> From<E> for RouteError {
    fn from(err: E) -> RouteError {
        RouteError::Failure(HandlerError::from(err))
    }
}

/// `text` cut to at most `max` bytes at a character boundary, with `…`
/// when cut: what a message quotes of a request stays short.
pub(crate) fn cut(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::PayloadVersion;

    #[test]
    fn an_http_error_answers_powertools_shape_and_errors_become_failures() {
        let RouteError::Answer(response) = RouteError::from(HttpError::bad_request("no")) else {
            panic!("not an answer")
        };
        let answer = response.into_value(PayloadVersion::V2).unwrap();
        assert_eq!(answer["statusCode"], 400);
        assert_eq!(answer["body"], r#"{"message":"no","statusCode":400}"#);
        let parse = "x".parse::<u8>().unwrap_err();
        let RouteError::Failure(failure) = RouteError::from(parse) else {
            panic!("not a failure")
        };
        assert_eq!(failure.error_type(), "core::num::error::ParseIntError");
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("aé", 2), "a…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
