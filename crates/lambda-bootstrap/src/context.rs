//! What a handler knows about its invocation besides the event: the ids and
//! deadline the Runtime API sent, and the function's identity.
//!
//! Built from header values through a lookup function, so the parsing is
//! tested here without HTTP, and handlers read it without touching HTTP.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Facts about the function, from the variables Lambda sets; handlers read
/// them through `Context::function`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionInfo {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`, e.g. `$LATEST`.
    pub version: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB; `None` when unset or not a number.
    pub memory_mb: Option<u32>,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`.
    pub log_group: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub log_stream: String,
}

impl FunctionInfo {
    /// Reads the function's identity; absent variables become empty strings,
    /// because a local run has none of them and must still work.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> FunctionInfo {
        let text = |name: &str| env(name).unwrap_or_default();
        FunctionInfo {
            name: text("AWS_LAMBDA_FUNCTION_NAME"),
            version: text("AWS_LAMBDA_FUNCTION_VERSION"),
            memory_mb: env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").and_then(|m| m.trim().parse().ok()),
            log_group: text("AWS_LAMBDA_LOG_GROUP_NAME"),
            log_stream: text("AWS_LAMBDA_LOG_STREAM_NAME"),
        }
    }
}

/// The headers of a `/next` answer this module reads.
pub mod headers {
    /// The invocation's id: opaque, required.
    pub const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
    /// Unix epoch milliseconds.
    pub const DEADLINE_MS: &str = "lambda-runtime-deadline-ms";
    /// The ARN the caller invoked (with alias or version).
    pub const FUNCTION_ARN: &str = "lambda-runtime-invoked-function-arn";
    /// X-Ray trace header.
    pub const TRACE_ID: &str = "lambda-runtime-trace-id";
    /// JSON, mobile SDK calls only.
    pub const CLIENT_CONTEXT: &str = "lambda-runtime-client-context";
    /// JSON, mobile SDK calls only.
    pub const COGNITO_IDENTITY: &str = "lambda-runtime-cognito-identity";
    /// Tenant-isolated functions only.
    pub const TENANT_ID: &str = "lambda-runtime-aws-tenant-id";
    /// Newer platforms: echoed on the answer so stale answers are refused.
    pub const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
}

/// One invocation's context.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// `Lambda-Runtime-Deadline-Ms`, epoch milliseconds; `None` when absent,
    /// not a number, or too small to be an epoch time (before 2001).
    pub deadline_ms: Option<u64>,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub invoked_function_arn: Option<String>,
    /// `Lambda-Runtime-Trace-Id`, also exported as `_X_AMZN_TRACE_ID`;
    /// `None` when absent or holding a control character.
    pub trace_id: Option<String>,
    /// `Lambda-Runtime-Client-Context`, parsed; `None` when absent or not JSON.
    pub client_context: Option<Value>,
    /// `Lambda-Runtime-Cognito-Identity`, parsed; `None` when absent or not JSON.
    pub identity: Option<Value>,
    /// `Lambda-Runtime-Aws-Tenant-Id`.
    pub tenant_id: Option<String>,
    /// `Lambda-Runtime-Invocation-Id`, echoed on the answer.
    pub invocation_id: Option<String>,
    /// The function's name, version, memory and log destination.
    pub function: Arc<FunctionInfo>,
}

impl Context {
    /// Builds a context from a header lookup (names in lower case). `None`
    /// when the request id is missing: such an event cannot be answered.
    pub fn from_headers<'h>(
        header: impl Fn(&str) -> Option<&'h str>,
        function: Arc<FunctionInfo>,
    ) -> Option<Context> {
        // An optional header that arrives empty is absent (AWS's emulator
        // sends an empty client context and Cognito identity).
        let optional = |name: &str| header(name).filter(|v| !v.trim().is_empty());
        let text = |name: &str| optional(name).map(str::to_string);
        let json = |name: &str| match optional(name) {
            None => None,
            Some(raw) => match serde_json::from_str(raw) {
                Ok(value) => Some(value),
                Err(e) => {
                    log::warn!("ignoring header {name}: not JSON ({e})");
                    None
                }
            },
        };
        Some(Context {
            request_id: header(headers::REQUEST_ID)?.to_string(),
            deadline_ms: header(headers::DEADLINE_MS)
                .and_then(|d| d.trim().parse().ok())
                // Epoch milliseconds: anything before 2001 is not a deadline
                // (cargo-lambda's emulator sends 600000, a duration).
                .filter(|&ms| ms >= 1_000_000_000_000),
            invoked_function_arn: text(headers::FUNCTION_ARN),
            trace_id: optional(headers::TRACE_ID).and_then(|id| {
                // SDKs copy it into an `X-Amzn-Trace-Id` request header and
                // the runtime into the environment: a CR or LF there would
                // forge headers, any control character is nonsense. Refused
                // like an invocation id that cannot be echoed.
                if id.chars().any(char::is_control) {
                    log::debug!(
                        "ignoring header {}: it holds control characters",
                        headers::TRACE_ID
                    );
                    return None;
                }
                Some(id.to_string())
            }),
            client_context: json(headers::CLIENT_CONTEXT),
            identity: json(headers::COGNITO_IDENTITY),
            tenant_id: text(headers::TENANT_ID),
            invocation_id: text(headers::INVOCATION_ID),
            function,
        })
    }

    /// A context for running a handler outside Lambda (`bootstrap invoke`):
    /// no deadline, no trace.
    pub fn local(request_id: &str, function: Arc<FunctionInfo>) -> Context {
        Context {
            request_id: request_id.to_string(),
            deadline_ms: None,
            invoked_function_arn: None,
            trace_id: None,
            client_context: None,
            identity: None,
            tenant_id: None,
            invocation_id: None,
            function,
        }
    }

    /// Time left before Lambda stops this invocation; `None` when the
    /// deadline is unknown, zero once it has passed.
    pub fn remaining_time(&self) -> Option<Duration> {
        self.remaining_time_at(SystemTime::now())
    }

    fn remaining_time_at(&self, now: SystemTime) -> Option<Duration> {
        let deadline = UNIX_EPOCH + Duration::from_millis(self.deadline_ms?);
        Some(deadline.duration_since(now).unwrap_or(Duration::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(pairs: &[(&str, &str)]) -> Option<Context> {
        let lookup = |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        Context::from_headers(lookup, Arc::new(FunctionInfo::default()))
    }

    #[test]
    fn every_header_lands_in_its_field() {
        let ctx = check(&[
            (headers::REQUEST_ID, "req-1"),
            (headers::DEADLINE_MS, "1764057600000"),
            (
                headers::FUNCTION_ARN,
                "arn:aws:lambda:us-east-1:1:function:f",
            ),
            (
                headers::TRACE_ID,
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            ),
            (headers::CLIENT_CONTEXT, r#"{"client":{"app_title":"t"}}"#),
            (headers::COGNITO_IDENTITY, r#"{"cognitoIdentityId":"c"}"#),
            (headers::TENANT_ID, "tenant-a"),
            (headers::INVOCATION_ID, "inv-1"),
        ])
        .unwrap();
        assert_eq!(ctx.request_id, "req-1");
        assert_eq!(ctx.deadline_ms, Some(1_764_057_600_000));
        assert_eq!(
            ctx.invoked_function_arn.as_deref(),
            Some("arn:aws:lambda:us-east-1:1:function:f")
        );
        assert_eq!(
            ctx.trace_id.as_deref(),
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        );
        assert_eq!(
            ctx.client_context,
            Some(json!({"client": {"app_title": "t"}}))
        );
        assert_eq!(ctx.identity, Some(json!({"cognitoIdentityId": "c"})));
        assert_eq!(ctx.tenant_id.as_deref(), Some("tenant-a"));
        assert_eq!(ctx.invocation_id.as_deref(), Some("inv-1"));
    }

    #[test]
    fn no_request_id_no_context() {
        assert_eq!(check(&[(headers::DEADLINE_MS, "1")]), None);
    }

    #[test]
    fn odd_values_are_unknown_not_fatal() {
        let ctx = check(&[
            (headers::REQUEST_ID, "r"),
            (headers::DEADLINE_MS, "soon"),
            (headers::CLIENT_CONTEXT, "{not json"),
        ])
        .unwrap();
        assert_eq!(ctx.deadline_ms, None);
        assert_eq!(ctx.client_context, None);
        assert_eq!(ctx.remaining_time(), None);
        // Empty optional headers are absent, without a warning.
        let ctx = check(&[
            (headers::REQUEST_ID, "r"),
            (headers::CLIENT_CONTEXT, ""),
            (headers::COGNITO_IDENTITY, " "),
            (headers::TRACE_ID, ""),
            (headers::TENANT_ID, ""),
        ])
        .unwrap();
        assert_eq!(
            (
                ctx.client_context,
                ctx.identity,
                ctx.trace_id,
                ctx.tenant_id
            ),
            (None, None, None, None)
        );
        // A duration where an epoch time belongs (cargo-lambda's emulator).
        let ctx = check(&[(headers::REQUEST_ID, "r"), (headers::DEADLINE_MS, "600000")]).unwrap();
        assert_eq!(ctx.deadline_ms, None);
    }

    #[test]
    fn trace_ids_with_control_characters_are_absent() {
        let trace = |id: &str| {
            check(&[(headers::REQUEST_ID, "r"), (headers::TRACE_ID, id)])
                .unwrap()
                .trace_id
        };
        let good = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(trace(good).as_deref(), Some(good));
        assert_eq!(trace("Root=1-é✓").as_deref(), Some("Root=1-é✓"));
        for bad in [
            "Root=1-a\r\nX-Forged: 1",
            "Root=1-a\nb",
            "Root=1-a\tb",
            "Root=1-\u{1b}[31m",
            "Root=1-\u{7f}",
            "Root=1-\u{85}",
            "\u{0}",
        ] {
            assert_eq!(trace(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn remaining_time_counts_down_to_zero() {
        let mut ctx = Context::local("r", Arc::new(FunctionInfo::default()));
        assert_eq!(ctx.remaining_time(), None);
        ctx.deadline_ms = Some(10_000);
        let at = |ms| UNIX_EPOCH + Duration::from_millis(ms);
        assert_eq!(
            ctx.remaining_time_at(at(7_500)),
            Some(Duration::from_millis(2_500))
        );
        assert_eq!(ctx.remaining_time_at(at(12_000)), Some(Duration::ZERO));
    }
}
