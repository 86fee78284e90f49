//! The container credentials endpoint (ECS, EKS Pod Identity, Lambda's
//! own `AWS_CONTAINER_CREDENTIALS_FULL_URI`): which URIs may carry the
//! token, the token read, one GET within the time the calling attempt has
//! left, and its JSON answer read. When to fetch is `cache.rs`'s.
//!
//! The GET goes straight to the endpoint: never through a proxy (a plain
//! http endpoint on this machine or a link-local address would hand the
//! proxy the token and the keys), and never to where a redirect points.
//! The answer holds a secret key: the caller marks its thread as in an AWS
//! call (`client::QuietWire`), so ureq's byte dumps of it are dropped, and
//! no message here quotes it.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::Value;
use ureq::Agent;

use crate::aws::credentials::{Credentials, Source, Token};
use crate::aws::error::Error;
use crate::aws::{file, time};

/// The longest a fetch may take, as the SDKs wait, whatever the deadline.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` read: tokens are a
/// few kilobytes, and a file that never ends must not hang the fetch.
pub const TOKEN_FILE_MAX: u64 = 64 * 1024;

/// The largest answer read: keys and a session token are a few kilobytes.
pub const ANSWER_MAX: u64 = 64 * 1024;

/// GETs the container endpoint's credentials through `agent` (its TLS
/// roots and pool, not its proxy), within `budget` and [`FETCH_TIMEOUT`].
/// Running out of `budget` is an `Error::Timeout` (the caller's time, not
/// the endpoint's failure); every other failure an `Error::Credentials`.
pub fn fetch(
    agent: &Agent,
    source: &Source,
    budget: Option<Duration>,
) -> Result<Credentials, Error> {
    let Source::Container { uri, token } = source else {
        unreachable!("only container credentials are fetched")
    };
    check_uri(uri)?;
    let token = match token {
        None => None,
        Some(Token::Value(v)) => Some(v.clone()),
        Some(Token::File(path)) => Some(read_token_file(path)?),
    };
    let limit = FETCH_TIMEOUT.min(budget.unwrap_or(Duration::MAX));
    let mut request = agent
        .get(uri)
        .config()
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_global(Some(limit))
        .build();
    if let Some(token) = &token {
        request = request.header("Authorization", token);
    }
    let failed = |e: ureq::Error| match e {
        // The calling attempt's time ran out, not the endpoint's.
        ureq::Error::Timeout(what) if limit < FETCH_TIMEOUT => Error::Timeout {
            operation: format!("the container credentials fetch from '{uri}'"),
            what: what.to_string(),
        },
        e => Error::Credentials(format!(
            "the container credentials endpoint '{uri}' could not be reached: {e}"
        )),
    };
    let mut response = request.call().map_err(failed)?;
    let status = response.status().as_u16();
    if status != 200 {
        // A redirect included: its target is not asked.
        return Err(Error::Credentials(format!(
            "the container credentials endpoint '{uri}' answered {status}"
        )));
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(ANSWER_MAX)
        .read_to_vec()
        .map_err(failed)?;
    parse_answer(&body)
}

/// The token in `path`, trimmed: a regular file (a symlink to one, as
/// Kubernetes projects it, included) of at most [`TOKEN_FILE_MAX`] bytes.
fn read_token_file(path: &str) -> Result<String, Error> {
    let refuse = |why: &str| {
        Error::Credentials(format!(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '{path}' {why}"
        ))
    };
    let bytes = file::read_small(path, TOKEN_FILE_MAX).map_err(|why| refuse(&why))?;
    let text = String::from_utf8(bytes).map_err(|_| refuse("is not UTF-8 text"))?;
    Ok(text.trim().to_string())
}

/// A URI taken apart as RFC 3986 does, as far as the check needs.
#[derive(Debug, PartialEq, Eq)]
struct Parts<'a> {
    scheme: &'a str,
    /// Without brackets: `::1` for `[::1]`.
    host: &'a str,
    port: Option<u16>,
}

/// Takes `uri` apart, refusing what has no place in a credentials URI:
/// another scheme, user information (`user@host`, which would make the
/// host check look at the wrong name), characters a host or port cannot
/// have.
fn parts(uri: &str) -> Result<Parts<'_>, String> {
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or("is not an http:// or https:// URL")?;
    let scheme = match scheme {
        s if s.eq_ignore_ascii_case("http") => "http",
        s if s.eq_ignore_ascii_case("https") => "https",
        _ => return Err("is not an http:// or https:// URL".into()),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err("carries user information (user@host), which is refused".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6
                .split_once(']')
                .ok_or("has an unclosed '[' in its host")?;
            (host, after)
        }
        None => match authority.find(':') {
            Some(at) => (&authority[..at], &authority[at..]),
            None => (authority, ""),
        },
    };
    let port = match port {
        "" => None,
        p => Some(
            p.strip_prefix(':')
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or("has a port that is not a number from 0 to 65535")?,
        ),
    };
    let host_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':');
    if host.is_empty() || !host.chars().all(host_char) {
        return Err("has no host, or one with characters a host cannot have".into());
    }
    Ok(Parts { scheme, host, port })
}

