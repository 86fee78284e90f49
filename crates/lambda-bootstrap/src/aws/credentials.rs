//! Where the keys that sign requests come from, and how long they are kept:
//! the environment's (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, as Lambda sets them), or the container endpoint's
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`); how long they are kept is
//! `cache.rs`'s.
//!
//! Pure. Nothing here prints a secret: `Debug` shows only whether a value
//! is there.

use std::fmt;
use std::time::SystemTime;

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
            set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").map(|path| {
                let path = path.trim();
                let slash = if path.starts_with('/') { "" } else { "/" };
                format!("http://169.254.170.2{slash}{path}")
            })
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
                 AWS_CONTAINER_CREDENTIALS_FULL_URI (or _RELATIVE_URI) is set"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // ECS's relative URI goes to the task metadata address (which only
        // a task reaches: this shaping is what can be tested off ECS).
        for relative in ["/v2/creds", " v2/creds\n"] {
            let source = env(&[
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", relative),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t"),
            ]);
            assert_eq!(
                source,
                Source::Container {
                    uri: "http://169.254.170.2/v2/creds".into(),
                    token: Some(Token::File("/t".into()))
                }
            );
        }
        assert_eq!(
            env(&[
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/relative"),
                (
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "http://127.0.0.1/full"
                ),
            ]),
            Source::Container {
                uri: "http://127.0.0.1/full".into(),
                token: None
            },
            "the full URI first, as the SDKs read them"
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
        let shown = format!("{source:?} {container:?}");
        for secret in ["AKIDMARKER", "SECRETMARKER", "TOKENMARKER"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
