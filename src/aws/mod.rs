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
//! - [`client`]: [`Client`] and its [`Config`] (read from the environment
//!   there and only there), the retry loop, the deadline;
//! - [`json`]: the JSON protocols (DynamoDB, SQS, Kinesis, EventBridge,
//!   Step Functions, Secrets Manager, SSM: one generic call);
//!   [`s3`]: S3 objects (get, put, delete);
//!   [`request`]: a call as a value, and its answer;
//! - [`sigv4`]: Signature Version 4; [`credentials`]: the keys, from the
//!   environment or the container endpoint, refreshed before they expire;
//!   [`cache`]: how long they are kept, one fetch at a time;
//!   [`container`]: the container endpoint's fetch;
//!   [`endpoint`]: which URL, `AWS_ENDPOINT_URL*` included;
//!   [`retry`]: what is retried, the backoff; [`tls`]: the HTTPS agent and
//!   `AWS_CA_BUNDLE`; [`file`](mod@file): the files the environment names, read
//!   without blocking or size surprises; [`resolve`]: host lookups, kept a while; [`time`]: UTC dates as AWS writes them;
//! - [`error`]: [`Error`], carrying AWS's error code, message, status and
//!   request id.
//!
//! Nothing here logs above DEBUG per request, and nothing logs or displays
//! a credential, a signature or an `Authorization` header at any level.

pub mod cache;
pub mod client;
pub mod container;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod file;
pub mod json;
pub mod request;
pub mod resolve;
pub mod retry;
pub mod s3;
pub mod sigv4;
pub mod time;
pub mod tls;

pub use client::{Client, Config};
pub use credentials::Credentials;
pub use endpoint::Service;
pub use error::{Error, ServiceError};
pub use json::{
    DYNAMODB, EVENTBRIDGE, JsonApi, KINESIS, SECRETS_MANAGER, SQS, SSM, STEP_FUNCTIONS,
};
pub use request::{Request, Response};
pub use retry::RetryConfig;
