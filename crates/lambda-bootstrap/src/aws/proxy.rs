//! Which proxy an AWS call goes through, chosen per call as the AWS SDKs
//! choose: `HTTPS_PROXY` (or `https_proxy`) for an https endpoint,
//! `HTTP_PROXY` (or `http_proxy`) for an http one, and none for a host
//! `NO_PROXY` (or `no_proxy`) names. `NO_PROXY` is a comma-separated list
//! of host names (`example.com`, which covers its subdomains too),
//! suffixes (`.example.com`, `*.example.com`), `host:port`, or `*` for
//! every host; IP ranges (CIDR) are not read.
//!
//! Pure: the variables are handed in by `config.rs`.

use std::fmt;

/// The proxy settings the environment gives.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    /// `HTTPS_PROXY`: the proxy for https endpoints.
    pub https: Option<String>,
    /// `HTTP_PROXY`: the proxy for http endpoints.
    pub http: Option<String>,
    /// `NO_PROXY`'s entries, trimmed and lower-cased.
    pub no_proxy: Vec<String>,
}

impl Proxies {
    /// Reads the variables through `get` (a variable's value, `None` when
    /// unset or empty): the upper-case name first, then the lower-case.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Proxies {
        let either = |upper: &str| get(upper).or_else(|| get(&upper.to_ascii_lowercase()));
        Proxies {
            https: either("HTTPS_PROXY").map(|v| v.trim().to_string()),
            http: either("HTTP_PROXY").map(|v| v.trim().to_string()),
            no_proxy: either("NO_PROXY")
                .unwrap_or_default()
                .split(',')
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect(),
        }
    }

    /// The proxy for a call to `authority` (`host[:port]`) over `scheme`,
    /// and the variable it came from: `None` to connect directly.
    pub fn choose(&self, scheme: &str, authority: &str) -> Option<(&'static str, &str)> {
        let (variable, proxy) = match scheme {
            "https" => ("HTTPS_PROXY", self.https.as_deref()?),
            "http" => ("HTTP_PROXY", self.http.as_deref()?),
            _ => return None,
        };
        let default_port = if scheme == "https" { "443" } else { "80" };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                (host, port)
            }
            _ => (authority, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.to_ascii_lowercase();
        if self
            .no_proxy
            .iter()
            .any(|entry| bypasses(entry, &host, port))
        {
            return None;
        }
        Some((variable, proxy))
    }
}

/// Whether one `NO_PROXY` entry names `host` (lower case) on `port`.
fn bypasses(entry: &str, host: &str, port: &str) -> bool {
    if entry == "*" {
        return true;
    }
    let (name, entry_port) = match entry.rsplit_once(':') {
        Some((name, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') => {
            (name, Some(p))
        }
        _ => (entry, None),
    };
    if entry_port.is_some_and(|p| p != port) {
        return false;
    }
    let name = name.trim_start_matches('*').trim_start_matches('.');
    let name = name.trim_start_matches('[').trim_end_matches(']');
    !name.is_empty()
        && (host == name
            || host
                .strip_suffix(name)
                .is_some_and(|rest| rest.ends_with('.')))
}

impl fmt::Debug for Proxies {
    /// Whether each is set, never the URL: a proxy URL may carry a
    /// password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "set" } else { "unset" };
        f.debug_struct("Proxies")
            .field("https", &set(&self.https))
            .field("http", &set(&self.http))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(vars: &[(&str, &str)]) -> Proxies {
        Proxies::from_lookup(&|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn per_scheme_as_the_sdks_read_them() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("http_proxy", "http://plain:3128"),
        ]);
        assert_eq!(
            p.choose("https", "dynamodb.eu-west-1.amazonaws.com"),
            Some(("HTTPS_PROXY", "http://secure:3128"))
        );
        assert_eq!(
            p.choose("http", "127.0.0.1:5000"),
            Some(("HTTP_PROXY", "http://plain:3128"))
        );
        let upper_first = proxies(&[("HTTPS_PROXY", "http://a:1"), ("https_proxy", "http://b:1")]);
        assert_eq!(upper_first.https.as_deref(), Some("http://a:1"));
        let only_http = proxies(&[("HTTP_PROXY", "http://plain:3128")]);
        assert_eq!(only_http.choose("https", "s3.amazonaws.com"), None);
        assert_eq!(proxies(&[]).choose("http", "x"), None);
        assert_eq!(
            format!("{:?}", proxies(&[("HTTPS_PROXY", "http://user:pw@p:1")])),
            r#"Proxies { https: "set", http: "unset", no_proxy: [] }"#
        );
    }

    #[test]
    fn no_proxy_names_hosts_suffixes_ports_and_everything() {
        let check = |no_proxy: &str, authority: &str, direct: bool| {
            let p = proxies(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)]);
            assert_eq!(
                p.choose("https", authority).is_none(),
                direct,
                "NO_PROXY={no_proxy} {authority}"
            );
        };
        check("*", "dynamodb.us-east-1.amazonaws.com", true);
        check("localhost, 127.0.0.1", "127.0.0.1:4566", true);
        check("amazonaws.com", "sqs.us-east-1.amazonaws.com", true);
        check("amazonaws.com", "amazonaws.com", true);
        check(".amazonaws.com", "s3.amazonaws.com", true);
        check("*.amazonaws.com", "s3.amazonaws.com", true);
        check("AmazonAWS.com", "S3.amazonaws.com", true);
        check("amazonaws.com", "notamazonaws.com", false);
        check("example.com", "s3.amazonaws.com", false);
        check("127.0.0.1:4566", "127.0.0.1:4566", true);
        check("127.0.0.1:4566", "127.0.0.1:9000", false);
        check("gw.internal:443", "gw.internal", true);
        check("[::1]", "[::1]:4566", true);
        check("", "s3.amazonaws.com", false);
    }
}
