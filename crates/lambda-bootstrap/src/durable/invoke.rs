//! Chained invoke: the execution calls another Lambda function and waits
//! for its answer without an invocation running. The CHAINED_INVOKE's
//! START carries the function and its input; the service invokes it, and
//! Lambda invokes this function again once it has answered.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::context::DurableContext;
use crate::durable::error::DurableError;
use crate::durable::operation::{ChainedInvokeOptions, ErrorObject};
use crate::durable::payload;

impl DurableContext<'_> {
    /// Invokes `function` (a name or an ARN, qualified or not) with
    /// `input` as the operation `name`: its answer read as `O`, or its
    /// error.
    pub fn invoke<I, O>(&self, name: &str, function: &str, input: &I) -> Result<O, DurableError>
    where
        I: Serialize,
        O: DeserializeOwned,
    {
        let slot = self.next("CHAINED_INVOKE", Some(name))?;
        let what = format!("invoke '{name}'");
        let Some(op) = slot.logged else {
            let mut start = self.update(
                &slot.id,
                "CHAINED_INVOKE",
                "START",
                Some(name),
                "ChainedInvoke",
            );
            start.payload = Some(payload::encode(input, &what)?);
            start.chained_invoke_options = Some(ChainedInvokeOptions {
                function_name: function.to_string(),
                tenant_id: None,
            });
            self.execution.enqueue(start);
            return Err(self.suspend());
        };
        let details = op.chained_invoke_details.unwrap_or_default();
        match op.status.as_str() {
            "SUCCEEDED" => payload::decode(details.result.as_deref(), &what),
            "FAILED" | "TIMED_OUT" | "STOPPED" | "CANCELLED" => {
                Err(DurableError::Failed(details.error.unwrap_or_else(|| {
                    ErrorObject::new("InvokeFailed", format!("{what} ended {}", op.status))
                })))
            }
            _ => Err(self.suspend()),
        }
    }
}
