//! What the benchmarked runtimes share, so that the comparisons measure
//! runtimes, not handlers: the very `httpevent` handler that `bootstrap`
//! ships (the side-by-side comparison), the two jobs of the concurrency
//! comparison ([`Job`]), the stream generator of the streaming
//! comparison ([`pieces`]), and the typed-events comparison's SQS logic
//! ([`sqs_failures`]) and greeting ([`Greeting`]), each written once here
//! and called by the runtimes that compare on it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "sdk")]
pub mod sdk;
#[cfg(feature = "aws")]
pub mod sigv4;

use handlers::HANDLERS;
use handlers::sqsevent::Order;
use lambda_bootstrap::FunctionInfo;
use lambda_bootstrap::{BufferedFn, Context, Handler};
use serde::Serialize;
use serde_json::{Value, json};

/// `bootstrap`'s own `httpevent`, from its handler table: the event's
/// bytes in, the answer's JSON out, as the table holds every handler.
pub fn httpevent() -> BufferedFn {
    let entry = HANDLERS
        .iter()
        .find(|entry| entry.name == "httpevent")
        .expect("httpevent in the table");
    match entry.handler {
        Handler::Buffered(handler) => handler,
        Handler::Streaming(_) => panic!("httpevent is a buffered handler"),
    }
}

/// Runs `httpevent` on a raw event the way every runtime here must: parse,
/// call, serialize. Errors become a JSON error body.
pub fn answer(event: &[u8], request_id: &str, function: &Arc<FunctionInfo>) -> Vec<u8> {
    let ctx = Context::local(request_id, Arc::clone(function));
    httpevent()(event, &ctx).unwrap_or_else(|failure| {
        let message = format!("{failure:?}");
        serde_json::to_vec(&serde_json::json!({"errorMessage": message})).unwrap()
    })
}

/// A job of the concurrency comparison, chosen by `_HANDLER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `sleep10`: waits [`SLEEP`], then answers a small JSON; an I/O-bound
    /// function, whose ideal throughput is N workers / 10 ms.
    Sleep10,
    /// `compute`: a fixed CPU-only job ([`checksum`]), answering its
    /// result.
    Compute,
}

/// How long `sleep10` waits. Each runtime waits its own way, as its users
/// would: ours blocks its worker thread (`std::thread::sleep`), which is
/// what a blocking runtime's handler does during I/O; lambda_runtime awaits
/// `tokio::time::sleep`, since blocking a tokio worker would stall the
/// other tasks on it.
pub const SLEEP: Duration = Duration::from_millis(10);

/// Steps of `compute`'s loop: enough that the job, not the runtime, is
/// most of an invocation's CPU (BENCHMARKS.md, "Concurrency", has its time).
pub const COMPUTE_STEPS: u64 = 200_000;

impl Job {
    /// Both jobs, in the order reports list them.
    pub const ALL: [Job; 2] = [Job::Sleep10, Job::Compute];

    /// The `_HANDLER` name.
    pub fn name(self) -> &'static str {
        match self {
            Job::Sleep10 => "sleep10",
            Job::Compute => "compute",
        }
    }

    /// The job `_HANDLER` names, if any.
    pub fn from_name(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name.trim())
    }

    /// The event the driver sends for this job.
    pub fn event(self) -> Value {
        json!({"job": self.name(), "seed": 20_260_101})
    }

    /// The answer to `event`, once `sleep10` has waited (its caller waits):
    /// the handler's logic, shared by both runtimes.
    pub fn answer(self, event: &Value) -> Value {
        let seed = event.get("seed").and_then(Value::as_u64).unwrap_or(0);
        match self {
            Job::Sleep10 => json!({"slept_ms": SLEEP.as_millis() as u64, "seed": seed}),
            Job::Compute => json!({"checksum": checksum(seed), "seed": seed}),
        }
    }
}

/// `compute`'s work: [`COMPUTE_STEPS`] steps of a 64-bit linear congruential
/// generator folded into an accumulator. CPU only, no allocation, the same
/// result for the same seed on every runtime. The step count goes through
/// `black_box` so that no compiler folds the loop away.
pub fn checksum(seed: u64) -> u64 {
    let (mut state, mut acc) = (seed, 0u64);
    for _ in 0..std::hint::black_box(COMPUTE_STEPS) {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        acc = acc.rotate_left(5) ^ (state >> 29);
    }
    acc
}

/// The streaming handler's name in ours' table (`_HANDLER`).
pub const STREAM_HANDLER: &str = "stream";

/// The size of each piece the generator writes: 64 KiB.
pub const PIECE: usize = 64 * 1024;

/// The content type of a generated stream.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// What every piece is cut from: printable bytes in a cycle of 61, which
/// does not divide `PIECE`, so that a piece lost, repeated or shifted by
/// a few bytes shows in the content, not only in the length.
pub static PATTERN: [u8; PIECE] = pattern();

const fn pattern() -> [u8; PIECE] {
    let mut bytes = [0u8; PIECE];
    let mut i = 0;
    while i < PIECE {
        bytes[i] = b'A' + (i % 61) as u8;
        i += 1;
    }
    bytes
}

/// The stream size an event asks for: `{"bytes": N}`.
pub fn requested_bytes(event: &Value) -> Result<u64, String> {
    event
        .get("bytes")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("expected {{\"bytes\": N}}, got {event}"))
}

/// The stream of `bytes` bytes, in the order to write them: whole pieces
/// of `PATTERN`, then what is left as the start of one more. Byte `k` of
/// the stream is `PATTERN[k % PIECE]`.
pub fn pieces(bytes: u64) -> impl Iterator<Item = &'static [u8]> {
    let whole = bytes / PIECE as u64;
    let rest = (bytes % PIECE as u64) as usize;
    let last = (rest > 0).then(|| &PATTERN[..rest]);
    (0..whole).map(|_| &PATTERN[..]).chain(last)
}

