//! Where the keys that sign requests come from, and how long they are kept:
//! the environment's (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, as Lambda sets them), or the container endpoint's
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`), cached and fetched again five
//! minutes before they expire.
//!
//! Pure: the clock and the fetch are passed in (`Cache::get`), so the
//! refresh rules are tested without a network or a wait. Nothing here
//! prints a secret: `Debug` shows only whether a value is there.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::aws::error::Error;
use crate::aws::time;

/// Credentials are fetched again this long before they expire, as the SDKs
/// do, so that no request is signed with keys about to lapse.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// One set of keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expires: Option<SystemTime>,
}

impl Credentials {
    /// Keys that never expire unless `expires` says when.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expires: Option<SystemTime>,
    ) -> Credentials {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expires,
        }
    }

    /// The access key id (`AKIA…`, `ASIA…`).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret key: for signing only.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// When they stop working; `None` for keys that do not expire.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires
    }

    /// Whether they are still good at `now` for long enough to be used
    /// without fetching new ones first.
    fn fresh_at(&self, now: SystemTime) -> bool {
        self.expires
            .is_none_or(|at| now + REFRESH_BEFORE_EXPIRY < at)
    }

    /// Whether they still work at all at `now`.
    fn valid_at(&self, now: SystemTime) -> bool {
        self.expires.is_none_or(|at| now < at)
    }
}

/// Never shows a key: only which parts are there and when they expire.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &"<redacted>")
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

/// Where the container endpoint's authorization token comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Token {
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    Value(String),
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, read at each fetch (the
    /// file is rotated under a running process).
    File(String),
}

/// Where credentials come from, decided once, when the client is made.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    /// Keys from the environment, used as they are.
    Static(Credentials),
    /// The container credentials endpoint: a GET with the token as
    /// `Authorization`, answered with JSON `AccessKeyId`, `SecretAccessKey`,
    /// `Token`, `Expiration`.
    Container {
        /// The full URL.
        uri: String,
        /// The authorization token, if any.
        token: Option<Token>,
    },
    /// None of the above is set: every call fails with this reason.
    Missing(String),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Static(c) => f.debug_tuple("Static").field(c).finish(),
            Source::Container { uri, token } => f
                .debug_struct("Container")
                .field("uri", uri)
                .field(
                    "token",
                    &match token {
                        None => "none",
                        Some(Token::Value(_)) => "<redacted>",
                        Some(Token::File(_)) => "from a file",
                    },
                )
                .finish(),
            Source::Missing(why) => f.debug_tuple("Missing").field(why).finish(),
        }
    }
}

impl Source {
    /// Reads the variables the SDKs read, in their order: keys in the
    /// environment first, then the container endpoint.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Source {
        let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        match (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => {
                return Source::Static(Credentials::new(
                    id.trim(),
                    secret.trim(),
                    set("AWS_SESSION_TOKEN").map(|t| t.trim().to_string()),
                    None,
                ));
            }
            (Some(_), None) => {
                return Source::Missing(
                    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not".into(),
                );
            }
            (None, Some(_)) => {
                return Source::Missing(
                    "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not".into(),
                );
            }
            (None, None) => {}
        }
        let uri = set("AWS_CONTAINER_CREDENTIALS_FULL_URI").or_else(|| {
            // ECS's form: a path on the task metadata address.
            set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
                .map(|path| format!("http://169.254.170.2{}", path.trim()))
        });
        match uri {
            Some(uri) => Source::Container {
                uri: uri.trim().to_string(),
                token: set("AWS_CONTAINER_AUTHORIZATION_TOKEN")
                    .map(|t| Token::Value(t.trim().to_string()))
                    .or_else(|| set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").map(Token::File)),
            },
            None => Source::Missing(
                "neither AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY nor \
                 AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
                    .into(),
            ),
        }
    }
}

/// Refuses a container endpoint that would send the token in the clear to
/// anything but this machine or the container hosts' link-local addresses,
/// as the SDKs do: `https://` anywhere, `http://` only there.
pub fn check_container_uri(uri: &str) -> Result<(), Error> {
    let refuse = |why: &str| {
        Err(Error::Credentials(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI '{uri}' {why}"
        )))
    };
    if uri.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = uri.strip_prefix("http://") else {
        return refuse("is not an http:// or https:// URL");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let allowed = host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| {
            ip.is_loopback()
                || ip.to_string() == "169.254.170.2"
                || ip.to_string() == "169.254.170.23"
                || ip.to_string() == "fd00:ec2::23"
        });
    if allowed {
        Ok(())
    } else {
        refuse(
            "is plain http to a host other than this machine or the container hosts (169.254.170.2, 169.254.170.23)",
        )
    }
}

