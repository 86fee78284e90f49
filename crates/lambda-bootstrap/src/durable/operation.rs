//! The durable-execution API's records, as the service writes and reads
//! them: an [`Operation`] in the execution's log (what replay answers
//! from), an [`Update`] sent in a checkpoint, and the [`ErrorObject`] both
//! carry. Wire names only; no logic beyond reading a record's fields.
//!
//! Timestamps are left out on purpose: the invocation's envelope carries
//! them as epoch milliseconds and the REST answers as float epoch seconds,
//! and replay needs neither.

use serde::{Deserialize, Serialize};

/// One operation of the execution's log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Operation {
    /// The operation id (see `id.rs`); the EXECUTION operation's is the
    /// service's own.
    pub id: String,
    /// `EXECUTION`, `CONTEXT`, `STEP`, `WAIT`, `CALLBACK`, `CHAINED_INVOKE`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `STARTED`, `PENDING`, `READY`, `SUCCEEDED`, `FAILED`, `CANCELLED`,
    /// `TIMED_OUT`, `STOPPED`.
    pub status: String,
    /// The name the code gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The CONTEXT operation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The SDK construct it is part of (`Step`, `Wait`, `Callback`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// EXECUTION only: the user's input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_details: Option<ExecutionDetails>,
    /// STEP only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_details: Option<StepDetails>,
    /// CALLBACK only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_details: Option<CallbackDetails>,
    /// CONTEXT only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_details: Option<ContextDetails>,
    /// CHAINED_INVOKE only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_details: Option<ResultDetails>,
}

/// EXECUTION's details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecutionDetails {
    /// The input the execution was started with, a JSON text.
    #[serde(default)]
    pub input_payload: Option<String>,
}

/// STEP's details: its attempts so far and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepDetails {
    /// Attempts made (1 after the first).
    #[serde(default)]
    pub attempt: Option<u32>,
    /// The result, a JSON text, once SUCCEEDED (or the state a
    /// wait-for-condition carries between polls).
    #[serde(default)]
    pub result: Option<String>,
    /// The last attempt's error.
    #[serde(default)]
    pub error: Option<ErrorObject>,
}

/// CALLBACK's details.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackDetails {
    /// The id another system completes the callback with.
    #[serde(default)]
    pub callback_id: Option<String>,
    /// What it was completed with, as sent.
    #[serde(default)]
    pub result: Option<String>,
    /// How it failed or timed out.
    #[serde(default)]
    pub error: Option<ErrorObject>,
}

/// CONTEXT's details.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextDetails {
    /// The context's result, a JSON text.
    #[serde(default)]
    pub result: Option<String>,
    /// How it failed.
    #[serde(default)]
    pub error: Option<ErrorObject>,
    /// Whether replay must run its children again (its result was too
    /// large to keep).
    #[serde(default)]
    pub replay_children: Option<bool>,
}

/// A result or an error: CHAINED_INVOKE's details.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultDetails {
    /// The result, a JSON text.
    #[serde(default)]
    pub result: Option<String>,
    /// How it failed.
    #[serde(default)]
    pub error: Option<ErrorObject>,
}

/// An error as the API carries it (Lambda's `ErrorObject`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorObject {
    /// What kind of error: `InvalidAmount`, `OrderRejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// What happened, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Machine-readable details, a JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<String>,
    /// Where it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<String>>,
}

impl ErrorObject {
    /// An error of `error_type` saying `message`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> ErrorObject {
        ErrorObject {
            error_type: Some(error_type.into()),
            error_message: Some(message.into()),
            ..ErrorObject::default()
        }
    }

    /// The type, `""` when the error has none.
    pub fn kind(&self) -> &str {
        self.error_type.as_deref().unwrap_or("")
    }

    /// The message, `""` when the error has none.
    pub fn message(&self) -> &str {
        self.error_message.as_deref().unwrap_or("")
    }
}

/// One change to the log, as a checkpoint sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Update {
    /// The operation's id.
    pub id: String,
    /// Its type, as in [`Operation::kind`].
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// `START`, `SUCCEED`, `FAIL`, `RETRY`, `CANCEL`.
    pub action: &'static str,
    /// Its parent CONTEXT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The SDK construct (`Step`, `Wait`, `Callback`, `RunInChildContext`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<&'static str>,
    /// A result, a JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// An error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// STEP's RETRY: when the next attempt is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_options: Option<StepOptions>,
    /// WAIT's START: how long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_options: Option<WaitOptions>,
    /// CALLBACK's START: its timeouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_options: Option<CallbackOptions>,
    /// CHAINED_INVOKE's START: which function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
    /// CONTEXT's completion: whether replay re-runs the children.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_options: Option<ContextOptions>,
}

impl Update {
    /// An update with no payload, error or options.
    pub fn new(id: &str, kind: &'static str, action: &'static str) -> Update {
        Update {
            id: id.to_string(),
            kind,
            action,
            parent_id: None,
            name: None,
            sub_type: None,
            payload: None,
            error: None,
            step_options: None,
            wait_options: None,
            callback_options: None,
            chained_invoke_options: None,
            context_options: None,
        }
    }
}

/// `StepOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    /// Seconds until the next attempt.
    pub next_attempt_delay_seconds: u64,
}

/// `WaitOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    /// Seconds to wait, at least 1.
    pub wait_seconds: u64,
}

/// `CallbackOptions`; 0 is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    /// Seconds before the callback times out.
    pub timeout_seconds: u64,
    /// Seconds allowed between heartbeats.
    pub heartbeat_timeout_seconds: u64,
}

/// `ChainedInvokeOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    /// The function to invoke: name, ARN or partial ARN, qualified or not.
    pub function_name: String,
    /// The tenant, for a tenant-isolated function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// `ContextOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextOptions {
    /// Whether replay must run the children again.
    pub replay_children: bool,
}
