//! The Runtime API's calls as plain values: method, path, headers, body.
//!
//! Shaping a request is pure and tested here without a network; sending it
//! is `client.rs`'s job. Paths are relative to `Endpoint::base`.

use crate::http::base64;
use crate::runtime::diagnostic::Diagnostic;

/// The header that carries `Category.Reason` alongside an error body.
pub const ERROR_TYPE_HEADER: &str = "Lambda-Runtime-Function-Error-Type";
/// The header `/next` may send and `/response` / `/error` must echo.
pub const INVOCATION_ID_HEADER: &str = "Lambda-Runtime-Invocation-Id";
/// The content type AWS documents for error bodies.
pub const ERROR_CONTENT_TYPE: &str = "application/vnd.aws.lambda.error+json";

/// HTTP methods the Runtime API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Only `/next`.
    Get,
    /// Every answer.
    Post,
}

/// One call to the Runtime API, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// GET for `/next`, POST for answers.
    pub method: Method,
    /// Path below the endpoint's base, already percent-encoded.
    pub path: String,
    /// Extra headers besides those the client always sends.
    pub headers: Vec<(&'static str, String)>,
    /// The body's content type, for POSTs.
    pub content_type: Option<&'static str>,
    /// The body; empty for GET.
    pub body: Vec<u8>,
}

/// `GET /runtime/invocation/next`: wait for the next event (a long poll).
pub fn next() -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: "/runtime/invocation/next".to_string(),
        headers: Vec::new(),
        content_type: None,
        body: Vec::new(),
    }
}

/// `POST /runtime/invocation/{AwsRequestId}/response`: the handler's result.
pub fn response(request_id: &str, invocation_id: Option<&str>, body: Vec<u8>) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path: invocation_path(request_id, "response"),
        headers: echo(invocation_id),
        content_type: Some("application/json"),
        body,
    }
}

/// The header that says an answer is streamed.
pub const RESPONSE_MODE_HEADER: &str = "Lambda-Runtime-Function-Response-Mode";
/// The trailer that carries a streamed answer's error body, base64.
pub const ERROR_BODY_TRAILER: &str = "Lambda-Runtime-Function-Error-Body";

/// `POST /runtime/invocation/{AwsRequestId}/response`, streamed: the head
/// of an HTTP/1.1 chunked request whose body the handler writes as it goes,
/// announcing the two error trailers a failure after the first byte ends
/// it with ([`stream_error_trailers`]). The body is empty here: it is
/// sent in chunks, not as a value.
pub fn streaming_response(
    request_id: &str,
    invocation_id: Option<&str>,
    content_type: &str,
) -> ApiRequest {
    let mut headers = echo(invocation_id);
    headers.extend([
        (RESPONSE_MODE_HEADER, "streaming".to_string()),
        ("Content-Type", content_type.to_string()),
        ("Transfer-Encoding", "chunked".to_string()),
        (
            "Trailer",
            format!("{ERROR_TYPE_HEADER}, {ERROR_BODY_TRAILER}"),
        ),
    ]);
    ApiRequest {
        method: Method::Post,
        path: invocation_path(request_id, "response"),
        headers,
        content_type: None,
        body: Vec::new(),
    }
}

/// The trailers that end a streamed answer that failed after its first
/// byte: the error type, as for `/error`, and the base64 of the usual JSON
/// error body (a trailer is one line, the JSON may not be).
pub fn stream_error_trailers(diagnostic: &Diagnostic) -> [(&'static str, String); 2] {
    [
        (ERROR_TYPE_HEADER, diagnostic.header_error_type()),
        (ERROR_BODY_TRAILER, base64::encode(&diagnostic.to_json())),
    ]
}

/// `POST /runtime/invocation/{AwsRequestId}/error`: why this invocation failed.
pub fn error(request_id: &str, invocation_id: Option<&str>, diagnostic: &Diagnostic) -> ApiRequest {
    let mut headers = echo(invocation_id);
    headers.push((ERROR_TYPE_HEADER, diagnostic.header_error_type()));
    ApiRequest {
        method: Method::Post,
        path: invocation_path(request_id, "error"),
        headers,
        content_type: Some(ERROR_CONTENT_TYPE),
        body: diagnostic.to_json(),
    }
}

/// `POST /runtime/init/error`: the runtime cannot start; it exits afterwards.
pub fn init_error(diagnostic: &Diagnostic) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path: "/runtime/init/error".to_string(),
        headers: vec![(ERROR_TYPE_HEADER, diagnostic.header_error_type())],
        content_type: Some(ERROR_CONTENT_TYPE),
        body: diagnostic.to_json(),
    }
}

