//! Callbacks: the execution hands an id to another system and waits for
//! it to answer (`SendDurableExecutionCallbackSuccess`, `…Failure`, or
//! `…Heartbeat` while it works). [`DurableContext::create_callback`]
//! checkpoints the CALLBACK's START at once, for its id;
//! [`Callback::result`] is the answer, or `Suspended` until there is one.
//! [`DurableContext::wait_for_callback`] does both around a submitter step
//! that hands the id over, in a child context of its own.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::durable::context::DurableContext;
use crate::durable::error::DurableError;
use crate::durable::operation::{CallbackOptions, ErrorObject};
use crate::durable::payload;
use crate::durable::step::StepConfig;
use crate::handler::HandlerError;

/// A callback's timeouts; none by default (it waits as long as the
/// execution may run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallbackConfig {
    /// How long the other system has to answer.
    pub timeout: Option<Duration>,
    /// How long it may go without a heartbeat.
    pub heartbeat_timeout: Option<Duration>,
}

/// A callback created in this execution.
pub struct Callback<'c, 'e> {
    ctx: &'c DurableContext<'e>,
    operation_id: String,
    name: String,
    callback_id: String,
}

impl std::fmt::Debug for Callback<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("name", &self.name)
            .field("callback_id", &self.callback_id)
            .finish()
    }
}

impl Callback<'_, '_> {
    /// The id the other system completes the callback with.
    pub fn id(&self) -> &str {
        &self.callback_id
    }

    /// What the other system answered, a JSON text read as `T`; the
    /// callback's error when it failed or timed out (`CallbackTimedOut`);
    /// `Suspended` while it has not answered.
    pub fn result<T: DeserializeOwned>(&self) -> Result<T, DurableError> {
        let execution = self.ctx.execution;
        let what = format!("callback '{}'", self.name);
        let Some(op) = execution.get(&self.operation_id) else {
            return Err(self.ctx.suspend());
        };
        let details = op.callback_details.unwrap_or_default();
        match op.status.as_str() {
            "SUCCEEDED" => payload::decode(details.result.as_deref(), &what),
            "FAILED" => Err(DurableError::Failed(details.error.unwrap_or_else(|| {
                ErrorObject::new("CallbackFailed", format!("{what} failed"))
            }))),
            "TIMED_OUT" => Err(DurableError::Failed(ErrorObject::new(
                "CallbackTimedOut",
                details
                    .error
                    .map(|e| e.message().to_string())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| format!("{what} timed out")),
            ))),
            "CANCELLED" | "STOPPED" => Err(DurableError::Failed(ErrorObject::new(
                "CallbackCancelled",
                format!("{what} was cancelled"),
            ))),
            _ => Err(self.ctx.suspend()),
        }
    }
}

fn seconds(duration: Option<Duration>) -> u64 {
    duration.map_or(0, crate::durable::wait::wait_seconds)
}

impl<'e> DurableContext<'e> {
    /// Creates the callback `name` (or finds it in the log): its id is
    /// ready to hand to another system.
    pub fn create_callback<'c>(
        &'c self,
        name: &str,
        config: &CallbackConfig,
    ) -> Result<Callback<'c, 'e>, DurableError> {
        let slot = self.next("CALLBACK", Some(name))?;
        if slot.logged.is_none() {
            let mut start = self.update(&slot.id, "CALLBACK", "START", Some(name), "Callback");
            start.callback_options = Some(CallbackOptions {
                timeout_seconds: seconds(config.timeout),
                heartbeat_timeout_seconds: seconds(config.heartbeat_timeout),
            });
            self.execution.send(start)?;
        }
        let callback_id = self
            .execution
            .get(&slot.id)
            .and_then(|op| op.callback_details)
            .and_then(|d| d.callback_id)
            .ok_or_else(|| {
                DurableError::failed(
                    "InvalidCallback",
                    format!("the service gave callback '{name}' no CallbackId"),
                )
            })?;
        Ok(Callback {
            ctx: self,
            operation_id: slot.id,
            name: name.to_string(),
            callback_id,
        })
    }

    /// Creates the callback `name`, runs `submit` with its id as a step
    /// (`submitter`, retried by `submitter_config`), and waits for the
    /// answer: all in the child context `name`, so that replay skips the
    /// lot once it has an answer.
    pub fn wait_for_callback<T, F>(
        &self,
        name: &str,
        config: &CallbackConfig,
        submitter_config: &StepConfig,
        submit: F,
    ) -> Result<T, DurableError>
    where
        T: serde::Serialize + DeserializeOwned,
        F: FnOnce(&str) -> Result<(), HandlerError>,
    {
        self.run_in_child_context_as(name, "WaitForCallback", |child| {
            let callback = child.create_callback(name, config)?;
            let id = callback.id().to_string();
            child.step_with("submitter", submitter_config, |_| submit(&id))?;
            callback.result()
        })
    }
}
