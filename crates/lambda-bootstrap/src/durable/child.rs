//! Child contexts: a group of operations under one CONTEXT operation,
//! numbered under its id, whose result is checkpointed as one. Once it
//! has succeeded, replay answers it without running its code (unless its
//! result was too large to keep: then the children run again, from their
//! own records).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::context::{DurableContext, Slot};
use crate::durable::error::DurableError;
use crate::durable::operation::{ContextOptions, ErrorObject};
use crate::durable::payload;

/// A context's result larger than this is not kept: replay runs its
/// children again (the specification's limit on a checkpointed payload).
const MAX_CONTEXT_RESULT: usize = 256 * 1024;

impl<'e> DurableContext<'e> {
    /// Runs `code` in the child context `name`; its result, from the log
    /// when a past invocation finished it.
    pub fn run_in_child_context<T, F>(&self, name: &str, code: F) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&DurableContext<'e>) -> Result<T, DurableError>,
    {
        self.run_in_child_context_as(name, "RunInChildContext", code)
    }

    pub(crate) fn run_in_child_context_as<T, F>(
        &self,
        name: &str,
        sub_type: &'static str,
        code: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&DurableContext<'e>) -> Result<T, DurableError>,
    {
        let slot = self.next("CONTEXT", Some(name))?;
        self.run_child(slot, name, sub_type, code)
    }

    /// Runs `code` as the CONTEXT operation `slot`, already numbered (map
    /// and parallel number their branches before running them at once).
    pub(crate) fn run_child<T, F>(
        &self,
        slot: Slot,
        name: &str,
        sub_type: &'static str,
        code: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&DurableContext<'e>) -> Result<T, DurableError>,
    {
        let what = format!("child context '{name}'");
        let execution = self.execution;
        let details = slot
            .logged
            .as_ref()
            .and_then(|op| op.context_details.clone())
            .unwrap_or_default();
        match slot.logged.as_ref().map(|op| op.status.as_str()) {
            Some("SUCCEEDED") if details.replay_children != Some(true) => {
                return payload::decode(details.result.as_deref(), &what);
            }
            Some("SUCCEEDED") => {
                let child = self.child(&slot.id);
                let outcome = code(&child);
                if child.is_suspended() {
                    return Err(self.suspend());
                }
                return outcome;
            }
            Some("FAILED" | "CANCELLED" | "TIMED_OUT" | "STOPPED") => {
                return Err(DurableError::Failed(details.error.unwrap_or_else(|| {
                    ErrorObject::new("ContextFailed", format!("{what} failed"))
                })));
            }
            Some(_) => {}
            None => {
                execution.enqueue(self.update(&slot.id, "CONTEXT", "START", Some(name), sub_type))
            }
        }
        let update = |action| self.update(&slot.id, "CONTEXT", action, Some(name), sub_type);
        let child = self.child(&slot.id);
        let outcome = code(&child);
        if child.is_suspended() {
            // Whatever the code made of it, its children are not all done.
            return Err(self.suspend());
        }
        match outcome {
            Ok(value) => {
                let text = payload::encode(&value, &what)?;
                let mut succeed = update("SUCCEED");
                if text.len() > MAX_CONTEXT_RESULT {
                    succeed.payload = Some(String::new());
                    succeed.context_options = Some(ContextOptions {
                        replay_children: true,
                    });
                } else {
                    succeed.payload = Some(text);
                }
                execution.enqueue(succeed);
                Ok(value)
            }
            Err(DurableError::Failed(error)) => {
                let mut fail = update("FAIL");
                fail.error = Some(error.clone());
                execution.enqueue(fail);
                Err(DurableError::Failed(error))
            }
            Err(other) => Err(other),
        }
    }
}
