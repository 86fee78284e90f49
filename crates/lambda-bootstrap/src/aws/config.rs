//! `Config`: what a [`Client`](crate::aws::Client) is made from, and the
//! one place in `aws/` that reads the process environment
//! ([`Config::from_env`]), as the AWS SDKs read it. Everything else in
//! `aws/` is handed its settings from here.

use std::time::Duration;

use crate::aws::credentials::Source;
use crate::aws::endpoint::Endpoints;
use crate::aws::proxy::Proxies;
use crate::aws::retry::RetryConfig;

/// What the client is made from; `Config::from_env` reads it as the SDKs
/// do, and tests build it by hand.
#[derive(Debug, Clone)]
pub struct Config {
    /// `AWS_REGION` (else `AWS_DEFAULT_REGION`).
    pub region: String,
    /// Where credentials come from.
    pub credentials: Source,
    /// `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`.
    pub endpoints: Endpoints,
    /// `AWS_CA_BUNDLE`: a PEM file of roots to trust besides Mozilla's.
    pub ca_bundle: Option<String>,
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`: which proxy each AWS call
    /// goes through (see [`proxy`](crate::aws::proxy)).
    pub proxies: Proxies,
    /// How failed attempts are retried.
    pub retry: RetryConfig,
    /// The longest a connection may take to open (the SDKs': 3.1 s).
    pub connect_timeout: Duration,
    /// The longest an attempt may wait for an answer, and then for its
    /// body, when the deadline allows longer.
    pub read_timeout: Duration,
    /// An attempt is started only if at least this long is left before
    /// the invocation's deadline (less `reserve`).
    pub min_attempt: Duration,
    /// Kept back at the end of the invocation for the handler to answer:
    /// no attempt runs into it.
    pub reserve: Duration,
    /// The most an answer read whole may hold: every JSON answer, what
    /// `send` returns, and any error answer. Longer is
    /// [`Error::TooLarge`](crate::aws::Error::TooLarge), so that a broken
    /// or hostile endpoint cannot take the process's memory (and, on
    /// Managed Instances, every concurrent invocation with it). The
    /// default, 32 MiB, is twice the largest answers AWS documents for the
    /// JSON protocols (DynamoDB's `BatchGetItem`, 16 MB of items).
    pub max_response_size: u64,
    /// The most [`Client::get_object`](crate::aws::Client::get_object)
    /// reads into memory; raise it for larger objects, or read them with
    /// `get_object_reader`, which holds none whole. The default, 64 MiB,
    /// is half of the smallest memory a function can have.
    pub max_object_size: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: String::new(),
            credentials: Source::Missing("no credentials were configured".into()),
            endpoints: Endpoints::default(),
            ca_bundle: None,
            proxies: Proxies::default(),
            retry: RetryConfig::default(),
            connect_timeout: Duration::from_millis(3100),
            read_timeout: Duration::from_secs(30),
            min_attempt: Duration::from_millis(100),
            reserve: Duration::from_millis(50),
            max_response_size: 32 << 20,
            max_object_size: 64 << 20,
        }
    }
}

impl Config {
    /// Reads the process environment: the only place in `aws/` that does.
    /// Variables whose name or value is not UTF-8 are not AWS's and are
    /// skipped.
    pub fn from_env() -> Config {
        let vars: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(n, v)| Some((n.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Config::from_vars(&vars)
    }

    /// Reads the variables an AWS SDK reads out of `vars`.
    pub fn from_vars(vars: &[(String, String)]) -> Config {
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.trim().is_empty())
        };
        Config {
            region: get("AWS_REGION")
                .or_else(|| get("AWS_DEFAULT_REGION"))
                .unwrap_or_default()
                .trim()
                .to_string(),
            credentials: Source::from_lookup(&get),
            endpoints: Endpoints::from_vars(vars.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            ca_bundle: get("AWS_CA_BUNDLE"),
            proxies: Proxies::from_lookup(&get),
            ..Config::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Credentials;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_environment_makes_the_config() {
        let config = Config::from_vars(&vars(&[
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "A"),
            ("AWS_SECRET_ACCESS_KEY", "S"),
            ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1"),
            ("AWS_CA_BUNDLE", "/ca.pem"),
            ("https_proxy", "http://proxy:3128"),
            ("NO_PROXY", "169.254.169.254, .internal"),
        ]));
        assert_eq!(config.region, "eu-west-1");
        assert_eq!(
            config.credentials,
            Source::Static(Credentials::new("A", "S", None, None))
        );
        assert_eq!(
            config.endpoints.per_service,
            [("SQS".into(), "http://127.0.0.1:1".into())]
        );
        assert_eq!(config.ca_bundle.as_deref(), Some("/ca.pem"));
        assert_eq!(
            config.proxies,
            Proxies {
                https: Some("http://proxy:3128".into()),
                http: None,
                no_proxy: vec!["169.254.169.254".into(), ".internal".into()],
            }
        );
        let config = Config::from_vars(&vars(&[
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "x"),
        ]));
        assert_eq!(config.region, "us-east-1");
    }
}
