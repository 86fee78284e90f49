//! Parameters (the cargo feature `parameters`, which brings `aws`):
//! Powertools' Parameters. SSM Parameter Store values by name (decrypted)
//! or by path, and Secrets Manager secrets, each cached for a maximum age,
//! as text or typed through serde from JSON.
//!
//! ```no_run
//! use std::sync::LazyLock;
//!
//! use lambda_bootstrap::aws::Client;
//! use lambda_bootstrap::parameters::Parameters;
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde::Deserialize;
//! use serde_json::{Value, json};
//!
//! static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);
//! static PARAMETERS: LazyLock<Parameters<'static>> = LazyLock::new(|| Parameters::new(&AWS));
//!
//! #[derive(Deserialize)]
//! struct Limits {
//!     max_items: u32,
//! }
//!
//! pub fn handle(_event: Value, ctx: &Context) -> Result<Value, HandlerError> {
//!     let limits: Limits = PARAMETERS.ssm_as(ctx, "/shop/limits")?; // JSON text in SSM
//!     let api_key = PARAMETERS.secret(ctx, "shop/api-key")?;
//!     Ok(json!({"max": limits.max_items, "key_len": api_key.len()}))
//! }
//! ```
//!
//! `POWERTOOLS_PARAMETERS_MAX_AGE` (seconds, default 5) is how long a
//! value is kept; `POWERTOOLS_PARAMETERS_SSM_DECRYPT` (`true`, default)
//! whether SSM `SecureString`s are decrypted. The cache is the provider's,
//! shared by every invocation and worker thread that uses it; values never
//! reach the log.

pub mod cache;

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::aws::{self, Client};
use crate::context::Context;

pub use cache::Cache;

/// Why a parameter could not be had.
#[derive(Debug)]
pub enum Error {
    /// The call failed: AWS's answer (`ParameterNotFound`,
    /// `ResourceNotFoundException`, access denied), the network.
    Aws(aws::Error),
    /// AWS answered without the value where it should be (a secret stored
    /// as binary only); the parameter's name.
    NoValue(String),
    /// The value is not JSON, or does not fit the type: the parameter's
    /// name and why (the value itself is never quoted).
    Transform(String, String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Aws(e) => e.fmt(f),
            Error::NoValue(name) => write!(f, "parameter '{name}' has no text value"),
            Error::Transform(name, why) => write!(f, "parameter '{name}': {why}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<aws::Error> for Error {
    fn from(e: aws::Error) -> Error {
        Error::Aws(e)
    }
}

/// A cached provider of SSM parameters and Secrets Manager secrets.
#[derive(Debug)]
pub struct Parameters<'c> {
    client: &'c Client,
    max_age: Duration,
    decrypt: bool,
    cache: Cache,
}

impl<'c> Parameters<'c> {
    /// A provider calling through `client`, configured from
    /// `POWERTOOLS_PARAMETERS_MAX_AGE` and `POWERTOOLS_PARAMETERS_SSM_DECRYPT`.
    pub fn new(client: &'c Client) -> Parameters<'c> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let max_age = env("POWERTOOLS_PARAMETERS_MAX_AGE")
            .and_then(|s| s.trim().parse().ok())
            .map_or(Duration::from_secs(5), Duration::from_secs);
        let decrypt = env("POWERTOOLS_PARAMETERS_SSM_DECRYPT")
            .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
        Parameters {
            client,
            max_age,
            decrypt,
            cache: Cache::default(),
        }
    }

    /// The provider with values kept for `max_age` (zero: always fetched).
    pub fn max_age(mut self, max_age: Duration) -> Parameters<'c> {
        self.max_age = max_age;
        self
    }

