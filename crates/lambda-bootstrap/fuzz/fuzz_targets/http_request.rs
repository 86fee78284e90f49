//! Fuzzes the API Gateway request helper: any JSON at all, through every
//! accessor, must give values or errors, never a panic; and a response
//! built from what was read must serialize, in the request's version.
#![no_main]

use lambda_bootstrap::http::{HttpRequest, HttpResponse, PayloadVersion};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Names worth asking for: a few fixed ones, and every key the event
/// itself has under the maps the accessors read, so lookups also hit.
fn names(event: &Value) -> Vec<String> {
    let mut names: Vec<String> = ["hello", "tag", "id", "cookie", "", "a b", "é"]
        .into_iter()
        .map(String::from)
        .collect();
    for map in [
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
    ] {
        if let Some(object) = event.get(map).and_then(Value::as_object) {
            names.extend(object.keys().take(8).cloned());
        }
    }
    if let Some(raw) = event.get("rawQueryString").and_then(Value::as_str) {
        names.extend(
            raw.split('&')
                .take(8)
                .map(|pair| pair.split('=').next().unwrap_or("").to_string()),
        );
    }
    names
}

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(req) = HttpRequest::parse(&event) else {
        return;
    };
    let version = req.payload_version();
    let _ = (req.method(), req.path(), req.source_ip());
    let mut found = Vec::new();
    for name in names(&event) {
        if let Some(v) = req.query(&name) {
            found.push(v.into_owned());
        }
        let all = req.query_all(&name);
        assert_eq!(req.query(&name).is_some(), !all.is_empty(), "{name}");
        if let Some(h) = req.header(&name) {
            found.push(h.to_string());
        }
        let _ = req.header_all(&name);
        let _ = (req.cookie(&name), req.path_param(&name));
    }
    for (name, value) in req.cookies() {
        assert!(req.cookie(name).is_some(), "{name}={value}");
    }
    let bytes = req.body_bytes().map(|b| b.into_owned());
    let text = req.body_text();
    let json = req.body_json();
    if let (Ok(bytes), Ok(text)) = (&bytes, &text) {
        assert_eq!(bytes.as_slice(), text.as_bytes());
    }

    // Echo what was read back out, in every body kind.
    let mut resp = HttpResponse::new(200).header("X-Method", req.method());
    for value in found.iter().take(4) {
        resp = resp.header("X-Echo", value.as_str()).cookie(value.as_str());
    }
    let resp = match (bytes, text, json) {
        (_, _, Ok(json)) => resp.json(&json),
        (_, Ok(text), _) => resp.text(text.into_owned()),
        (Ok(bytes), _, _) => resp.binary(bytes, "application/octet-stream"),
        _ => resp,
    };
    // Echoed values may hold control characters: those must be refused,
    // never sent; everything else must shape into an answer.
    let carriable = resp.validate().is_ok();
    let value = match req.respond(resp) {
        Ok(value) => value,
        Err(e) => {
            assert!(!carriable, "refused a valid response: {e}");
            return;
        }
    };
    let key = match version {
        PayloadVersion::V1 => "multiValueHeaders",
        PayloadVersion::V2 => "cookies",
    };
    assert!(value.get(key).is_some(), "{value}");
    serde_json::to_vec(&value).expect("responses serialize");
});
