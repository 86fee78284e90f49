//! HMAC-SHA256 signatures, checked in constant time, for webhook receivers
//! that call no AWS service (the cargo feature `hmac`): [`github`]'s
//! `X-Hub-Signature-256` and [`slack`]'s signing secret, on top of
//! [`sign`] and [`verify`] for any other sender.
//!
//! ```
//! use lambda_bootstrap::hmac;
//!
//! let tag = hmac::sign(b"secret", b"payload");
//! assert!(hmac::verify(b"secret", b"payload", &tag).is_ok());
//! assert!(hmac::verify(b"secret", b"payload!", &tag).is_err());
//! ```
//!
//! The comparison is ring's, which takes the same time wherever the first
//! differing byte is: a caller cannot learn the right signature byte by
//! byte from how fast wrong ones are refused. Nothing here logs.

pub mod github;
pub mod slack;

use std::fmt;

use ring::hmac as ring_hmac;

/// Why a signature was refused. The messages name the header and what was
/// wrong, never the secret nor the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The request has no signature header (named here).
    Missing(&'static str),
    /// The header is there, not in its sender's format (named here):
    /// another prefix, not hex, not 32 bytes.
    Malformed(&'static str),
    /// A well-formed signature that does not match the body and secret.
    Mismatch,
    /// Slack's timestamp is further than the tolerance from now, in
    /// seconds either way: a replay of an old request, or a wrong clock.
    Stale(u64),
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Missing(header) => write!(f, "no {header} header"),
            SignatureError::Malformed(what) => write!(f, "{what} is not in the sender's format"),
            SignatureError::Mismatch => f.write_str("the signature does not match the body"),
            SignatureError::Stale(age) => {
                write!(f, "the request timestamp is {age} s away from now")
            }
        }
    }
}

impl std::error::Error for SignatureError {}

/// The HMAC-SHA256 of `message` under `secret`.
pub fn sign(secret: &[u8], message: &[u8]) -> [u8; 32] {
    let key = ring_hmac::Key::new(ring_hmac::HMAC_SHA256, secret);
    let tag = ring_hmac::sign(&key, message);
    tag.as_ref().try_into().expect("SHA-256 tags are 32 bytes")
}

/// Whether `tag` is the HMAC-SHA256 of `message` under `secret`, compared
/// in constant time.
pub fn verify(secret: &[u8], message: &[u8], tag: &[u8]) -> Result<(), SignatureError> {
    let key = ring_hmac::Key::new(ring_hmac::HMAC_SHA256, secret);
    ring_hmac::verify(&key, message, tag).map_err(|_| SignatureError::Mismatch)
}

/// [`verify`] for a tag written as hex (either case), as webhook headers
/// carry it; `header` names it in a [`SignatureError::Malformed`].
pub fn verify_hex(
    secret: &[u8],
    message: &[u8],
    hex: &str,
    header: &'static str,
) -> Result<(), SignatureError> {
    let tag = decode_hex(hex.trim()).ok_or(SignatureError::Malformed(header))?;
    // The length is public (every right tag has it); only the bytes are not.
    if tag.len() != 32 {
        return Err(SignatureError::Malformed(header));
    }
    verify(secret, message, &tag)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    hex.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231's test case 2: key "Jefe".
    #[test]
    fn rfc_4231_case_2() {
        let tag = sign(b"Jefe", b"what do ya want for nothing?");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            verify_hex(b"Jefe", b"what do ya want for nothing?", &hex, "x"),
            Ok(())
        );
        assert_eq!(
            verify_hex(
                b"Jefe",
                b"what do ya want for nothing?",
                &hex.to_uppercase(),
                "x"
            ),
            Ok(())
        );
        assert_eq!(
            verify_hex(b"Jefe", b"what do ya want for nothing!", &hex, "x"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_hex(b"Jefe", b"", &hex[..62], "X-Sig"),
            Err(SignatureError::Malformed("X-Sig"))
        );
        assert_eq!(
            verify_hex(b"Jefe", b"", &hex.replace('5', "g"), "X-Sig"),
            Err(SignatureError::Malformed("X-Sig"))
        );
    }
}