fn invocation_path(request_id: &str, leaf: &str) -> String {
    let mut path = String::with_capacity(22 + request_id.len() * 3 + leaf.len());
    path.push_str("/runtime/invocation/");
    percent_encode_into(request_id, &mut path);
    path.push('/');
    path.push_str(leaf);
    path
}

/// The invocation id goes back only when `/next` sent one, and only if it can
/// travel as a header value at all; a value that cannot would make the whole
/// answer unsendable, which is worse than Lambda not matching it.
fn echo(invocation_id: Option<&str>) -> Vec<(&'static str, String)> {
    match invocation_id {
        Some(id) if is_header_safe(id) => vec![(INVOCATION_ID_HEADER, id.to_string())],
        _ => Vec::new(),
    }
}

/// Visible ASCII and spaces only: what every HTTP stack accepts in a value.
pub fn is_header_safe(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

/// Request ids are opaque: everything outside RFC 3986's unreserved set is
/// escaped, so a `/`, `?`, `#`, `%`, space or non-ASCII byte stays inside
/// its one path segment.
pub fn percent_encode_into(raw: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in raw.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_path(request_id: &str, expected: &str) {
        assert_eq!(response(request_id, None, Vec::new()).path, expected);
    }

    #[test]
    fn request_ids_stay_in_one_path_segment() {
        check_path(
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            "/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response",
        );
        check_path("a/b", "/runtime/invocation/a%2Fb/response");
        check_path(
            "a b?c#d%e",
            "/runtime/invocation/a%20b%3Fc%23d%25e/response",
        );
        check_path("../..", "/runtime/invocation/..%2F../response");
        check_path("é", "/runtime/invocation/%C3%A9/response");
        check_path("", "/runtime/invocation//response");
    }

    #[test]
    fn next_is_a_bare_get() {
        let req = next();
        assert_eq!(req.method, Method::Get);
        assert_eq!(req.path, "/runtime/invocation/next");
        assert!(req.headers.is_empty() && req.body.is_empty());
    }

    #[test]
    fn response_echoes_invocation_id_when_given() {
        let req = response("id1", Some("inv-7"), b"{}".to_vec());
        assert_eq!(req.method, Method::Post);
        assert_eq!(
            req.headers,
            vec![(INVOCATION_ID_HEADER, "inv-7".to_string())]
        );
        assert_eq!(req.content_type, Some("application/json"));
        assert_eq!(req.body, b"{}");
        assert!(response("id1", None, Vec::new()).headers.is_empty());
        assert!(
            response("id1", Some("bad\nvalue"), Vec::new())
                .headers
                .is_empty()
        );
    }

    #[test]
    fn error_carries_type_header_and_json_body() {
        let diag = Diagnostic::runtime("UnmarshalError", "bad json");
        let req = error("id1", Some("inv-7"), &diag);
        assert_eq!(req.path, "/runtime/invocation/id1/error");
        assert_eq!(
            req.headers,
            vec![
                (INVOCATION_ID_HEADER, "inv-7".to_string()),
                (ERROR_TYPE_HEADER, "Runtime.UnmarshalError".to_string()),
            ]
        );
        assert_eq!(req.content_type, Some(ERROR_CONTENT_TYPE));
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"errorType": "Runtime.UnmarshalError", "errorMessage": "bad json"})
        );
    }

    #[test]
    fn a_streamed_answer_announces_its_mode_chunks_and_trailers() {
        let req = streaming_response("id1", Some("inv-7"), "text/plain");
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.path, "/runtime/invocation/id1/response");
        assert_eq!(
            req.headers,
            vec![
                (INVOCATION_ID_HEADER, "inv-7".to_string()),
                (RESPONSE_MODE_HEADER, "streaming".to_string()),
                ("Content-Type", "text/plain".to_string()),
                ("Transfer-Encoding", "chunked".to_string()),
                (
                    "Trailer",
                    "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
                        .to_string()
                ),
            ]
        );
        let [(type_name, error_type), (body_name, body)] =
            stream_error_trailers(&Diagnostic::runtime("HandlerPanic", "boom"));
        assert_eq!(
            (type_name, error_type.as_str()),
            (ERROR_TYPE_HEADER, "Runtime.HandlerPanic")
        );
        assert_eq!(body_name, ERROR_BODY_TRAILER);
        let json: serde_json::Value =
            serde_json::from_slice(&base64::decode(&body).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"errorType": "Runtime.HandlerPanic", "errorMessage": "boom"})
        );
    }

    #[test]
    fn init_error_route() {
        let req = init_error(&Diagnostic::runtime("NoSuchHandler", "unknown handler 'x'"));
        assert_eq!(req.path, "/runtime/init/error");
        assert_eq!(
            req.headers,
            vec![(ERROR_TYPE_HEADER, "Runtime.NoSuchHandler".to_string())]
        );
    }
}
