//! `HttpRequest`: the HTTP request inside an API Gateway event, payload 1.0
//! or 2.0, detected from the event itself. Borrows from the event; decodes
//! only what is asked for.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::base64;

/// Which API Gateway payload format an event uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadVersion {
    /// REST APIs (serverless `http:`), and HTTP APIs set to 1.0.
    V1,
    /// HTTP APIs (serverless `httpApi:`) and Function URLs.
    V2,
}

/// Why a request, or a part of it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The event has neither `httpMethod` (1.0) nor `version: "2.0"` with
    /// `requestContext.http.method` (2.0).
    NotApiGateway,
    /// `body` is present but not a string.
    BodyNotString,
    /// `isBase64Encoded` is true and the body is not base64; the byte offset.
    BadBase64(usize),
    /// `body_text` on a body that is not UTF-8; the byte offset.
    NotUtf8(usize),
    /// `body_json` on a body that is not JSON; serde_json's explanation.
    NotJson(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NotApiGateway => f.write_str(
                "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'",
            ),
            RequestError::BodyNotString => f.write_str("'body' is not a string"),
            RequestError::BadBase64(at) => write!(f, "body is not valid base64 at byte {at}"),
            RequestError::NotUtf8(at) => write!(f, "body is not UTF-8 at byte {at}"),
            RequestError::NotJson(e) => write!(f, "body is not JSON: {e}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// An HTTP request read out of an API Gateway event.
#[derive(Debug, Clone)]
pub struct HttpRequest<'a> {
    event: &'a Value,
    version: PayloadVersion,
    method: &'a str,
    path: &'a str,
}

impl<'a> HttpRequest<'a> {
    /// Reads the request line out of `event`; everything else is read on
    /// demand.
    pub fn parse(event: &'a Value) -> Result<HttpRequest<'a>, RequestError> {
        // Key by key, not `Value::pointer`: a pointer is unescaped (a
        // `str::replace` per segment) on every call, which showed in profiles.
        let text = |path: &[&str]| str_at(event, path);
        let version = text(&["version"]);
        if let (Some("2.0"), Some(method)) = (version, text(&["requestContext", "http", "method"]))
        {
            let path = text(&["rawPath"])
                .or_else(|| text(&["requestContext", "http", "path"]))
                .unwrap_or("/");
            return Ok(HttpRequest {
                event,
                version: PayloadVersion::V2,
                method,
                path,
            });
        }
        let method = text(&["httpMethod"]).ok_or(RequestError::NotApiGateway)?;
        let path = text(&["path"]).unwrap_or("/");
        Ok(HttpRequest {
            event,
            version: PayloadVersion::V1,
            method,
            path,
        })
    }

    /// The payload format, which `HttpResponse` answers in.
    pub fn version(&self) -> PayloadVersion {
        self.version
    }

    /// `GET`, `POST`, …
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The path, without the query string.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<Cow<'a, str>> {
        self.query_all(name).into_iter().next()
    }

    /// Every value of query parameter `name`, in order. For 2.0 they come
    /// from `rawQueryString`, since `queryStringParameters` joins repeated
    /// values with commas and a value may hold a comma itself.
    pub fn query_all(&self, name: &str) -> Vec<Cow<'a, str>> {
        match self.version {
            PayloadVersion::V1 => {
                let many = self.str_list(&["multiValueQueryStringParameters", name]);
                if !many.is_empty() {
                    return many.into_iter().map(Cow::Borrowed).collect();
                }
                self.str_at(&["queryStringParameters", name])
                    .map(Cow::Borrowed)
                    .into_iter()
                    .collect()
            }
            PayloadVersion::V2 => match self.str_at(&["rawQueryString"]) {
                Some(raw) => raw
                    .split('&')
                    .filter_map(|pair| {
                        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                        (decode_query(key) == name).then(|| decode_query(value))
                    })
                    .collect(),
                None => self
                    .str_at(&["queryStringParameters", name])
                    .map(|joined| joined.split(',').map(Cow::Borrowed).collect())
                    .unwrap_or_default(),
            },
        }
    }

    /// The first value of header `name`, any case. For 2.0, where API
    /// Gateway joins repeated headers with commas, the whole joined value.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        find_key(self.event.get("headers"), name)
            .and_then(Value::as_str)
            .or_else(|| self.header_all(name).into_iter().next())
    }

    /// Every value of header `name`, any case: 1.0's `multiValueHeaders`,
    /// or 2.0's joined value split at commas.
    pub fn header_all(&self, name: &str) -> Vec<&'a str> {
        match self.version {
            PayloadVersion::V1 => {
                let many = find_key(self.event.get("multiValueHeaders"), name)
                    .and_then(Value::as_array)
                    .map(|values| values.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                    .unwrap_or_default();
                if !many.is_empty() {
                    return many;
                }
                find_key(self.event.get("headers"), name)
                    .and_then(Value::as_str)
                    .into_iter()
                    .collect()
            }
            PayloadVersion::V2 => find_key(self.event.get("headers"), name)
                .and_then(Value::as_str)
                .map(|joined| joined.split(',').map(str::trim).collect())
                .unwrap_or_default(),
        }
    }

    /// Cookies as `(name, value)` pairs: 2.0's `cookies`, or 1.0's `Cookie`
    /// header(s).
    pub fn cookies(&self) -> Vec<(&'a str, &'a str)> {
        let split = |c: &'a str| {
            let c = c.trim();
            c.split_once('=')
                .map(|(n, v)| (n.trim(), v.trim()))
                .or(Some((c, "")))
        };
        match self.version {
            PayloadVersion::V2 => self
                .str_list(&["cookies"])
                .into_iter()
                .filter_map(split)
                .collect(),
            PayloadVersion::V1 => self
                .header_all("cookie")
                .into_iter()
                .flat_map(|h| h.split(';'))
                .filter(|c| !c.trim().is_empty())
                .filter_map(split)
                .collect(),
        }
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&'a str> {
        self.cookies()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// Path parameter `name` (`/users/{id}`).
    pub fn path_param(&self, name: &str) -> Option<&'a str> {
        self.str_at(&["pathParameters", name])
    }

    /// The caller's IP address as API Gateway saw it.
    pub fn source_ip(&self) -> Option<&'a str> {
        match self.version {
            PayloadVersion::V1 => self.str_at(&["requestContext", "identity", "sourceIp"]),
            PayloadVersion::V2 => self.str_at(&["requestContext", "http", "sourceIp"]),
        }
    }

    /// The body's bytes, base64-decoded when `isBase64Encoded` is true;
    /// empty when there is no body.
    pub fn body_bytes(&self) -> Result<Cow<'a, [u8]>, RequestError> {
        let body = match self.event.get("body") {
            None | Some(Value::Null) => return Ok(Cow::Borrowed(&[])),
            Some(Value::String(s)) => s,
            Some(_) => return Err(RequestError::BodyNotString),
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

    fn str_at(&self, path: &[&str]) -> Option<&'a str> {
        str_at(self.event, path)
    }

    fn str_list(&self, path: &[&str]) -> Vec<&'a str> {
        path.iter()
            .try_fold(self.event, |v, key| v.get(key))
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(value, |v, key| v.get(key))?.as_str()
}

