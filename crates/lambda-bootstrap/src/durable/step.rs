//! `step`: a named piece of code whose result is checkpointed, run again
//! on replay only if it never finished. A failed attempt is retried by the
//! strategy's rules: the RETRY checkpoint carries the delay, the
//! invocation ends `PENDING`, and Lambda invokes again when the next
//! attempt is due (no invocation sleeps through a backoff). A step that
//! panics is a failed attempt.
//!
//! At least once per retry (the default): START goes with the outcome, in
//! one checkpoint; an attempt cut off before it ends runs again. At most
//! once per retry: START is checkpointed before the code runs, and an
//! attempt found started but unfinished counts as failed
//! (`StepInterrupted`), never run twice.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::context::DurableContext;
use crate::durable::error::DurableError;
use crate::durable::operation::{ErrorObject, StepOptions};
use crate::durable::payload;
use crate::handler::HandlerError;

/// How often an attempt may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// An attempt cut off (a timeout, a crash) runs again.
    #[default]
    AtLeastOncePerRetry,
    /// An attempt is recorded before it runs; one cut off is a failed
    /// attempt, and the strategy decides whether another runs.
    AtMostOncePerRetry,
}

/// Which failed attempts are retried, how many times, after how long.
#[derive(Debug, Clone, Copy)]
pub struct RetryStrategy {
    /// Attempts in all, the first included; 1 is no retry.
    pub max_attempts: u32,
    /// The delay before the second attempt.
    pub initial_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Each delay is the one before times this.
    pub backoff_rate: f64,
    /// Whether an error is worth another attempt (every one, by default).
    pub retry_if: fn(&HandlerError) -> bool,
}

fn always(_: &HandlerError) -> bool {
    true
}

impl RetryStrategy {
    /// `max_attempts` attempts, 1 s before the second, doubling, at most
    /// 60 s; every error retried.
    pub const fn exponential(max_attempts: u32) -> RetryStrategy {
        RetryStrategy {
            max_attempts,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            backoff_rate: 2.0,
            retry_if: always,
        }
    }

    /// One attempt, no retry.
    pub const fn none() -> RetryStrategy {
        RetryStrategy::exponential(1)
    }

    /// The same, retrying only the errors `retry_if` accepts.
    pub const fn retry_if(mut self, retry_if: fn(&HandlerError) -> bool) -> RetryStrategy {
        self.retry_if = retry_if;
        self
    }

    /// The same, with `initial_delay` before the second attempt.
    pub const fn initial_delay(mut self, initial_delay: Duration) -> RetryStrategy {
        self.initial_delay = initial_delay;
        self
    }

    /// The delay, in whole seconds (at least 1, the API's unit), before
    /// the attempt after `attempt`; `None` when no attempt follows.
    pub fn next_delay(&self, attempt: u32, error: &HandlerError) -> Option<u64> {
        if attempt >= self.max_attempts || !(self.retry_if)(error) {
            return None;
        }
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let delay = self.initial_delay.as_secs_f64() * self.backoff_rate.powi(exponent);
        let delay = delay.min(self.max_delay.as_secs_f64());
        Some((delay.ceil() as u64).max(1))
    }
}

impl Default for RetryStrategy {
    /// 3 attempts, 1 s then 2 s apart.
    fn default() -> RetryStrategy {
        RetryStrategy::exponential(3)
    }
}

/// A step's settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepConfig {
    /// Its retries.
    pub retry: RetryStrategy,
    /// At least or at most once per attempt.
    pub semantics: Semantics,
}

/// What the step's code knows about the attempt it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInfo {
    /// The attempt, from 1.
    pub attempt: u32,
    /// The step's operation id, unique in the execution: an idempotency
    /// key for the step's side effects.
    pub operation_id: String,
}

