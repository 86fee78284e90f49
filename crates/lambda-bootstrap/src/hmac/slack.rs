//! Slack's request signature: `X-Slack-Signature: v0=<hex>`, the
//! HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` under the
//! app's signing secret, refused when the timestamp is more than
//! [`TOLERANCE`] from now (Slack's advice against replays).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{SignatureError, verify_hex};
use crate::http::HttpRequest;

/// The header Slack signs requests in.
pub const SIGNATURE_HEADER: &str = "X-Slack-Signature";
/// The header with the request's Unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";
/// How far the timestamp may be from now, either way: five minutes.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Whether `signature` signs `timestamp` and `body` under
/// `signing_secret`, with `timestamp` within [`TOLERANCE`] of `now`.
pub fn verify(
    signing_secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: SystemTime,
) -> Result<(), SignatureError> {
    let timestamp = timestamp
        .ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?
        .trim();
    let signature = signature.ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
    let sent: u64 = timestamp
        .parse()
        .map_err(|_| SignatureError::Malformed(TIMESTAMP_HEADER))?;
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let age = now.abs_diff(sent);
    if age > TOLERANCE.as_secs() {
        return Err(SignatureError::Stale(age));
    }
    let hex = signature
        .trim()
        .strip_prefix("v0=")
        .ok_or(SignatureError::Malformed(SIGNATURE_HEADER))?;
    let mut base = Vec::with_capacity(body.len() + timestamp.len() + 4);
    base.extend_from_slice(b"v0:");
    base.extend_from_slice(timestamp.as_bytes());
    base.push(b':');
    base.extend_from_slice(body);
    verify_hex(signing_secret, &base, hex, SIGNATURE_HEADER)
}

/// [`verify`] on an API Gateway, Function URL or ALB request at `now`: its
/// two headers and its body's bytes (base64-decoded when the event says
/// so). A body that cannot be decoded does not match.
pub fn verify_request(
    signing_secret: &[u8],
    request: &HttpRequest<'_>,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let body = request.body_bytes().map_err(|_| SignatureError::Mismatch)?;
    verify(
        signing_secret,
        request.header(TIMESTAMP_HEADER),
        request.header(SIGNATURE_HEADER),
        &body,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in Slack's "Verifying requests from Slack".
    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn check(secret: &[u8], body: &[u8], now: u64) -> Result<(), SignatureError> {
        verify(secret, Some(TIMESTAMP), Some(SIGNATURE), body, at(now))
    }

    #[test]
    fn slacks_published_example() {
        let sent = 1_531_420_618;
        assert_eq!(check(SECRET, BODY, sent), Ok(()));
        assert_eq!(check(SECRET, BODY, sent + 300), Ok(()));
        assert_eq!(check(SECRET, BODY, sent - 300), Ok(()));
        assert_eq!(
            check(SECRET, BODY, sent + 301),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            check(SECRET, BODY, sent - 400),
            Err(SignatureError::Stale(400))
        );
        assert_eq!(
            check(b"another secret", BODY, sent),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(SECRET, &BODY[1..], sent),
            Err(SignatureError::Mismatch)
        );
        // The timestamp is signed: another one within the tolerance fails.
        assert_eq!(
            verify(SECRET, Some("1531420619"), Some(SIGNATURE), BODY, at(sent)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, None, Some(SIGNATURE), BODY, at(sent)),
            Err(SignatureError::Missing(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(SECRET, Some(TIMESTAMP), None, BODY, at(sent)),
            Err(SignatureError::Missing(SIGNATURE_HEADER))
        );
        assert_eq!(
            verify(SECRET, Some("soon"), Some(SIGNATURE), BODY, at(sent)),
            Err(SignatureError::Malformed(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(
                SECRET,
                Some(TIMESTAMP),
                Some(&SIGNATURE[3..]),
                BODY,
                at(sent)
            ),
            Err(SignatureError::Malformed(SIGNATURE_HEADER))
        );
    }
}
