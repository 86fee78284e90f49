//! AWS's JSON protocols (`awsJson1_0`, `awsJson1_1`): every operation is a
//! `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON body, and
//! answers JSON; an error's code is in `__type` (or the
//! `x-amzn-ErrorType` header). One generic call covers DynamoDB, SQS,
//! Kinesis, EventBridge, Step Functions, Secrets Manager, SSM and more:
//! the constants below describe the common ones, and any other is one
//! `JsonApi` value.
//!
//! Pure: shaping the request and reading the answer; `client.rs` sends.

use serde_json::Value;

use crate::aws::endpoint::Service;
use crate::aws::error::{Error, ServiceError, status_code_name};
use crate::aws::request::{Request, Response};
use crate::aws::xml::xml_text;

/// A service spoken to with a JSON protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonApi {
    /// Endpoint and signing.
    pub service: Service,
    /// What `X-Amz-Target` starts with (`DynamoDB_20120810`, `AmazonSQS`).
    pub target_prefix: &'static str,
    /// `1.0` or `1.1`: the protocol version in the content type.
    pub json_version: &'static str,
}

const fn api(
    id: &'static str,
    prefix: &'static str,
    target_prefix: &'static str,
    json_version: &'static str,
) -> JsonApi {
    JsonApi {
        service: Service {
            id,
            endpoint_prefix: prefix,
            signing_name: prefix,
        },
        target_prefix,
        json_version,
    }
}

/// Amazon DynamoDB.
pub const DYNAMODB: JsonApi = api("DynamoDB", "dynamodb", "DynamoDB_20120810", "1.0");
/// Amazon SQS (its JSON protocol).
pub const SQS: JsonApi = api("SQS", "sqs", "AmazonSQS", "1.0");
/// Amazon Kinesis Data Streams.
pub const KINESIS: JsonApi = api("Kinesis", "kinesis", "Kinesis_20131202", "1.1");
/// Amazon EventBridge.
pub const EVENTBRIDGE: JsonApi = api("EventBridge", "events", "AWSEvents", "1.1");
/// AWS Step Functions.
pub const STEP_FUNCTIONS: JsonApi = api("SFN", "states", "AWSStepFunctions", "1.0");
/// AWS Secrets Manager.
pub const SECRETS_MANAGER: JsonApi =
    api("Secrets Manager", "secretsmanager", "secretsmanager", "1.1");
/// AWS Systems Manager (Parameter Store).
pub const SSM: JsonApi = api("SSM", "ssm", "AmazonSSM", "1.1");

/// `POST /` with the target, content type and `input` as the body.
pub fn request(api: &JsonApi, operation: &str, input: &Value) -> Request {
    Request::new(api.service, operation, "POST", "/")
        .header(
            "Content-Type",
            format!("application/x-amz-json-{}", api.json_version),
        )
        .header("X-Amz-Target", format!("{}.{operation}", api.target_prefix))
        .body(serde_json::to_vec(input).expect("a JSON value serializes"))
}

/// The answer's JSON, or the error it carries. An empty success body is
/// `{}` (some operations answer nothing).
pub fn read_answer(operation: &str, response: &Response) -> Result<Value, Error> {
    if response.is_success() {
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        return serde_json::from_slice(&response.body).map_err(|e| Error::InvalidResponse {
            operation: operation.to_string(),
            status: response.status,
            reason: format!("a body that is not JSON ({e})"),
        });
    }
    Err(Error::Service(error_of(operation, response)))
}

