//! What a session hears while its runtime runs: from the fake API (all is
//! measured, or the runtime broke a rule) and from the reader of the
//! runtime's output (the process is gone). One channel carries all three,
//! so the session waits on one thing, with one time limit.

/// What the fake API and the output reader tell the session.
pub enum Signal {
    /// The runtime asked for the event after the last: all is measured.
    Finished,
    /// The runtime broke a rule; the text says how.
    Failed(String),
    /// The runtime's stdout and stderr reached end of file: it is gone.
    OutputClosed,
}
