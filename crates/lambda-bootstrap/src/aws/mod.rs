//! Calls to AWS services from a handler, blocking, without an async
//! runtime (the cargo feature `aws`). One [`Client`], made once in a
//! `static`, signs requests with SigV4, sends them over HTTPS on a pool of
//! kept-alive connections, retries what the SDKs retry, and never runs
//! past the invocation's deadline:
//!
//! ```no_run
//! use std::sync::LazyLock;
//!
//! use lambda_bootstrap::aws::{self, Client};
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde_json::{Value, json};
//!
//! static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);
//!
//! pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
//!     let item = json!({"id": {"S": event["id"]}, "qty": {"N": "1"}});
//!     AWS.json(ctx, &aws::DYNAMODB, "PutItem", &json!({
//!         "TableName": "orders",
//!         "Item": item,
//!         "ConditionExpression": "attribute_not_exists(id)",
//!     }))?; // a conflict is a HandlerError of type ConditionalCheckFailedException
//!     AWS.put_object(ctx, "receipts", "orders/1.json", event.to_string(), Some("application/json"))?;
//!     Ok(json!({"stored": true}))
//! }
//! ```
//!
//! What a call does at the edges:
//! - **Answers have a size limit.** A JSON answer, or what [`Client::send`]
//!   returns, holds at most [`Config::max_response_size`] (32 MiB);
//!   [`Client::get_object`] at most [`Config::max_object_size`] (64 MiB),
//!   which a caller raises for larger objects. Past either, the call is
//!   [`Error::TooLarge`], naming the call and the field. An object of any
//!   size is read as a stream, never held whole, with
//!   [`Client::get_object_reader`]; the invocation's deadline bounds that
//!   read too.
//! - **Redirects are not followed.** A 3xx answer is a service error
//!   (`PermanentRedirect` for S3's bucket in another region, else the
//!   status's name: `Found`, `TemporaryRedirect`): a redirected call
//!   would carry its signature and session token to another host.
//! - **Proxies, per scheme, as the SDKs read them**: `HTTPS_PROXY` for
//!   https endpoints, `HTTP_PROXY` for http ones (lower-case names too),
//!   and `NO_PROXY` (hosts, `.suffix`, `host:port`, `*`) for the hosts
//!   reached directly. See [`proxy`].
//! - **Retries are the SDKs' standard mode**: throttling, 5xx, resets and
//!   timeouts, 3 attempts at most. A call that timed out may have been
//!   done already, so a non-idempotent one (SQS `SendMessage`) can run
//!   twice; a request built with [`Request::no_retry_after_send`] is
//!   retried only when it surely did nothing (throttled, never
//!   connected).
//! - **S3 requests built by hand** get the `x-amz-content-sha256` header
//!   S3 needs, when they have none.
//!
//! Credentials are the environment's (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, as Lambda sets them), else
//! the container endpoint's (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, or
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2, with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` or `…_TOKEN_FILE`). Those are fetched
//! once for every thread, straight from the endpoint (never through a
//! proxy, no redirect followed), and again five minutes before they expire,
//! by one call while the others go on with the keys that still work; a call
//! waits for another's fetch no longer than its own deadline allows, and
//! the time it waited comes out of its attempt. A failed fetch is not tried
//! again for 1 s, doubling up to 30 s: the calls in between get its error at
//! once. Keys handed out already expired are an error; keys handed out
//! with less than five minutes left are used, and fetched again half-way
//! to their expiry.
//!
//! Cut one concept per file, sans-IO as rusty-s3 is: what a call *is* is
//! pure and tested without a network; only [`client`] sends.
//! - [`client`]: [`Client`], the one that sends: the retry loop, the
//!   deadline; [`config`]: its [`Config`], read from the environment
//!   there and only there;
//! - [`json`]: the JSON protocols (DynamoDB, SQS, Kinesis, EventBridge,
//!   Step Functions, Secrets Manager, SSM: one generic call);
//!   [`s3`]: S3 objects (get, put, delete);
//!   [`request`]: a call as a value, and its answer; [`target`]: the URL
//!   a request goes to at an endpoint; [`proxy`]: which proxy it goes
//!   through;
//! - [`sigv4`]: Signature Version 4; [`credentials`]: the keys, from the
//!   environment or the container endpoint, refreshed before they expire;
//!   [`cache`]: how long they are kept, one fetch at a time;
//!   [`container`]: the container endpoint's fetch;
//!   [`endpoint`]: which URL, `AWS_ENDPOINT_URL*` included;
//!   [`retry`]: what is retried, the backoff; [`tls`]: the HTTPS agent and
//!   `AWS_CA_BUNDLE`; [`file`](mod@file): the files the environment names,
//!   read without blocking or size surprises; [`resolve`]: host lookups,
//!   kept a while; [`time`]: UTC dates as AWS writes them; [`redact`]:
//!   what a logger must drop during a call;
//! - [`error`]: [`Error`], carrying AWS's error code, message, status and
//!   request id.
//!
//! Nothing here logs above DEBUG per request, and nothing logs or displays
//! a credential, a signature or an `Authorization` header at any level.

pub mod cache;
pub mod client;
pub mod config;
pub mod container;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod json;
pub mod proxy;
pub mod redact;
pub mod request;
pub mod retry;
pub mod s3;
pub mod sigv4;
pub mod target;
pub mod time;
// The HTTPS agent, its host lookups and the bounded reading of the files
// the environment names live in `https`, which a handler that calls no AWS
// service can have alone (the `https` feature).
pub use crate::https::{file, resolve, tls};
mod xml;

pub use client::Client;
pub use config::Config;
pub use credentials::Credentials;
pub use endpoint::Service;
pub use error::{Error, ServiceError};
pub use json::{
    DYNAMODB, EVENTBRIDGE, JsonApi, KINESIS, SECRETS_MANAGER, SQS, SSM, STEP_FUNCTIONS,
};
pub use request::{Request, Response};
pub use retry::RetryConfig;
