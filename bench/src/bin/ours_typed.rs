//! Ours for the typed-events comparison: `bootstrap`'s own runtime,
//! `lambda_bootstrap::run`, with one handler per event type, `_HANDLER`
//! picking one, so that the same runtime reads the same event and only the
//! type it is parsed into differs. The SQS handlers share their logic (`sqs_failures`), the HTTP
//! ones their answer (`Greeting`).

use std::collections::BTreeMap;
use std::process::ExitCode;

use handlers::sqsevent;
use lambda_bootstrap::events::apigw::ApiGatewayProxyRequest;
use lambda_bootstrap::events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_bootstrap::handler::{Failure, Handler};
use lambda_bootstrap::{Context, Entry, HandlerError, buffered};
use lambda_bootstrap_bench::{Greeting, sqs_event_failures, sqs_failures};
use serde::Deserialize;
use serde_json::{Value, json};

/// `_HANDLER` picks one; the driver's `event::TYPED_PATHS` names them.
static TABLE: &[Entry] = &[
    Entry::new("sqs-raw", Handler::Buffered(sqs_raw)),
    Entry::new("sqs-declared", buffered!(sqsevent::handle)),
    Entry::new("sqs-events", buffered!(sqs_events)),
    Entry::new("sqs-value", buffered!(sqs_value)),
    Entry::new("http-value", buffered!(http_value)),
    Entry::new("http-declared", buffered!(http_declared)),
    Entry::new("http-events", buffered!(http_events)),
];

/// The event's bytes alone, never parsed: what reading it costs.
fn sqs_raw(event: &[u8], _ctx: &Context) -> Result<Vec<u8>, Failure> {
    Ok(format!("{{\"bytes\":{}}}", event.len()).into_bytes())
}

fn sqs_events(batch: SqsEvent, _ctx: &Context) -> Result<SqsBatchResponse, HandlerError> {
    Ok(sqs_event_failures(&batch))
}

fn sqs_value(batch: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let records = batch["Records"].as_array().map_or(&[][..], Vec::as_slice);
    let messages = records.iter().map(|message| {
        let id = message["messageId"].as_str().unwrap_or_default();
        (id, message["body"].as_str())
    });
    let failures: Vec<Value> = sqs_failures(messages)
        .into_iter()
        .map(|id| json!({ "itemIdentifier": id }))
        .collect();
    Ok(json!({ "batchItemFailures": failures }))
}

fn http_value(event: Value, _ctx: &Context) -> Result<Greeting, HandlerError> {
    let name = event["queryStringParameters"]["hello"].as_str();
    Ok(Greeting::new(name))
}

/// What a user declares for a REST API event when the handler reads the
/// method, the path and the query: the rest of the event is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiRequest {
    #[allow(dead_code)]
    http_method: String,
    #[allow(dead_code)]
    path: String,
    query_string_parameters: Option<BTreeMap<String, String>>,
}

fn http_declared(event: ApiRequest, _ctx: &Context) -> Result<Greeting, HandlerError> {
    let query = event.query_string_parameters.unwrap_or_default();
    Ok(Greeting::new(query.get("hello").map(String::as_str)))
}

fn http_events(event: ApiGatewayProxyRequest, _ctx: &Context) -> Result<Greeting, HandlerError> {
    let name = event.query_string_parameters.first("hello");
    Ok(Greeting::new(name))
}

fn main() -> ExitCode {
    lambda_bootstrap::run(TABLE)
}
