//! `DurableError`: why a durable operation gave no value. A handler
//! returns it with `?`; the kind decides the invocation's answer:
//! `Suspended` is `PENDING` (not a failure at all), `Failed` and
//! `NonDeterministic` are `FAILED`, and a checkpoint the service could not
//! take is an invocation error, which Lambda retries.

use std::fmt;

use crate::durable::operation::ErrorObject;
use crate::handler::HandlerError;

/// Why a durable operation (or the handler) gave no value.
#[derive(Debug)]
pub enum DurableError {
    /// The execution waits for something (a wait, a callback, a retry's
    /// delay): this invocation ends with `PENDING` and Lambda invokes
    /// again when it is due. Propagate it with `?`; swallowing it changes
    /// nothing, every later operation answers it too.
    Suspended,
    /// An operation failed for good: a step whose retries ran out, a
    /// callback failed or timed out, a handler's own error. The execution
    /// fails with it unless the handler handles it.
    Failed(ErrorObject),
    /// The code asked, at this point of the execution, for an operation
    /// other than the one the log holds there: it changed between
    /// invocations. Terminal.
    NonDeterministic {
        /// The operation's id.
        id: String,
        /// What the log holds there: type and name.
        logged: String,
        /// What the code asked for.
        asked: String,
    },
    /// The service did not take a checkpoint, or its state could not be
    /// read: the invocation fails, and Lambda invokes again (the
    /// specification's rule for a refused token; for a connection that
    /// failed, AWS's client retried first).
    Checkpoint(crate::aws::Error),
    /// A value could not be turned into JSON or back: a step's result
    /// that serde refuses, a checkpointed result that no longer fits the
    /// type asked for. Terminal.
    Serde(String),
}

impl DurableError {
    /// A failure of the handler's own: `DurableError::failed("OrderRejected",
    /// "approval denied")`.
    pub fn failed(error_type: impl Into<String>, message: impl Into<String>) -> DurableError {
        DurableError::Failed(ErrorObject::new(error_type, message))
    }

    /// The failure, when this is one.
    pub fn failure(&self) -> Option<&ErrorObject> {
        match self {
            DurableError::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// Whether this is a suspension, not a failure.
    pub fn is_suspended(&self) -> bool {
        matches!(self, DurableError::Suspended)
    }

    /// The same, with a failure's type replaced by `error_type` (its
    /// message kept); anything else unchanged, so that a suspension still
    /// propagates: `cb.result().map_err(|e| e.retype("OrderRejected"))?`.
    pub fn retype(self, error_type: &str) -> DurableError {
        match self {
            DurableError::Failed(mut error) => {
                error.error_type = Some(error_type.to_string());
                DurableError::Failed(error)
            }
            other => other,
        }
    }

    /// The terminal error the execution fails with, or `None` for a
    /// suspension and for a checkpoint failure (not the execution's).
    pub(crate) fn into_error_object(self) -> Result<ErrorObject, DurableError> {
        match self {
            DurableError::Failed(error) => Ok(error),
            DurableError::NonDeterministic { .. } => Ok(ErrorObject::new(
                "NonDeterministicExecution",
                self.message(),
            )),
            DurableError::Serde(message) => Ok(ErrorObject::new("SerdeError", message)),
            other => Err(other),
        }
    }
}

/// The message, as logs and the execution's error show it. (Not
/// `Display`, which is what lets `?` take every `Display` error below.)
struct Message<'a>(&'a DurableError);

impl DurableError {
    /// What happened, for a person.
    pub fn message(&self) -> String {
        Message(self).to_string()
    }
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            DurableError::Suspended => write!(
                f,
                "the execution is suspended until Lambda invokes it again"
            ),
            DurableError::Failed(error) => write!(f, "{}: {}", error.kind(), error.message()),
            DurableError::NonDeterministic { id, logged, asked } => write!(
                f,
                "the code changed between invocations: operation {id} is {logged} in the \
                 execution's log, but the code asked for {asked}"
            ),
            DurableError::Checkpoint(e) => write!(f, "checkpoint failed: {e}"),
            DurableError::Serde(message) => f.write_str(message),
        }
    }
}

/// A handler's own error fails the execution with its type and message.
impl From<HandlerError> for DurableError {
    fn from(err: HandlerError) -> DurableError {
        DurableError::Failed(ErrorObject::new(err.error_type(), err.message()))
    }
}

/// `?` on any error a plain handler can `?` (named as
/// [`HandlerError`]'s conversion names it) fails the execution with it.
impl<E: fmt::Display + 'static> From<E> for DurableError {
    fn from(err: E) -> DurableError {
        DurableError::from(HandlerError::from(err))
    }
}
