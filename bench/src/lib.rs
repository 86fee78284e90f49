//! What the benchmarked runtimes share, so that the comparisons measure
//! runtimes, not handlers: the very `httpevent` handler that `bootstrap`
//! ships (the side-by-side comparison), and the two jobs of the concurrency
//! comparison ([`Job`]), whose logic is written once here and called by both
//! concurrent runtimes.

use std::rc::Rc;
use std::time::Duration;

use lambda_bootstrap::FunctionInfo;
use lambda_bootstrap::{BufferedFn, Context, Handler, handlers::HANDLERS};
use serde_json::{Value, json};

/// `bootstrap`'s own `httpevent`, from its handler table.
pub fn httpevent() -> BufferedFn {
    match HANDLERS
        .iter()
        .find(|(name, _)| *name == "httpevent")
        .expect("httpevent in the table")
        .1
    {
        Handler::Buffered(handler) => handler,
        Handler::Streaming(_) => panic!("httpevent is a buffered handler"),
    }
}

/// Runs `httpevent` on a raw event the way every runtime here must: parse,
/// call, serialize. Errors become a JSON error body.
pub fn answer(event: &[u8], request_id: &str, function: &Rc<FunctionInfo>) -> Vec<u8> {
    let ctx = Context::local(request_id, Rc::clone(function));
    let result = serde_json::from_slice::<Value>(event)
        .map_err(|e| e.to_string())
        .and_then(|event| httpevent()(event, &ctx).map_err(|e| e.to_string()));
    match result {
        Ok(value) => serde_json::to_vec(&value).expect("a Value serializes"),
        Err(message) => serde_json::to_vec(&serde_json::json!({"errorMessage": message})).unwrap(),
    }
}

/// A job of the concurrency comparison, chosen by `_HANDLER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `sleep10`: waits [`SLEEP`], then answers a small JSON; an I/O-bound
    /// function, whose ideal throughput is N workers / 10 ms.
    Sleep10,
    /// `compute`: a fixed CPU-only job of a few hundred microseconds
    /// ([`checksum`]), answering its result.
    Compute,
}

/// How long `sleep10` waits. Each runtime waits its own way, as its users
/// would: ours blocks its worker thread (`std::thread::sleep`), which is
/// what a blocking runtime's handler does during I/O; lambda_runtime awaits
/// `tokio::time::sleep`, since blocking a tokio worker would stall the
/// other tasks on it.
pub const SLEEP: Duration = Duration::from_millis(10);

/// Steps of `compute`'s loop: about 200-300 µs on a 2020s x86_64 core.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
