//! Durable functions (the cargo feature `durable`): one function runs a
//! workflow for up to a year. Each operation's result is checkpointed; a
//! wait, a callback or a retry's delay ends the invocation without paying
//! for the idle time; Lambda invokes again and the handler replays from
//! the top, completed operations answered from the log. Blocking, without
//! an async runtime: an operation that cannot finish in this invocation
//! returns [`DurableError::Suspended`], which the handler propagates with
//! `?`, and the invocation answers `PENDING`.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use lambda_bootstrap::durable::{CallbackConfig, DurableContext, DurableError};
//! use serde_json::{Value, json};
//!
//! pub fn handle(order: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
//!     let id: String = ctx.step("reserve", |_| Ok(order["id"].to_string()))?;
//!     let approval = ctx.create_callback("approval", &CallbackConfig::default())?;
//!     log::info!("approval callback id: {}", approval.id());
//!     let answer: Value = approval.result()?; // PENDING until someone answers
//!     ctx.wait("cooldown", Duration::from_secs(1))?;
//!     Ok(json!({"id": id, "by": answer["by"]}))
//! }
//! ```
//!
//! and in the table, `"order" => order as durable,`. Cut one concept per
//! file:
//! - [`envelope`]: what Lambda sends and the answer; [`operation`]: the
//!   log's records and the checkpoint's updates; [`id`]: operation ids;
//! - [`api`]: the checkpoint and state calls as requests; [`state`]: the
//!   log, paged in, and the checkpoint token chain, batching;
//! - [`context`]: [`DurableContext`]; the operations [`step`], [`wait`],
//!   [`callback`], [`child`], [`invoke`] (chained invoke),
//!   [`concurrency`] (map and parallel), [`condition`]
//!   (wait-for-condition);
//! - [`error`]: [`DurableError`]; [`payload`]: results as JSON texts.

pub mod api;
pub mod callback;
pub mod child;
pub mod concurrency;
pub mod condition;
pub mod context;
pub mod envelope;
pub mod error;
pub mod id;
pub mod invoke;
pub mod operation;
pub mod payload;
pub mod state;
pub mod step;
pub mod wait;

use std::panic::{self, AssertUnwindSafe};
use std::sync::LazyLock;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use callback::{Callback, CallbackConfig};
pub use concurrency::Branch;
pub use condition::Poll;
pub use context::DurableContext;
pub use envelope::Answer;
pub use error::DurableError;
pub use operation::ErrorObject;
pub use state::Service;
pub use step::{RetryStrategy, Semantics, StepConfig, StepInfo};

use crate::context::Context;
use crate::durable::operation::Update;
use crate::durable::state::Execution;
use crate::handler::{Failure, HandlerError, parse_event};

