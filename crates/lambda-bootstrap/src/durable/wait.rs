//! `wait`: the execution pauses for a duration without an invocation
//! running: the WAIT's START carries the seconds, the invocation ends
//! `PENDING`, and Lambda invokes again once it has elapsed.

use std::time::Duration;

use crate::durable::context::DurableContext;
use crate::durable::error::DurableError;
use crate::durable::operation::WaitOptions;

impl DurableContext<'_> {
    /// Waits `duration` (whole seconds, rounded up, at least 1) as the wait
    /// `name`.
    pub fn wait(&self, name: &str, duration: Duration) -> Result<(), DurableError> {
        let slot = self.next("WAIT", Some(name))?;
        match slot.logged.as_ref().map(|op| op.status.as_str()) {
            Some("SUCCEEDED" | "CANCELLED") => Ok(()),
            Some(_) => Err(self.suspend()),
            None => {
                let mut start = self.update(&slot.id, "WAIT", "START", Some(name), "Wait");
                start.wait_options = Some(WaitOptions {
                    wait_seconds: wait_seconds(duration),
                });
                // Sent with whatever else ends the invocation.
                self.execution.enqueue(start);
                Err(self.suspend())
            }
        }
    }
}

/// The API's unit: whole seconds, at least 1.
pub(crate) fn wait_seconds(duration: Duration) -> u64 {
    let whole = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    whole.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_whole_seconds_rounded_up() {
        assert_eq!(wait_seconds(Duration::ZERO), 1);
        assert_eq!(wait_seconds(Duration::from_millis(1)), 1);
        assert_eq!(wait_seconds(Duration::from_secs(1)), 1);
        assert_eq!(wait_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(wait_seconds(Duration::from_secs(86_400)), 86_400);
    }
}
