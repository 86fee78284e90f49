//! [`HttpEvent`]: one HTTP request, written as the event each of the four
//! sources sends for it: API Gateway REST (payload 1.0), HTTP API (2.0),
//! Function URL (2.0, its own domain) and ALB (single- or multi-value
//! headers), with the fields the recorded events in `tests/data/` have.

use serde_json::{Map, Value, json};

use crate::http::base64;

/// A request to write as an event.
#[derive(Debug, Clone, Default)]
pub struct HttpEvent {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    body: Option<(String, bool)>,
}

/// `%XX` for every byte but unreserved ones, as a client sends a query.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl HttpEvent {
    /// `method` on `path` (without a query string: see [`HttpEvent::query`]).
    pub fn new(method: &str, path: &str) -> HttpEvent {
        HttpEvent {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            ..HttpEvent::default()
        }
    }

    /// A `GET`.
    pub fn get(path: &str) -> HttpEvent {
        HttpEvent::new("GET", path)
    }

    /// A `POST`.
    pub fn post(path: &str) -> HttpEvent {
        HttpEvent::new("POST", path)
    }

    /// Adds a query parameter (repeat it for several values).
    pub fn query(mut self, name: &str, value: &str) -> HttpEvent {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header, its name as the client spelt it.
    pub fn header(mut self, name: &str, value: &str) -> HttpEvent {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a cookie.
    pub fn cookie(mut self, name: &str, value: &str) -> HttpEvent {
        self.cookies.push((name.into(), value.into()));
        self
    }

    /// A text body.
    pub fn body(mut self, text: &str) -> HttpEvent {
        self.body = Some((text.to_string(), false));
        self
    }

    /// A JSON body, with `content-type: application/json`.
    pub fn json(self, value: &Value) -> HttpEvent {
        self.header("content-type", "application/json")
            .body(&value.to_string())
    }

    /// A binary body, base64-encoded in the event.
    pub fn binary(mut self, bytes: &[u8]) -> HttpEvent {
        self.body = Some((base64::encode(bytes), true));
        self
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            let pairs: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            pairs.join("; ")
        })
    }

    fn body_fields(&self, event: &mut Value) {
        let (body, encoded) = match &self.body {
            Some((body, encoded)) => (Value::from(body.as_str()), *encoded),
            None => (Value::Null, false),
        };
        event["body"] = body;
        event["isBase64Encoded"] = Value::from(encoded);
    }

    /// The API Gateway REST API (payload 1.0) event, stage `dev`.
    pub fn rest_api(&self) -> Value {
        let mut headers = Map::new();
        let mut multi_headers = Map::new();
        let mut all_headers = self.headers.clone();
        if let Some(cookie) = self.cookie_header() {
            all_headers.push(("Cookie".into(), cookie));
        }
        for (name, value) in &all_headers {
            headers.insert(name.clone(), Value::from(value.as_str()));
            let entry = multi_headers
                .entry(name.clone())
                .or_insert_with(|| json!([]));
            entry
                .as_array_mut()
                .expect("an array")
                .push(Value::from(value.as_str()));
        }
        let (single, multi) = query_maps(&self.query, false);
        let mut event = json!({
            "resource": self.path,
            "path": self.path,
            "httpMethod": self.method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": single,
            "multiValueQueryStringParameters": multi,
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "1234567890",
                "resourcePath": self.path,
                "httpMethod": self.method,
                "path": format!("/dev{}", self.path),
                "stage": "dev",
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "identity": {"sourceIp": "198.51.100.1", "userAgent": "test"},
                "requestTimeEpoch": 1_795_590_002_000u64,
            },
        });
        self.body_fields(&mut event);
        event
    }

    fn v2(&self, domain: &str, route_key: &str) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            let name = name.to_ascii_lowercase();
            match headers.get_mut(&name) {
                Some(Value::String(joined)) => {
                    joined.push(',');
                    joined.push_str(value);
                }
                _ => {
                    headers.insert(name, Value::from(value.as_str()));
                }
            }
        }
        let raw: Vec<String> = self
            .query
            .iter()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect();
        let (joined, _) = query_maps(&self.query, true);
        let cookies: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": self.path,
            "rawQueryString": raw.join("&"),
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": domain.split('.').next().unwrap_or_default(),
                "domainName": domain,
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "198.51.100.1",
                    "userAgent": "test",
                },
                "requestId": "JKJaXmPLvHcESHA=",
                "routeKey": route_key,
                "stage": "$default",
                "timeEpoch": 1_795_590_002_000u64,
            },
        });
        if !self.query.is_empty() {
            event["queryStringParameters"] = joined;
        }
        if !cookies.is_empty() {
            event["cookies"] = json!(cookies);
        }
        self.body_fields(&mut event);
        event
    }

    /// The API Gateway HTTP API (payload 2.0) event, `$default` route.
    pub fn http_api(&self) -> Value {
        self.v2("abcdef1234.execute-api.us-east-1.amazonaws.com", "$default")
    }

    /// The Function URL event.
    pub fn function_url(&self) -> Value {
        self.v2(
            "abcdefghijklmnopqrstuvwxyz0123456.lambda-url.us-east-1.on.aws",
            "$default",
        )
    }

    fn alb_event(&self, multi: bool) -> Value {
        let mut all_headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        if let Some(cookie) = self.cookie_header() {
            all_headers.push(("cookie".into(), cookie));
        }
        // ALB passes the query as the client encoded it.
        let encoded: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(n, v)| (encode(n), encode(v)))
            .collect();
        let mut event = json!({
            "requestContext": {"elb": {"targetGroupArn":
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/test/49e9d65c45c6791a"}},
            "httpMethod": self.method,
            "path": self.path,
        });
        if multi {
            let mut headers = Map::new();
            for (name, value) in &all_headers {
                let entry = headers.entry(name.clone()).or_insert_with(|| json!([]));
                entry
                    .as_array_mut()
                    .expect("an array")
                    .push(Value::from(value.as_str()));
            }
            event["multiValueHeaders"] = Value::Object(headers);
            event["multiValueQueryStringParameters"] = query_maps(&encoded, false).1;
        } else {
            let headers: Map<String, Value> = all_headers
                .into_iter()
                .map(|(n, v)| (n, Value::from(v)))
                .collect();
            event["headers"] = Value::Object(headers);
            let single: Map<String, Value> = encoded
                .into_iter()
                .map(|(n, v)| (n, Value::from(v)))
                .collect();
            event["queryStringParameters"] = Value::Object(single);
        }
        self.body_fields(&mut event);
        if event["body"].is_null() {
            event["body"] = json!("");
        }
        event
    }

    /// The ALB event of a target group without multi-value headers.
    pub fn alb(&self) -> Value {
        self.alb_event(false)
    }

    /// The ALB event of a target group with multi-value headers on.
    pub fn alb_multi_value(&self) -> Value {
        self.alb_event(true)
    }
}

/// The query as 1.0's `queryStringParameters` (the last value) and
/// `multiValueQueryStringParameters`, or (`join`) 2.0's joined map.
fn query_maps(query: &[(String, String)], join: bool) -> (Value, Value) {
    if query.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, value) in query {
        match single.get_mut(name) {
            Some(Value::String(s)) if join => {
                s.push(',');
                s.push_str(value);
            }
            _ => {
                single.insert(name.clone(), Value::from(value.as_str()));
            }
        }
        let entry = multi.entry(name.clone()).or_insert_with(|| json!([]));
        entry
            .as_array_mut()
            .expect("an array")
            .push(Value::from(value.as_str()));
    }
    (Value::Object(single), Value::Object(multi))
}
