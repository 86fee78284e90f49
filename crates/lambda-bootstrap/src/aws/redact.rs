//! Keeping AWS secrets out of the log: while a thread is in an AWS call
//! (`QuietWire` alive), ureq's TRACE lines on that thread (dumps of
//! every byte sent and received: the `Authorization` header, the session
//! token, answers that carry keys) are records a logger must drop, and
//! [`is_secret`] says which. The runtime's logger asks it of every record.
//!
//! Holds no secret itself and logs nothing.

use std::cell::Cell;

thread_local! {
    /// Whether this thread is in an AWS call (see [`QuietWire`]). A const
    /// `Cell` of a `bool`: no destructor, one byte of thread-local storage.
    static IN_AWS_CALL: Cell<bool> = const { Cell::new(false) };
}

/// Whether a log record may carry an AWS secret, so that a logger must
/// drop it, at any level it lets through: ureq's TRACE lines (dumps of
/// every byte sent and received, the `Authorization` header, the session
/// token and answers that carry keys among them) logged on a thread that
/// is in an AWS call. ureq logs on the thread that makes the call, so
/// other threads' lines, and this thread's own, are untouched. The
/// runtime's logger asks it of every record; a program that installs its
/// own logger and calls AWS through this client must too.
pub fn is_secret(metadata: &log::Metadata<'_>) -> bool {
    metadata.level() == log::Level::Trace
        && metadata.target().starts_with("ureq")
        && IN_AWS_CALL.get()
}

/// Marks this thread as in an AWS call while alive (see [`is_secret`]).
/// Nests: dropping an inner one leaves the thread marked by the outer.
pub(crate) struct QuietWire {
    was: bool,
}

impl QuietWire {
    /// Marks this thread until the value is dropped.
    pub(crate) fn new() -> QuietWire {
        QuietWire {
            was: IN_AWS_CALL.replace(true),
        }
    }
}

impl Drop for QuietWire {
    fn drop(&mut self) {
        IN_AWS_CALL.set(self.was);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ureqs_trace_is_secret_during_a_call_on_its_thread_only() {
        let record = |level, target| {
            let metadata = log::Metadata::builder().level(level).target(target).build();
            is_secret(&metadata)
        };
        let trace = move || record(log::Level::Trace, "ureq_proto::util");
        assert!(!trace());
        let outer = QuietWire::new();
        let inner = QuietWire::new();
        assert!(trace());
        assert!(
            !record(log::Level::Debug, "ureq::run"),
            "ureq's DEBUG redacts"
        );
        assert!(!record(log::Level::Trace, "my_handler"), "not ureq's");
        assert!(!std::thread::spawn(trace).join().unwrap(), "another thread");
        drop(inner);
        assert!(trace(), "still in the outer call");
        drop(outer);
        assert!(!trace());
    }
}
