//! When a failed attempt is tried again, and after how long: the SDKs'
//! standard mode. Throttling codes, 5xx answers, connection resets and
//! timeouts are retried, at most 3 attempts in all, after a jittered
//! exponential backoff (`random × base × 2^(attempt-1)`, capped); never
//! past the invocation's deadline (`client.rs` checks that).
//!
//! What an attempt's outcome means for retrying is decided here too:
//! which error code an answer carries ([`code_of`]), which ureq failures
//! are timeouts ([`exchange_error`]), and whether an outcome is worth
//! another attempt ([`worth_retrying`]).
//!
//! Pure: the random number is passed in.

use std::io::ErrorKind;
use std::time::Duration;

use crate::aws::error::Error;
use crate::aws::request::Response;
use crate::aws::{json, s3};

/// How calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts in all, the first included (the SDKs' standard mode: 3).
    pub max_attempts: u32,
    /// The backoff before the first retry is up to this long, doubling
    /// after (the SDKs': 1 s).
    pub base_delay: Duration,
    /// No backoff is longer (the SDKs': 20 s).
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
        }
    }
}

/// AWS's throttling error codes, across services (the SDKs' list).
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Codes that say "try again" without a 5xx status.
const TRANSIENT: &[&str] = &["RequestTimeout", "RequestTimeoutException", "InternalError"];

/// Whether an error answer is worth another attempt.
pub fn retry_answer(status: u16, code: &str) -> bool {
    status >= 500 || status == 429 || THROTTLING.contains(&code) || TRANSIENT.contains(&code)
}

/// Whether a transport failure is worth another attempt: the connection
/// broke or timed out, or could not be made. A name that does not resolve
/// or a certificate that is not trusted will not change by trying again.
pub fn retry_transport(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(e) => matches!(
            e.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::ConnectionRefused
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
                | ErrorKind::TimedOut
                | ErrorKind::NotConnected
                | ErrorKind::Interrupted
        ),
        _ => false,
    }
}

/// Whether an attempt's outcome is worth another attempt: an error answer
/// [`retry_answer`] retries, a transport failure [`retry_transport`]
/// retries, or a timeout. With `after_send` false, only what surely did
/// nothing at AWS ([`did_nothing`]).
pub fn worth_retrying(outcome: Result<&Response, &Error>, after_send: bool) -> bool {
    if !after_send {
        return did_nothing(outcome);
    }
    match outcome {
        Ok(response) => !response.is_success() && retry_answer(response.status, &code_of(response)),
        Err(Error::Transport { source, .. }) => retry_transport(source),
        Err(Error::Timeout { .. }) => true,
        Err(_) => false,
    }
}

/// Whether a failed attempt surely left nothing done at AWS: it was
/// throttled (refused before it ran), or no connection was made. A
/// timeout waiting for the answer, a reset or a 5xx may come after AWS
/// acted.
pub fn did_nothing(outcome: Result<&Response, &Error>) -> bool {
    match outcome {
        Ok(response) => !response.is_success() && THROTTLING.contains(&code_of(response).as_str()),
        Err(Error::Transport { source, .. }) => {
            matches!(
                source,
                ureq::Error::ConnectionFailed | ureq::Error::Timeout(ureq::Timeout::Connect)
            ) || matches!(source, ureq::Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused)
        }
        Err(Error::Timeout { what, .. }) => what == &ureq::Timeout::Connect.to_string(),
        Err(_) => false,
    }
}

/// The error code an answer carries, for deciding whether to retry: JSON's
/// `__type` or header, S3's XML `Code`, else the status's name.
pub fn code_of(response: &Response) -> String {
    if response.body.first() == Some(&b'<') {
        if let Err(Error::Service(e)) = s3::check("", response) {
            return e.code;
        }
    }
    json::error_of("", response).code
}

/// The error of an exchange ureq could not complete: a timeout (what timed
/// out, as ureq names it) or a transport failure.
pub fn exchange_error(operation: String, error: ureq::Error) -> Error {
    match error {
        ureq::Error::Timeout(what) => Error::Timeout {
            operation,
            what: what.to_string(),
        },
        source => Error::Transport { operation, source },
    }
}

