//! [`ContextBuilder`]: a `Context` as Lambda would give it, with a
//! deadline, an ARN and the function's identity, each settable.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::context::{Context, FunctionInfo};

/// Builds a [`Context`]; [`context`] starts one with Lambda-like values.
#[derive(Debug, Clone)]
pub struct ContextBuilder {
    ctx: Context,
    remaining: Option<Duration>,
}

/// A context for request `test-request` of function `test-function`
/// (128 MB, `$LATEST`), thirty seconds from its deadline.
pub fn context() -> ContextBuilder {
    let function = FunctionInfo {
        name: "test-function".into(),
        version: "$LATEST".into(),
        memory_mb: Some(128),
        log_group: "/aws/lambda/test-function".into(),
        log_stream: "2026/01/01/[$LATEST]0123456789abcdef".into(),
    };
    let mut ctx = Context::local("test-request", Arc::new(function));
    ctx.invoked_function_arn =
        Some("arn:aws:lambda:us-east-1:123456789012:function:test-function".into());
    ContextBuilder {
        ctx,
        remaining: Some(Duration::from_secs(30)),
    }
}

impl ContextBuilder {
    /// The request id.
    pub fn request_id(mut self, id: &str) -> ContextBuilder {
        self.ctx.request_id = id.to_string();
        self
    }

    /// The time left before the deadline, counted from [`build`](Self::build);
    /// `None`: no deadline, as `bootstrap invoke` runs.
    pub fn remaining(mut self, remaining: Option<Duration>) -> ContextBuilder {
        self.remaining = remaining;
        self
    }

    /// The X-Ray trace header.
    pub fn trace_id(mut self, trace: &str) -> ContextBuilder {
        self.ctx.trace_id = Some(trace.to_string());
        self
    }

    /// The function's name (in its identity and its ARN).
    pub fn function_name(mut self, name: &str) -> ContextBuilder {
        let mut function = (*self.ctx.function).clone();
        function.name = name.to_string();
        self.ctx.function = Arc::new(function);
        self.ctx.invoked_function_arn = Some(format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{name}"
        ));
        self
    }

    /// The context, its deadline counted from now.
    pub fn build(self) -> Context {
        let mut ctx = self.ctx;
        ctx.deadline_ms = self.remaining.map(|left| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            (now + left).as_millis() as u64
        });
        ctx
    }
}
