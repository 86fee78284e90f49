//! The Runtime API's calls as plain values: method, path, headers, body.
//!
//! Shaping a request is pure and tested here without a network; sending it
//! is `client.rs`'s job (or `wire.rs`'s, for what ureq cannot send). Paths
//! are relative to their API's version, under `Endpoint::base`.

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
    /// The long polls: `/next`, and the extension's `event/next`.
    Get,
    /// Every answer, and the extension's registration.
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The two APIs at `AWS_LAMBDA_RUNTIME_API`, each under its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// The Runtime API: events and answers.
    Runtime,
    /// The Extensions API: the shutdown hook's registration.
    Extensions,
}

impl Api {
    /// The path every route of this API hangs off.
    pub fn version(self) -> &'static str {
        match self {
            Api::Runtime => "/2018-06-01",
            Api::Extensions => "/2020-01-01",
        }
    }
}

/// One call to the Runtime API, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// GET for `/next`, POST for answers.
    pub method: Method,
    /// Which API, and so which version the path hangs off.
    pub api: Api,
    /// Path below the API's version, already percent-encoded.
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
        api: Api::Runtime,
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
        api: Api::Runtime,
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
        api: Api::Runtime,
        path: invocation_path(request_id, "response"),
        headers,
        content_type: None,
        body: Vec::new(),
    }
}

/// The most bytes of a chunked body's trailer section (its fields and the
/// blank line that ends it): Go's `net/http`, which AWS's emulator is
/// written in (and, as far as is known, Lambda's Runtime API), refuses a
/// longer one as "suspiciously long", and the error in it would be lost.
pub const MAX_TRAILER_SECTION: usize = 4096;

/// The trailers that end a streamed answer that failed after its first
/// byte: the error type, as for `/error`, and the base64 of the usual JSON
/// error body (a trailer is one line, the JSON may not be). Together within
/// [`MAX_TRAILER_SECTION`]: a long message is cut to fit, and says so.
pub fn stream_error_trailers(diagnostic: &Diagnostic) -> [(&'static str, String); 2] {
    let error_type = diagnostic.header_error_type();
    // Each field is `Name: value` CRLF, then one CRLF ends the section.
    let fields = ERROR_TYPE_HEADER.len() + ERROR_BODY_TRAILER.len() + 2 * 4 + 2;
    let base64_room = MAX_TRAILER_SECTION - fields - error_type.len();
    let body = diagnostic.to_json_within(base64_room / 4 * 3);
    [
        (ERROR_TYPE_HEADER, error_type),
        (ERROR_BODY_TRAILER, base64::encode(&body)),
    ]
}

/// The header that names an extension when it registers.
pub const EXTENSION_NAME_HEADER: &str = "Lambda-Extension-Name";
/// The header registration answers with, and `event/next` must carry.
pub const EXTENSION_ID_HEADER: &str = "Lambda-Extension-Identifier";

/// `POST /extension/register`: registers an internal extension (one in the
/// runtime's own process) named `name`, subscribed to no event. Lambda
/// sends SIGTERM at shutdown only to a runtime with an extension.
pub fn register_extension(name: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        api: Api::Extensions,
        path: "/extension/register".to_string(),
        headers: vec![(EXTENSION_NAME_HEADER, name.to_string())],
        content_type: Some("application/json"),
        body: br#"{"events":[]}"#.to_vec(),
    }
}

/// `GET /extension/event/next`: the registered extension's long poll, which
/// Lambda waits for before init is done; with no events subscribed it
/// never answers.
pub fn extension_next(extension_id: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        api: Api::Extensions,
        path: "/extension/event/next".to_string(),
        headers: vec![(EXTENSION_ID_HEADER, extension_id.to_string())],
        content_type: None,
        body: Vec::new(),
    }
}

/// `POST /runtime/invocation/{AwsRequestId}/error`: why this invocation failed.
pub fn error(request_id: &str, invocation_id: Option<&str>, diagnostic: &Diagnostic) -> ApiRequest {
    let mut headers = echo(invocation_id);
    headers.push((ERROR_TYPE_HEADER, diagnostic.header_error_type()));
    ApiRequest {
        method: Method::Post,
        api: Api::Runtime,
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
        api: Api::Runtime,
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
    fn error_trailers_fit_gos_limit_whatever_the_error() {
        let long_type = "VeryLongErrorType".repeat(500);
        let chain = "caused by: service error ".repeat(150); // ~3.7 KB, an SDK's chain
        for diagnostic in [
            Diagnostic::runtime("HandlerPanic", chain.clone()),
            Diagnostic::from(crate::handler::HandlerError::new(
                long_type.clone(),
                chain.clone(),
            )),
            Diagnostic::runtime("HandlerPanic", "short"),
        ] {
            let trailers = stream_error_trailers(&diagnostic);
            let section: usize = trailers
                .iter()
                .map(|(name, value)| name.len() + 2 + value.len() + 2)
                .sum::<usize>()
                + 2;
            assert!(section <= MAX_TRAILER_SECTION, "{section} bytes");
            let json: serde_json::Value =
                serde_json::from_slice(&base64::decode(&trailers[1].1).unwrap()).unwrap();
            let message = json["errorMessage"].as_str().unwrap();
            if diagnostic.error_message() == "short" {
                assert_eq!(message, "short");
            } else {
                assert!(
                    message.starts_with("caused by: service error caused by"),
                    "{message}"
                );
                assert!(message.ends_with("bytes in all)"), "{message}");
            }
        }
    }

    #[test]
    fn the_extension_registers_for_no_event_and_polls_with_its_id() {
        let register = register_extension("lambda-bootstrap-shutdown");
        assert_eq!(
            (register.method, register.api),
            (Method::Post, Api::Extensions)
        );
        assert_eq!(register.path, "/extension/register");
        assert_eq!(
            register.headers,
            vec![(
                EXTENSION_NAME_HEADER,
                "lambda-bootstrap-shutdown".to_string()
            )]
        );
        assert_eq!(register.body, br#"{"events":[]}"#);
        let next = extension_next("id-1");
        assert_eq!((next.method, next.api), (Method::Get, Api::Extensions));
        assert_eq!(next.path, "/extension/event/next");
        assert_eq!(
            next.headers,
            vec![(EXTENSION_ID_HEADER, "id-1".to_string())]
        );
        assert_eq!(Api::Extensions.version(), "/2020-01-01");
        assert_eq!(Api::Runtime.version(), "/2018-06-01");
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
