//! `map` and `parallel`: branches that run at once, at most a given number
//! at a time, each a child context of its own (checkpointed as one), all
//! inside one CONTEXT whose result is the list of theirs. Blocking: the
//! branches run on scoped threads and the call returns when every one has
//! finished or suspended. A branch that suspends (a wait, a callback)
//! stops only itself; once every branch is done or suspended, the whole
//! suspends, the finished branches kept, and replay runs only the others.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::context::DurableContext;
use crate::durable::error::DurableError;
use crate::durable::payload;

/// A branch of [`DurableContext::parallel`].
pub type Branch<'f, 'e, R> = &'f (dyn Fn(&DurableContext<'e>) -> Result<R, DurableError> + Sync);

impl<'e> DurableContext<'e> {
    /// Runs `code` on every item, at most `max_concurrency` at a time (at
    /// least 1), each in the child context `"<name>-<index>"`: the results
    /// in the items' order. The first failure, by index, fails the map
    /// once every branch is done.
    pub fn map<T, R, F>(
        &self,
        name: &str,
        items: &[T],
        max_concurrency: usize,
        code: F,
    ) -> Result<Vec<R>, DurableError>
    where
        T: Sync,
        R: Serialize + DeserializeOwned + Send,
        F: Fn(&DurableContext<'e>, &T, usize) -> Result<R, DurableError> + Sync,
    {
        self.run_in_child_context_as(name, "Map", |map| {
            map.branches(
                name,
                items.len(),
                max_concurrency,
                "MapIteration",
                |ctx, i| code(ctx, &items[i], i),
            )
        })
    }

    /// Runs the `branches`, at most `max_concurrency` at a time, each in a
    /// child context `"<name>-<index>"`: their results in order.
    pub fn parallel<R>(
        &self,
        name: &str,
        branches: &[Branch<'_, 'e, R>],
        max_concurrency: usize,
    ) -> Result<Vec<R>, DurableError>
    where
        R: Serialize + DeserializeOwned + Send,
    {
        self.run_in_child_context_as(name, "Parallel", |parallel| {
            parallel.branches(
                name,
                branches.len(),
                max_concurrency,
                "ParallelBranch",
                |ctx, i| branches[i](ctx),
            )
        })
    }

    /// `count` child contexts, numbered in order first (ids must not
    /// depend on which thread gets there first), run on up to
    /// `max_concurrency` scoped threads.
    fn branches<R, F>(
        &self,
        name: &str,
        count: usize,
        max_concurrency: usize,
        sub_type: &'static str,
        code: F,
    ) -> Result<Vec<R>, DurableError>
    where
        R: Serialize + DeserializeOwned + Send,
        F: Fn(&DurableContext<'e>, usize) -> Result<R, DurableError> + Sync,
    {
        let mut slots = Vec::with_capacity(count);
        for i in 0..count {
            let branch = format!("{name}-{i}");
            slots.push(Mutex::new(Some((
                self.next("CONTEXT", Some(&branch))?,
                branch,
            ))));
        }
        let outcomes: Vec<Mutex<Option<Result<R, DurableError>>>> =
            (0..count).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let run = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let (slot, branch) = slots[i].lock().unwrap().take().expect("each branch once");
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    self.run_child(slot, &branch, sub_type, |ctx| code(ctx, i))
                }))
                .unwrap_or_else(|p| {
                    Err(DurableError::failed(
                        "HandlerPanic",
                        payload::panic_message(&*p),
                    ))
                });
                *outcomes[i].lock().unwrap() = Some(outcome);
            }
        };
        let workers = max_concurrency.clamp(1, count.max(1));
        std::thread::scope(|scope| {
            for _ in 1..workers {
                scope.spawn(run);
            }
            run();
        });
        let mut results = Vec::with_capacity(count);
        let mut failure = None;
        for outcome in outcomes {
            match outcome.into_inner().unwrap().expect("every branch ran") {
                Ok(value) => results.push(value),
                Err(DurableError::Suspended) => {}
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        if self.is_suspended() {
            return Err(DurableError::Suspended);
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(results),
        }
    }
}
