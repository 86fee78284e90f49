//! API Gateway helpers for handlers: read an HTTP request out of an event
//! and shape an HTTP response into the JSON API Gateway accepts, for
//! payload format 1.0 (REST APIs) and 2.0 (HTTP APIs, Function URLs).
//!
//! Pure data transforms on `serde_json::Value`: nothing here opens a socket
//! or knows about the Runtime API.

pub mod base64;
pub mod request;
pub mod response;

pub use request::{HttpRequest, PayloadVersion, RequestError};
pub use response::HttpResponse;
