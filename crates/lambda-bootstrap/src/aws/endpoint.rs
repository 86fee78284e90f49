//! Which URL a service is called at: AWS's own
//! (`https://{prefix}.{region}.amazonaws.com`), or one the environment
//! configures, as every AWS SDK reads it: `AWS_ENDPOINT_URL_<SERVICE>`
//! (the service id upper-cased, spaces made underscores:
//! `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`), else
//! `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
//! That is how tests and local emulators (moto) are reached.
//!
//! Pure: the variables are handed in once, when the client is made.

use crate::aws::error::Error;

/// What identifies a service to the endpoint rules and to SigV4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The SDKs' service id (`DynamoDB`, `SQS`, `S3`, `Secrets Manager`):
    /// names `AWS_ENDPOINT_URL_<SERVICE>`, and the operation in logs.
    pub id: &'static str,
    /// The first label of AWS's host name (`dynamodb`, `sqs`, `s3`).
    pub endpoint_prefix: &'static str,
    /// SigV4's service name (`dynamodb`, `sqs`, `s3`).
    pub signing_name: &'static str,
}

/// Endpoint settings read from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// `AWS_ENDPOINT_URL`.
    pub all: Option<String>,
    /// `AWS_ENDPOINT_URL_<SERVICE>` values, by `<SERVICE>`.
    pub per_service: Vec<(String, String)>,
}

const PREFIX: &str = "AWS_ENDPOINT_URL";

impl Endpoints {
    /// Reads the endpoint variables out of `vars` (all of the process's
    /// variables: the per-service names cannot be listed beforehand).
    pub fn from_vars<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Endpoints {
        let mut endpoints = Endpoints::default();
        let mut ignore = false;
        for (name, value) in vars {
            let value = value.trim();
            if name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" {
                ignore = value.eq_ignore_ascii_case("true");
            } else if value.is_empty() {
                continue;
            } else if name == PREFIX {
                endpoints.all = Some(value.to_string());
            } else if let Some(service) =
                name.strip_prefix(PREFIX).and_then(|s| s.strip_prefix('_'))
            {
                endpoints
                    .per_service
                    .push((service.to_string(), value.to_string()));
            }
        }
        if ignore {
            return Endpoints::default();
        }
        endpoints
    }

    /// The configured URL for `service`, if any, and the variable it came from.
    fn configured(&self, service: &Service) -> Option<(String, &str)> {
        let suffix = env_suffix(service.id);
        if let Some((_, url)) = self.per_service.iter().find(|(s, _)| *s == suffix) {
            return Some((format!("{PREFIX}_{suffix}"), url));
        }
        self.all.as_deref().map(|url| (PREFIX.to_string(), url))
    }
}

/// `Secrets Manager` -> `SECRETS_MANAGER`, as the SDKs derive the variable.
pub fn env_suffix(service_id: &str) -> String {
    service_id.trim().replace(' ', "_").to_ascii_uppercase()
}

/// Where one service is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port][/base path]`, no trailing slash.
    pub url: String,
    /// Whether it came from the environment (S3 then addresses buckets
    /// by path, as emulators expect).
    pub configured: bool,
}

