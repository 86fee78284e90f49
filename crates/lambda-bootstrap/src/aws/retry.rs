//! When a failed attempt is tried again, and after how long: the SDKs'
//! standard mode. Throttling codes, 5xx answers, connection resets and
//! timeouts are retried, at most 3 attempts in all, after a jittered
//! exponential backoff (`random × base × 2^(attempt-1)`, capped); never
//! past the invocation's deadline (`client.rs` checks that).
//!
//! Pure: the random number is passed in.

use std::io::ErrorKind;
use std::time::Duration;

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
