//! `Client`: the one type that sends requests to AWS. Made once (in a
//! `LazyLock`), shared by every invocation and every worker thread, with
//! one pool of kept-alive HTTPS connections. Each call: resolve the
//! endpoint and shape the URL once (`target.rs`), then per attempt take
//! credentials (fetched when due), sign, send within what is left of the
//! invocation's deadline, and retry what the SDKs' standard mode retries
//! (`retry.rs` decides).
//!
//! Sending only: the environment is read in `config.rs`, shaping,
//! signing and reading answers are the pure modules', and keeping ureq's
//! byte dumps out of the log is `redact.rs`'s.

use std::io::Read;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use ureq::Agent;
use ureq::http;

use crate::aws::cache::Cache;
use crate::aws::config::Config;
use crate::aws::endpoint;
use crate::aws::error::Error;
use crate::aws::json::{self, JsonApi};
use crate::aws::redact::QuietWire;
use crate::aws::request::{Request, Response};
use crate::aws::retry::{self, exchange_error};
use crate::aws::target::{self, Target};
use crate::aws::{container, s3, sigv4, tls};
use crate::context::Context;

/// Whether a log record may carry an AWS secret: see [`redact::is_secret`](crate::aws::redact::is_secret).
/// Named here too, where the runtime's logger asks it.
pub use crate::aws::redact::is_secret;

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
        let (roots, broken) = match tls::bundle_roots(config.ca_bundle.as_deref()) {
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
    /// (`.config().timeout_global(ctx.remaining_time())`). No redirect is
    /// followed unless the call asks (`.config().max_redirects(5)`): a 3xx
    /// comes back as the answer.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Calls `operation` of a JSON-protocol service with `input`, and
    /// returns its answer: `AWS.json(ctx, &aws::DYNAMODB, "PutItem", &item)`.
    /// An answer longer than [`Config::max_response_size`] is
    /// [`Error::TooLarge`].
    ///
    /// Retried as the SDKs' standard mode retries, after a timeout too:
    /// a non-idempotent call (SQS `SendMessage`) whose answer was lost
    /// can run twice. To retry only what surely did nothing, send it as
    /// a request: `AWS.send(ctx, &json::request(&aws::SQS, "SendMessage",
    /// &input).no_retry_after_send())`, then `json::read_answer`.
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

    /// An S3 object's bytes, read whole into memory: at most
    /// [`Config::max_object_size`], else [`Error::TooLarge`]. Larger
    /// objects, or any a handler can work through piece by piece, are
    /// read with [`Client::get_object_reader`].
    pub fn get_object(&self, ctx: &Context, bucket: &str, key: &str) -> Result<Vec<u8>, Error> {
        let request = s3::get_object(bucket, key)?;
        let limit = Limit::new(self.config.max_object_size, "max_object_size");
        let (response, _) = self.call(ctx, &request, Body::Whole(limit))?;
        s3::check(&request.label(), &response)?;
        Ok(response.body)
    }

    /// An S3 object as a stream, read as the handler reads it and never
    /// held whole, whatever its size (no [`Config::max_object_size`]).
    /// The invocation's deadline still bounds the whole read: past it, or
    /// after [`Config::read_timeout`] without a byte, `read` fails with
    /// an `io::Error`. An error answer (`NoSuchKey`) is the `Err` here.
    /// Not retried once the reader is handed out: a read that fails
    /// half-way is the handler's to start again.
    pub fn get_object_reader(
        &self,
        ctx: &Context,
        bucket: &str,
        key: &str,
    ) -> Result<impl Read + Send + 'static, Error> {
        let request = s3::get_object(bucket, key)?;
        let (response, body) = self.call(ctx, &request, Body::Stream)?;
        s3::check(&request.label(), &response)?;
        let body = body.expect("a successful streamed answer keeps its body");
        Ok(body.into_with_config().limit(u64::MAX).reader())
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
    /// the ones worth it). An `Err` means no answer could be had, or one
    /// longer than [`Config::max_response_size`] ([`Error::TooLarge`]).
    /// An S3 request (signing name `s3`) gets `x-amz-content-sha256` when
    /// it has none. Timeouts, resets and 5xx answers are retried even when
    /// AWS may have acted, unless the request says
    /// [`Request::no_retry_after_send`].
    pub fn send(&self, ctx: &Context, request: &Request) -> Result<Response, Error> {
        let limit = Limit::new(self.config.max_response_size, "max_response_size");
        self.call(ctx, request, Body::Whole(limit))
            .map(|(response, _)| response)
    }

    /// `send`, reading a successful answer's body as `body` says: whole
    /// (then it is in the `Response`) or as a stream (then it is handed
    /// back unread). Error answers are always read whole, within
    /// `max_response_size`, for their code.
    fn call(
        &self,
        ctx: &Context,
        request: &Request,
        body: Body,
    ) -> Result<(Response, Option<ureq::Body>), Error> {
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
        let call = Call {
            request,
            label: &label,
            target: target::target(request, &endpoint),
            payload_sha256: sigv4::sha256_hex(&request.body),
            body,
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
            let outcome = self.attempt(&call, now, budget);
            let took = started.elapsed().as_millis();
            match &outcome {
                Ok((response, _)) => log::debug!(
                    "aws: {label} {} attempt {attempt} in {took} ms",
                    response.status
                ),
                Err(e) => log::debug!("aws: {label} attempt {attempt} failed in {took} ms: {e}"),
            }
            let retry = retry::worth_retrying(
                outcome.as_ref().map(|(response, _)| response),
                request.retry_after_send,
            );
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
        call: &Call<'_>,
        now: SystemTime,
        budget: Option<Duration>,
    ) -> Result<(Response, Option<ureq::Body>), Error> {
        let Call {
            request,
            label,
            target,
            payload_sha256,
            ..
        } = call;
        // No wire dumps of what carries the signature and the token.
        let _quiet = QuietWire::new();
        // Waiting for credentials (another call's fetch, or this one's)
        // comes out of the attempt's time, and leaves it its least.
        let until = budget.map(|b| now + b.saturating_sub(self.config.min_attempt));
        let credentials = self.credentials.get(SystemTime::now, until, |source| {
            let left = until.map(|u| u.duration_since(SystemTime::now()).unwrap_or_default());
            container::fetch(&self.agent, source, left)
        })?;
        let waited = SystemTime::now().duration_since(now).unwrap_or_default();
        let now = now + waited;
        let budget = match budget {
            Some(b) if b < waited + self.config.min_attempt => {
                return Err(Error::Deadline {
                    operation: label.to_string(),
                    remaining: b.saturating_sub(waited) + self.config.reserve,
                    needed: self.config.min_attempt + self.config.reserve,
                });
            }
            Some(b) => Some(b - waited),
            None => None,
        };
        let mut headers = Vec::with_capacity(request.headers.len() + 4);
        headers.push(("Host".to_string(), target.authority.to_string()));
        headers.extend(request.headers.iter().cloned());
        let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if request.service.signing_name == "s3" && !has("x-amz-content-sha256") {
            // S3 refuses a signed request without the payload's hash in a
            // header of its own: a hand-built one gets it too.
            headers.push((
                "x-amz-content-sha256".to_string(),
                payload_sha256.to_string(),
            ));
        }
        let signed = sigv4::sign(
            request.method,
            &target.path,
            &request.query,
            &mut headers,
            payload_sha256,
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
            .uri(&target.url);
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let label = || label.to_string();
        let http_request = builder
            .body(&request.body[..])
            .map_err(|e| Error::Config(format!("{} cannot be sent: {e}", label())))?;
        let read_timeout = Some(match budget {
            Some(budget) => budget.min(self.config.read_timeout),
            None => self.config.read_timeout,
        });
        let scheme = target.url.split("://").next().unwrap_or("https");
        let proxy = match self.config.proxies.choose(scheme, &target.authority) {
            None => None,
            // Never quoted: a proxy URL may carry a password.
            Some((variable, url)) => Some(
                ureq::Proxy::new(url)
                    .map_err(|e| Error::Config(format!("{variable} is not a proxy URL ({e})")))?,
            ),
        };
        let streamed = matches!(call.body, Body::Stream);
        let http_request = self
            .agent
            .configure_request(http_request)
            .http_status_as_error(false)
            // Per call, not the agent's one proxy for every scheme.
            .proxy(proxy)
            .timeout_global(budget)
            .timeout_recv_response(read_timeout)
            // A whole body is read within the read timeout; a stream, as
            // long as the deadline allows, and never stalled that long.
            .timeout_recv_body(if streamed { None } else { read_timeout })
            .timeout_per_read(if streamed { read_timeout } else { None })
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
        let success = (200..300).contains(&status);
        let limit = match call.body {
            Body::Stream if success => {
                let answer = Response {
                    status,
                    headers,
                    body: Vec::new(),
                };
                return Ok((answer, Some(response.into_body())));
            }
            Body::Whole(limit) if success => limit,
            _ => Limit::new(self.config.max_response_size, "max_response_size"),
        };
        let body = response
            .body_mut()
            .with_config()
            .limit(limit.bytes)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::TooLarge {
                    operation: label(),
                    limit: limit.bytes,
                    setting: limit.setting,
                },
                e => exchange_error(label(), e),
            })?;
        let answer = Response {
            status,
            headers,
            body,
        };
        Ok((answer, None))
    }
}

/// One call, worked out once for all its attempts.
struct Call<'a> {
    request: &'a Request,
    label: &'a str,
    target: Target,
    payload_sha256: String,
    body: Body,
}

/// How a successful answer's body is read.
#[derive(Clone, Copy)]
enum Body {
    /// Whole, into the `Response`, up to a limit.
    Whole(Limit),
    /// Not read: handed back for the caller to read as a stream.
    Stream,
}

/// The most a body read whole may hold, and the `Config` field that says
/// so, for the error.
#[derive(Clone, Copy)]
struct Limit {
    bytes: u64,
    setting: &'static str,
}

impl Limit {
    fn new(bytes: u64, setting: &'static str) -> Limit {
        Limit { bytes, setting }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn jitter_is_a_fraction() {
        for _ in 0..100 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f), "{f}");
        }
    }
}