/// The typed-events comparison's SQS logic, whatever type the batch was
/// parsed into: each message's body is an order, parsed and checked as
/// `sqsevent` does it (`Order::parse`); the good ones are logged at INFO
/// and the ids of the others returned, for `batchItemFailures`. A message
/// without a body fails too.
pub fn sqs_failures<'a>(
    messages: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<String> {
    let mut failed = Vec::new();
    for (id, body) in messages {
        match body.map(Order::parse) {
            Some(Ok(order)) => log::info!("order {}: qty {}", order.id, order.qty),
            Some(Err(why)) => {
                log::warn!("message {id}: {why}; SQS will deliver it again");
                failed.push(id.to_string());
            }
            None => {
                log::warn!("message {id}: no body; SQS will deliver it again");
                failed.push(id.to_string());
            }
        }
    }
    failed
}

/// [`sqs_failures`] over aws_lambda_events' `SqsEvent`, answered as its
/// `SqsBatchResponse`: the one body of both runtimes' `SqsEvent` handlers.
#[cfg(feature = "typed")]
pub fn sqs_event_failures(
    event: &lambda_bootstrap::events::sqs::SqsEvent,
) -> lambda_bootstrap::events::sqs::SqsBatchResponse {
    use lambda_bootstrap::events::sqs::{BatchItemFailure, SqsBatchResponse};
    let messages = event.records.iter().map(|message| {
        let id = message.message_id.as_deref().unwrap_or_default();
        (id, message.body.as_deref())
    });
    let mut answer = SqsBatchResponse::default();
    for id in sqs_failures(messages) {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        answer.batch_item_failures.push(failure);
    }
    answer
}

/// The typed-events comparison's HTTP answer, the same for every event
/// type it is computed from: an API Gateway proxy answer greeting the
/// `hello` query parameter, as `httpevent` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Greeting {
    status_code: u16,
    headers: BTreeMap<&'static str, &'static str>,
    multi_value_headers: BTreeMap<&'static str, Vec<&'static str>>,
    body: String,
    is_base64_encoded: bool,
}

impl Greeting {
    /// `Hello {name} from Rust`, `World` without a name.
    pub fn new(name: Option<&str>) -> Greeting {
        Greeting {
            status_code: 200,
            headers: [("Content-Type", "text/plain; charset=utf-8")].into(),
            multi_value_headers: BTreeMap::new(),
            body: format!("Hello {} from Rust", name.unwrap_or("World")),
            is_base64_encoded: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_the_shipped_httpevents() {
        let function = Arc::new(FunctionInfo::default());
        let event = include_bytes!("../../tests/data/apigw-rest-get-query.json");
        let greeting: Value = serde_json::from_slice(&answer(event, "r", &function)).unwrap();
        assert_eq!(greeting["statusCode"], 200);
        assert_eq!(greeting["body"], "Hello Alice from Rust");
        let refusal: Value = serde_json::from_slice(&answer(b"{}", "r", &function)).unwrap();
        assert!(refusal["errorMessage"].is_string(), "{refusal}");
    }

    #[test]
    fn jobs_are_found_by_name_and_answer_alike() {
        for job in Job::ALL {
            assert_eq!(Job::from_name(job.name()), Some(job));
            assert_eq!(job.answer(&job.event()), job.answer(&job.event()));
        }
        assert_eq!(Job::from_name(" compute\n"), Some(Job::Compute));
        assert_eq!(Job::from_name("httpevent"), None);
        assert_eq!(Job::Sleep10.answer(&json!({"seed": 3}))["slept_ms"], 10);
        assert_ne!(checksum(1), checksum(2));
    }

    #[test]
    fn pieces_add_up_to_the_bytes_asked_for() {
        for bytes in [0, 1, PIECE as u64 - 1, PIECE as u64, 3 * PIECE as u64 + 17] {
            let stream: Vec<u8> = pieces(bytes).flatten().copied().collect();
            assert_eq!(stream.len() as u64, bytes);
            assert!(pieces(bytes).all(|p| !p.is_empty() && p.len() <= PIECE));
            for (k, byte) in stream.iter().enumerate() {
                assert_eq!(*byte, PATTERN[k % PIECE], "byte {k} of {bytes}");
            }
        }
        assert_eq!(pieces(100 * 1024 * 1024).count(), 1600);
    }

    #[test]
    fn sqs_failures_are_the_messages_without_a_good_order() {
        let failed = sqs_failures([
            ("a", Some(r#"{"id":"o-1","qty":2}"#)),
            ("b", Some(r#"{"id":"o-2","qty":0}"#)),
            ("c", Some("not json")),
            ("d", None),
        ]);
        assert_eq!(failed, ["b", "c", "d"]);
    }

    #[test]
    fn greetings_answer_like_httpevent() {
        let answer = serde_json::to_value(Greeting::new(Some("Bench"))).unwrap();
        assert_eq!(
            answer,
            json!({"statusCode": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"},
                   "multiValueHeaders": {}, "body": "Hello Bench from Rust",
                   "isBase64Encoded": false})
        );
        assert_eq!(
            serde_json::to_value(Greeting::new(None)).unwrap()["body"],
            "Hello World from Rust"
        );
    }

    #[test]
    fn the_event_says_how_many_bytes() {
        assert_eq!(requested_bytes(&serde_json::json!({"bytes": 5})), Ok(5));
        let err = requested_bytes(&serde_json::json!({"bytes": "5"})).unwrap_err();
        assert_eq!(err, r#"expected {"bytes": N}, got {"bytes":"5"}"#);
    }
}