impl DurableContext<'_> {
    /// Runs `code` as the step `name`, with the default retries (3
    /// attempts): its result, from the log when a past invocation ran it.
    pub fn step<T, F>(&self, name: &str, code: F) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&StepInfo) -> Result<T, HandlerError>,
    {
        self.step_with(name, &StepConfig::default(), code)
    }

    /// Runs `code` as the step `name` with `config`'s retries and
    /// semantics.
    pub fn step_with<T, F>(
        &self,
        name: &str,
        config: &StepConfig,
        code: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&StepInfo) -> Result<T, HandlerError>,
    {
        let slot = self.next("STEP", Some(name))?;
        let what = format!("step '{name}'");
        let execution = self.execution;
        let update = |action| self.update(&slot.id, "STEP", action, Some(name), "Step");
        let (attempts, started) = match &slot.logged {
            None => (0, false),
            Some(op) => {
                let details = op.step_details.clone().unwrap_or_default();
                let attempts = details.attempt.unwrap_or(0);
                match op.status.as_str() {
                    "SUCCEEDED" => return payload::decode(details.result.as_deref(), &what),
                    "FAILED" | "CANCELLED" | "TIMED_OUT" | "STOPPED" => {
                        return Err(DurableError::Failed(details.error.unwrap_or_else(|| {
                            ErrorObject::new("StepFailed", format!("{what} failed"))
                        })));
                    }
                    "PENDING" => return Err(self.suspend()),
                    "STARTED" => (attempts, true),
                    _ => (attempts, false), // READY: the next attempt is due
                }
            }
        };
        let attempt = attempts + 1;
        let failure = if started && config.semantics == Semantics::AtMostOncePerRetry {
            HandlerError::new(
                "StepInterrupted",
                format!("{what}'s attempt {attempt} started and never finished"),
            )
        } else {
            match config.semantics {
                Semantics::AtMostOncePerRetry => execution.send(update("START"))?,
                Semantics::AtLeastOncePerRetry if !started => execution.enqueue(update("START")),
                Semantics::AtLeastOncePerRetry => {}
            }
            let info = StepInfo {
                attempt,
                operation_id: slot.id.clone(),
            };
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| code(&info))).unwrap_or_else(|p| {
                    Err(HandlerError::new(
                        "StepPanicked",
                        payload::panic_message(&*p),
                    ))
                });
            match outcome {
                Ok(value) => {
                    let mut succeed = update("SUCCEED");
                    match payload::encode(&value, &what) {
                        Ok(text) => succeed.payload = Some(text),
                        Err(e) => {
                            let mut fail = update("FAIL");
                            fail.error = Some(ErrorObject::new("SerdeError", e.message()));
                            execution.send(fail)?;
                            return Err(e);
                        }
                    }
                    execution.send(succeed)?;
                    return Ok(value);
                }
                Err(e) => e,
            }
        };
        let error = ErrorObject::new(failure.error_type(), failure.message());
        match config.retry.next_delay(attempt, &failure) {
            Some(seconds) => {
                log::info!("durable: {what} attempt {attempt} failed, retried in {seconds} s");
                let mut retry = update("RETRY");
                retry.error = Some(error);
                retry.step_options = Some(StepOptions {
                    next_attempt_delay_seconds: seconds,
                });
                execution.send(retry)?;
                Err(self.suspend())
            }
            None => {
                let mut fail = update("FAIL");
                fail.error = Some(error.clone());
                execution.send(fail)?;
                Err(DurableError::Failed(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_stop_at_the_last_attempt() {
        let err = HandlerError::new("Boom", "x");
        let strategy = RetryStrategy::exponential(8);
        let delays: Vec<_> = (1..=8).map(|a| strategy.next_delay(a, &err)).collect();
        assert_eq!(
            delays,
            [
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(60),
                None
            ]
        );
        let picky = RetryStrategy::exponential(3).retry_if(|e| e.error_type() != "InvalidAmount");
        assert_eq!(picky.next_delay(1, &err), Some(1));
        assert_eq!(
            picky.next_delay(1, &HandlerError::new("InvalidAmount", "0")),
            None
        );
        assert_eq!(RetryStrategy::none().next_delay(1, &err), None);
    }
}