/// Reads the container endpoint's answer. Error messages name the field
/// that is missing, never a value: the body holds the secret.
pub fn parse_container_answer(body: &[u8]) -> Result<Credentials, Error> {
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

/// The credentials in use, shared by every thread that calls AWS.
#[derive(Debug)]
pub struct Cache {
    source: Source,
    current: Mutex<Option<Credentials>>,
}

impl Cache {
    /// An empty cache for `source`.
    pub fn new(source: Source) -> Cache {
        Cache {
            source,
            current: Mutex::new(None),
        }
    }

    /// Where the credentials come from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The credentials to sign with at `now`: the cached ones while they
    /// are fresh, else what `fetch` gets (one fetch at a time: other
    /// threads wait for it and use its result). If a fetch fails while the
    /// cached keys still work, those are used and the failure is logged.
    pub fn get(
        &self,
        now: SystemTime,
        fetch: impl FnOnce(&Source) -> Result<Credentials, Error>,
    ) -> Result<Credentials, Error> {
        match &self.source {
            Source::Static(credentials) => return Ok(credentials.clone()),
            Source::Missing(why) => return Err(Error::Credentials(why.clone())),
            Source::Container { .. } => {}
        }
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(credentials) = current.as_ref().filter(|c| c.fresh_at(now)) {
            return Ok(credentials.clone());
        }
        match fetch(&self.source) {
            Ok(fetched) => {
                log::debug!(
                    "aws: credentials fetched from the container endpoint, expiring {}",
                    fetched.expires.map_or("never".into(), time::amz_date)
                );
                *current = Some(fetched.clone());
                Ok(fetched)
            }
            Err(e) => match current.as_ref().filter(|c| c.valid_at(now)) {
                Some(still_good) => {
                    log::warn!("aws: keeping credentials that expire soon: {e}");
                    Ok(still_good.clone())
                }
                None => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::UNIX_EPOCH;

    fn env(pairs: &[(&str, &str)]) -> Source {
        Source::from_lookup(&|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn the_environment_is_read_as_the_sdks_read_it() {
        assert_eq!(
            env(&[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "SECRET"),
                ("AWS_SESSION_TOKEN", "TOKEN"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"),
            ]),
            Source::Static(Credentials::new(
                "AKID",
                "SECRET",
                Some("TOKEN".into()),
                None
            ))
        );
        assert_eq!(
            env(&[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/c"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "T"),
            ]),
            Source::Container {
                uri: "http://127.0.0.1:9/c".into(),
                token: Some(Token::Value("T".into()))
            }
        );
        assert_eq!(
            env(&[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")]),
            Source::Container {
                uri: "http://169.254.170.2/v2/creds".into(),
                token: None
            }
        );
        let Source::Missing(why) = env(&[("AWS_ACCESS_KEY_ID", "AKID")]) else {
            panic!()
        };
        assert_eq!(
            why,
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
        );
        assert!(matches!(env(&[]), Source::Missing(_)));
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let source = env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDMARKER"),
            ("AWS_SECRET_ACCESS_KEY", "SECRETMARKER"),
            ("AWS_SESSION_TOKEN", "TOKENMARKER"),
        ]);
        let container = env(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "TOKENMARKER"),
        ]);
        let shown = format!("{source:?} {container:?} {:?}", Cache::new(source.clone()));
        for secret in ["AKIDMARKER", "SECRETMARKER", "TOKENMARKER"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn container_uris_in_the_clear_only_to_this_machine() {
        for ok in [
            "https://creds.example.com/x",
            "http://127.0.0.1:9001/creds",
            "http://localhost/creds",
            "http://[::1]:80/creds",
            "http://169.254.170.2/v2/credentials/x",
            "http://169.254.170.23/v1/credentials",
        ] {
            assert!(check_container_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/creds",
            "http://example.com/c",
            "ftp://127.0.0.1/c",
        ] {
            assert!(check_container_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn container_answers_are_read_without_quoting_them() {
        let good = br#"{"AccessKeyId":"ASIA1","SecretAccessKey":"S","Token":"T","Expiration":"2015-08-30T12:36:00Z"}"#;
        let creds = parse_container_answer(good).unwrap();
        assert_eq!(creds.access_key_id(), "ASIA1");
        assert_eq!(creds.session_token(), Some("T"));
        assert_eq!(
            creds.expires(),
            Some(UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        );
        let no_secret = br#"{"AccessKeyId":"ASIA1","Token":"SECRETTOKEN"}"#;
        let err = parse_container_answer(no_secret).unwrap_err().to_string();
        assert_eq!(
            err,
            "no AWS credentials: the container credentials endpoint's answer has no SecretAccessKey"
        );
        let err = parse_container_answer(b"SECRET not json")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn container_credentials_are_fetched_again_five_minutes_before_they_expire() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let cache = Cache::new(Source::Container {
            uri: "http://127.0.0.1/c".into(),
            token: None,
        });
        let fetches = Cell::new(0);
        let issue = |expires: SystemTime| {
            let n = fetches.get() + 1;
            fetches.set(n);
            Credentials::new(format!("KEY{n}"), "S", None, Some(expires))
        };
        let one_hour = Duration::from_secs(3600);
        // First use: fetched.
        let c = cache.get(t0, |_| Ok(issue(t0 + one_hour))).unwrap();
        assert_eq!((c.access_key_id(), fetches.get()), ("KEY1", 1));
        // Fresh: kept.
        let c = cache
            .get(t0 + Duration::from_secs(3000), |_| Ok(issue(t0)))
            .unwrap();
        assert_eq!((c.access_key_id(), fetches.get()), ("KEY1", 1));
        // Within five minutes of expiring: fetched again, the new keys used.
        let late = t0 + one_hour - Duration::from_secs(299);
        let c = cache.get(late, |_| Ok(issue(late + one_hour))).unwrap();
        assert_eq!((c.access_key_id(), fetches.get()), ("KEY2", 2));
        // A failed refresh keeps keys that still work...
        let later = late + one_hour - Duration::from_secs(60);
        let c = cache
            .get(later, |_| Err(Error::Credentials("endpoint down".into())))
            .unwrap();
        assert_eq!(c.access_key_id(), "KEY2");
        // ...but not expired ones.
        let err = cache
            .get(late + one_hour, |_| {
                Err(Error::Credentials("endpoint down".into()))
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "no AWS credentials: endpoint down");
    }

    #[test]
    fn static_and_missing_sources_never_fetch() {
        let now = SystemTime::now();
        let cache = Cache::new(Source::Static(Credentials::new("A", "S", None, None)));
        let c = cache.get(now, |_| panic!("fetched")).unwrap();
        assert_eq!(c.access_key_id(), "A");
        let cache = Cache::new(Source::Missing("why".into()));
        assert_eq!(
            cache
                .get(now, |_| panic!("fetched"))
                .unwrap_err()
                .to_string(),
            "no AWS credentials: why"
        );
    }
}
