//! The two Lambda API calls a durable function makes, as pure values:
//! `CheckpointDurableExecution` and `GetDurableExecutionState` (REST,
//! `2025-12-01`), each an [`aws::Request`](crate::aws::Request) signed
//! with the signing name `lambda` and sent by `aws::Client::send` to
//! `lambda.<region>.amazonaws.com` or `AWS_ENDPOINT_URL_LAMBDA`; and
//! reading their answers. The execution's ARN holds `/`: it is
//! percent-encoded into one path segment (unencoded, the service answers
//! "Unknown path pattern").

use serde::Deserialize;

use crate::aws::endpoint::Service;
use crate::aws::error::{Error, ServiceError};
use crate::aws::request::{Request, Response};
use crate::aws::sigv4;
use crate::durable::envelope::ExecutionState;
use crate::durable::operation::Update;

/// AWS Lambda, as endpoints and SigV4 name it.
pub const LAMBDA: Service = Service {
    id: "Lambda",
    endpoint_prefix: "lambda",
    signing_name: "lambda",
};

/// The most operations one state page may hold (the API's maximum).
pub const PAGE_ITEMS: u32 = 1000;

/// `/2025-12-01/durable-executions/{arn}` with the ARN as one segment.
fn execution_path(arn: &str, tail: &str) -> String {
    let mut path = String::from("/2025-12-01/durable-executions/");
    sigv4::encode(arn.as_bytes(), false, &mut path);
    path.push_str(tail);
    path
}

/// `POST /2025-12-01/durable-executions/{arn}/checkpoint`: `updates`, in
/// order, under the one token the last answer (or the envelope) gave.
pub fn checkpoint(arn: &str, token: &str, updates: &[Update]) -> Request {
    let body = serde_json::json!({
        "CheckpointToken": token,
        "Updates": updates,
    });
    Request::new(
        LAMBDA,
        "CheckpointDurableExecution",
        "POST",
        execution_path(arn, "/checkpoint"),
    )
    .header("Content-Type", "application/json")
    .body(serde_json::to_vec(&body).expect("updates serialize"))
}

/// `GET /2025-12-01/durable-executions/{arn}/state`: the page of the log
/// that starts at `marker`.
pub fn state(arn: &str, token: &str, marker: &str) -> Request {
    let mut query = String::from("CheckpointToken=");
    sigv4::encode(token.as_bytes(), false, &mut query);
    query.push_str("&Marker=");
    sigv4::encode(marker.as_bytes(), false, &mut query);
    query.push_str(&format!("&MaxItems={PAGE_ITEMS}"));
    Request::new(
        LAMBDA,
        "GetDurableExecutionState",
        "GET",
        execution_path(arn, "/state"),
    )
    .query(query)
}

/// A checkpoint's answer: the token for the next one, and the operations
/// whose state changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Checkpointed {
    /// The next checkpoint's token.
    pub checkpoint_token: String,
    /// Changed operations (a first page of them, when `NextMarker` is set).
    #[serde(default)]
    pub new_execution_state: ExecutionState,
}

/// Reads a checkpoint's answer: its body, or the service's error.
pub fn read_checkpoint(response: &Response) -> Result<Checkpointed, Error> {
    read("CheckpointDurableExecution", response)
}

/// Reads a state page.
pub fn read_state(response: &Response) -> Result<ExecutionState, Error> {
    read("GetDurableExecutionState", response)
}

fn read<T: for<'de> Deserialize<'de>>(operation: &str, response: &Response) -> Result<T, Error> {
    let label = format!("{}.{operation}", LAMBDA.id);
    if !response.is_success() {
        return Err(Error::Service(error_of(&label, response)));
    }
    serde_json::from_slice(&response.body).map_err(|e| Error::InvalidResponse {
        operation: label,
        status: response.status,
        reason: format!("an answer that is not the API's ({e})"),
    })
}

/// A REST error: Lambda names its code in `Type` (or `__type`, or the
/// `x-amzn-ErrorType` header) and its message in `message` or `Message`.
fn error_of(label: &str, response: &Response) -> ServiceError {
    let mut error = crate::aws::json::error_of(label, response);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    if let Some(code) = body.get("Type").and_then(|t| t.as_str()) {
        if !code.is_empty() && response.header("x-amzn-errortype").is_none() {
            error.code = code.to_string();
        }
    }
    error
}

/// Whether the service refused the token: a stale or reused one. The
/// specification lets this one propagate, so that Lambda invokes again.
pub fn is_token_refused(error: &Error) -> bool {
    match error {
        Error::Service(e) => {
            e.code == "InvalidParameterValueException"
                && e.message.starts_with("Invalid checkpoint token")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "cc97dd7b-6fcd-4f5d-8e47-5bc4ecb0d565/10dc2eda-16ba-44a2-a9e1-8d9e0064d869";

    #[test]
    fn paths_hold_the_arn_as_one_segment() {
        let request = checkpoint(ARN, "t", &[]);
        assert_eq!(
            request.path,
            "/2025-12-01/durable-executions/cc97dd7b-6fcd-4f5d-8e47-5bc4ecb0d565%2F\
             10dc2eda-16ba-44a2-a9e1-8d9e0064d869/checkpoint"
        );
        assert_eq!(request.method, "POST");
        assert_eq!(request.service.signing_name, "lambda");
        let request = state(ARN, "a+b=", "m/1");
        assert!(
            request
                .path
                .ends_with("%2F10dc2eda-16ba-44a2-a9e1-8d9e0064d869/state")
        );
        assert_eq!(
            request.query,
            "CheckpointToken=a%2Bb%3D&Marker=m%2F1&MaxItems=1000"
        );
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_stale_token_is_told_apart() {
        // The recorded refusal of a stale token.
        let err = read_checkpoint(&response(
            400,
            r#"{"Type": "InvalidParameterValueException", "message": "Invalid checkpoint token"}"#,
        ))
        .unwrap_err();
        assert!(is_token_refused(&err), "{err:?}");
        assert_eq!(err.code(), Some("InvalidParameterValueException"));
        let err = read_checkpoint(&response(
            500,
            r#"{"Type": "ServiceException", "Message": "Unknown path pattern"}"#,
        ))
        .unwrap_err();
        assert!(!is_token_refused(&err));
        assert_eq!(err.code(), Some("ServiceException"));
    }
}
