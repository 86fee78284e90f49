//! `probe`: the runtime's own test function, for its end-to-end tests: a
//! table of its own handlers, `probe`, `probe_typed` (a typed event: a
//! batch of `Records`, each with a `messageId`), `probe_stream`,
//! `probe_stream_typed` (a typed event) and `probe_hooked` (`probe` with a shutdown hook),
//! served by [`lambda_bootstrap::run`] as any function's `main` does. An
//! example, so that the crate ships no binary. The tests build it
//! themselves (`support::probe_binary`); by hand: `cargo build -p
//! lambda-bootstrap --example probe`.
//!
//! `probe` answers with what it saw (event, context, `_X_AMZN_TRACE_ID`, the
//! process's thread count), or misbehaves on request: `{"panic": "msg"}`,
//! `{"panic_any": 42}`, `{"error": {"type": T, "message": M}}`,
//! `{"answer_bytes": N}` (a JSON string of N bytes), `{"summary": true, …}`
//! (only `{"event_bytes": N}`, the event's length as compact JSON),
//! `{"log_lines": N}` (logs N INFO lines naming its request id). With
//! `{"wait_for_close": "host:port"}` it first connects there and reads until
//! the other side closes, so a test can order the handler after an event of
//! its own (see the fake's `Next::RawThenRelease`). With
//! `{"thread_logs_later": {"wait": "host:port", "then": "host:port"}}` it
//! starts a thread that waits for `wait` to close as above, logs one INFO
//! line, then connects to `then`, and returns at once.
//!
//! With `PROBE_THREAD_BEFORE_MAIN` set, `main` starts a thread that parks
//! for good before it hands over to the runtime.
//!
//! With the `aws` feature, `probe_aws` also exercises what that feature
//! compiles in (ring, rustls): `{"sign": true}` answers the SigV4 signature
//! of a fixed request, `{"https_get": URL}` the status of a GET over HTTPS
//! through the AWS client's agent (`AWS_CA_BUNDLE` honoured).

use std::io::Read;
use std::net::TcpStream;
use std::process::ExitCode;

use lambda_bootstrap::http::HttpResponse;
use lambda_bootstrap::{
    Context, Entry, HandlerError, ResponseStream, Shutdown, buffered, streaming,
};
use serde_json::{Value, json};

