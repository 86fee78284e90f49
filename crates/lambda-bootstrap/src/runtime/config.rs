//! The runtime's settings, read once at start-up from a lookup function.
//!
//! Nothing here touches the process environment itself: `main` hands in
//! `std::env::var`, tests hand in a table. That keeps "only `main` reads the
//! environment" true and every rule below testable without `set_var`.

use std::fmt;

use crate::context::FunctionInfo;

/// Where the Runtime API listens: the base URL every API's routes hang off
/// (`http://host:port[/prefix]`; the Runtime API's are under `/2018-06-01`,
/// the Extensions API's under `/2020-01-01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base: String,
}

impl Endpoint {
    /// Parses `AWS_LAMBDA_RUNTIME_API`: `host:port` as Lambda gives it, or
    /// `http://host:port[/prefix]` as local emulators hand out. Every part
    /// is checked here, once, at start-up: the base goes verbatim into
    /// request lines the runtime writes itself (a streamed answer's), so a
    /// value that only ureq's URL parser would have caught, on whichever
    /// request came first, is refused before any.
    pub fn parse(value: &str) -> Result<Endpoint, ConfigError> {
        let bad = |why: &'static str| ConfigError::BadRuntimeApi(value.to_string(), why);
        let trimmed = value.trim();
        let rest = match trimmed.split_once("://") {
            None => trimmed,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            // The Runtime API is plain HTTP on the sandbox's loopback; this
            // binary carries no TLS for it, so https can only be a mistake.
            Some(_) => return Err(bad("the scheme can only be http")),
        };
        let (authority, prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = authority.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        if !is_host(host) {
            return Err(bad("the host is not a name or an IP address"));
        }
        if port.parse::<u16>().is_err() {
            return Err(bad("the port is not a number from 0 to 65535"));
        }
        if !is_path(prefix) {
            return Err(bad(
                "the path prefix may hold only letters, digits, /, %XX and -._~!$&'()*+,;=:@",
            ));
        }
        Ok(Endpoint {
            base: format!("http://{authority}{prefix}"),
        })
    }

    /// `http://host:port[/prefix]`: each API's version and route follow.
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// A host name (letters, digits, `.`, `-`) or an IPv6 address in brackets.
fn is_host(host: &str) -> bool {
    match host.strip_prefix('[') {
        Some(v6) => v6
            .strip_suffix(']')
            .is_some_and(|v6| v6.parse::<std::net::Ipv6Addr>().is_ok()),
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }
    }
}

/// An absolute path of RFC 3986's path characters (or empty): nothing that
/// would end the path (`?`, `#`), the request line (space, CR, LF) or
/// decode to something else (`%` not followed by two hex digits).
fn is_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    if !(bytes.is_empty() || bytes[0] == b'/') {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b)) {
            return false;
        }
        i += 1;
    }
    true
}

/// Everything the serving loop needs, read once.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Runtime API.
    pub endpoint: Endpoint,
    /// `_HANDLER`, verbatim; `None` when unset.
    pub handler: Option<String>,
    /// The function's identity.
    pub function: FunctionInfo,
    /// `AWS_LAMBDA_MAX_CONCURRENCY`, verbatim; `None` when unset. Checked
    /// by [`max_concurrency`] once the Runtime API can be told about a
    /// bad value.
    pub max_concurrency: Option<String>,
}

/// Lambda's own largest per-environment concurrency
/// (`PerExecutionEnvironmentMaxConcurrency` is 1 to 1600): a value past it
/// is not one Lambda sets, and would cost a thread, a stack and a
/// connection each.
pub const MAX_CONCURRENCY: usize = 1600;

/// How many invocations to serve at once: `AWS_LAMBDA_MAX_CONCURRENCY`
/// (Lambda Managed Instances), 1 when unset. Surrounding whitespace is
/// forgiven; anything but a whole number from 1 to [`MAX_CONCURRENCY`] is
/// an error naming the variable and the value.
pub fn max_concurrency(raw: Option<&str>) -> Result<usize, String> {
    let Some(raw) = raw else { return Ok(1) };
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "AWS_LAMBDA_MAX_CONCURRENCY is '{raw}': expected a whole number from 1 to \
             {MAX_CONCURRENCY} (Lambda's largest concurrency per execution environment)"
        )),
    }
}

impl Config {
    /// Reads the serving configuration. Fails only when there is no usable
    /// Runtime API address, since without one nothing can be reported.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let api = env("AWS_LAMBDA_RUNTIME_API").ok_or(ConfigError::MissingRuntimeApi)?;
        Ok(Config {
            endpoint: Endpoint::parse(&api)?,
            handler: env("_HANDLER"),
            function: FunctionInfo::from_lookup(env),
            max_concurrency: env("AWS_LAMBDA_MAX_CONCURRENCY"),
        })
    }
}

