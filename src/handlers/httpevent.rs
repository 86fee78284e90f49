//! `httpevent`: greets the caller of an API Gateway endpoint (REST API,
//! HTTP API or Function URL; the payload version is read off the event).

use serde_json::Value;

use lambda_bootstrap::context::Context;
use lambda_bootstrap::handler::HandlerError;
use lambda_bootstrap::http::{HttpRequest, HttpResponse};

/// Answers 200 `Hello {name} from Rust`, `name` from the `hello` query
/// parameter, `World` without one. A non-HTTP event is a handler error.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let request = HttpRequest::parse(&event).map_err(|e| HandlerError::new("InvalidEvent", e.to_string()))?;
    let name = request.query("hello");
    let greeting = format!("Hello {} from Rust", name.as_deref().unwrap_or("World"));
    Ok(request.respond(HttpResponse::new(200).text(greeting))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_bootstrap::context::FunctionInfo;
    use serde_json::json;

    fn check(fixture: &str, expected: Result<(&str, &str), &str>) {
        let path = format!("{}/tests/data/{fixture}", env!("CARGO_MANIFEST_DIR"));
        let event = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let ctx = Context::local("r", std::sync::Arc::new(FunctionInfo::default()));
        match (handle(event, &ctx), expected) {
            (Ok(answer), Ok((body, shape_key))) => {
                assert_eq!(answer["statusCode"], 200);
                assert_eq!(answer["body"], body);
                assert_eq!(answer["headers"]["Content-Type"], "text/plain; charset=utf-8");
                assert_eq!(answer["isBase64Encoded"], false);
                assert!(answer.get(shape_key).is_some(), "{answer}");
            }
            (Err(e), Err(message)) => {
                assert_eq!(e.error_type(), "InvalidEvent");
                assert_eq!(e.message(), message);
            }
            (got, expected) => panic!("{fixture}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn greets_every_payload_version() {
        check("apigw-rest-get-query.json", Ok(("Hello Alice from Rust", "multiValueHeaders")));
        check("apigw-rest-post-base64.json", Ok(("Hello World from Rust", "multiValueHeaders")));
        check("apigw-http-get.json", Ok(("Hello Bob from Rust", "cookies")));
        check("apigw-http-cookies.json", Ok(("Hello Carol Ann from Rust", "cookies")));
        check("function-url.json", Ok(("Hello World from Rust", "cookies")));
    }

    #[test]
    fn other_events_are_handler_errors() {
        let not_http = "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'";
        check("sns-two-records.json", Err(not_http));
        check("eventbridge-scheduled.json", Err(not_http));
        let ctx = Context::local("r", std::sync::Arc::new(FunctionInfo::default()));
        assert!(handle(json!("GET /hello"), &ctx).is_err());
    }
}