/// Refuses a container endpoint that would send the token in the clear to
/// anything but this machine or the container hosts' link-local addresses,
/// as the SDKs do: `https://` anywhere, `http://` only to `localhost`, a
/// loopback address, 169.254.170.2 (ECS), 169.254.170.23 or fd00:ec2::23
/// (EKS Pod Identity). The host checked is the URI's own, parsed with its
/// user information refused.
pub fn check_uri(uri: &str) -> Result<(), Error> {
    let refuse =
        |why: &str| Error::Credentials(format!("AWS_CONTAINER_CREDENTIALS_FULL_URI '{uri}' {why}"));
    let parts = parts(uri).map_err(|why| refuse(&why))?;
    if parts.scheme == "https" {
        return Ok(());
    }
    let allowed = parts.host.eq_ignore_ascii_case("localhost")
        || parts.host.parse::<IpAddr>().is_ok_and(|ip| {
            ip.is_loopback()
                || ip == IpAddr::from([169, 254, 170, 2])
                || ip == IpAddr::from([169, 254, 170, 23])
                || ip == IpAddr::from([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23])
        });
    if allowed {
        Ok(())
    } else {
        Err(refuse(
            "is plain http to a host other than this machine or the container hosts (169.254.170.2, 169.254.170.23)",
        ))
    }
}

/// Reads the container endpoint's answer. Error messages name the field
/// that is missing, never a value: the body holds the secret.
pub fn parse_answer(body: &[u8]) -> Result<Credentials, Error> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        Error::Credentials(
            "the container credentials endpoint answered with something that is not JSON".into(),
        )
    })?;
    let field = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::Credentials(format!(
                    "the container credentials endpoint's answer has no {name}"
                ))
            })
    };
    let expires = match value.get("Expiration").and_then(Value::as_str) {
        None => None,
        Some(text) => Some(time::parse_rfc3339(text).ok_or_else(|| {
            Error::Credentials(format!(
                "the container credentials endpoint's Expiration '{text}' is not an RFC 3339 time"
            ))
        })?),
    };
    Ok(Credentials::new(
        field("AccessKeyId")?,
        field("SecretAccessKey")?,
        field("Token").ok().map(String::from),
        expires,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn container_uris_in_the_clear_only_to_this_machine() {
        for ok in [
            "https://creds.example.com/x",
            "https://creds.example.com:8443",
            "http://127.0.0.1:9001/creds",
            "http://127.0.0.2/creds",
            "http://localhost/creds",
            "HTTP://LOCALHOST:80/creds?x=1#y",
            "http://[::1]:80/creds",
            "http://[::1]",
            "http://169.254.170.2/v2/credentials/x",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
        ] {
            assert!(check_uri(ok).is_ok(), "{ok}: {:?}", check_uri(ok));
        }
        let refused = |uri: &str| check_uri(uri).unwrap_err().to_string();
        let elsewhere = "is plain http to a host other than this machine or the container hosts";
        for (bad, why) in [
            ("http://10.0.0.1/creds", elsewhere),
            ("http://example.com/c", elsewhere),
            ("http://localhost.example.com/c", elsewhere),
            ("http://127.0.0.1.nip.io/c", elsewhere),
            ("http://169.254.169.254/latest", elsewhere),
            ("ftp://127.0.0.1/c", "is not an http:// or https:// URL"),
            ("127.0.0.1/c", "is not an http:// or https:// URL"),
            (
                "http://localhost:80@192.0.2.2/creds",
                "carries user information",
            ),
            (
                "http://user:pass@127.0.0.1/creds",
                "carries user information",
            ),
            (
                "https://token@creds.example.com/",
                "carries user information",
            ),
            (
                "http://127.0.0.1:80:81/c",
                "has a port that is not a number",
            ),
            (
                "http://127.0.0.1:99999/c",
                "has a port that is not a number",
            ),
            ("http://127.0.0.1:/c", "has a port that is not a number"),
            ("http://[::1/c", "has an unclosed '['"),
            ("http://[::1]x/c", "has a port that is not a number"),
            ("http:///c", "has no host"),
            (
                "http://127.0.0.1\\.example.com/c",
                "has no host, or one with characters",
            ),
            (
                "http://loc%61lhost/c",
                "has no host, or one with characters",
            ),
        ] {
            let err = refused(bad);
            assert!(
                err.starts_with(&format!(
                    "no AWS credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI '{bad}' {why}"
                )),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn uris_are_taken_apart_as_rfc_3986_does() {
        assert_eq!(
            parts("http://[::1]:8080/x"),
            Ok(Parts {
                scheme: "http",
                host: "::1",
                port: Some(8080)
            })
        );
        assert_eq!(
            parts("https://h.example?q@x"),
            Ok(Parts {
                scheme: "https",
                host: "h.example",
                port: None
            }),
            "an @ after the authority is the query's"
        );
    }

    #[test]
    fn token_files_are_regular_files_of_bounded_size() {
        let dir = std::env::temp_dir().join(format!("container-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "  the-token\n").unwrap();
        assert_eq!(
            read_token_file(file.to_str().unwrap()).unwrap(),
            "the-token"
        );
        std::fs::write(&file, vec![b'a'; TOKEN_FILE_MAX as usize + 1]).unwrap();
        let err = read_token_file(file.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("is larger than 64 KiB"), "{err}");
        for endless in ["/dev/zero", dir.to_str().unwrap()] {
            let err = read_token_file(endless).unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "no AWS credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '{endless}' is not a regular file"
                )
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn container_answers_are_read_without_quoting_them() {
        let good = br#"{"AccessKeyId":"ASIA1","SecretAccessKey":"S","Token":"T","Expiration":"2015-08-30T12:36:00Z"}"#;
        let creds = parse_answer(good).unwrap();
        assert_eq!(creds.access_key_id(), "ASIA1");
        assert_eq!(creds.session_token(), Some("T"));
        assert_eq!(
            creds.expires(),
            Some(UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        );
        let no_secret = br#"{"AccessKeyId":"ASIA1","Token":"SECRETTOKEN"}"#;
        let err = parse_answer(no_secret).unwrap_err().to_string();
        assert_eq!(
            err,
            "no AWS credentials: the container credentials endpoint's answer has no SecretAccessKey"
        );
        let err = parse_answer(b"SECRET not json").unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }
}
