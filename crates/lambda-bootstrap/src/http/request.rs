//! `HttpRequest`: the HTTP request inside an API Gateway event, payload 1.0
//! (REST APIs) or 2.0 (HTTP APIs, Function URLs), told apart by the event
//! itself. A read-only view that borrows from the event and decodes only
//! what is asked for. It never touches a socket, ureq or the Runtime API.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::base64;
use crate::handler::json_kind;

/// Which API Gateway payload format an event uses, and so which shape the
/// answer must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadVersion {
    /// 1.0: REST APIs (serverless `http:`), and HTTP APIs set to 1.0.
    V1,
    /// 2.0: HTTP APIs (serverless `httpApi:`) and Function URLs.
    V2,
}

/// Why a request, or a part of it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// [`HttpRequest::parse`] on an event that has neither `httpMethod`
    /// (1.0) nor `requestContext.http.method` (2.0) as a string: an SNS or
    /// schedule event, a number, `{}`.
    NotApiGateway,
    /// A body accessor on an event whose `body` is neither a string nor
    /// null; the JSON type it is instead.
    BodyNotString(&'static str),
    /// A body accessor on an event with `isBase64Encoded: true` whose body
    /// is not padded standard base64; the offset of the first bad byte.
    BadBase64(usize),
    /// [`HttpRequest::body_text`] on a body that is not UTF-8; the offset of
    /// the first byte that is not.
    NotUtf8(usize),
    /// [`HttpRequest::body_json`] on a body that is not JSON; serde_json's
    /// explanation, with line and column.
    NotJson(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NotApiGateway => f.write_str(
                "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'",
            ),
            RequestError::BodyNotString(kind) => write!(f, "'body' is {kind}, not a string"),
            RequestError::BadBase64(at) => write!(f, "body is not valid base64 at byte {at}"),
            RequestError::NotUtf8(at) => write!(f, "body is not UTF-8 at byte {at}"),
            RequestError::NotJson(e) => write!(f, "body is not JSON: {e}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// An HTTP request read out of an API Gateway event.
///
/// Names (headers, query keys, cookies, path parameters) are looked up on
/// each call; values borrow from the event unless they had to be decoded.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    event: &'a Value,
    version: PayloadVersion,
    method: &'a str,
    path: &'a str,
}

impl<'a> HttpRequest<'a> {
    /// Reads the payload version and request line out of `event`; anything
    /// else is read when asked for. Fails with
    /// [`RequestError::NotApiGateway`] on any other kind of event.
    pub fn parse(event: &'a Value) -> Result<HttpRequest<'a>, RequestError> {
        // `requestContext.http` exists only in 2.0, so it decides, with or
        // without `version: "2.0"`.
        if let Some(method) = str_at(event, &["requestContext", "http", "method"]) {
            let path = str_at(event, &["rawPath"])
                .or_else(|| str_at(event, &["requestContext", "http", "path"]))
                .unwrap_or("/");
            return Ok(HttpRequest {
                event,
                version: PayloadVersion::V2,
                method,
                path,
            });
        }
        let method = str_at(event, &["httpMethod"]).ok_or(RequestError::NotApiGateway)?;
        Ok(HttpRequest {
            event,
            version: PayloadVersion::V1,
            method,
            path: str_at(event, &["path"]).unwrap_or("/"),
        })
    }

    /// The payload format, which [`HttpRequest::respond`] answers in.
    pub fn payload_version(&self) -> PayloadVersion {
        self.version
    }

    /// `GET`, `POST`, …, as API Gateway spells it.
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The path, without the query string (for REST APIs, without the stage).
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The first value of query parameter `name`, percent-decoded.
    pub fn query(&self, name: &str) -> Option<Cow<'a, str>> {
        self.query_values(name).next()
    }

    /// Every value of query parameter `name`, in the order sent: 1.0's
    /// `multiValueQueryStringParameters`, or 2.0's `rawQueryString`.
    pub fn query_all(&self, name: &str) -> Vec<Cow<'a, str>> {
        self.query_values(name).collect()
    }

    /// The first value of header `name`, matched in any case. In 2.0, where
    /// API Gateway has already joined a repeated header's values with commas,
    /// that whole joined value: splitting it would also split one value that
    /// holds a comma, such as `Accept: text/html,application/json`.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        match self.version {
            PayloadVersion::V1 => self.header_values(name).next(),
            PayloadVersion::V2 => find_key(self.event.get("headers"), name)?.as_str(),
        }
    }

    /// Every value of header `name`, matched in any case: 1.0's
    /// `multiValueHeaders`, or 2.0's joined value split at commas.
    pub fn header_all(&self, name: &str) -> Vec<&'a str> {
        self.header_values(name).collect()
    }

    /// The request's cookies as `(name, value)` pairs, in the order sent:
    /// 2.0's `cookies`, or 1.0's `Cookie` header(s) (`a=b; c=d`).
    pub fn cookies(&self) -> Vec<(&'a str, &'a str)> {
        self.cookie_pairs().collect()
    }

    /// The value of the first cookie called `name`.
    pub fn cookie(&self, name: &str) -> Option<&'a str> {
        self.cookie_pairs()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// Path parameter `name` (`id` for a route `/users/{id}`).
    pub fn path_param(&self, name: &str) -> Option<&'a str> {
        str_at(self.event, &["pathParameters", name])
    }

    /// The caller's IP address as API Gateway saw it.
    pub fn source_ip(&self) -> Option<&'a str> {
        match self.version {
            PayloadVersion::V1 => str_at(self.event, &["requestContext", "identity", "sourceIp"]),
            PayloadVersion::V2 => str_at(self.event, &["requestContext", "http", "sourceIp"]),
        }
    }

    /// The body's bytes, base64-decoded when `isBase64Encoded` is true
    /// (the only case that copies); empty when there is no body.
    pub fn body_bytes(&self) -> Result<Cow<'a, [u8]>, RequestError> {
        let body = match self.event.get("body") {
            None | Some(Value::Null) => return Ok(Cow::Borrowed(&[])),
            Some(Value::String(s)) => s,
            Some(other) => return Err(RequestError::BodyNotString(json_kind(other))),
        };
        if self.event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
            base64::decode(body)
                .map(Cow::Owned)
                .map_err(RequestError::BadBase64)
        } else {
            Ok(Cow::Borrowed(body.as_bytes()))
        }
    }

    /// The body as UTF-8 text.
    pub fn body_text(&self) -> Result<Cow<'a, str>, RequestError> {
        match self.body_bytes()? {
            Cow::Borrowed(b) => std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|e| RequestError::NotUtf8(e.valid_up_to())),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|e| RequestError::NotUtf8(e.utf8_error().valid_up_to())),
        }
    }

    /// The body parsed as JSON.
    pub fn body_json(&self) -> Result<Value, RequestError> {
        serde_json::from_slice(&self.body_bytes()?)
            .map_err(|e| RequestError::NotJson(e.to_string()))
    }

    // The three iterators below let `query`, `header` and `cookie`, the
    // calls a handler makes on every request, stop at the first match
    // without collecting a Vec.

    fn query_values<'n>(&self, name: &'n str) -> impl Iterator<Item = Cow<'a, str>> + use<'a, 'n> {
        let (listed, single, raw) = match self.version {
            PayloadVersion::V1 => {
                // API Gateway has decoded these; `queryStringParameters`
                // holds only the last of repeated values.
                let listed = array_at(self.event, &["multiValueQueryStringParameters", name])
                    .filter(|values| !values.is_empty());
                let single = str_at(self.event, &["queryStringParameters", name]);
                (listed, single.filter(|_| listed.is_none()), None)
            }
            PayloadVersion::V2 => {
                // `queryStringParameters` joins repeated values with commas,
                // and cannot tell them from a value holding an (encoded)
                // comma: `rawQueryString` can. The joined map is the fallback
                // for hand-written events without it.
                let raw = str_at(self.event, &["rawQueryString"]);
                let joined = str_at(self.event, &["queryStringParameters", name]);
                (None, joined.filter(|_| raw.is_none()), raw)
            }
        };
        let split = self.version == PayloadVersion::V2;
        let listed = listed.into_iter().flatten().filter_map(Value::as_str);
        // Only 2.0 joins repeated values with commas.
        let single = single
            .into_iter()
            .flat_map(move |s| s.split(move |c| split && c == ','));
        let raw = raw
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|pair| !pair.is_empty())
            .filter_map(move |pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_query(key) == name).then(|| decode_query(value))
            });
        listed.chain(single).map(Cow::Borrowed).chain(raw)
    }

    fn header_values(&self, name: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let split = self.version == PayloadVersion::V2;
        // 1.0's `headers` holds only the last of repeated values.
        let listed = match self.version {
            PayloadVersion::V1 => find_key(self.event.get("multiValueHeaders"), name)
                .and_then(Value::as_array)
                .filter(|values| !values.is_empty()),
            PayloadVersion::V2 => None,
        };
        let single = match listed {
            Some(_) => None,
            None => find_key(self.event.get("headers"), name).and_then(Value::as_str),
        };
        let listed = listed.into_iter().flatten().filter_map(Value::as_str);
        let single = single
            .into_iter()
            .flat_map(move |s| s.split(move |c| split && c == ','))
            // API Gateway joins with "," but a client may have sent ", ".
            .map(move |s| if split { s.trim() } else { s });
        listed.chain(single)
    }

    fn cookie_pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        // 2.0 lifts the Cookie header into `cookies`, one entry per cookie;
        // 1.0 leaves it as sent, perhaps over several headers (HTTP/2 lets a
        // client split it).
        let (listed, headers) = match self.version {
            PayloadVersion::V2 => (array_at(self.event, &["cookies"]), None),
            PayloadVersion::V1 => (None, Some(self.header_values("cookie"))),
        };
        listed
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .chain(headers.into_iter().flatten().flat_map(|h| h.split(';')))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            // RFC 6265bis 5.6: a pair without `=` is a value with an empty name.
            .map(|c| match c.split_once('=') {
                Some((name, value)) => (name.trim(), value.trim()),
                None => ("", c),
            })
    }
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path)?.as_str()
}

