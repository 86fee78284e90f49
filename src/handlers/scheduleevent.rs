//! `scheduleevent`: runs on a schedule, with serverless.yml's `input` object
//! or EventBridge's bare "Scheduled Event" envelope. It also shows how a
//! handler keeps state from one invocation to the next, and a shutdown hook
//! that reports it when Lambda shuts the environment down.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use lambda_bootstrap::context::Context;
use lambda_bootstrap::handler::{HandlerError, Shutdown};

/// What this handler keeps across invocations. Lambda reuses an execution
/// environment for many invocations, so whatever is costly to make (a
/// client, parsed configuration, a cache) is made once, outside `handle`,
/// in a `static`: `LazyLock` builds it on first use. Everything in it is
/// `Sync` (an `Instant`, an atomic counter), so it stays correct if
/// invocations ever run on several threads at once; a cache that changes
/// would sit behind a `Mutex` or `RwLock`.
struct Environment {
    /// When this environment served its first scheduled run.
    started: Instant,
    /// Scheduled runs served by this environment.
    runs: AtomicU64,
}

static ENVIRONMENT: LazyLock<Environment> = LazyLock::new(|| Environment {
    started: Instant::now(),
    runs: AtomicU64::new(0),
});

/// A scheduled event: EventBridge's "Scheduled Event" envelope, or the
/// object serverless.yml's `schedule: {input: …}` sends instead (then only
/// `input` is set). Anything but a JSON object is refused before the
/// handler runs.
#[derive(Debug, Deserialize)]
pub struct Scheduled {
    /// `aws.events` for EventBridge's envelope.
    pub source: Option<String>,
    /// `Scheduled Event` for EventBridge's envelope.
    #[serde(rename = "detail-type")]
    pub detail_type: Option<String>,
    /// When the rule fired.
    pub time: Option<String>,
    /// The rule's ARN.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Every other field: the whole `input` object, or the envelope's rest.
    #[serde(flatten)]
    pub input: Map<String, Value>,
}

/// What it answers.
#[derive(Debug, Serialize)]
pub struct Runs {
    /// Scheduled runs this environment has served, this one included.
    pub runs: u64,
    /// Since the first of them.
    pub warm_for_ms: u64,
}

/// Logs what it got at DEBUG and answers how many scheduled runs this
/// environment has served, this one included, and for how long:
/// `{"runs": 3, "warm_for_ms": 1200000}`.
pub fn handle(event: Scheduled, _ctx: &Context) -> Result<Runs, HandlerError> {
    let from_eventbridge = event.source.as_deref() == Some("aws.events")
        && event.detail_type.as_deref() == Some("Scheduled Event");
    if from_eventbridge {
        let rule = event.resources.first().map_or("?", String::as_str);
        log::debug!("scheduled event from {rule} at {}", event.time.as_deref().unwrap_or("?"));
    } else {
        log::debug!("scheduled with input: {}", Value::Object(event.input));
    }
    let runs = ENVIRONMENT.runs.fetch_add(1, Ordering::Relaxed) + 1;
    let warm_for_ms = ENVIRONMENT.started.elapsed().as_millis() as u64;
    Ok(Runs { runs, warm_for_ms })
}

/// The shutdown hook (`with shutdown` in the table): Lambda is about to
/// shut this environment down. Logs `shutting down after N runs` at INFO;
/// a function that buffers (metrics, a batch, a log shipper) would flush
/// here, within `shutdown.remaining_time()` (Lambda's 500 ms less the
/// runtime's margin to exit).
pub fn shutdown(shutdown: &Shutdown) {
    let runs = ENVIRONMENT.runs.load(Ordering::Relaxed);
    log::info!("shutting down after {runs} runs");
    log::debug!("{:?} left to shut down", shutdown.remaining_time());
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_bootstrap::handler::{Failure, buffered};

    /// Runs the handler as the runtime does: from the event's bytes.
    fn check(event: &str) -> Result<Value, Failure> {
        let ctx = Context::local("r", Default::default());
        buffered(handle, event.as_bytes(), &ctx)
            .map(|answer| serde_json::from_slice(&answer).unwrap())
    }

    #[test]
    fn both_fixtures_count_their_runs() {
        let mut last = 0;
        for fixture in [
            include_str!("../../tests/data/schedule-input.json"),
            include_str!("../../tests/data/eventbridge-scheduled.json"),
        ] {
            let answer = check(fixture).unwrap();
            // Other tests in this process may run it too, on other threads:
            // the count only ever goes up.
            let runs = answer["runs"].as_u64().unwrap();
            assert!(runs > last, "{answer}");
            assert!(answer["warm_for_ms"].is_u64(), "{answer}");
            last = runs;
        }
    }

    #[test]
    fn non_objects_are_refused_before_the_handler() {
        for (event, kind) in [("42", "integer `42`"), ("null", "null"), ("\"x\"", "string \"x\"")] {
            assert_eq!(
                check(event),
                Err(Failure::Unmarshal(format!(
                    "the event does not fit Scheduled: invalid type: {kind}, expected struct \
                     Scheduled (line 1, column {})",
                    event.len()
                )))
            );
        }
    }
}
