//! GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex>`, the
//! HMAC-SHA256 of the raw body under the webhook's secret.

use super::{SignatureError, verify_hex};
use crate::http::HttpRequest;

/// The header GitHub signs deliveries in.
pub const HEADER: &str = "X-Hub-Signature-256";

/// Whether `signature` (the header's value, `sha256=<hex>`) signs `body`
/// under `secret`.
pub fn verify(secret: &[u8], body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
    let signature = signature.ok_or(SignatureError::Missing(HEADER))?;
    let hex = signature
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed(HEADER))?;
    verify_hex(secret, body, hex, HEADER)
}

/// [`verify`] on an API Gateway, Function URL or ALB request: its header
/// and its body's bytes (base64-decoded when the event says so). A body
/// that cannot be decoded does not match.
pub fn verify_request(secret: &[u8], request: &HttpRequest<'_>) -> Result<(), SignatureError> {
    let body = request.body_bytes().map_err(|_| SignatureError::Mismatch)?;
    verify(secret, &body, request.header(HEADER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example in GitHub's "Validating webhook deliveries".
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_published_example() {
        assert_eq!(verify(SECRET, BODY, Some(SIGNATURE)), Ok(()));
        assert_eq!(
            verify(b"another secret", BODY, Some(SIGNATURE)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, b"Hello, World?", Some(SIGNATURE)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, BODY, None),
            Err(SignatureError::Missing(HEADER))
        );
        // The SHA-1 header's format is not accepted for the SHA-256 one.
        let sha1 = SIGNATURE.replace("sha256=", "sha1=");
        assert_eq!(
            verify(SECRET, BODY, Some(&sha1)),
            Err(SignatureError::Malformed(HEADER))
        );
    }

    #[test]
    fn a_request_is_checked_on_its_raw_body_and_header_in_any_case() {
        let event = json!({
            "version": "2.0",
            "rawPath": "/hook",
            "headers": {"x-hub-signature-256": SIGNATURE},
            "requestContext": {"http": {"method": "POST", "path": "/hook"}},
            "body": crate::http::base64::encode(BODY),
            "isBase64Encoded": true,
        });
        let request = HttpRequest::parse(&event).unwrap();
        assert_eq!(verify_request(SECRET, &request), Ok(()));
        assert_eq!(
            verify_request(b"wrong", &request),
            Err(SignatureError::Mismatch)
        );
    }
}
