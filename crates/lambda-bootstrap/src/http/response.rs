//! `HttpResponse`: status, headers, cookies and a text, JSON or binary body,
//! turned into exactly the JSON API Gateway accepts for a payload version
//! (a wrong shape is a 502 "Malformed Lambda proxy response" for the
//! caller). A pure value: it never touches a socket, ureq or the Runtime API.
//!
//! A status or header that HTTP cannot carry is a [`ResponseError`] naming
//! it, when the response is turned into the answer: the handler finds out,
//! instead of the caller getting a 502 from API Gateway.

use std::fmt;

use serde_json::{Map, Value};

use super::base64;
use super::request::{HttpRequest, PayloadVersion};
use crate::stream::ResponseStream;

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Empty,
    /// The text and its default content type.
    Text(String, &'static str),
    /// The bytes and their default content type.
    Binary(Vec<u8>, String),
}

/// A response under construction; [`HttpResponse::into_value`] or
/// [`HttpRequest::respond`] turns it into the handler's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Body,
}

impl HttpResponse {
    /// A response with `status`, no headers and an empty body.
    pub fn new(status: u16) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            cookies: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Adds a header. Adding a name again, in any case, adds a value: 1.0
    /// sends them in `multiValueHeaders`, 2.0 joins them with commas. A
    /// `Content-Type` set here wins over the body's default. `Set-Cookie` is
    /// taken as [`HttpResponse::cookie`], since commas would corrupt it.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpResponse {
        let name = name.into();
        if name.eq_ignore_ascii_case("set-cookie") {
            self.cookies.push(value.into());
        } else {
            self.headers.push((name, value.into()));
        }
        self
    }

    /// A text body, `text/plain; charset=utf-8` unless a `Content-Type`
    /// header says otherwise.
    pub fn text(mut self, text: impl Into<String>) -> HttpResponse {
        self.body = Body::Text(text.into(), "text/plain; charset=utf-8");
        self
    }

    /// A JSON body, `application/json` unless a `Content-Type` header says
    /// otherwise.
    pub fn json(mut self, value: &Value) -> HttpResponse {
        self.body = Body::Text(value.to_string(), "application/json");
        self
    }

    /// A binary body, sent base64-encoded with `isBase64Encoded: true`, of
    /// `content_type` unless a `Content-Type` header says otherwise.
    pub fn binary(
        mut self,
        bytes: impl Into<Vec<u8>>,
        content_type: impl Into<String>,
    ) -> HttpResponse {
        self.body = Body::Binary(bytes.into(), content_type.into());
        self
    }

    /// Sets a cookie: a whole `Set-Cookie` value, such as
    /// `id=7; Path=/; HttpOnly`. 2.0 sends them in `cookies`, 1.0 as
    /// `Set-Cookie` in `multiValueHeaders`.
    pub fn cookie(mut self, set_cookie: impl Into<String>) -> HttpResponse {
        self.cookies.push(set_cookie.into());
        self
    }

    /// Whether HTTP can carry this status, every header and every cookie.
    pub fn validate(&self) -> Result<(), ResponseError> {
        if !(100..=599).contains(&self.status) {
            return Err(ResponseError::Status(self.status));
        }
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(ResponseError::HeaderName(name.clone()));
            }
            check_value(name, value)?;
        }
        for cookie in &self.cookies {
            check_value("Set-Cookie", cookie)?;
        }
        Ok(())
    }

    /// The answer API Gateway expects for `version`: 1.0 `{statusCode,
    /// headers, multiValueHeaders, body, isBase64Encoded}`, 2.0 `{statusCode,
    /// headers, cookies, body, isBase64Encoded}`; or why HTTP cannot carry
    /// it ([`HttpResponse::validate`]).
    pub fn into_value(self, version: PayloadVersion) -> Result<Value, ResponseError> {
        self.validate()?;
        let HttpResponse {
            status,
            mut headers,
            cookies,
            body,
        } = self;
        let (body, base64_encoded, default_type) = match body {
            Body::Empty => (String::new(), false, None),
            Body::Text(text, content_type) => (text, false, Some(content_type.to_string())),
            Body::Binary(bytes, content_type) => (base64::encode(&bytes), true, Some(content_type)),
        };
        if let Some(content_type) = default_type {
            if !headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".to_string(), content_type));
            }
        }
        // Brings each name's values together, in the order they were added,
        // under the first spelling of the name. A scan rather than a sort:
        // an answer has a few headers, and a stable sort would ship a sort
        // routine for them.
        let mut grouped: Vec<(String, String, Vec<String>)> = Vec::new();
        for (name, value) in headers {
            match grouped
                .iter_mut()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(&name))
            {
                // Allocates only for a name that repeats.
                Some((_, _, more)) => more.push(value),
                None => grouped.push((name, value, Vec::new())),
            }
        }
        let mut single = Map::new();
        let mut multi = Map::new();
        for (name, first, mut more) in grouped {
            if more.is_empty() {
                single.insert(name, Value::from(first));
            } else if version == PayloadVersion::V1 {
                more.insert(0, first);
                multi.insert(name, Value::from(more));
            } else {
                let mut joined = first;
                for value in more {
                    joined.push(',');
                    joined.push_str(&value);
                }
                single.insert(name, Value::from(joined));
            }
        }
        let mut answer = Map::new();
        answer.insert("statusCode".to_string(), Value::from(status));
        answer.insert("headers".to_string(), Value::Object(single));
        match version {
            PayloadVersion::V1 => {
                if !cookies.is_empty() {
                    multi.insert("Set-Cookie".to_string(), Value::from(cookies));
                }
                answer.insert("multiValueHeaders".to_string(), Value::Object(multi));
            }
            PayloadVersion::V2 => {
                answer.insert("cookies".to_string(), Value::from(cookies));
            }
        }
        answer.insert("body".to_string(), Value::from(body));
        answer.insert("isBase64Encoded".to_string(), Value::from(base64_encoded));
        Ok(Value::Object(answer))
    }
}

