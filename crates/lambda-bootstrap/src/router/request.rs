//! [`Request`]: what a route reads. The HTTP request of any of the four
//! sources, the path parameters its pattern captured, and typed access to
//! them, to the query and to the JSON body, each failing as a 400
//! [`HttpError`] that names what was wrong.

use std::borrow::Cow;
use std::fmt::Display;
use std::str::FromStr;

use serde::de::DeserializeOwned;

use super::error::{HttpError, cut};
use super::pattern::Captures;
use crate::http::HttpRequest;
use crate::http::request::decode_query;

/// Where the event came from: the answer's shape depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API (payload 1.0).
    RestApi,
    /// API Gateway HTTP API (payload 2.0).
    HttpApi,
    /// A Function URL (payload 2.0, no stage).
    FunctionUrl,
    /// An Application Load Balancer target group.
    Alb,
}

/// How much of the request a 400's message may quote.
const QUOTE: usize = 120;

/// One routed request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    http: HttpRequest<'a>,
    source: Source,
    path: &'a str,
    params: Captures<'a>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(
        http: HttpRequest<'a>,
        source: Source,
        path: &'a str,
        params: Captures<'a>,
    ) -> Request<'a> {
        Request {
            http,
            source,
            path,
            params,
        }
    }

    /// The request as the `http` module reads it: headers, cookies, the
    /// body's bytes and text, the source IP.
    pub fn http(&self) -> &HttpRequest<'a> {
        &self.http
    }

    /// Which of the four sources sent it.
    pub fn source(&self) -> Source {
        self.source
    }

    /// `GET`, `POST`, …
    pub fn method(&self) -> &'a str {
        self.http.method()
    }

    /// The path the route matched: without the query string, and without
    /// an HTTP API's stage.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The first value of header `name`, in any case.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.http.header(name)
    }

    /// Path parameter `name` as the route's pattern captured it, decoded.
    /// Asking for a name the pattern has not is the route's own mistake:
    /// a 500 naming it.
    pub fn param_str(&self, name: &str) -> Result<&str, HttpError> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
            .ok_or_else(|| HttpError::new(500, format!("the route has no path parameter '{name}'")))
    }

    /// Path parameter `name`, parsed as `T` (`u64`, `String`, a type of
    /// yours with `FromStr`); a value that does not parse is a 400.
    pub fn param<T: FromStr>(&self, name: &str) -> Result<T, HttpError>
    where
        T::Err: Display,
    {
        let raw = self.param_str(name)?;
        raw.parse().map_err(|e: T::Err| {
            HttpError::bad_request(format!(
                "path parameter '{name}': {}",
                cut(&e.to_string(), QUOTE)
            ))
        })
    }

    /// The first value of query parameter `name`, decoded (ALB sends the
    /// query as the client wrote it; API Gateway has decoded it).
    pub fn query_str(&self, name: &str) -> Option<Cow<'a, str>> {
        self.query_values(name).into_iter().next()
    }

    /// Query parameter `name` parsed as `T`: `None` when absent, a 400
    /// when a value does not parse.
    pub fn query<T: FromStr>(&self, name: &str) -> Result<Option<T>, HttpError>
    where
        T::Err: Display,
    {
        self.query_str(name)
            .map(|raw| parse_query(name, &raw))
            .transpose()
    }

    /// Every value of query parameter `name` parsed as `T`, in the order
    /// sent.
    pub fn query_all<T: FromStr>(&self, name: &str) -> Result<Vec<T>, HttpError>
    where
        T::Err: Display,
    {
        self.query_values(name)
            .iter()
            .map(|raw| parse_query(name, raw))
            .collect()
    }

    /// The JSON body as `T`. A body that is not JSON, or does not fit `T`,
    /// is a 400 whose message names the place as a JSON path
    /// (`items[1].price: invalid type: …`), or the missing field.
    pub fn body_as<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        let body = self
            .http
            .body_bytes()
            .map_err(|e| HttpError::bad_request(format!("invalid body: {e}")))?;
        let e = match serde_json::from_slice(&body) {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        let text = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let what = cut(text.strip_suffix(&position).unwrap_or(&text), QUOTE);
        if !e.is_data() {
            return Err(HttpError::bad_request(format!(
                "invalid body: not JSON: {what}"
            )));
        }
        let path = crate::json_path::path_at(&body, e.line(), e.column());
        let at = if path.is_empty() {
            String::new()
        } else {
            format!("{}: ", cut(&path, QUOTE))
        };
        Err(HttpError::bad_request(format!("invalid body: {at}{what}")))
    }

    fn query_values(&self, name: &str) -> Vec<Cow<'a, str>> {
        let values = self.http.query_all(name);
        if self.source != Source::Alb {
            return values;
        }
        // ALB passes keys and values as sent, still percent-encoded; the
        // key is looked up as sent too, so an encoded key is found by its
        // encoded spelling only.
        values
            .into_iter()
            .map(|v| Cow::Owned(decode_query(&v).into_owned()))
            .collect()
    }
}

fn parse_query<T: FromStr>(name: &str, raw: &str) -> Result<T, HttpError>
where
    T::Err: Display,
{
    raw.parse().map_err(|e: T::Err| {
        HttpError::bad_request(format!(
            "query parameter '{}': {}",
            cut(name, QUOTE),
            cut(&e.to_string(), QUOTE)
        ))
    })
}
