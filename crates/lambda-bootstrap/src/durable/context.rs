//! `DurableContext`: what a durable handler is given, and what each
//! operation (`step.rs`, `wait.rs`, `callback.rs`, `child.rs`) is a method
//! of. It numbers the operations as the code creates them (each context
//! its own count, a child's ids under its parent's), and answers replay:
//! the log's record of an operation, checked to be the operation the code
//! asks for.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::context::Context;
use crate::durable::error::DurableError;
use crate::durable::id;
use crate::durable::operation::{Operation, Update};
use crate::durable::state::Execution;

/// What a durable handler is given: the operations that survive
/// re-invocation, and the invocation's [`Context`].
///
/// Operations must be created in the same order on every invocation: the
/// n-th operation of a context is matched with the log's n-th by its id.
/// It is `Sync`: a child context may run on a thread of its own.
pub struct DurableContext<'e> {
    pub(crate) execution: &'e Execution<'e>,
    /// The CONTEXT operation this one runs in; `None` at the top.
    pub(crate) parent: Option<String>,
    counter: AtomicU32,
    /// Whether an operation of this context (or of a child) suspended:
    /// every later one then answers `Suspended` too. Per context, so that
    /// a map's branch that waits does not stop the others.
    suspended: AtomicBool,
}

/// One operation, numbered and looked up.
pub(crate) struct Slot {
    pub id: String,
    pub logged: Option<Operation>,
}

impl<'e> DurableContext<'e> {
    /// The top-level context of `execution`.
    pub(crate) fn root(execution: &'e Execution<'e>) -> DurableContext<'e> {
        DurableContext {
            execution,
            parent: None,
            counter: AtomicU32::new(0),
            suspended: AtomicBool::new(false),
        }
    }

    /// The context of the CONTEXT operation `id`.
    pub(crate) fn child(&self, id: &str) -> DurableContext<'e> {
        DurableContext {
            execution: self.execution,
            parent: Some(id.to_string()),
            counter: AtomicU32::new(0),
            suspended: AtomicBool::new(false),
        }
    }

    /// The invocation's Lambda context (request id, deadline, function).
    pub fn lambda(&self) -> &Context {
        self.execution.lambda()
    }

    /// The execution's ARN.
    pub fn execution_arn(&self) -> &str {
        self.execution.arn()
    }

    /// The next operation of this context: its id, and its record when the
    /// log has one, which must be of `kind` and named `name`. Once the
    /// invocation is suspended, every operation answers `Suspended`: the
    /// code after it must not run ahead of the log.
    pub(crate) fn next(&self, kind: &str, name: Option<&str>) -> Result<Slot, DurableError> {
        if self.is_suspended() {
            return Err(DurableError::Suspended);
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let id = id::derive(self.parent.as_deref(), n);
        let logged = self.execution.get(&id);
        if let Some(op) = &logged {
            let name_differs = match (op.name.as_deref(), name) {
                (Some(logged), Some(asked)) => logged != asked,
                _ => false,
            };
            if op.kind != kind || name_differs {
                return Err(DurableError::NonDeterministic {
                    id,
                    logged: describe(&op.kind, op.name.as_deref()),
                    asked: describe(kind, name),
                });
            }
        }
        Ok(Slot { id, logged })
    }

    /// Marks this context, and the invocation, as suspended; the error to
    /// return.
    pub(crate) fn suspend(&self) -> DurableError {
        self.suspended.store(true, Ordering::Relaxed);
        self.execution.suspend()
    }

    /// Whether this context is suspended.
    pub(crate) fn is_suspended(&self) -> bool {
        self.suspended.load(Ordering::Relaxed)
    }

    /// An update of this context's operation `id`: parent and name set.
    pub(crate) fn update(
        &self,
        id: &str,
        kind: &'static str,
        action: &'static str,
        name: Option<&str>,
        sub_type: &'static str,
    ) -> Update {
        let mut update = Update::new(id, kind, action);
        update.parent_id = self.parent.clone();
        update.name = name.map(str::to_string);
        update.sub_type = Some(sub_type);
        update
    }
}

/// `a STEP named 'charge'`, for the non-determinism message.
fn describe(kind: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("a {kind} named '{name}'"),
        None => format!("an unnamed {kind}"),
    }
}