    /// The provider decrypting SSM `SecureString`s, or not.
    pub fn decrypt(mut self, decrypt: bool) -> Parameters<'c> {
        self.decrypt = decrypt;
        self
    }

    /// Forgets every cached value: the next read fetches.
    pub fn clear_cache(&self) {
        self.cache.clear();
    }

    /// The cached value for `key`, or `fetch`'s, kept.
    fn cached(
        &self,
        key: String,
        fetch: impl FnOnce() -> Result<Value, Error>,
    ) -> Result<Value, Error> {
        if let Some(value) = self.cache.get(&key, self.max_age, Instant::now()) {
            return Ok(value);
        }
        let value = fetch()?;
        self.cache.put(key, value.clone(), Instant::now());
        Ok(value)
    }

    /// SSM parameter `name`'s value (a `StringList` as its comma-joined
    /// text), decrypted unless the provider says not to.
    pub fn ssm(&self, ctx: &Context, name: &str) -> Result<String, Error> {
        let key = format!("ssm:{}:{name}", self.decrypt);
        let value = self.cached(key, || {
            let answer = self.client.json(
                ctx,
                &aws::SSM,
                "GetParameter",
                &json!({"Name": name, "WithDecryption": self.decrypt}),
            )?;
            Ok(answer["Parameter"]["Value"].clone())
        })?;
        text(value, name)
    }

    /// SSM parameter `name`, its value read as JSON into `T`.
    pub fn ssm_as<T: DeserializeOwned>(&self, ctx: &Context, name: &str) -> Result<T, Error> {
        parse(&self.ssm(ctx, name)?, name)
    }

    /// Every SSM parameter under `path` (and its sub-paths), by name
    /// relative to it (`/shop/db/host` under `/shop` is `db/host`), every
    /// page of them.
    pub fn ssm_path(&self, ctx: &Context, path: &str) -> Result<BTreeMap<String, String>, Error> {
        let key = format!("ssm-path:{}:{path}", self.decrypt);
        let value = self.cached(key, || {
            let mut all = serde_json::Map::new();
            let mut next: Option<Value> = None;
            loop {
                let mut input =
                    json!({"Path": path, "Recursive": true, "WithDecryption": self.decrypt});
                if let Some(token) = next.take() {
                    input["NextToken"] = token;
                }
                let answer = self
                    .client
                    .json(ctx, &aws::SSM, "GetParametersByPath", &input)?;
                for parameter in answer["Parameters"].as_array().into_iter().flatten() {
                    let name = parameter["Name"].as_str().unwrap_or_default();
                    let relative = name
                        .strip_prefix(path)
                        .unwrap_or(name)
                        .trim_start_matches('/');
                    all.insert(relative.to_string(), parameter["Value"].clone());
                }
                match answer.get("NextToken") {
                    Some(token) if token.is_string() => next = Some(token.clone()),
                    _ => return Ok(Value::Object(all)),
                }
            }
        })?;
        let Value::Object(all) = value else {
            unreachable!("the path's values are kept as an object")
        };
        all.into_iter()
            .map(|(name, value)| {
                let full = format!("{path}/{name}");
                Ok((name, text(value, &full)?))
            })
            .collect()
    }

    /// Secrets Manager secret `name`'s text (`SecretString`), its current
    /// version.
    pub fn secret(&self, ctx: &Context, name: &str) -> Result<String, Error> {
        let value = self.cached(format!("secret:{name}"), || {
            let answer = self.client.json(
                ctx,
                &aws::SECRETS_MANAGER,
                "GetSecretValue",
                &json!({"SecretId": name}),
            )?;
            Ok(answer["SecretString"].clone())
        })?;
        text(value, name)
    }

    /// Secret `name`, its text read as JSON into `T` (a secret of
    /// `{"username": …, "password": …}`, say).
    pub fn secret_as<T: DeserializeOwned>(&self, ctx: &Context, name: &str) -> Result<T, Error> {
        parse(&self.secret(ctx, name)?, name)
    }
}

fn text(value: Value, name: &str) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(Error::NoValue(name.to_string())),
    }
}

fn parse<T: DeserializeOwned>(text: &str, name: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| {
        // serde_json's message may quote the value: only its kind of
        // failure and place are kept.
        let why = match e.classify() {
            serde_json::error::Category::Data => {
                format!(
                    "does not fit the type (line {}, column {})",
                    e.line(),
                    e.column()
                )
            }
            _ => format!("is not JSON (line {}, column {})", e.line(), e.column()),
        };
        Error::Transform(name.to_string(), why)
    })
}