/// The content type of a streamed answer to an HTTP caller (Function URLs
/// with `RESPONSE_STREAM`, API Gateway REST streaming): a JSON prelude,
/// [`PRELUDE_END`], then the body.
pub const STREAMING_CONTENT_TYPE: &str = "application/vnd.awslambda.http-integration-response";

/// What ends the prelude of a streamed HTTP answer: eight NUL bytes.
pub const PRELUDE_END: [u8; 8] = [0; 8];

impl HttpResponse {
    /// Starts a streamed answer to an HTTP caller: sets the stream's content
    /// type to [`STREAMING_CONTENT_TYPE`] and writes the prelude (status,
    /// headers, cookies), then the body set on `self`, if any. What the
    /// handler writes into `out` next is the rest of the body. Refuses, with
    /// nothing written, what [`HttpResponse::validate`] refuses.
    pub fn start_stream(self, out: &mut dyn ResponseStream) -> Result<(), ResponseError> {
        let answer = self.into_value(PayloadVersion::V2)?;
        let Value::Object(mut answer) = answer else {
            unreachable!("into_value makes an object")
        };
        let body = match answer.remove("body") {
            Some(Value::String(body)) => body,
            _ => String::new(),
        };
        let body = if answer.remove("isBase64Encoded") == Some(Value::Bool(true)) {
            base64::decode(&body).expect("into_value encoded it")
        } else {
            body.into_bytes()
        };
        let mut prelude = serde_json::to_vec(&answer).expect("a map of strings serializes");
        prelude.extend_from_slice(&PRELUDE_END);
        prelude.extend_from_slice(&body);
        let io = |e: std::io::Error| ResponseError::Write(e.to_string());
        out.set_content_type(STREAMING_CONTENT_TYPE).map_err(io)?;
        out.write_all(&prelude).map_err(io)
    }
}

/// RFC 9110's `tchar`: what a header name is made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A field value may hold anything but control characters (tab aside): a
/// CR or LF would end the header, and API Gateway refuses the rest.
fn check_value(name: &str, value: &str) -> Result<(), ResponseError> {
    if value.chars().any(|c| c.is_ascii_control() && c != '\t') {
        return Err(ResponseError::HeaderValue {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    Ok(())
}

/// Why a response cannot be sent: API Gateway would turn it into a 502.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseError {
    /// The status is outside 100-599.
    Status(u16),
    /// A header name is empty or has a character outside HTTP's token set
    /// (a space, a colon, a control character, non-ASCII).
    HeaderName(String),
    /// A header or cookie value holds CR, LF or another control character.
    HeaderValue {
        /// The header's name (`Set-Cookie` for cookies).
        name: String,
        /// The value, as given.
        value: String,
    },
    /// The start of a streamed answer could not be written.
    Write(String),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Status(status) => {
                write!(f, "status {status} is not an HTTP status (100-599)")
            }
            ResponseError::HeaderName(name) => {
                write!(f, "header name {name:?} is not a valid HTTP header name")
            }
            ResponseError::HeaderValue { name, value } => write!(
                f,
                "header {name:?} has a control character in its value {value:?}"
            ),
            ResponseError::Write(e) => write!(f, "could not start the streamed answer: {e}"),
        }
    }
}

