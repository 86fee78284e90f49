//! `Client`: the one type that sends requests to AWS. Made once (in a
//! `LazyLock`), shared by every invocation and every worker thread, with
//! one pool of kept-alive HTTPS connections. Each call: resolve the
//! endpoint, then per attempt take credentials (fetched when due), sign,
//! send within what is left of the invocation's deadline, and retry what
//! the SDKs' standard mode retries.
//!
//! The environment is read here, in `Config::from_env`, and nowhere else in
//! `aws/`; shaping, signing and reading answers are the pure modules'.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use ureq::Agent;
use ureq::http;

use crate::aws::credentials::{self, Cache, Credentials, Source, Token};
use crate::aws::endpoint::{self, Endpoints};
use crate::aws::error::Error;
use crate::aws::json::{self, JsonApi};
use crate::aws::request::{Request, Response};
use crate::aws::retry::{self, RetryConfig};
use crate::aws::{s3, sigv4, tls};
use crate::context::Context;

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: String::new(),
            credentials: Source::Missing("no credentials were configured".into()),
            endpoints: Endpoints::default(),
            ca_bundle: None,
            retry: RetryConfig::default(),
            connect_timeout: Duration::from_millis(3100),
            read_timeout: Duration::from_secs(30),
            min_attempt: Duration::from_millis(100),
            reserve: Duration::from_millis(50),
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
            ..Config::default()
        }
    }
}

/// Calls AWS services. `Sync`: make one, in a `static`, and share it.
#[derive(Debug)]
pub struct Client {
    config: Config,
    credentials: Cache,
    agent: Agent,
    /// Why no call can work (an unreadable `AWS_CA_BUNDLE`), said by each.
    broken: Option<String>,
}

impl Client {
    /// A client configured from the environment, as the SDKs read it. Never
    /// fails: what cannot work (no region, no credentials, a bad CA bundle)
    /// is the error of every call that needs it.
    pub fn from_env() -> Client {
        Client::new(Config::from_env())
    }

    /// A client from `config`; reads the CA bundle file, if one is named.
    pub fn new(config: Config) -> Client {
        let bundle = config.ca_bundle.as_ref().map(|path| {
            std::fs::read(path)
                .map(|pem| (path, pem))
                .map_err(|e| format!("AWS_CA_BUNDLE '{path}' cannot be read: {e}"))
        });
        let roots = match &bundle {
            None => Ok(ureq::tls::RootCerts::WebPki),
            Some(Ok((path, pem))) => tls::roots(Some((path, pem))),
            Some(Err(e)) => Err(e.clone()),
        };
        let (roots, broken) = match roots {
            Ok(roots) => (roots, None),
            Err(why) => {
                log::error!("aws: {why}: every AWS call will fail");
                (ureq::tls::RootCerts::WebPki, Some(why))
            }
        };
        Client {
            agent: tls::agent(roots, config.connect_timeout),
            credentials: Cache::new(config.credentials.clone()),
            config,
            broken,
        }
    }

    /// The region calls go to.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// The HTTPS agent AWS calls go through, for a handler's own calls
    /// (a webhook): the same roots, `AWS_CA_BUNDLE` and connection pool.
    /// A 4xx or 5xx answer is an error there, as ureq does by default; no
    /// deadline is applied unless the call sets one
    /// (`.config().timeout_global(ctx.remaining_time())`).
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Calls `operation` of a JSON-protocol service with `input`, and
    /// returns its answer: `AWS.json(ctx, &aws::DYNAMODB, "PutItem", &item)`.
    pub fn json(
        &self,
        ctx: &Context,
        api: &JsonApi,
        operation: &str,
        input: &Value,
    ) -> Result<Value, Error> {
        let request = json::request(api, operation, input);
        let response = self.send(ctx, &request)?;
        json::read_answer(&request.label(), &response)
    }

    /// An S3 object's bytes (read whole into memory).
    pub fn get_object(&self, ctx: &Context, bucket: &str, key: &str) -> Result<Vec<u8>, Error> {
        let request = s3::get_object(bucket, key)?;
        let response = self.send(ctx, &request)?;
        s3::check(&request.label(), &response)?;
        Ok(response.body)
    }