/// An error answer's code and message: `__type` (`com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`
/// is `ConditionalCheckFailedException`), else `code`, else an XML body's
/// `<Code>`, else the `x-amzn-ErrorType` header (`Code:uri`), else the
/// status's name.
pub fn error_of(operation: &str, response: &Response) -> ServiceError {
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    // An XML error where JSON belongs (a gateway's, or moto's refusal of a
    // signature) still has a code and a message.
    let xml = String::from_utf8_lossy(&response.body);
    let xml = Some(&xml).filter(|x| x.trim_start().starts_with('<'));
    let xml_code = xml.and_then(|x| xml_text(x, "Code"));
    let xml_message = xml.and_then(|x| xml_text(x, "Message"));
    let code = text("__type")
        .or_else(|| text("code"))
        .or(xml_code.as_deref())
        .or_else(|| response.header("x-amzn-errortype"))
        .map(|raw| {
            let raw = raw.rsplit('#').next().unwrap_or(raw);
            raw.split(':').next().unwrap_or(raw).trim().to_string()
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| status_code_name(response.status));
    ServiceError {
        operation: operation.to_string(),
        code,
        message: text("message")
            .or_else(|| text("Message"))
            .or(xml_message.as_deref())
            .unwrap_or("")
            .to_string(),
        status: response.status,
        request_id: response
            .header("x-amzn-requestid")
            .or_else(|| response.header("x-amz-request-id"))
            .map(String::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn requests_carry_target_version_and_body() {
        let r = request(&DYNAMODB, "PutItem", &json!({"TableName": "t"}));
        assert_eq!(
            (r.method, r.path.as_str(), r.query.as_str()),
            ("POST", "/", "")
        );
        assert_eq!(
            r.headers,
            [
                (
                    "Content-Type".to_string(),
                    "application/x-amz-json-1.0".to_string()
                ),
                (
                    "X-Amz-Target".to_string(),
                    "DynamoDB_20120810.PutItem".to_string()
                ),
            ]
        );
        assert_eq!(r.body, br#"{"TableName":"t"}"#);
        assert_eq!(r.label(), "DynamoDB.PutItem");
        let r = request(&SQS, "SendMessage", &json!({}));
        assert_eq!(r.headers[1].1, "AmazonSQS.SendMessage");
        let r = request(&SECRETS_MANAGER, "GetSecretValue", &json!({}));
        assert_eq!(r.headers[0].1, "application/x-amz-json-1.1");
    }

    #[test]
    fn answers_and_errors() {
        let check = |response: Response, expected: Result<Value, ServiceError>| {
            let got = read_answer("DynamoDB.PutItem", &response).map_err(|e| match e {
                Error::Service(s) => s,
                other => panic!("{other}"),
            });
            assert_eq!(got, expected);
        };
        check(answer(200, &[], r#"{"Item":{}}"#), Ok(json!({"Item": {}})));
        check(answer(200, &[], ""), Ok(json!({})));
        let error = |code: &str, message: &str, status, id: Option<&str>| ServiceError {
            operation: "DynamoDB.PutItem".into(),
            code: code.into(),
            message: message.into(),
            status,
            request_id: id.map(String::from),
        };
        check(
            answer(
                400,
                &[("x-amzn-requestid", "R1")],
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
            ),
            Err(error(
                "ConditionalCheckFailedException",
                "The conditional request failed",
                400,
                Some("R1"),
            )),
        );
        check(
            answer(
                400,
                &[],
                r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","Message":"no queue"}"#,
            ),
            Err(error("QueueDoesNotExist", "no queue", 400, None)),
        );
        check(
            answer(
                400,
                &[(
                    "x-amzn-errortype",
                    "ThrottlingException:http://internal.amazon.com/",
                )],
                "",
            ),
            Err(error("ThrottlingException", "", 400, None)),
        );
        check(
            answer(
                403,
                &[],
                "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code>\
                 <Message>The security token included in the request is invalid.</Message></Error></Errors></ErrorResponse>",
            ),
            Err(error(
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
                403,
                None,
            )),
        );
        check(
            answer(503, &[], "<html>Service Unavailable</html>"),
            Err(error("ServiceUnavailable", "", 503, None)),
        );
        let err = read_answer("X.Y", &answer(200, &[], "<xml/>")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("X.Y answered 200 with a body that is not JSON"),
            "{err}"
        );
    }
}