fn array_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Vec<Value>> {
    at(value, path)?.as_array()
}

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    // Key by key, not `Value::pointer`: a pointer is unescaped (a
    // `str::replace` per segment) on every call, which showed in profiles.
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// `map[name]`, with `name` matched in any case: header names are
/// case-insensitive, and 1.0 events keep the client's spelling.
fn find_key<'a>(map: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    let map = map?.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Decodes one key or value of a query string (`+` is a space, `%XX` a
/// byte). A `%` not followed by two hex digits stays as it is, and bytes
/// that are not UTF-8 become U+FFFD, as browsers and API Gateway do.
pub(crate) fn decode_query(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['%', '+']) {
        return Cow::Borrowed(raw);
    }
    let bytes = raw.as_bytes();
    let hex = |i: usize| bytes.get(i).and_then(|&b| char::from(b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 2;
            }
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The event in `tests/data/{name}`.
    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Reads `event` as a request and hands it to `f`; every test of a
    /// readable event goes through here.
    fn check(event: &Value, f: impl FnOnce(HttpRequest<'_>)) {
        f(HttpRequest::parse(event).unwrap_or_else(|e| panic!("{e}: {event}")));
    }

    /// A 1.0 event with `body`, for the body's error paths.
    fn post(body: Value, base64: bool) -> Value {
        json!({"httpMethod": "POST", "path": "/", "body": body, "isBase64Encoded": base64})
    }

    #[test]
    fn rest_get_with_repeated_query_keys_headers_and_cookies() {
        check(&fixture("apigw-rest-get-query.json"), |req| {
            assert_eq!(req.payload_version(), PayloadVersion::V1);
            assert_eq!((req.method(), req.path()), ("GET", "/hello"));
            assert_eq!(req.query("hello").as_deref(), Some("Alice"));
            // `queryStringParameters` says "b"; the first value is "a".
            assert_eq!(req.query("tag").as_deref(), Some("a"));
            assert_eq!(req.query_all("tag"), ["a", "b"]);
            assert_eq!(req.query("missing"), None);
            assert!(req.query_all("missing").is_empty());
            for name in ["user-agent", "User-Agent", "USER-AGENT"] {
                assert_eq!(req.header(name), Some("curl/8.5.0"), "{name}");
            }
            // `headers` says "two"; the first value is "one".
            assert_eq!(req.header("x-custom"), Some("one"));
            assert_eq!(req.header_all("X-CUSTOM"), ["one", "two"]);
            assert_eq!(req.header("accept"), Some("text/html,application/json"));
            assert_eq!(req.header_all("accept"), ["text/html,application/json"]);
            assert_eq!(req.header("missing"), None);
            assert!(req.header_all("missing").is_empty());
            assert_eq!(
                req.cookies(),
                [("session", "abc123"), ("theme", "dark"), ("lang", "en")]
            );
            assert_eq!(req.cookie("lang"), Some("en"));
            assert_eq!(req.cookie("missing"), None);
            assert_eq!(req.path_param("id"), None);
            assert_eq!(req.source_ip(), Some("198.51.100.7"));
            assert_eq!(req.body_bytes().unwrap().as_ref(), b"");
            assert_eq!(req.body_text().unwrap(), "");
        });
    }

    #[test]
    fn rest_post_with_base64_body() {
        check(&fixture("apigw-rest-post-base64.json"), |req| {
            assert_eq!(req.payload_version(), PayloadVersion::V1);
            assert_eq!((req.method(), req.path()), ("POST", "/items/42"));
            assert_eq!(req.path_param("id"), Some("42"));
            // Sent as `content-type`, asked for in another case.
            assert_eq!(req.header("Content-Type"), Some("application/json"));
            assert_eq!(
                req.body_bytes().unwrap().as_ref(),
                br#"{"name":"widget","qty":3}"#
            );
            assert_eq!(req.body_text().unwrap(), r#"{"name":"widget","qty":3}"#);
            assert_eq!(
                req.body_json().unwrap(),
                json!({"name": "widget", "qty": 3})
            );
            assert_eq!(req.source_ip(), Some("203.0.113.9"));
            assert_eq!(req.query("x"), None);
            assert!(req.cookies().is_empty());
        });
    }

    #[test]
    fn http_api_get() {
        check(&fixture("apigw-http-get.json"), |req| {
            assert_eq!(req.payload_version(), PayloadVersion::V2);
            assert_eq!((req.method(), req.path()), ("GET", "/hello"));
            assert_eq!(req.query("hello").as_deref(), Some("Bob"));
            assert_eq!(req.query_all("hello"), ["Bob"]);
            assert_eq!(req.header("User-Agent"), Some("curl/8.5.0"));
            assert_eq!(req.header("X-FORWARDED-PROTO"), Some("https"));
            assert_eq!(req.source_ip(), Some("192.0.2.44"));
            assert!(req.cookies().is_empty());
            assert_eq!(req.body_bytes().unwrap().as_ref(), b"");
        });
    }

    #[test]
    fn http_api_cookies_and_repeated_query_keys() {
        check(&fixture("apigw-http-cookies.json"), |req| {
            // `queryStringParameters` says "a,b,c"; `rawQueryString` knows
            // that "b,c" was one value.
            assert_eq!(req.query_all("tag"), ["a", "b,c"]);
            assert_eq!(req.query("tag").as_deref(), Some("a"));
            assert_eq!(req.query("hello").as_deref(), Some("Carol Ann"));
            assert_eq!(req.query("name with space").as_deref(), Some("é"));
            assert_eq!(req.query("flag").as_deref(), Some(""));
            assert_eq!(
                req.cookies(),
                [("session", "xyz789"), ("theme", "light"), ("token", "a=b")]
            );
            assert_eq!(req.cookie("token"), Some("a=b"));
            assert_eq!(req.header("X-Custom"), Some("one,two"));
            assert_eq!(req.header_all("x-custom"), ["one", "two"]);
            assert_eq!(req.header_all("accept"), ["text/html", "application/json"]);
        });
    }

    #[test]
    fn function_url() {
        check(&fixture("function-url.json"), |req| {
            assert_eq!(req.payload_version(), PayloadVersion::V2);
            assert_eq!((req.method(), req.path()), ("POST", "/greet"));
            // An empty `rawQueryString` has no parameters, not one named "".
            assert_eq!(req.query(""), None);
            assert_eq!(req.query("hello"), None);
            assert_eq!(
                req.header("host"),
                Some("abcdefghijklmnopqrstuvwxyz0123456.lambda-url.us-east-1.on.aws")
            );
            assert_eq!(req.body_text().unwrap(), "Dave");
            assert_eq!(req.source_ip(), Some("198.51.100.20"));
        });
    }

    #[test]
    fn hand_written_events_fall_back_on_what_they_have() {
        // 2.0 without `rawQueryString`, `rawPath` or `version`.
        let event = json!({"requestContext": {"http": {"method": "GET", "path": "/p"}},
                           "queryStringParameters": {"tag": "a,b"}});
        check(&event, |req| {
            assert_eq!(req.payload_version(), PayloadVersion::V2);
            assert_eq!(req.path(), "/p");
            assert_eq!(req.query_all("tag"), ["a", "b"]);
        });
        // 1.0 with only `headers` and `queryStringParameters`, the
        // `Cookie` header with stray separators and a nameless cookie.
        let event = json!({"httpMethod": "GET", "headers": {"Cookie": "a=1;; b = 2 ;solo;"},
                           "queryStringParameters": {"q": "x,y"}});
        check(&event, |req| {
            assert_eq!(req.path(), "/");
            assert_eq!(req.query_all("q"), ["x,y"]);
            assert_eq!(req.header_all("cookie"), ["a=1;; b = 2 ;solo;"]);
            assert_eq!(req.cookies(), [("a", "1"), ("b", "2"), ("", "solo")]);
            assert_eq!(req.source_ip(), None);
        });
    }

    #[test]
    fn query_decoding() {
        assert_eq!(decode_query("a+b%20c%2Fd"), "a b c/d");
        assert_eq!(decode_query("100%"), "100%");
        assert_eq!(decode_query("%zz%4"), "%zz%4");
        assert_eq!(decode_query("%%41"), "%A");
        assert_eq!(decode_query("%C3%A9"), "é");
        assert_eq!(decode_query("%FF"), "\u{FFFD}");
        assert!(matches!(decode_query("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn events_that_are_not_api_gateway_are_refused() {
        for event in [
            fixture("sns-two-records.json"),
            fixture("schedule-input.json"),
            fixture("eventbridge-scheduled.json"),
            json!({}),
            json!(42),
            json!(null),
            json!("GET /hello"),
            json!([{"httpMethod": "GET"}]),
            json!({"httpMethod": 7}),
            json!({"version": "2.0", "requestContext": {"http": {}}}),
        ] {
            let err = HttpRequest::parse(&event).unwrap_err();
            assert_eq!(
                err.to_string(),
                "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'",
                "{event}"
            );
        }
    }

    #[test]
    fn body_errors_say_what_and_where() {
        check(&post(json!("Zm9v!mFy"), true), |req| {
            let err = "body is not valid base64 at byte 4";
            assert_eq!(req.body_bytes().unwrap_err().to_string(), err);
            assert_eq!(req.body_text().unwrap_err().to_string(), err);
            assert_eq!(req.body_json().unwrap_err().to_string(), err);
        });
        check(&post(json!("Zm9vYg"), true), |req| {
            let err = req.body_bytes().unwrap_err();
            assert_eq!(err.to_string(), "body is not valid base64 at byte 4");
        });
        // "ok" then 0xff: readable as bytes, not as text.
        check(&post(json!("b2v/"), true), |req| {
            assert_eq!(req.body_bytes().unwrap().as_ref(), b"ok\xff");
            let err = req.body_text().unwrap_err();
            assert_eq!(err, RequestError::NotUtf8(2));
            assert_eq!(err.to_string(), "body is not UTF-8 at byte 2");
        });
        check(&post(json!("hello"), false), |req| {
            assert_eq!(req.body_text().unwrap(), "hello");
            let err = req.body_json().unwrap_err().to_string();
            assert_eq!(err, "body is not JSON: expected value at line 1 column 1");
        });
        check(&post(json!(null), false), |req| {
            let err = req.body_json().unwrap_err().to_string();
            assert_eq!(
                err,
                "body is not JSON: EOF while parsing a value at line 1 column 0"
            );
        });
        check(&post(json!({"already": "parsed"}), false), |req| {
            let err = req.body_text().unwrap_err().to_string();
            assert_eq!(err, "'body' is an object, not a string");
        });
    }
}