/// A durable handler: the user's event (the execution's input) and the
/// durable context in, the execution's result out.
pub type DurableFn<T, U> = fn(T, &DurableContext<'_>) -> Result<U, DurableError>;

/// The largest answer Lambda takes; a result whose answer would be larger
/// is checkpointed instead (the specification's rule).
pub const MAX_ANSWER: usize = 6 * 1024 * 1024;

/// The table's [`Handler`](crate::handler::Handler) for a durable handler
/// function (`fn(T, &DurableContext) -> Result<U, DurableError>`); the
/// table's `as durable` writes it.
#[macro_export]
macro_rules! durable {
    ($handler:path) => {
        $crate::handler::Handler::Buffered(|event, ctx| $crate::durable::run($handler, event, ctx))
    };
}

/// The client the checkpoints go out on: the function's credentials,
/// `AWS_ENDPOINT_URL_LAMBDA` when it is set, the client's deadlines and
/// retries.
static CLIENT: LazyLock<crate::aws::Client> = LazyLock::new(crate::aws::Client::from_env);

/// Runs a durable handler on one invocation's envelope. The answer is the
/// execution's (`SUCCEEDED`, `FAILED`, `PENDING`), posted to `/response`;
/// the runtime's `/error` is kept for what Lambda should retry: an event
/// that is no durable envelope, a checkpoint the service did not take.
pub fn run<T, U>(handler: DurableFn<T, U>, event: &[u8], ctx: &Context) -> Result<Vec<u8>, Failure>
where
    T: DeserializeOwned,
    U: Serialize,
{
    let invocation = envelope::parse(event).map_err(Failure::Unmarshal)?;
    execute(&*CLIENT, handler, invocation, ctx)
        .map(|answer| answer.to_json())
        .map_err(Failure::Handler)
}

/// One invocation against `service`: the log read, the handler replayed,
/// the answer. `Err` is an invocation error (Lambda invokes again).
pub fn execute<T, U>(
    service: &dyn Service,
    handler: DurableFn<T, U>,
    invocation: envelope::Invocation,
    ctx: &Context,
) -> Result<Answer, HandlerError>
where
    T: DeserializeOwned,
    U: Serialize,
{
    let execution = match Execution::load(service, ctx, invocation) {
        Ok(execution) => execution,
        Err(e) => return settle(e),
    };
    let Some(input) = execution.input() else {
        return Ok(failed(
            "InvalidEnvelope",
            "the execution's log has no EXECUTION operation with its input",
        ));
    };
    let event: T = match parse_event(input.as_bytes()) {
        Ok(event) => event,
        Err(Failure::Unmarshal(message) | Failure::Marshal(message)) => {
            return Ok(failed("Runtime.UnmarshalError", message));
        }
        Err(Failure::Handler(e)) => return Ok(failed(e.error_type(), e.message())),
    };
    let root = DurableContext::root(&execution);
    let outcome =
        panic::catch_unwind(AssertUnwindSafe(|| handler(event, &root))).unwrap_or_else(|p| {
            Err(DurableError::failed(
                "HandlerPanic",
                payload::panic_message(&*p),
            ))
        });
    let answer = if execution.is_suspended() {
        Answer::Pending
    } else {
        match outcome {
            Ok(value) => match serde_json::to_string(&value) {
                Ok(result) => succeeded(&execution, result),
                Err(e) => failed(
                    "Runtime.MarshalError",
                    format!("the handler's result is not JSON: {e}"),
                ),
            },
            Err(e) => match e.into_error_object() {
                Ok(error) => Answer::Failed { error },
                Err(DurableError::Suspended) => Answer::Pending,
                Err(other) => return settle(other),
            },
        }
    };
    match execution.flush() {
        Ok(()) => Ok(answer),
        Err(e) => settle(e),
    }
}

/// `SUCCEEDED` with `result`, or, when that answer would be too large,
/// with the result checkpointed as the EXECUTION's and `Result` empty.
fn succeeded(execution: &Execution<'_>, result: String) -> Answer {
    let answer = Answer::Succeeded { result };
    if answer.to_json().len() <= MAX_ANSWER {
        return answer;
    }
    let Answer::Succeeded { result } = answer else {
        unreachable!()
    };
    let Some(id) = execution.execution_id() else {
        return failed(
            "InvalidEnvelope",
            "the execution's log has no EXECUTION operation",
        );
    };
    let mut update = Update::new(&id, "EXECUTION", "SUCCEED");
    update.payload = Some(result);
    execution.enqueue(update);
    Answer::Succeeded {
        result: String::new(),
    }
}

fn failed(error_type: &str, message: impl Into<String>) -> Answer {
    Answer::Failed {
        error: ErrorObject::new(error_type, message),
    }
}

/// A failure that is not the handler's: a refused token, an unreachable
/// or failing service, is an invocation error (Lambda invokes again, the
/// log untouched); a request the service judged invalid otherwise (too
/// large, say) can never succeed, and fails the execution.
fn settle(error: DurableError) -> Result<Answer, HandlerError> {
    let message = error.message();
    match error {
        DurableError::Checkpoint(e) => {
            let status = e.status().unwrap_or(0);
            let terminal =
                (400..500).contains(&status) && !api::is_token_refused(&e) && status != 429;
            let code = e.code().unwrap_or("CheckpointFailed").to_string();
            if terminal {
                Ok(failed(&code, message))
            } else {
                Err(HandlerError::new(code, message))
            }
        }
        other => match other.into_error_object() {
            Ok(error) => Ok(Answer::Failed { error }),
            Err(_) => Ok(Answer::Pending),
        },
    }
}

#[cfg(test)]
mod tests;
