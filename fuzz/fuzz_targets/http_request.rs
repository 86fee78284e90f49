//! Fuzzes the API Gateway request helper: any JSON at all, through every
//! accessor, must give values or errors, never a panic; and a response
//! built from what was read must serialize.
#![no_main]

use lambda_bootstrap::http::{HttpRequest, HttpResponse};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(req) = HttpRequest::parse(&event) else {
        return;
    };
    let _ = (
        req.method(),
        req.path(),
        req.source_ip(),
        req.path_param("id"),
    );
    let names = ["hello", "tag", "", "a b", "é"];
    for name in names {
        let _ = (
            req.query(name),
            req.query_all(name),
            req.header(name),
            req.header_all(name),
        );
        let _ = req.cookie(name);
    }
    let _ = req.cookies();
    let bytes = req.body_bytes().map(|b| b.into_owned());
    let _ = (req.body_text(), req.body_json());
    let mut resp = HttpResponse::new(200).header("X-Method", req.method());
    if let Ok(bytes) = bytes {
        resp = resp.binary(bytes, "application/octet-stream");
    }
    let value = req.respond(resp);
    serde_json::to_vec(&value).expect("responses serialize");
});
