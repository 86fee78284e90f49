//! `wait_for_condition`: poll something until it says done, without an
//! invocation waiting in between. One STEP carries the state from poll to
//! poll: each poll that is not the last is a RETRY with the state as its
//! payload and the strategy's delay, the invocation ends `PENDING`, and
//! the next poll starts from that state.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::context::DurableContext;
use crate::durable::error::DurableError;
use crate::durable::operation::{ErrorObject, StepOptions};
use crate::durable::payload;
use crate::durable::step::StepInfo;
use crate::durable::wait::wait_seconds;
use crate::handler::HandlerError;

/// What the wait strategy decides after a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// The condition holds: the state is the result.
    Done,
    /// Poll again after this long.
    Again(Duration),
}

impl DurableContext<'_> {
    /// Polls `check` from `initial` until `strategy` says [`Poll::Done`]:
    /// the final state. `check` gets the state of the poll before and the
    /// attempt; a failing or panicking `check` fails the operation.
    pub fn wait_for_condition<S, F, W>(
        &self,
        name: &str,
        initial: S,
        check: F,
        strategy: W,
    ) -> Result<S, DurableError>
    where
        S: Serialize + DeserializeOwned,
        F: FnOnce(S, &StepInfo) -> Result<S, HandlerError>,
        W: FnOnce(&S, u32) -> Poll,
    {
        let slot = self.next("STEP", Some(name))?;
        let what = format!("wait-for-condition '{name}'");
        let execution = self.execution;
        let update = |action| self.update(&slot.id, "STEP", action, Some(name), "WaitForCondition");
        let (attempts, state, started) = match &slot.logged {
            None => (0, initial, false),
            Some(op) => {
                let details = op.step_details.clone().unwrap_or_default();
                match op.status.as_str() {
                    "SUCCEEDED" => return payload::decode(details.result.as_deref(), &what),
                    "FAILED" | "CANCELLED" | "TIMED_OUT" | "STOPPED" => {
                        return Err(DurableError::Failed(details.error.unwrap_or_else(|| {
                            ErrorObject::new("ConditionFailed", format!("{what} failed"))
                        })));
                    }
                    "PENDING" => return Err(self.suspend()),
                    status => {
                        let state = match details.result.as_deref() {
                            Some(text) if !text.is_empty() => payload::decode(Some(text), &what)?,
                            _ => initial,
                        };
                        (details.attempt.unwrap_or(0), state, status == "STARTED")
                    }
                }
            }
        };
        if !started {
            execution.enqueue(update("START"));
        }
        let info = StepInfo {
            attempt: attempts + 1,
            operation_id: slot.id.clone(),
        };
        let polled =
            panic::catch_unwind(AssertUnwindSafe(|| check(state, &info))).unwrap_or_else(|p| {
                Err(HandlerError::new(
                    "StepPanicked",
                    payload::panic_message(&*p),
                ))
            });
        let state = match polled {
            Ok(state) => state,
            Err(e) => {
                let error = ErrorObject::new(e.error_type(), e.message());
                let mut fail = update("FAIL");
                fail.error = Some(error.clone());
                execution.send(fail)?;
                return Err(DurableError::Failed(error));
            }
        };
        let text = payload::encode(&state, &what)?;
        match strategy(&state, info.attempt) {
            Poll::Done => {
                let mut succeed = update("SUCCEED");
                succeed.payload = Some(text);
                execution.send(succeed)?;
                Ok(state)
            }
            Poll::Again(delay) => {
                let mut retry = update("RETRY");
                retry.payload = Some(text);
                retry.step_options = Some(StepOptions {
                    next_attempt_delay_seconds: wait_seconds(delay),
                });
                execution.send(retry)?;
                Err(self.suspend())
            }
        }
    }
}