impl std::error::Error for ResponseError {}

impl HttpRequest<'_> {
    /// `response` as the answer to this request, in its payload version;
    /// with `?` in a handler, a [`ResponseError`] becomes the invocation's
    /// error (`errorType` `ResponseError`).
    pub fn respond(&self, response: HttpResponse) -> Result<Value, ResponseError> {
        response.into_value(self.payload_version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Renders `response` for both payload versions and compares each with
    /// what API Gateway must receive; every test goes through here.
    fn check(response: HttpResponse, v1: Value, v2: Value) {
        assert_eq!(
            response.clone().into_value(PayloadVersion::V1),
            Ok(v1),
            "1.0"
        );
        assert_eq!(response.into_value(PayloadVersion::V2), Ok(v2), "2.0");
    }

    /// `response` is refused for both payload versions, with `message`.
    fn check_refused(response: HttpResponse, message: &str) {
        for version in [PayloadVersion::V1, PayloadVersion::V2] {
            let err = response.clone().into_value(version).unwrap_err();
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn what_http_cannot_carry_is_refused_with_its_name() {
        check_refused(
            HttpResponse::new(99),
            "status 99 is not an HTTP status (100-599)",
        );
        check_refused(
            HttpResponse::new(600),
            "status 600 is not an HTTP status (100-599)",
        );
        check_refused(
            HttpResponse::new(200).header("", "x"),
            "header name \"\" is not a valid HTTP header name",
        );
        for name in ["X Bad", "X:Bad", "X\r\nInjected", "Ünicode", "(x)"] {
            check_refused(
                HttpResponse::new(200).header(name, "x"),
                &format!("header name {name:?} is not a valid HTTP header name"),
            );
        }
        for value in [
            "a\r\nSet-Cookie: x=1",
            "a\nb",
            "a\rb",
            "nul\0",
            "bell\u{7}",
            "del\u{7f}",
        ] {
            check_refused(
                HttpResponse::new(200).header("X-Ok", value),
                &format!("header \"X-Ok\" has a control character in its value {value:?}"),
            );
        }
        check_refused(
            HttpResponse::new(200).cookie("id=1\r\nX-Evil: 1"),
            "header \"Set-Cookie\" has a control character in its value \"id=1\\r\\nX-Evil: 1\"",
        );
    }

    #[test]
    fn what_http_can_carry_passes() {
        for status in [100, 200, 599] {
            assert!(HttpResponse::new(status).validate().is_ok());
        }
        let odd_but_fine = HttpResponse::new(200)
            .header("X-Tokens!#$%&'*+-.^_`|~09", "tab\tand spaces, ünïcode ✓")
            .cookie("a=b; Path=/");
        assert_eq!(odd_but_fine.validate(), Ok(()));
    }

    #[test]
    fn empty_response_has_no_content_type() {
        check(
            HttpResponse::new(204),
            json!({"statusCode": 204, "headers": {}, "multiValueHeaders": {},
                   "body": "", "isBase64Encoded": false}),
            json!({"statusCode": 204, "headers": {}, "cookies": [],
                   "body": "", "isBase64Encoded": false}),
        );
    }

    #[test]
    fn text_is_plain_utf8_by_default() {
        check(
            HttpResponse::new(200).text("héllo"),
            json!({"statusCode": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"},
                   "multiValueHeaders": {}, "body": "héllo", "isBase64Encoded": false}),
            json!({"statusCode": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"},
                   "cookies": [], "body": "héllo", "isBase64Encoded": false}),
        );
    }

    #[test]
    fn json_is_application_json_by_default() {
        check(
            HttpResponse::new(201).json(&json!({"id": 7, "tags": ["a"]})),
            json!({"statusCode": 201, "headers": {"Content-Type": "application/json"},
                   "multiValueHeaders": {}, "body": r#"{"id":7,"tags":["a"]}"#,
                   "isBase64Encoded": false}),
            json!({"statusCode": 201, "headers": {"Content-Type": "application/json"},
                   "cookies": [], "body": r#"{"id":7,"tags":["a"]}"#, "isBase64Encoded": false}),
        );
    }

    #[test]
    fn binary_goes_out_base64() {
        check(
            HttpResponse::new(200).binary([0x89, b'P', b'N', b'G', 0xff], "image/png"),
            json!({"statusCode": 200, "headers": {"Content-Type": "image/png"},
                   "multiValueHeaders": {}, "body": "iVBOR/8=", "isBase64Encoded": true}),
            json!({"statusCode": 200, "headers": {"Content-Type": "image/png"},
                   "cookies": [], "body": "iVBOR/8=", "isBase64Encoded": true}),
        );
    }

    #[test]
    fn an_explicit_content_type_wins_whatever_its_case_or_order() {
        // Set before the body, in lower case.
        check(
            HttpResponse::new(400)
                .header("content-type", "application/problem+json")
                .json(&json!({"title": "bad"})),
            json!({"statusCode": 400, "headers": {"content-type": "application/problem+json"},
                   "multiValueHeaders": {}, "body": r#"{"title":"bad"}"#,
                   "isBase64Encoded": false}),
            json!({"statusCode": 400, "headers": {"content-type": "application/problem+json"},
                   "cookies": [], "body": r#"{"title":"bad"}"#, "isBase64Encoded": false}),
        );
        // Set after the body.
        check(
            HttpResponse::new(200)
                .text("<p>hi</p>")
                .header("Content-Type", "text/html"),
            json!({"statusCode": 200, "headers": {"Content-Type": "text/html"},
                   "multiValueHeaders": {}, "body": "<p>hi</p>", "isBase64Encoded": false}),
            json!({"statusCode": 200, "headers": {"Content-Type": "text/html"},
                   "cookies": [], "body": "<p>hi</p>", "isBase64Encoded": false}),
        );
        check(
            HttpResponse::new(200)
                .binary(*b"GIF89a", "application/octet-stream")
                .header("CONTENT-TYPE", "image/gif"),
            json!({"statusCode": 200, "headers": {"CONTENT-TYPE": "image/gif"},
                   "multiValueHeaders": {}, "body": "R0lGODlh", "isBase64Encoded": true}),
            json!({"statusCode": 200, "headers": {"CONTENT-TYPE": "image/gif"},
                   "cookies": [], "body": "R0lGODlh", "isBase64Encoded": true}),
        );
    }

    #[test]
    fn repeated_headers_and_cookies() {
        check(
            HttpResponse::new(302)
                .header("Location", "/next")
                .header("X-Tag", "a")
                .header("Vary", "Accept")
                .header("x-tag", "b")
                .cookie("id=7; Path=/; HttpOnly")
                // The way some would write it; it must not be comma-joined.
                .header(
                    "Set-Cookie",
                    "seen=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
                ),
            json!({"statusCode": 302, "headers": {"Location": "/next", "Vary": "Accept"},
                   "multiValueHeaders": {
                       "X-Tag": ["a", "b"],
                       "Set-Cookie": ["id=7; Path=/; HttpOnly",
                                      "seen=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]},
                   "body": "", "isBase64Encoded": false}),
            json!({"statusCode": 302, "headers": {"Location": "/next", "Vary": "Accept",
                                                  "X-Tag": "a,b"},
                   "cookies": ["id=7; Path=/; HttpOnly",
                               "seen=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT"],
                   "body": "", "isBase64Encoded": false}),
        );
    }

    #[test]
    fn respond_answers_in_the_requests_version() {
        for (fixture, version) in [
            ("apigw-rest-get-query.json", PayloadVersion::V1),
            ("apigw-rest-post-base64.json", PayloadVersion::V1),
            ("apigw-http-get.json", PayloadVersion::V2),
            ("apigw-http-cookies.json", PayloadVersion::V2),
            ("function-url.json", PayloadVersion::V2),
        ] {
            let path = format!("{}/tests/data/{fixture}", env!("CARGO_MANIFEST_DIR"));
            let event: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            let request = HttpRequest::parse(&event).unwrap();
            let response = HttpResponse::new(200).text("ok").cookie("a=1");
            assert_eq!(
                request.respond(response.clone()).unwrap(),
                response.into_value(version).unwrap(),
                "{fixture}"
            );
        }
    }
}
