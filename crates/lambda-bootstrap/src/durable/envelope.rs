//! What Lambda hands a durable function and what it wants back: the
//! invocation's envelope (the execution's ARN, the first checkpoint token,
//! the first page of the log) and the answer (`SUCCEEDED` with the result,
//! `FAILED` with the error, `PENDING`), posted to `/response` in every
//! case: a runtime `/error` is no answer a durable execution can take.

use serde::{Deserialize, Serialize};

use crate::durable::operation::{ErrorObject, Operation};

/// The event Lambda posts for one invocation of a durable function.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invocation {
    /// The execution, as checkpoint and state calls name it (a local
    /// runner's is `uuid/uuid`: not checked for an ARN's shape).
    pub durable_execution_arn: String,
    /// The token the first checkpoint must carry.
    pub checkpoint_token: String,
    /// The log's first page.
    pub initial_execution_state: ExecutionState,
}

/// One page of the execution's log.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecutionState {
    /// Operations, oldest first.
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// Where the next page starts; absent or empty on the last.
    #[serde(default)]
    pub next_marker: Option<String>,
}

impl ExecutionState {
    /// The marker of the next page, when there is one.
    pub fn more(&self) -> Option<&str> {
        self.next_marker.as_deref().filter(|m| !m.is_empty())
    }
}

/// The answer to one invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "Status", rename_all = "UPPERCASE")]
pub enum Answer {
    /// The execution is done; its result, a JSON text (empty when it was
    /// too large for the answer and checkpointed instead).
    Succeeded {
        /// The result.
        #[serde(rename = "Result")]
        result: String,
    },
    /// The execution failed for good.
    Failed {
        /// Why.
        #[serde(rename = "Error")]
        error: ErrorObject,
    },
    /// Something is still pending (a wait, a callback, a retry): Lambda
    /// invokes again when it is due.
    Pending,
}

impl Answer {
    /// The answer's JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an answer serializes")
    }
}

/// Reads the envelope; the message says what is wrong with one that is not
/// a durable invocation (a plain `Invoke` of a durable handler, say).
pub fn parse(event: &[u8]) -> Result<Invocation, String> {
    serde_json::from_slice(event).map_err(|e| {
        format!(
            "the event is not a durable execution's invocation (DurableExecutionArn, \
             CheckpointToken, InitialExecutionState): {e}"
        )
    })
}
