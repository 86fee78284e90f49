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
//!   [`endpoint`]: which URL, `AWS_ENDPOINT_URL*` included;
//!   [`retry`]: what is retried, the backoff; [`tls`]: the HTTPS agent and
//!   `AWS_CA_BUNDLE`; [`resolve`]: host lookups, kept a while; [`time`]: UTC dates as AWS writes them;
//! - [`error`]: [`Error`], carrying AWS's error code, message, status and
//!   request id.
//!
//! Nothing here logs above DEBUG per request, and nothing logs or displays
//! a credential, a signature or an `Authorization` header at any level.

pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod json;
pub mod request;
pub mod retry;
pub mod s3;
pub mod sigv4;
pub mod time;
// The HTTPS agent and its host lookups live in `https`, which a handler
// that calls no AWS service can have alone (the `https` feature).
pub use crate::https::{resolve, tls};

pub use client::{Client, Config};
pub use credentials::Credentials;
pub use endpoint::Service;
pub use error::{Error, ServiceError};
pub use json::{
    DYNAMODB, EVENTBRIDGE, JsonApi, KINESIS, SECRETS_MANAGER, SQS, SSM, STEP_FUNCTIONS,
};
pub use request::{Request, Response};
pub use retry::RetryConfig;
