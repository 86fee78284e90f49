//! One invocation's view of the execution: the operation log (every page
//! of it, read while `NextMarker` is set), the checkpoint token chain, and
//! the updates waiting to be sent. Updates are queued and sent in order,
//! several to a call where the specification allows it (a step's START
//! with its outcome; a wait's START with whatever follows it before the
//! invocation ends), each call under the token the last one returned.
//!
//! Sending goes through [`Service`], which `aws::Client` is: the only
//! network this room has.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::aws;
use crate::context::Context;
use crate::durable::api::{self, Checkpointed};
use crate::durable::envelope::{ExecutionState, Invocation};
use crate::durable::error::DurableError;
use crate::durable::operation::{Operation, Update};

/// The most updates sent in one checkpoint call: the API's limit on one
/// request's size is in bytes, and this keeps a call well inside it for
/// small results while a large one goes on its own.
const BATCH_UPDATES: usize = 200;
/// The most bytes of payload one checkpoint call carries, unless a single
/// update is larger (the service judges that one).
const BATCH_BYTES: usize = 512 * 1024;

/// Where checkpoints go and state comes from.
pub trait Service: Sync {
    /// `CheckpointDurableExecution`.
    fn checkpoint(
        &self,
        ctx: &Context,
        arn: &str,
        token: &str,
        updates: &[Update],
    ) -> Result<Checkpointed, aws::Error>;
    /// `GetDurableExecutionState`, the page at `marker`.
    fn state(
        &self,
        ctx: &Context,
        arn: &str,
        token: &str,
        marker: &str,
    ) -> Result<ExecutionState, aws::Error>;
}

impl Service for aws::Client {
    fn checkpoint(
        &self,
        ctx: &Context,
        arn: &str,
        token: &str,
        updates: &[Update],
    ) -> Result<Checkpointed, aws::Error> {
        api::read_checkpoint(&self.send(ctx, &api::checkpoint(arn, token, updates))?)
    }

    fn state(
        &self,
        ctx: &Context,
        arn: &str,
        token: &str,
        marker: &str,
    ) -> Result<ExecutionState, aws::Error> {
        api::read_state(&self.send(ctx, &api::state(arn, token, marker))?)
    }
}

/// The execution as this invocation sees it.
pub struct Execution<'a> {
    service: &'a dyn Service,
    lambda: &'a Context,
    arn: String,
    inner: Mutex<Inner>,
}

struct Inner {
    token: String,
    operations: HashMap<String, Operation>,
    /// The EXECUTION operation's id.
    execution_id: Option<String>,
    /// Its input, a JSON text.
    input: Option<String>,
    queue: Vec<Update>,
    suspended: bool,
}

impl<'a> Execution<'a> {
    /// The execution of `invocation`, its whole log read: the envelope's
    /// page, then every page after it.
    pub fn load(
        service: &'a dyn Service,
        lambda: &'a Context,
        invocation: Invocation,
    ) -> Result<Execution<'a>, DurableError> {
        let Invocation {
            durable_execution_arn: arn,
            checkpoint_token: token,
            initial_execution_state: first,
        } = invocation;
        let mut inner = Inner {
            token,
            operations: HashMap::new(),
            execution_id: None,
            input: None,
            queue: Vec::new(),
            suspended: false,
        };
        let mut marker = first.more().map(str::to_string);
        inner.merge(first.operations);
        let mut pages = 1;
        while let Some(at) = marker {
            let page = service
                .state(lambda, &arn, &inner.token, &at)
                .map_err(DurableError::Checkpoint)?;
            marker = page.more().filter(|next| *next != at).map(str::to_string);
            inner.merge(page.operations);
            pages += 1;
        }
        log::debug!(
            "durable: {} operations in the log ({pages} pages)",
            inner.operations.len()
        );
        Ok(Execution {
            service,
            lambda,
            arn,
            inner: Mutex::new(inner),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding it is a step's, caught: the state is whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The invocation's Lambda context.
    pub fn lambda(&self) -> &'a Context {
        self.lambda
    }

    /// The execution's ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// The user's input, a JSON text; `None` when the log has no EXECUTION
    /// operation.
    pub fn input(&self) -> Option<String> {
        self.lock().input.clone()
    }

    /// The EXECUTION operation's id.
    pub fn execution_id(&self) -> Option<String> {
        self.lock().execution_id.clone()
    }

    /// The operation with `id`, as the log holds it now.
    pub fn get(&self, id: &str) -> Option<Operation> {
        self.lock().operations.get(id).cloned()
    }

    /// Queues `update`, sent with the next checkpoint.
    pub fn enqueue(&self, update: Update) {
        self.lock().queue.push(update);
    }

    /// Sends every queued update, in order, and takes in what changed.
    pub fn flush(&self) -> Result<(), DurableError> {
        let mut inner = self.lock();
        while !inner.queue.is_empty() {
            let mut take = 0;
            let mut bytes = 0;
            for update in &inner.queue {
                let size = update.payload.as_ref().map_or(0, String::len);
                if take > 0 && (take == BATCH_UPDATES || bytes + size > BATCH_BYTES) {
                    break;
                }
                take += 1;
                bytes += size;
            }
            let batch: Vec<Update> = inner.queue.drain(..take).collect();
            let answer = self
                .service
                .checkpoint(self.lambda, &self.arn, &inner.token, &batch)
                .map_err(|e| {
                    // Not sent: the batch stays first, for whoever flushes next.
                    DurableError::Checkpoint(e)
                });
            let answer = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    let rest = std::mem::take(&mut inner.queue);
                    inner.queue = batch;
                    inner.queue.extend(rest);
                    return Err(e);
                }
            };
            log::debug!("durable: checkpointed {take} updates");
            inner.token = answer.checkpoint_token;
            let mut marker = answer.new_execution_state.more().map(str::to_string);
            inner.merge(answer.new_execution_state.operations);
            while let Some(at) = marker {
                let page = self
                    .service
                    .state(self.lambda, &self.arn, &inner.token, &at)
                    .map_err(DurableError::Checkpoint)?;
                marker = page.more().filter(|next| *next != at).map(str::to_string);
                inner.merge(page.operations);
            }
        }
        Ok(())
    }

    /// Queues `update` and sends it with everything before it: for an
    /// operation whose answer is needed now (a callback's id) or that must
    /// be recorded before its code runs (an at-most-once step).
    pub fn send(&self, update: Update) -> Result<(), DurableError> {
        self.enqueue(update);
        self.flush()
    }

    /// Marks the invocation as ending with `PENDING`; the error to return.
    pub fn suspend(&self) -> DurableError {
        self.lock().suspended = true;
        DurableError::Suspended
    }

    /// Whether something suspended the invocation.
    pub fn is_suspended(&self) -> bool {
        self.lock().suspended
    }
}

impl Inner {
    fn merge(&mut self, operations: Vec<Operation>) {
        for op in operations {
            if op.kind == "EXECUTION" {
                self.execution_id = Some(op.id.clone());
                if let Some(input) = op
                    .execution_details
                    .as_ref()
                    .and_then(|d| d.input_payload.clone())
                {
                    self.input = Some(input);
                }
            }
            self.operations.insert(op.id.clone(), op);
        }
    }
}
