//! Fuzzes what the runtime does with a `/next` answer: header values into a
//! `Context`, the body through `invoke` with a handler that reads every
//! context field, and through a typed one (an SQS-like batch, whose
//! ill-shaped events are parsed twice to name the place). Whatever the bytes, the result must be an answer or a
//! `Diagnostic` whose body is valid JSON, and the paths built from the
//! request id must stay one segment.
#![no_main]

use std::sync::Arc;

use lambda_bootstrap::FunctionInfo;
use lambda_bootstrap::context::{Context, headers};
use lambda_bootstrap::runtime::api;
use lambda_bootstrap::runtime::invoke::invoke;
use lambda_bootstrap::{Handler, HandlerError, buffered};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::{Value, json};

fn echo(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
    Ok(
        json!({"event": event, "remaining": ctx.remaining_time().map(|d| d.as_millis() as u64),
              "cc": ctx.client_context, "id": ctx.identity}),
    )
}

/// A typed event with nesting, so that an ill-shaped one takes the path
/// that names the place.
#[derive(Deserialize)]
struct Batch {
    #[serde(rename = "Records")]
    records: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "messageId")]
    message_id: String,
    body: String,
}

fn typed(batch: Batch, _ctx: &Context) -> Result<Value, HandlerError> {
    let sizes: Vec<(String, usize)> = batch
        .records
        .into_iter()
        .map(|m| (m.message_id, m.body.len()))
        .collect();
    Ok(json!(sizes))
}

const NAMES: [&str; 8] = [
    headers::REQUEST_ID,
    headers::DEADLINE_MS,
    headers::FUNCTION_ARN,
    headers::TRACE_ID,
    headers::CLIENT_CONTEXT,
    headers::COGNITO_IDENTITY,
    headers::TENANT_ID,
    headers::INVOCATION_ID,
];

fuzz_target!(|data: &[u8]| {
    // Eight header values separated by 0xFF, then the body.
    let mut parts = data.splitn(NAMES.len() + 1, |&b| b == 0xFF);
    let values: Vec<Option<&str>> = NAMES
        .iter()
        .map(|_| parts.next().and_then(|p| std::str::from_utf8(p).ok()))
        .collect();
    let body = parts.next().unwrap_or_default();
    let lookup = |name: &str| {
        NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| values[i])
    };
    let Some(ctx) = Context::from_headers(lookup, Arc::new(FunctionInfo::default())) else {
        return;
    };
    let path = api::response(&ctx.request_id, ctx.invocation_id.as_deref(), Vec::new()).path;
    let segment = &path["/runtime/invocation/".len()..path.len() - "/response".len()];
    assert!(!segment.contains(['/', '?', '#', ' ']), "{path}");
    let Handler::Buffered(echo) = buffered!(echo) else {
        unreachable!()
    };
    let Handler::Buffered(typed) = buffered!(typed) else {
        unreachable!()
    };
    for handler in [echo, typed] {
        match invoke(handler, body, &ctx) {
            Ok(answer) => {
                serde_json::from_slice::<Value>(&answer).expect("answers are JSON");
            }
            Err(diagnostic) => {
                serde_json::from_slice::<Value>(&diagnostic.to_json())
                    .expect("error bodies are JSON");
                let header = diagnostic.header_error_type();
                assert!(header.starts_with("Runtime.") || header.starts_with("Function."));
            }
        }
    }
});
