//! A durable order workflow (the cargo feature `durable`): reserve the
//! amount, wait for a person's approval through a callback, cool down for
//! a second, charge. Each step runs once however many times Lambda invokes
//! the function; the approval can take as long as the execution may run,
//! and no invocation waits for it.
//!
//! Its contract, which the durable tests check from outside: the input is
//! `{"orderId", "amount"}`; an amount of 0 or less fails the `reserve`
//! step with `InvalidAmount`, not retried; the callback `approval`'s id is
//! logged at INFO; a failed approval fails the execution with
//! `OrderRejected`; the result is `{"orderId", "status": "charged",
//! "approvedBy"}`, `approvedBy` the approval's `"by"`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use lambda_bootstrap::durable::{CallbackConfig, DurableContext, DurableError, RetryStrategy, StepConfig};
use lambda_bootstrap::HandlerError;

/// The execution's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order.
    pub order_id: String,
    /// What to charge, in the smallest unit of the currency.
    pub amount: i64,
}

/// The execution's result.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Charged {
    /// The order.
    pub order_id: String,
    /// Always `charged`.
    pub status: &'static str,
    /// Who approved it.
    pub approved_by: String,
}

/// What the approver answers the callback with.
#[derive(Debug, Deserialize)]
pub struct Approval {
    /// Who approved.
    pub by: String,
}

/// Retried twice, unless the amount itself is wrong: no retry mends that.
const RESERVE: StepConfig = StepConfig {
    retry: RetryStrategy::exponential(3).retry_if(|e| e.error_type() != "InvalidAmount"),
    semantics: lambda_bootstrap::durable::Semantics::AtLeastOncePerRetry,
};

/// The workflow.
pub fn handle(order: Order, ctx: &DurableContext) -> Result<Charged, DurableError> {
    let amount = order.amount;
    let reservation: String = ctx.step_with("reserve", &RESERVE, |step| {
        if amount <= 0 {
            return Err(HandlerError::new(
                "InvalidAmount",
                format!("the amount must be positive, not {amount}"),
            ));
        }
        Ok(format!("res-{}", step.operation_id))
    })?;
    let approval = ctx.create_callback("approval", &CallbackConfig::default())?;
    log::info!("order {}: approval callback id {}", order.order_id, approval.id());
    let approved: Approval = approval
        .result()
        .map_err(|e| e.retype("OrderRejected"))?;
    ctx.wait("cooldown", Duration::from_secs(1))?;
    let _charge: String = ctx.step("charge", |_| Ok(format!("charged {amount} on {reservation}")))?;
    Ok(Charged {
        order_id: order.order_id,
        status: "charged",
        approved_by: approved.by,
    })
}