fn probe(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
    if let Some(spawn) = event.get("thread_logs_later") {
        let addr = |key: &str| {
            spawn
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (wait, then) = (addr("wait"), addr("then"));
        let started_by = ctx.request_id.clone();
        std::thread::spawn(move || {
            let _ = TcpStream::connect(wait).and_then(|mut s| s.read_to_end(&mut Vec::new()));
            log::info!("a line from a thread that invocation {started_by} started");
            let _ = TcpStream::connect(then);
        });
    }
    if let Some(addr) = event.get("wait_for_close").and_then(Value::as_str) {
        TcpStream::connect(addr)?.read_to_end(&mut Vec::new())?;
    }
    for line in 0..event.get("log_lines").and_then(Value::as_u64).unwrap_or(0) {
        log::info!("probe line {line} of request {}", ctx.request_id);
    }
    if let Some(message) = event.get("panic").and_then(Value::as_str) {
        panic!("{message}");
    }
    if let Some(payload) = event.get("panic_any") {
        std::panic::panic_any(payload.as_u64());
    }
    if let Some(err) = event.get("error") {
        let text = |key: &str| {
            err.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        return Err(HandlerError::new(text("type"), text("message")));
    }
    if event.get("summary") == Some(&Value::Bool(true)) {
        let bytes = serde_json::to_vec(&event).map_err(HandlerError::from)?;
        return Ok(json!({ "event_bytes": bytes.len() }));
    }
    if let Some(n) = event.get("answer_bytes").and_then(Value::as_u64) {
        return Ok(Value::String("x".repeat(n as usize)));
    }
    let threads = std::fs::read_dir("/proc/self/task").map(|d| d.count()).ok();
    Ok(json!({
        "event": event,
        "context": {
            "request_id": ctx.request_id,
            "deadline_ms": ctx.deadline_ms,
            "remaining_ms": ctx.remaining_time().map(|d| d.as_millis() as u64),
            "invoked_function_arn": ctx.invoked_function_arn,
            "trace_id": ctx.trace_id,
            "client_context": ctx.client_context,
            "identity": ctx.identity,
            "tenant_id": ctx.tenant_id,
            "invocation_id": ctx.invocation_id,
            "function_name": ctx.function.name,
            "function_version": ctx.function.version,
            "memory_mb": ctx.function.memory_mb,
            "log_group": ctx.function.log_group,
            "log_stream": ctx.function.log_stream,
        },
        "trace_env": std::env::var("_X_AMZN_TRACE_ID").ok(),
        "threads": threads,
    }))
}

/// `probe_stream`, streaming: flushes first if `flush_first`; sets
/// `content_type` if given; starts an HTTP
/// stream with `http_status` if given; writes each of `lines` (flushing
/// each when `flush` is true); then `bytes` bytes of `x`, in writes of
/// `piece` bytes (default and at most 64 KiB); sets `content_type_late`
/// after all that, if given (an error once bytes are written); fails with
/// `{"error": …}` or panics with `panic` after the lines (or after
/// `fail_after` of them). With `ignore_write_errors`, a refused write ends
/// the writing but not the handler.
fn probe_stream(
    event: Value,
    _ctx: &Context,
    out: &mut dyn ResponseStream,
) -> Result<(), HandlerError> {
    if event.get("flush_first") == Some(&Value::Bool(true)) {
        out.flush()?;
    }
    if let Some(content_type) = event.get("content_type").and_then(Value::as_str) {
        out.set_content_type(content_type)?;
    }
    if let Some(status) = event.get("http_status").and_then(Value::as_u64) {
        HttpResponse::new(status as u16)
            .header("x-probe", "1")
            .cookie("seen=1")
            .start_stream(out)?;
    }
    let fail_after = event.get("fail_after").and_then(Value::as_u64);
    let lines = event
        .get("lines")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let flush = event.get("flush") == Some(&Value::Bool(true));
    let ignore = event.get("ignore_write_errors") == Some(&Value::Bool(true));
    let result = (|| -> std::io::Result<()> {
        for (i, line) in lines.iter().enumerate() {
            if fail_after == Some(i as u64) {
                return Ok(());
            }
            out.write_all(line.as_str().unwrap_or("").as_bytes())?;
            if flush {
                out.flush()?;
            }
        }
        let piece = [b'x'; 64 * 1024];
        let size = event
            .get("piece")
            .and_then(Value::as_u64)
            .unwrap_or(64 * 1024);
        let size = size.clamp(1, piece.len() as u64);
        let mut left = event.get("bytes").and_then(Value::as_u64).unwrap_or(0);
        while left > 0 {
            let n = left.min(size) as usize;
            out.write_all(&piece[..n])?;
            left -= n as u64;
        }
        Ok(())
    })();
    match result {
        Err(e) if !ignore => return Err(e.into()),
        _ => {}
    }
    if let Some(content_type) = event.get("content_type_late").and_then(Value::as_str) {
        out.set_content_type(content_type)?;
    }
    if let Some(message) = event.get("panic").and_then(Value::as_str) {
        panic!("{message}");
    }
    if let Some(err) = event.get("error").and_then(Value::as_str) {
        return Err(HandlerError::new("ProbeFailure", err.to_string()));
    }
    Ok(())
}

/// `probe_typed`'s event: records, as a queue delivers a batch.
#[derive(serde::Deserialize)]
struct Batch {
    #[serde(rename = "Records")]
    records: Vec<Record>,
}

/// One record of a [`Batch`].
#[derive(serde::Deserialize)]
struct Record {
    #[serde(rename = "messageId")]
    message_id: String,
}

/// `probe_typed`, buffered with a typed event: answers the records' ids.
fn probe_typed(batch: Batch, _ctx: &Context) -> Result<Value, HandlerError> {
    let ids: Vec<&str> = batch
        .records
        .iter()
        .map(|r| r.message_id.as_str())
        .collect();
    Ok(serde_json::json!({ "ids": ids }))
}

/// `probe_stream_typed`'s event: lines of text.
#[derive(serde::Deserialize)]
struct Lines {
    lines: Vec<String>,
}

/// `probe_stream_typed`, streaming with a typed event: writes each line.
fn probe_stream_typed(
    event: Lines,
    _ctx: &Context,
    out: &mut dyn ResponseStream,
) -> Result<(), HandlerError> {
    for line in event.lines {
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// `probe_hooked`'s shutdown hook, as `PROBE_SHUTDOWN` says: `panic`,
/// `block` (past Lambda's budget), or (unset) one INFO line with the time
/// it was given.
fn probe_shutdown(shutdown: &Shutdown) {
    match std::env::var("PROBE_SHUTDOWN").as_deref() {
        Ok("panic") => panic!("the shutdown hook failed"),
        Ok("block") => loop {
            std::thread::park();
        },
        _ => log::info!(
            "probe shutdown hook: {} ms left",
            shutdown.remaining_time().as_millis()
        ),
    }
}

#[cfg(feature = "aws")]
fn probe_aws(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    use lambda_bootstrap::aws::{Client, sigv4};
    use std::sync::LazyLock;
    use std::time::{Duration, UNIX_EPOCH};

    static AWS: LazyLock<Client> = LazyLock::new(Client::from_env);
    let mut answer = json!({});
    if event.get("sign") == Some(&Value::Bool(true)) {
        // The request of sigv4.rs's botocore check: fixed keys and time.
        let mut headers = vec![
            (
                "Host".to_string(),
                "dynamodb.eu-west-1.amazonaws.com".to_string(),
            ),
            (
                "Content-Type".to_string(),
                "application/x-amz-json-1.0".to_string(),
            ),
            (
                "X-Amz-Target".to_string(),
                "DynamoDB_20120810.PutItem".to_string(),
            ),
        ];
        let body = br#"{"TableName":"orders","Item":{"id":{"S":"1"}}}"#;
        let signed = sigv4::sign(
            "POST",
            "/",
            "",
            &mut headers,
            &sigv4::sha256_hex(body),
            &sigv4::Params {
                access_key_id: "AKIDTESTEXAMPLE",
                secret_access_key: "testsecretkey/EXAMPLE+0123456789abcdef",
                session_token: Some("SESSIONTOKEN/EXAMPLE=="),
                sign_session_token: true,
                region: "eu-west-1",
                service: "dynamodb",
                time: UNIX_EPOCH + Duration::from_secs(1_795_600_800),
                path_style: sigv4::PathStyle::Normalized,
            },
        );
        answer["signature"] = signed.signature.into();
    }
    if let Some(url) = event.get("https_get").and_then(Value::as_str) {
        let response = AWS.agent().get(url).call()?;
        answer["status"] = response.status().as_u16().into();
    }
    Ok(answer)
}

fn main() -> ExitCode {
    // A thread the binary starts before the runtime's init, as a library
    // might: one the shutdown hook's signal mask does not cover.
    if std::env::var_os("PROBE_THREAD_BEFORE_MAIN").is_some() {
        std::thread::spawn(|| {
            loop {
                std::thread::park();
            }
        });
    }
    let mut table = vec![Entry::new("probe", buffered!(probe))];
    table.push(Entry::new("probe_typed", buffered!(probe_typed)));
    table.push(Entry::new("probe_stream", streaming!(probe_stream)));
    table.push(Entry::new(
        "probe_stream_typed",
        streaming!(probe_stream_typed),
    ));
    // The probe, with a shutdown hook (and so an extension and SIGTERM).
    table.push(Entry::new("probe_hooked", buffered!(probe)).with_shutdown(probe_shutdown));
    #[cfg(feature = "aws")]
    table.push(Entry::new("probe_aws", buffered!(probe_aws)));
    // Built without the feature, the name stays known, as a table line with
    // `#[cfg(feature = "aws")]` keeps it: asking for it says what to build.
    #[cfg(not(feature = "aws"))]
    table.push(Entry::unbuilt("probe_aws", "aws"));
    lambda_bootstrap::run(Box::leak(table.into_boxed_slice()))
}