    /// Stores `body` as an S3 object, with `content_type` if given.
    pub fn put_object(
        &self,
        ctx: &Context,
        bucket: &str,
        key: &str,
        body: impl Into<Vec<u8>>,
        content_type: Option<&str>,
    ) -> Result<(), Error> {
        let request = s3::put_object(bucket, key, body.into(), content_type)?;
        let response = self.send(ctx, &request)?;
        s3::check(&request.label(), &response)
    }

    /// Deletes an S3 object (no error when there was none).
    pub fn delete_object(&self, ctx: &Context, bucket: &str, key: &str) -> Result<(), Error> {
        let request = s3::delete_object(bucket, key)?;
        let response = self.send(ctx, &request)?;
        s3::check(&request.label(), &response)
    }

    /// Signs and sends any request, with the retries and deadline of every
    /// call, and returns AWS's answer whatever its status (after retrying
    /// the ones worth it). An `Err` means no answer could be had.
    pub fn send(&self, ctx: &Context, request: &Request) -> Result<Response, Error> {
        if let Some(why) = &self.broken {
            return Err(Error::Config(why.clone()));
        }
        let label = request.label();
        let endpoint = endpoint::resolve(
            &request.service,
            &self.config.region,
            &self.config.endpoints,
        )?;
        if request.service.signing_name != "s3" || !endpoint.configured {
            // Signing needs a region even where the endpoint needs none.
            endpoint::check_region(&self.config.region)?;
        }
        let (authority, prefix) = match &request.bucket {
            Some(bucket) => s3::address(&endpoint, bucket),
            None => (
                endpoint.authority().to_string(),
                endpoint.base_path().to_string(),
            ),
        };
        let path = format!("{prefix}{}", request.path);
        let scheme = endpoint.url.split("://").next().unwrap_or("https");
        let mut url = format!("{scheme}://{authority}{path}");
        if !request.query.is_empty() {
            url.push('?');
            url.push_str(&request.query);
        }
        let target = Target {
            label: &label,
            url: &url,
            authority: &authority,
            path: &path,
            payload_sha256: sigv4::sha256_hex(&request.body),
        };
        let deadline = ctx
            .deadline_ms
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
        let needed = self.config.min_attempt + self.config.reserve;
        let left =
            |now: SystemTime| deadline.map(|d| d.duration_since(now).unwrap_or(Duration::ZERO));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let now = SystemTime::now();
            let budget = match left(now) {
                Some(left) if left < needed => {
                    return Err(Error::Deadline {
                        operation: label,
                        remaining: left,
                        needed,
                    });
                }
                Some(left) => Some(left - self.config.reserve),
                None => None,
            };
            let started = Instant::now();
            let outcome = self.attempt(request, &target, now, budget);
            let took = started.elapsed().as_millis();
            let retry = match &outcome {
                Ok(response) => {
                    log::debug!(
                        "aws: {label} {} attempt {attempt} in {took} ms",
                        response.status
                    );
                    !response.is_success()
                        && retry::retry_answer(response.status, &code_of(response))
                }
                Err(e) => {
                    log::debug!("aws: {label} attempt {attempt} failed in {took} ms: {e}");
                    match e {
                        Error::Transport { source, .. } => retry::retry_transport(source),
                        Error::Timeout { .. } => true,
                        _ => false,
                    }
                }
            };
            if !retry || attempt >= self.config.retry.max_attempts {
                return outcome;
            }
            let delay = retry::backoff(&self.config.retry, attempt, random_fraction());
            if left(SystemTime::now()).is_some_and(|left| left < delay + needed) {
                log::debug!("aws: {label} not retried: the invocation's deadline is too near");
                return outcome;
            }
            std::thread::sleep(delay);
        }
    }

    /// One attempt: credentials, signature, one exchange.
    fn attempt(
        &self,
        request: &Request,
        target: &Target<'_>,
        now: SystemTime,
        budget: Option<Duration>,
    ) -> Result<Response, Error> {
        // No wire dumps of what carries the signature and the token.
        let _quiet = QuietWire::new();
        let credentials = self
            .credentials
            .get(now, |source| self.fetch_credentials(source, budget))?;
        let mut headers = Vec::with_capacity(request.headers.len() + 4);
        headers.push(("Host".to_string(), target.authority.to_string()));
        headers.extend(request.headers.iter().cloned());
        let signed = sigv4::sign(
            request.method,
            target.path,
            &request.query,
            &mut headers,
            &target.payload_sha256,
            &sigv4::Params {
                access_key_id: credentials.access_key_id(),
                secret_access_key: credentials.secret_access_key(),
                session_token: credentials.session_token(),
                sign_session_token: true,
                region: &self.config.region,
                service: request.service.signing_name,
                time: now,
                path_style: request.path_style,
            },
        );
        headers.push(("Authorization".to_string(), signed.authorization));
        let mut builder = http::Request::builder()
            .method(request.method)
            .uri(target.url);
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let label = || target.label.to_string();
        let http_request = builder
            .body(&request.body[..])
            .map_err(|e| Error::Config(format!("{} cannot be sent: {e}", target.label)))?;
        let read_timeout = Some(match budget {
            Some(budget) => budget.min(self.config.read_timeout),
            None => self.config.read_timeout,
        });
        let http_request = self
            .agent
            .configure_request(http_request)
            .http_status_as_error(false)
            .timeout_global(budget)
            .timeout_recv_response(read_timeout)
            .timeout_recv_body(read_timeout)
            .build();
        let mut response = self
            .agent
            .run(http_request)
            .map_err(|e| exchange_error(label(), e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(|e| exchange_error(label(), e))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// GETs the container endpoint's credentials, within the attempt's time.
    fn fetch_credentials(
        &self,
        source: &Source,
        budget: Option<Duration>,
    ) -> Result<Credentials, Error> {
        let Source::Container { uri, token } = source else {
            unreachable!("only container credentials are fetched")
        };
        credentials::check_container_uri(uri)?;
        let token = match token {
            None => None,
            Some(Token::Value(v)) => Some(v.clone()),
            Some(Token::File(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| {
                        Error::Credentials(format!(
                            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '{path}' cannot be read: {e}"
                        ))
                    })?
                    .trim()
                    .to_string(),
            ),
        };
        let limit = Duration::from_secs(5).min(budget.unwrap_or(Duration::MAX));
        let mut request = self
            .agent
            .get(uri)
            .config()
            .http_status_as_error(false)
            .timeout_global(Some(limit))
            .build();
        if let Some(token) = &token {
            request = request.header("Authorization", token);
        }
        let failed = |e: ureq::Error| {
            Error::Credentials(format!(
                "the container credentials endpoint '{uri}' could not be reached: {e}"
            ))
        };
        // The answer holds the secret key: no wire dump of it.
        let _quiet = QuietWire::new();
        let mut response = request.call().map_err(failed)?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_vec().map_err(failed)?;
        if status != 200 {
            return Err(Error::Credentials(format!(
                "the container credentials endpoint '{uri}' answered {status}"
            )));
        }
        credentials::parse_container_answer(&body)
    }
}

/// Where one call goes, worked out once for all its attempts.
struct Target<'a> {
    label: &'a str,
    url: &'a str,
    authority: &'a str,
    path: &'a str,
    payload_sha256: String,
}

/// The error code an answer carries, for deciding whether to retry: JSON's
/// `__type` or header, S3's XML `Code`, else the status's name.
fn code_of(response: &Response) -> String {
    if response.body.first() == Some(&b'<') {
        if let Err(Error::Service(e)) = s3::check("", response) {
            return e.code;
        }
    }
    json::error_of("", response).code
}

fn exchange_error(operation: String, error: ureq::Error) -> Error {
    match error {
        ureq::Error::Timeout(what) => Error::Timeout {
            operation,
            what: what.to_string(),
        },
        source => Error::Transport { operation, source },
    }
}

/// A number in [0, 1) for the backoff's jitter, from the system's random
/// source (ring's; a fixed fraction if that ever fails).
fn random_fraction() -> f64 {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 8];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

thread_local! {
    /// Whether this thread is in an AWS call (see [`QuietWire`]). A const
    /// `Cell` of a `bool`: no destructor, one byte of thread-local storage.
    static IN_AWS_CALL: Cell<bool> = const { Cell::new(false) };
}

/// Whether a log record may carry an AWS secret, so that a logger must
/// drop it, at any level it lets through: ureq's TRACE lines (dumps of
/// every byte sent and received, the `Authorization` header, the session
/// token and answers that carry keys among them) logged on a thread that
/// is in an AWS call. ureq logs on the thread that makes the call, so
/// other threads' lines, and this thread's own, are untouched. The
/// runtime's logger asks it of every record; a program that installs its
/// own logger and calls AWS through this client must too.
pub fn is_secret(metadata: &log::Metadata<'_>) -> bool {
    metadata.level() == log::Level::Trace
        && metadata.target().starts_with("ureq")
        && IN_AWS_CALL.get()
}

/// Marks this thread as in an AWS call while alive (see [`is_secret`]).
struct QuietWire {
    was: bool,
}

impl QuietWire {
    fn new() -> QuietWire {
        QuietWire {
            was: IN_AWS_CALL.replace(true),
        }
    }
}

impl Drop for QuietWire {
    fn drop(&mut self) {
        IN_AWS_CALL.set(self.was);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let config = Config::from_vars(&vars(&[
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "x"),
        ]));
        assert_eq!(config.region, "us-east-1");
    }

    #[test]
    fn a_client_is_shared_between_threads() {
        fn sync<T: Sync + Send>() {}
        sync::<Client>();
    }

    #[test]
    fn an_unreadable_ca_bundle_is_every_calls_error() {
        let client = Client::new(Config {
            region: "us-east-1".into(),
            ca_bundle: Some("/nonexistent/ca.pem".into()),
            ..Config::default()
        });
        let ctx = Context::local("r", Default::default());
        let err = client
            .json(&ctx, &json::DYNAMODB, "ListTables", &serde_json::json!({}))
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "AWS client configuration: AWS_CA_BUNDLE '/nonexistent/ca.pem' cannot be read"
            ),
            "{err}"
        );
    }

    #[test]
    fn calls_that_cannot_be_made_say_why_without_sending() {
        let ctx = Context::local("r", Default::default());
        let client = Client::new(Config::default());
        let err = client.get_object(&ctx, "b", "k").unwrap_err();
        assert_eq!(
            err.to_string(),
            "AWS client configuration: no region: AWS_REGION is not set (Lambda sets it; set it to run locally)"
        );
        let client = Client::new(Config {
            region: "us-east-1".into(),
            ..Config::default()
        });
        let err = client.get_object(&ctx, "b", "k").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: no credentials were configured"
        );
        let mut ctx = ctx;
        ctx.deadline_ms = Some(1_000_000_000_000); // 2001: long past
        let err = client.get_object(&ctx, "b", "k").unwrap_err();
        assert!(
            matches!(
                err,
                Error::Deadline {
                    remaining: Duration::ZERO,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn ureqs_trace_is_secret_during_a_call_on_its_thread_only() {
        let record = |level, target| {
            let metadata = log::Metadata::builder().level(level).target(target).build();
            is_secret(&metadata)
        };
        let trace = move || record(log::Level::Trace, "ureq_proto::util");
        assert!(!trace());
        let outer = QuietWire::new();
        let inner = QuietWire::new();
        assert!(trace());
        assert!(
            !record(log::Level::Debug, "ureq::run"),
            "ureq's DEBUG redacts"
        );
        assert!(!record(log::Level::Trace, "my_handler"), "not ureq's");
        assert!(!std::thread::spawn(trace).join().unwrap(), "another thread");
        drop(inner);
        assert!(trace(), "still in the outer call");
        drop(outer);
        assert!(!trace());
    }

    #[test]
    fn jitter_is_a_fraction() {
        for _ in 0..100 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f), "{f}");
        }
    }
}
