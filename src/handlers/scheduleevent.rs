//! `scheduleevent`: runs on a schedule, with serverless.yml's `input` object
//! or EventBridge's bare "Scheduled Event" envelope. It also shows how a
//! handler keeps state from one invocation to the next, and a shutdown hook
//! that reports it when Lambda shuts the environment down.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use crate::context::Context;
use crate::handler::{HandlerError, Shutdown, json_kind};

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

/// Logs what it got at DEBUG and answers how many scheduled runs this
/// environment has served, this one included, and for how long:
/// `{"runs": 3, "warm_for_ms": 1200000}`. Anything but a JSON object is a
/// handler error: neither form of scheduled event is anything else.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let Some(object) = event.as_object() else {
        return Err(HandlerError::new(
            "InvalidEvent",
            format!("a scheduled event is a JSON object, got {}", json_kind(&event)),
        ));
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    if text("source") == Some("aws.events") && text("detail-type") == Some("Scheduled Event") {
        let rule = event.pointer("/resources/0").and_then(Value::as_str).unwrap_or("?");
        log::debug!("scheduled event from {rule} at {}", text("time").unwrap_or("?"));
    } else {
        log::debug!("scheduled with input: {event}");
    }
    let runs = ENVIRONMENT.runs.fetch_add(1, Ordering::Relaxed) + 1;
    let warm_for_ms = ENVIRONMENT.started.elapsed().as_millis() as u64;
    Ok(json!({ "runs": runs, "warm_for_ms": warm_for_ms }))
}

/// The shutdown hook (`with shutdown` in the table): Lambda is about to
/// shut this environment down. Logs `shutting down after N runs` at INFO;
/// a function that buffers (metrics, a batch, a log shipper) would flush
/// here, within `shutdown.remaining_time()` (about 500 ms).
pub fn shutdown(shutdown: &Shutdown) {
    let runs = ENVIRONMENT.runs.load(Ordering::Relaxed);
    log::info!("shutting down after {runs} runs");
    log::debug!("{:?} left to shut down", shutdown.remaining_time());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::FunctionInfo;

    fn check(event: Value, expected: Result<(), &str>) -> Option<Value> {
        let ctx = Context::local("r", std::rc::Rc::new(FunctionInfo::default()));
        let got = handle(event, &ctx);
        assert_eq!(
            got.as_ref().map(|_| ()).map_err(|e| e.message().to_string()),
            expected.map_err(String::from)
        );
        got.ok()
    }

    #[test]
    fn both_fixtures_count_their_runs() {
        let mut last = 0;
        for fixture in [
            include_str!("../../tests/data/schedule-input.json"),
            include_str!("../../tests/data/eventbridge-scheduled.json"),
        ] {
            let answer = check(serde_json::from_str(fixture).unwrap(), Ok(())).unwrap();
            // Other tests in this process may run it too, on other threads:
            // the count only ever goes up.
            let runs = answer["runs"].as_u64().unwrap();
            assert!(runs > last, "{answer}");
            assert!(answer["warm_for_ms"].is_u64(), "{answer}");
            last = runs;
        }
    }

    #[test]
    fn non_objects_are_refused() {
        check(json!(42), Err("a scheduled event is a JSON object, got a number"));
        check(json!(null), Err("a scheduled event is a JSON object, got null"));
        check(json!(["x"]), Err("a scheduled event is a JSON object, got an array"));
    }
}
