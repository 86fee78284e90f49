//! `HttpResponse`: status, headers, cookies and a text, JSON or binary body,
//! turned into exactly the JSON API Gateway accepts for a payload version.

use serde_json::{Map, Value, json};

use super::base64;
use super::request::{HttpRequest, PayloadVersion};

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Empty,
    Text(String, &'static str),
    Binary(Vec<u8>, String),
}

/// A response under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Body,
}

impl HttpResponse {
    /// An empty response with `status`.
    pub fn new(status: u16) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            cookies: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Adds a header; adding a name again adds a value (1.0 sends them in
    /// `multiValueHeaders`, 2.0 joins them with commas). A `Content-Type`
    /// set here wins over the body's default.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A text body; `text/plain; charset=utf-8` unless set otherwise.
    pub fn text(mut self, text: impl Into<String>) -> HttpResponse {
        self.body = Body::Text(text.into(), "text/plain; charset=utf-8");
        self
    }

    /// A JSON body; `application/json` unless set otherwise.
    pub fn json(mut self, value: &Value) -> HttpResponse {
        self.body = Body::Text(value.to_string(), "application/json");
        self
    }

    /// A binary body, sent base64-encoded with `isBase64Encoded: true`.
    pub fn binary(
        mut self,
        bytes: impl Into<Vec<u8>>,
        content_type: impl Into<String>,
    ) -> HttpResponse {
        self.body = Body::Binary(bytes.into(), content_type.into());
        self
    }

    /// Sets a cookie: a whole `Set-Cookie` value, e.g. `id=7; Path=/; HttpOnly`.
    pub fn cookie(mut self, set_cookie: impl Into<String>) -> HttpResponse {
        self.cookies.push(set_cookie.into());
        self
    }

    /// The JSON API Gateway expects for `version`.
    pub fn into_value(self, version: PayloadVersion) -> Value {
        let (body, base64_encoded, default_type) = match self.body {
            Body::Empty => (String::new(), false, None),
            Body::Text(text, content_type) => (text, false, Some(content_type.to_string())),
            Body::Binary(bytes, content_type) => (base64::encode(&bytes), true, Some(content_type)),
        };
        // Group values by name, any case, keeping the first spelling.
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in self.headers {
            match grouped
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            {
                Some((_, values)) => values.push(value),
                None => grouped.push((name, vec![value])),
            }
        }
        if let Some(content_type) = default_type {
            if !grouped
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                grouped.push(("Content-Type".to_string(), vec![content_type]));
            }
        }
        match version {
            PayloadVersion::V1 => {
                let mut headers = Map::new();
                let mut multi = Map::new();
                for (name, values) in grouped {
                    if values.len() == 1 {
                        headers.insert(name, Value::from(values.into_iter().next()));
                    } else {
                        multi.insert(name, Value::from(values));
                    }
                }
                if !self.cookies.is_empty() {
                    multi.insert("Set-Cookie".to_string(), Value::from(self.cookies));
                }
                json!({
                    "statusCode": self.status,
                    "headers": headers,
                    "multiValueHeaders": multi,
                    "body": body,
                    "isBase64Encoded": base64_encoded,
                })
            }
            PayloadVersion::V2 => {
                let headers: Map<String, Value> = grouped
                    .into_iter()
                    .map(|(name, values)| (name, Value::from(values.join(","))))
                    .collect();
                json!({
                    "statusCode": self.status,
                    "headers": headers,
                    "cookies": self.cookies,
                    "body": body,
                    "isBase64Encoded": base64_encoded,
                })
            }
        }
    }
}

impl HttpRequest<'_> {
    /// `response` in this request's payload version.
    pub fn respond(&self, response: HttpResponse) -> Value {
        response.into_value(self.version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `response` for `version` and compares it with `expected`.
    fn check(response: HttpResponse, version: PayloadVersion, expected: Value) {
        assert_eq!(response.into_value(version), expected);
    }

    #[test]
    fn text_in_both_versions() {
        let resp = || HttpResponse::new(200).text("hi");
        check(
            resp(),
            PayloadVersion::V1,
            json!({"statusCode": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"},
                   "multiValueHeaders": {}, "body": "hi", "isBase64Encoded": false}),
        );
        check(
            resp(),
            PayloadVersion::V2,
            json!({"statusCode": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"},
                   "cookies": [], "body": "hi", "isBase64Encoded": false}),
        );
    }

    #[test]
    fn json_body_and_explicit_content_type_wins() {
        check(
            HttpResponse::new(201).json(&json!({"id": 7})),
            PayloadVersion::V2,
            json!({"statusCode": 201, "headers": {"Content-Type": "application/json"},
                   "cookies": [], "body": "{\"id\":7}", "isBase64Encoded": false}),
        );
        check(
            HttpResponse::new(200)
                .header("content-type", "application/problem+json")
                .json(&json!({})),
            PayloadVersion::V2,
            json!({"statusCode": 200, "headers": {"content-type": "application/problem+json"},
                   "cookies": [], "body": "{}", "isBase64Encoded": false}),
        );
    }

    #[test]
    fn binary_goes_out_base64() {
        check(
            HttpResponse::new(200).binary(vec![0x89, b'P', b'N', b'G'], "image/png"),
            PayloadVersion::V1,
            json!({"statusCode": 200, "headers": {"Content-Type": "image/png"},
                   "multiValueHeaders": {}, "body": "iVBORw==", "isBase64Encoded": true}),
        );
    }

    #[test]
    fn repeated_headers_and_cookies() {
        let resp = || {
            HttpResponse::new(302)
                .header("Location", "/next")
                .header("X-Tag", "a")
                .header("x-tag", "b")
                .cookie("id=7; Path=/; HttpOnly")
                .cookie("theme=dark")
        };
        check(
            resp(),
            PayloadVersion::V1,
            json!({"statusCode": 302, "headers": {"Location": "/next"},
                   "multiValueHeaders": {"X-Tag": ["a", "b"],
                                         "Set-Cookie": ["id=7; Path=/; HttpOnly", "theme=dark"]},
                   "body": "", "isBase64Encoded": false}),
        );
        check(
            resp(),
            PayloadVersion::V2,
            json!({"statusCode": 302, "headers": {"Location": "/next", "X-Tag": "a,b"},
                   "cookies": ["id=7; Path=/; HttpOnly", "theme=dark"],
                   "body": "", "isBase64Encoded": false}),
        );
    }

    #[test]
    fn respond_uses_the_requests_version() {
        let event = json!({"version": "2.0", "requestContext": {"http": {"method": "GET"}}});
        let req = HttpRequest::parse(&event).unwrap();
        let value = req.respond(HttpResponse::new(204));
        assert_eq!(value["cookies"], json!([]));
        assert_eq!(value.get("multiValueHeaders"), None);
    }
}
