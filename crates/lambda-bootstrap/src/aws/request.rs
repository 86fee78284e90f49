//! A call to AWS as a value, before it is signed and sent (`Request`), and
//! its answer as a value (`Response`). `json.rs` and `s3.rs` make them;
//! `client.rs` signs and sends them; a handler may make its own for any
//! other AWS API and send it with `Client::send`.

use crate::aws::endpoint::Service;
use crate::aws::sigv4::PathStyle;

/// An unsigned request to one AWS service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which service: endpoint and signing name.
    pub service: Service,
    /// The operation's name, for logs and errors (`PutItem`).
    pub operation: String,
    /// `GET`, `PUT`, `POST`, `DELETE`, `HEAD`.
    pub method: &'static str,
    /// The path after the endpoint's, percent-encoded, starting with `/`.
    pub path: String,
    /// The query string, percent-encoded, without `?` (`""` for none).
    pub query: String,
    /// Headers to send and sign besides `Host` and SigV4's own.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How SigV4 treats the path (S3: as sent; others: normalized).
    pub path_style: PathStyle,
    /// S3's bucket, when the request is for one: `s3::address` puts it in
    /// the host name or in front of `path`, depending on the endpoint.
    pub bucket: Option<String>,
    /// Whether an attempt that may have reached AWS is tried again (the
    /// SDKs' standard mode, the default: `true`). See
    /// [`Request::no_retry_after_send`].
    pub retry_after_send: bool,
}

impl Request {
    /// A request with no query, no headers and no body.
    pub fn new(
        service: Service,
        operation: impl Into<String>,
        method: &'static str,
        path: impl Into<String>,
    ) -> Request {
        Request {
            service,
            operation: operation.into(),
            method,
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            path_style: if service.signing_name == "s3" {
                PathStyle::AsSent
            } else {
                PathStyle::Normalized
            },
            bucket: None,
            retry_after_send: true,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Sets the query string (percent-encoded, without `?`).
    pub fn query(mut self, query: impl Into<String>) -> Request {
        self.query = query.into();
        self
    }

    /// Retries this call only when it surely did nothing: throttled, or no
    /// connection made. By default a call is retried as the SDKs' standard
    /// mode retries it, after a timeout, a reset or a 5xx answer too, when
    /// AWS may already have acted on it: an SQS `SendMessage` whose answer
    /// timed out can be delivered twice. Opt out for calls that must not
    /// run twice and are not idempotent by themselves (no deduplication
    /// id, no condition); the error is then the first attempt's.
    pub fn no_retry_after_send(mut self) -> Request {
        self.retry_after_send = false;
        self
    }

    /// `Service.Operation`, as logs and errors name the call.
    pub fn label(&self) -> String {
        format!("{}.{}", self.service.id, self.operation)
    }
}

/// What AWS answered (any status: `json.rs` and `s3.rs` read errors out
/// of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's first value, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