/// Why the runtime cannot start serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// `AWS_LAMBDA_RUNTIME_API` is not set: the binary was started outside
    /// Lambda (or an emulator) without `invoke`.
    MissingRuntimeApi,
    /// `AWS_LAMBDA_RUNTIME_API` is neither `host:port` nor
    /// `http://host:port[/prefix]`: the value, and what is wrong with it.
    BadRuntimeApi(String, &'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingRuntimeApi => write!(
                f,
                "AWS_LAMBDA_RUNTIME_API is not set: run inside Lambda or an emulator, \
                 or try `bootstrap invoke <handler> <event.json>`"
            ),
            ConfigError::BadRuntimeApi(v, why) => write!(
                f,
                "AWS_LAMBDA_RUNTIME_API is '{v}', expected host:port or \
                 http://host:port[/prefix]: {why}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_endpoint(input: &str, expected: Result<&str, ()>) {
        let got = Endpoint::parse(input);
        match expected {
            Ok(base) => assert_eq!(got.unwrap().base(), base, "input {input:?}"),
            Err(()) => assert!(
                matches!(got, Err(ConfigError::BadRuntimeApi(ref v, _)) if v == input),
                "input {input:?}: {got:?}"
            ),
        }
    }

    #[test]
    fn runtime_api_forms() {
        check_endpoint("127.0.0.1:9001", Ok("http://127.0.0.1:9001"));
        check_endpoint("localhost:9001", Ok("http://localhost:9001"));
        check_endpoint("[::1]:9001", Ok("http://[::1]:9001"));
        check_endpoint("http://127.0.0.1:9000", Ok("http://127.0.0.1:9000"));
        check_endpoint("HTTP://127.0.0.1:9000/", Ok("http://127.0.0.1:9000"));
        check_endpoint("http://[::]:9000/.rt", Ok("http://[::]:9000/.rt"));
        check_endpoint(
            "http://127.0.0.1:9000/a/b/",
            Ok("http://127.0.0.1:9000/a/b"),
        );
        check_endpoint(" 127.0.0.1:9001\n", Ok("http://127.0.0.1:9001"));
        check_endpoint(
            "http://127.0.0.1:9000/a%2Fb/~x:y@z",
            Ok("http://127.0.0.1:9000/a%2Fb/~x:y@z"),
        );
    }

    #[test]
    fn runtime_api_rejects_what_cannot_work() {
        for bad in [
            "",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:99999",
            ":9001",
            "https://127.0.0.1:9001",
            "127.0.0.1:9001?x",
            "ho st:9001",
            "user@host:9001",
            "ho[st:9001",
            "[::1:9001",
            "[nothex]:9001",
            "http://127.0.0.1:9001/a b",
            "http://127.0.0.1:9001/a#b",
            "http://127.0.0.1:9001/a\r\nX-Forged: 1",
            "http://127.0.0.1:9001/a%zz",
            "http://127.0.0.1:9001/a%2",
            "http://127.0.0.1:9001/é",
            "http://127.0.0.1:9001/a\"b",
            "http://127.0.0.1:9001/a<b>",
        ] {
            check_endpoint(bad, Err(()));
        }
    }

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn config_reads_handler_and_function() {
        let env = lookup(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("_HANDLER", "httpevent"),
            ("AWS_LAMBDA_FUNCTION_NAME", "demo"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/demo"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/25/[$LATEST]abc"),
        ]);
        let config = Config::from_lookup(&env).unwrap();
        assert_eq!(config.handler.as_deref(), Some("httpevent"));
        assert_eq!(
            config.function,
            FunctionInfo {
                name: "demo".into(),
                version: "$LATEST".into(),
                memory_mb: Some(128),
                log_group: "/aws/lambda/demo".into(),
                log_stream: "2026/11/25/[$LATEST]abc".into(),
            }
        );
    }

    #[test]
    fn config_without_runtime_api_says_so() {
        let err = Config::from_lookup(&lookup(&[("_HANDLER", "x")])).unwrap_err();
        assert_eq!(err, ConfigError::MissingRuntimeApi);
        assert!(
            err.to_string()
                .contains("AWS_LAMBDA_RUNTIME_API is not set")
        );
    }

    #[test]
    fn max_concurrency_is_a_whole_number_lambda_could_set() {
        assert_eq!(max_concurrency(None), Ok(1));
        for (raw, n) in [("1", 1), ("8", 8), (" 64\n", 64), ("1600", 1600)] {
            assert_eq!(max_concurrency(Some(raw)), Ok(n), "{raw:?}");
        }
        for raw in [
            "",
            "0",
            "-2",
            "8.5",
            "eight",
            "1601",
            "99999999999999999999999",
        ] {
            assert_eq!(
                max_concurrency(Some(raw)),
                Err(format!(
                    "AWS_LAMBDA_MAX_CONCURRENCY is '{raw}': expected a whole number from 1 to \
                     1600 (Lambda's largest concurrency per execution environment)"
                )),
            );
        }
    }

    #[test]
    fn odd_memory_size_is_unknown_not_fatal() {
        let env = lookup(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots")]);
        assert_eq!(FunctionInfo::from_lookup(&env).memory_mb, None);
    }
}
