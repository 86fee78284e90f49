//! API Gateway helpers for handlers: read the HTTP request out of an event,
//! and shape the HTTP response into the JSON API Gateway accepts, for
//! payload format 1.0 (REST APIs) and 2.0 (HTTP APIs, Function URLs).
//!
//! Pure data transforms on `serde_json::Value`: nothing here opens a socket,
//! uses ureq or knows about the Runtime API. One concept per file:
//! [`request`] reads, [`response`] writes, [`base64`] encodes bodies.
//!
//! ```
//! use lambda_bootstrap::http::{HttpRequest, HttpResponse};
//! use serde_json::json;
//!
//! let event = json!({
//!     "version": "2.0",
//!     "rawPath": "/hello",
//!     "rawQueryString": "name=Ada&tag=a&tag=b",
//!     "requestContext": {"http": {"method": "GET", "path": "/hello"}},
//! });
//! let request = HttpRequest::parse(&event)?;
//! let name = request.query("name").unwrap_or_default();
//! let answer = request.respond(
//!     HttpResponse::new(200)
//!         .json(&json!({"hello": name, "tags": request.query_all("tag")}))
//!         .cookie("seen=1; Path=/"),
//! )?;
//! assert_eq!(answer, json!({
//!     "statusCode": 200,
//!     "headers": {"Content-Type": "application/json"},
//!     "cookies": ["seen=1; Path=/"],
//!     "body": r#"{"hello":"Ada","tags":["a","b"]}"#,
//!     "isBase64Encoded": false,
//! }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod base64;
pub mod request;
pub mod response;

pub use request::{HttpRequest, PayloadVersion, RequestError};
pub use response::{HttpResponse, PRELUDE_END, ResponseError, STREAMING_CONTENT_TYPE};
