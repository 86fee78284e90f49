//! `Error`: every way a call to AWS can fail, each variant saying when it
//! happens. AWS's own refusals carry its error code, message, HTTP status
//! and request id; `?` in a handler turns one into a `HandlerError` whose
//! type is that code (see `handler.rs`).
//!
//! Nothing here ever holds a credential: messages are built from the
//! operation, the status and what AWS said, never from a request.

use std::fmt;
use std::time::Duration;

/// A call to AWS failed.
#[derive(Debug)]
pub enum Error {
    /// AWS answered with an error status: `ConditionalCheckFailedException`,
    /// `NoSuchKey`, `ProvisionedThroughputExceededException`, … Throttling
    /// codes and 5xx answers were retried first (at most 3 attempts). A
    /// redirect (3xx) is one too, never followed: S3's `PermanentRedirect`
    /// (a bucket in another region) keeps its code.
    Service(ServiceError),
    /// The request could not be sent or its answer not read: connection
    /// refused or reset, name not found, a TLS failure (a certificate no
    /// root vouches for, among others). Resets were retried first.
    Transport {
        /// `Service.Operation`, e.g. `DynamoDB.PutItem`.
        operation: String,
        /// What ureq reported.
        source: ureq::Error,
    },
    /// An attempt took longer than its connect or read timeout, or than the
    /// time left before the invocation's deadline.
    Timeout {
        /// `Service.Operation`.
        operation: String,
        /// What timed out, as ureq names it (`connect`, `recv_response`, …).
        what: String,
    },
    /// Not started (or not retried): too little time was left before the
    /// invocation's deadline for an attempt to finish.
    Deadline {
        /// `Service.Operation`.
        operation: String,
        /// Time left before the deadline when the call gave up.
        remaining: Duration,
        /// The least an attempt is given, plus what is kept for the answer.
        needed: Duration,
    },
    /// No credentials: none in the environment, or the container endpoint
    /// failed or answered something unusable (that failure again, at once,
    /// while its backoff lasts), or another call's fetch had not ended when
    /// this call's time was up. Never names a secret.
    Credentials(String),
    /// The configuration cannot work: no region, an endpoint URL that is not
    /// a URL, an unreadable `AWS_CA_BUNDLE`, an argument S3 cannot take.
    Config(String),
    /// The answer was longer than the client reads whole: its body passed
    /// `limit` bytes, the `Config` field `setting` (`max_response_size`,
    /// `max_object_size`). Not retried; nothing past the limit was read.
    TooLarge {
        /// `Service.Operation`.
        operation: String,
        /// The limit, in bytes.
        limit: u64,
        /// The `Config` field that sets it.
        setting: &'static str,
    },
    /// AWS answered success with something the protocol does not allow
    /// (a JSON protocol's body that is not JSON).
    InvalidResponse {
        /// `Service.Operation`.
        operation: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
    },
}

/// An error answer from an AWS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// `Service.Operation`, e.g. `DynamoDB.PutItem`.
    pub operation: String,
    /// AWS's error code (`ConditionalCheckFailedException`, `NoSuchKey`);
    /// when the answer names none, the status's name (`ServiceUnavailable`,
    /// `InternalServerError`, `NotFound`, or `Http418`).
    pub code: String,
    /// AWS's message; empty when it gave none.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
    /// `x-amzn-RequestId` (JSON services) or `x-amz-request-id` (S3).
    pub request_id: Option<String>,
}

impl Error {
    /// AWS's error code, for an error AWS answered with.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The HTTP status, when AWS answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// AWS's request id, when AWS answered and gave one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether AWS answered with this error code:
    /// `err.is("ConditionalCheckFailedException")`.
    pub fn is(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
}

/// The name a status goes by when the answer names no error code.
pub(crate) fn status_code_name(status: u16) -> String {
    match status {
        301 => "MovedPermanently".into(),
        302 => "Found".into(),
        303 => "SeeOther".into(),
        307 => "TemporaryRedirect".into(),
        308 => "PermanentRedirect".into(),
        400 => "BadRequest".into(),
        401 => "Unauthorized".into(),
        403 => "Forbidden".into(),
        404 => "NotFound".into(),
        409 => "Conflict".into(),
        413 => "RequestEntityTooLarge".into(),
        429 => "TooManyRequests".into(),
        500 => "InternalServerError".into(),
        502 => "BadGateway".into(),
        503 => "ServiceUnavailable".into(),
        504 => "GatewayTimeout".into(),
        other => format!("Http{other}"),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Service(e) => e.fmt(f),
            Error::Transport { operation, source } => {
                write!(f, "{operation} failed: {source}")
            }
            Error::Timeout { operation, what } => {
                write!(f, "{operation} timed out ({what})")
            }
            Error::Deadline {
                operation,
                remaining,
                needed,
            } => write!(
                f,
                "{operation} not started: {} ms left before the invocation's deadline, \
                 an attempt needs {} ms",
                remaining.as_millis(),
                needed.as_millis()
            ),
            Error::TooLarge {
                operation,
                limit,
                setting,
            } => write!(
                f,
                "{operation} answered more than {limit} bytes, the most the client reads \
                 whole (Config::{setting})"
            ),
            Error::Credentials(why) => write!(f, "no AWS credentials: {why}"),
            Error::Config(why) => write!(f, "AWS client configuration: {why}"),
            Error::InvalidResponse {
                operation,
                status,
                reason,
            } => write!(f, "{operation} answered {status} with {reason}"),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        write!(f, " (status {}", self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, request_id: Option<&str>) -> Error {
        Error::Service(ServiceError {
            operation: "DynamoDB.PutItem".into(),
            code: code.into(),
            message: "The conditional request failed".into(),
            status: 400,
            request_id: request_id.map(String::from),
        })
    }

    #[test]
    fn messages_name_the_operation_code_status_and_request_id() {
        let err = service("ConditionalCheckFailedException", Some("R1"));
        assert_eq!(
            err.to_string(),
            "DynamoDB.PutItem failed: ConditionalCheckFailedException: \
             The conditional request failed (status 400, request id R1)"
        );
        assert!(err.is("ConditionalCheckFailedException"));
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.request_id(), Some("R1"));
        let err = Error::Deadline {
            operation: "SQS.SendMessage".into(),
            remaining: Duration::from_millis(40),
            needed: Duration::from_millis(150),
        };
        assert_eq!(
            err.to_string(),
            "SQS.SendMessage not started: 40 ms left before the invocation's deadline, \
             an attempt needs 150 ms"
        );
        assert_eq!(err.code(), None);
        let err = Error::TooLarge {
            operation: "S3.GetObject".into(),
            limit: 1024,
            setting: "max_object_size",
        };
        assert_eq!(
            err.to_string(),
            "S3.GetObject answered more than 1024 bytes, the most the client reads whole \
             (Config::max_object_size)"
        );
    }

    #[test]
    fn statuses_without_a_code_get_their_name() {
        assert_eq!(status_code_name(503), "ServiceUnavailable");
        assert_eq!(status_code_name(404), "NotFound");
        assert_eq!(status_code_name(418), "Http418");
        assert_eq!(status_code_name(307), "TemporaryRedirect");
    }
}