/// How long to wait after `attempt` (1 for the first) failed, with
/// `random` drawn from [0, 1): full jitter, as the SDKs' standard mode.
pub fn backoff(config: &RetryConfig, attempt: u32, random: f64) -> Duration {
    let exponential = config
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    exponential
        .min(config.max_delay)
        .mul_f64(random.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_retried() {
        for (status, code, retried) in [
            (400, "ProvisionedThroughputExceededException", true),
            (400, "ThrottlingException", true),
            (503, "SlowDown", true),
            (500, "InternalServerError", true),
            (502, "BadGateway", true),
            (429, "TooManyRequests", true),
            (400, "RequestTimeout", true),
            (400, "ConditionalCheckFailedException", false),
            (404, "NoSuchKey", false),
            (403, "AccessDenied", false),
            (400, "ValidationException", false),
        ] {
            assert_eq!(retry_answer(status, code), retried, "{status} {code}");
        }
        let io = |kind| ureq::Error::Io(std::io::Error::from(kind));
        assert!(retry_transport(&io(ErrorKind::ConnectionReset)));
        assert!(retry_transport(&io(ErrorKind::UnexpectedEof)));
        assert!(retry_transport(&ureq::Error::Timeout(
            ureq::Timeout::RecvResponse
        )));
        assert!(!retry_transport(&ureq::Error::HostNotFound));
        assert!(!retry_transport(&io(ErrorKind::PermissionDenied)));
    }

    #[test]
    fn outcomes_worth_another_attempt() {
        let answer = |status, body: &str| {
            Ok(Response {
                status,
                headers: vec![],
                body: body.into(),
            })
        };
        let worth_retrying =
            |outcome: &Result<Response, Error>| worth_retrying(outcome.as_ref(), true);
        assert!(!worth_retrying(&answer(200, "")));
        assert!(worth_retrying(&answer(503, "")));
        assert!(worth_retrying(&answer(
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException"}"#
        )));
        assert!(worth_retrying(&answer(
            503,
            "<Error><Code>SlowDown</Code></Error>"
        )));
        assert!(!worth_retrying(&answer(
            404,
            "<Error><Code>NoSuchKey</Code></Error>"
        )));
        assert_eq!(
            code_of(&Response {
                status: 400,
                headers: vec![],
                body: b"<Error><Code>RequestTimeout</Code></Error>".to_vec(),
            }),
            "RequestTimeout"
        );
        let timeout = exchange_error(
            "S3.GetObject".into(),
            ureq::Error::Timeout(ureq::Timeout::Global),
        );
        assert!(matches!(timeout, Error::Timeout { .. }), "{timeout}");
        assert!(worth_retrying(&Err(timeout)));
        let refused = exchange_error("S3.GetObject".into(), ureq::Error::ConnectionFailed);
        assert!(worth_retrying(&Err(refused)));
        assert!(!worth_retrying(&Err(exchange_error(
            "S3.GetObject".into(),
            ureq::Error::HostNotFound
        ))));
        assert!(!worth_retrying(&Err(Error::Config("x".into()))));
    }

    #[test]
    fn without_retries_after_sending_only_what_did_nothing() {
        let answer = |status, body: &str| {
            Ok(Response {
                status,
                headers: vec![],
                body: body.into(),
            })
        };
        let throttled = answer(400, r#"{"__type":"com.amazonaws.sqs#ThrottlingException"}"#);
        assert!(worth_retrying(throttled.as_ref(), false));
        assert!(!worth_retrying(answer(503, "").as_ref(), false));
        assert!(!worth_retrying(
            answer(500, "<Error><Code>InternalError</Code></Error>").as_ref(),
            false
        ));
        let error = |e| Err(exchange_error("SQS.SendMessage".into(), e));
        assert!(worth_retrying(
            error(ureq::Error::ConnectionFailed).as_ref(),
            false
        ));
        assert!(worth_retrying(
            error(ureq::Error::Timeout(ureq::Timeout::Connect)).as_ref(),
            false
        ));
        for sent in [
            ureq::Error::Timeout(ureq::Timeout::RecvResponse),
            ureq::Error::Timeout(ureq::Timeout::Global),
            ureq::Error::Io(std::io::Error::from(ErrorKind::ConnectionReset)),
        ] {
            let outcome = error(sent);
            assert!(worth_retrying(outcome.as_ref(), true));
            assert!(!worth_retrying(outcome.as_ref(), false));
        }
    }

    #[test]
    fn backoff_doubles_with_full_jitter_and_a_cap() {
        let config = RetryConfig::default();
        assert_eq!(backoff(&config, 1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(&config, 2, 0.5), Duration::from_secs(1));
        assert_eq!(
            backoff(&config, 3, 0.999),
            Duration::from_secs(4).mul_f64(0.999)
        );
        assert_eq!(backoff(&config, 30, 1.0), Duration::from_secs(20));
        assert_eq!(backoff(&config, 2, 0.0), Duration::ZERO);
    }
}