impl Endpoint {
    /// `host[:port]`, as the `Host` header carries it.
    pub fn authority(&self) -> &str {
        let rest = self.url.split_once("://").map_or(&self.url[..], |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    /// The path the endpoint URL carries before any request's own (`""`
    /// for most).
    pub fn base_path(&self) -> &str {
        let rest = self.url.split_once("://").map_or(&self.url[..], |(_, r)| r);
        rest.find('/').map_or("", |i| &rest[i..])
    }
}

/// The endpoint for `service` in `region`.
pub fn resolve(service: &Service, region: &str, endpoints: &Endpoints) -> Result<Endpoint, Error> {
    if let Some((variable, url)) = endpoints.configured(service) {
        let url = url.trim_end_matches('/');
        let valid = url
            .split_once("://")
            .filter(|(scheme, rest)| {
                matches!(*scheme, "http" | "https")
                    && !rest.is_empty()
                    && !rest.starts_with('/')
                    && !rest.contains(['?', '#', ' '])
            })
            .is_some();
        if !valid {
            return Err(Error::Config(format!(
                "{variable} '{url}' is not an http:// or https:// URL with a host"
            )));
        }
        return Ok(Endpoint {
            url: url.to_string(),
            configured: true,
        });
    }
    check_region(region)?;
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Ok(Endpoint {
        url: format!("https://{}.{region}.{suffix}", service.endpoint_prefix),
        configured: false,
    })
}

/// A region becomes part of a host name: only what region names are made of.
pub fn check_region(region: &str) -> Result<(), Error> {
    if region.is_empty() {
        return Err(Error::Config(
            "no region: AWS_REGION is not set (Lambda sets it; set it to run locally)".into(),
        ));
    }
    if !region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(Error::Config(format!(
            "AWS_REGION '{region}' is not a region name"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DYNAMODB: Service = Service {
        id: "DynamoDB",
        endpoint_prefix: "dynamodb",
        signing_name: "dynamodb",
    };
    const SECRETS: Service = Service {
        id: "Secrets Manager",
        endpoint_prefix: "secretsmanager",
        signing_name: "secretsmanager",
    };

    fn check(
        vars: &[(&str, &str)],
        service: &Service,
        region: &str,
        expected: Result<(&str, bool), &str>,
    ) {
        let endpoints = Endpoints::from_vars(vars.iter().copied());
        let got = resolve(service, region, &endpoints)
            .map(|e| (e.url, e.configured))
            .map_err(|e| e.to_string());
        let expected = expected
            .map(|(url, configured)| (url.to_string(), configured))
            .map_err(String::from);
        assert_eq!(got, expected, "{vars:?}");
    }

    #[test]
    fn aws_endpoints_by_region() {
        check(
            &[],
            &DYNAMODB,
            "eu-west-1",
            Ok(("https://dynamodb.eu-west-1.amazonaws.com", false)),
        );
        check(
            &[],
            &SECRETS,
            "cn-north-1",
            Ok(("https://secretsmanager.cn-north-1.amazonaws.com.cn", false)),
        );
        check(
            &[],
            &DYNAMODB,
            "",
            Err(
                "AWS client configuration: no region: AWS_REGION is not set (Lambda sets it; set it to run locally)",
            ),
        );
        check(
            &[],
            &DYNAMODB,
            "eu west",
            Err("AWS client configuration: AWS_REGION 'eu west' is not a region name"),
        );
    }

    #[test]
    fn configured_endpoints_as_the_sdks_read_them() {
        let all = ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/");
        let dynamo = ("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000");
        let secrets = (
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            "https://sm.internal/base",
        );
        check(
            &[all],
            &DYNAMODB,
            "us-east-1",
            Ok(("http://127.0.0.1:5000", true)),
        );
        check(
            &[all, dynamo],
            &DYNAMODB,
            "us-east-1",
            Ok(("http://localhost:8000", true)),
        );
        check(
            &[dynamo, all],
            &DYNAMODB,
            "us-east-1",
            Ok(("http://localhost:8000", true)),
        );
        check(
            &[all, secrets],
            &SECRETS,
            "us-east-1",
            Ok(("https://sm.internal/base", true)),
        );
        // Configured endpoints need no region to be found.
        check(
            &[dynamo],
            &DYNAMODB,
            "",
            Ok(("http://localhost:8000", true)),
        );
        let ignore = ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
        check(
            &[all, dynamo, ignore],
            &DYNAMODB,
            "us-east-1",
            Ok(("https://dynamodb.us-east-1.amazonaws.com", false)),
        );
        check(
            &[("AWS_ENDPOINT_URL", "localhost:4566")],
            &DYNAMODB,
            "us-east-1",
            Err(
                "AWS client configuration: AWS_ENDPOINT_URL 'localhost:4566' is not an http:// or https:// URL with a host",
            ),
        );
        assert_eq!(env_suffix("Secrets Manager"), "SECRETS_MANAGER");
        assert_eq!(env_suffix("Step Functions"), "STEP_FUNCTIONS");
    }

    #[test]
    fn authority_and_base_path() {
        let e = |url: &str| Endpoint {
            url: url.into(),
            configured: true,
        };
        assert_eq!(e("http://127.0.0.1:5000").authority(), "127.0.0.1:5000");
        assert_eq!(e("https://sm.internal/base").authority(), "sm.internal");
        assert_eq!(e("https://sm.internal/base").base_path(), "/base");
        assert_eq!(e("https://sm.internal").base_path(), "");
    }
}