/// `map[name]`, with `name` matched in any case (HTTP header names are
/// case-insensitive; 1.0 events keep the client's spelling).
fn find_key<'a>(map: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    let map = map?.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Form-style query decoding: `+` is a space, `%XX` a byte; a malformed
/// escape is kept as written.
fn decode_query(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['%', '+']) {
        return Cow::Borrowed(raw);
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// Parses `event` and hands the request to `f`; every test goes through here.
    fn check(event: &Value, f: impl FnOnce(HttpRequest<'_>)) {
        f(HttpRequest::parse(event).unwrap_or_else(|e| panic!("{e}: {event}")));
    }

    #[test]
    fn rest_get_with_query() {
        check(&fixture("apigw-rest-get-query.json"), |req| {
            assert_eq!(req.version(), PayloadVersion::V1);
            assert_eq!((req.method(), req.path()), ("GET", "/hello"));
            assert_eq!(req.query("hello").as_deref(), Some("Alice"));
            assert_eq!(req.query_all("tag"), vec!["a", "b"]);
            assert_eq!(req.query("missing"), None);
            assert_eq!(req.header("user-agent"), Some("curl/8.5.0"));
            assert_eq!(req.header("USER-AGENT"), Some("curl/8.5.0"));
            assert_eq!(req.header_all("x-custom"), vec!["one", "two"]);
            assert_eq!(
                req.cookies(),
                vec![("session", "abc123"), ("theme", "dark")]
            );
            assert_eq!(req.cookie("theme"), Some("dark"));
            assert_eq!(req.source_ip(), Some("198.51.100.7"));
            assert_eq!(req.body_bytes().unwrap().as_ref(), b"");
        });
    }

    #[test]
    fn rest_post_with_base64_body() {
        check(&fixture("apigw-rest-post-base64.json"), |req| {
            assert_eq!((req.method(), req.path()), ("POST", "/items/42"));
            assert_eq!(req.path_param("id"), Some("42"));
            assert_eq!(req.header("Content-Type"), Some("application/json"));
            assert_eq!(req.body_text().unwrap(), r#"{"name":"widget","qty":3}"#);
            assert_eq!(
                req.body_json().unwrap(),
                json!({"name": "widget", "qty": 3})
            );
            assert_eq!(req.source_ip(), Some("203.0.113.9"));
            assert!(req.query_all("x").is_empty());
        });
    }

    #[test]
    fn http_api_get() {
        check(&fixture("apigw-http-get.json"), |req| {
            assert_eq!(req.version(), PayloadVersion::V2);
            assert_eq!((req.method(), req.path()), ("GET", "/hello"));
            assert_eq!(req.query("hello").as_deref(), Some("Bob"));
            assert_eq!(req.header("User-Agent"), Some("curl/8.5.0"));
            assert_eq!(req.source_ip(), Some("192.0.2.44"));
            assert!(req.cookies().is_empty());
            assert_eq!(req.body_bytes().unwrap().as_ref(), b"");
        });
    }

    #[test]
    fn http_api_cookies_and_repeated_query_keys() {
        check(&fixture("apigw-http-cookies.json"), |req| {
            // rawQueryString keeps "b,c" one value where the joined map cannot.
            assert_eq!(req.query_all("tag"), vec!["a", "b,c"]);
            assert_eq!(req.query("hello").as_deref(), Some("Carol Ann"));
            assert_eq!(
                req.cookies(),
                vec![("session", "xyz789"), ("theme", "light")]
            );
            assert_eq!(req.cookie("session"), Some("xyz789"));
            assert_eq!(req.header("x-custom"), Some("one,two"));
            assert_eq!(req.header_all("X-Custom"), vec!["one", "two"]);
        });
    }

    #[test]
    fn function_url() {
        check(&fixture("function-url.json"), |req| {
            assert_eq!(req.version(), PayloadVersion::V2);
            assert_eq!((req.method(), req.path()), ("POST", "/greet"));
            assert_eq!(req.query("hello"), None);
            assert_eq!(req.body_text().unwrap(), "Dave");
            assert_eq!(req.source_ip(), Some("198.51.100.20"));
        });
    }

    #[test]
    fn v2_without_raw_query_falls_back_to_the_joined_map() {
        let event = json!({"version": "2.0", "requestContext": {"http": {"method": "GET"}},
                           "queryStringParameters": {"tag": "a,b"}});
        check(&event, |req| {
            assert_eq!(req.path(), "/");
            assert_eq!(req.query_all("tag"), vec!["a", "b"]);
        });
    }

    #[test]
    fn query_decoding() {
        assert_eq!(decode_query("a+b%20c%2Fd"), "a b c/d");
        assert_eq!(decode_query("100%"), "100%");
        assert_eq!(decode_query("%zz%4"), "%zz%4");
        assert_eq!(decode_query("%C3%A9"), "é");
        assert_eq!(decode_query("%FF"), "\u{FFFD}");
    }

    #[test]
    fn events_that_are_not_api_gateway_are_refused() {
        for event in [
            fixture("sns-two-records.json"),
            fixture("schedule-input.json"),
            json!({}),
            json!(42),
            json!(null),
            json!({"httpMethod": 7}),
            json!({"version": "2.0", "requestContext": {"http": {}}}),
        ] {
            let err = HttpRequest::parse(&event).unwrap_err();
            assert_eq!(err, RequestError::NotApiGateway);
            assert_eq!(
                err.to_string(),
                "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'"
            );
        }
    }

    #[test]
    fn body_errors_say_where() {
        let with_body = |body: Value, b64: bool| json!({"httpMethod": "POST", "body": body, "isBase64Encoded": b64});
        let event = with_body(json!("Zm9v!mFy"), true);
        check(&event, |req| {
            let err = req.body_bytes().unwrap_err();
            assert_eq!(err.to_string(), "body is not valid base64 at byte 4");
        });
        let event = with_body(json!("/w=="), true);
        check(&event, |req| {
            assert_eq!(req.body_bytes().unwrap().as_ref(), &[0xff]);
            assert_eq!(
                req.body_text().unwrap_err().to_string(),
                "body is not UTF-8 at byte 0"
            );
        });
        let event = with_body(json!("not json"), false);
        check(&event, |req| {
            let err = req.body_json().unwrap_err().to_string();
            assert!(err.starts_with("body is not JSON: expected ident"), "{err}");
        });
        let event = with_body(json!(42), false);
        check(&event, |req| {
            assert_eq!(
                req.body_text().unwrap_err().to_string(),
                "'body' is not a string"
            );
        });
    }
}
