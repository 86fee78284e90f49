//! Failures that end the process: no Runtime API to talk to, the API going
//! away or answering nonsense, or a handler that cannot be found.
//!
//! A handler's own failure is never one of these: that is a `Diagnostic`
//! posted to `/error`, and the loop goes on.

use std::fmt;

use crate::runtime::config::ConfigError;
use crate::runtime::diagnostic::Diagnostic;

/// Why the runtime stopped.
#[derive(Debug)]
pub enum Error {
    /// The environment names no usable Runtime API.
    Config(ConfigError),
    /// Start-up failed (e.g. `_HANDLER` names no handler), and the Runtime
    /// API was told with `POST /runtime/init/error`.
    Init {
        /// What went wrong, as reported.
        diagnostic: Diagnostic,
        /// Why the report itself failed, when it did.
        unreported: Option<String>,
    },
    /// The Runtime API could not be reached, or the connection broke.
    Transport {
        /// Which call, e.g. `GET /runtime/invocation/next` or
        /// `POST /runtime/init/error`.
        call: String,
        /// What ureq saw.
        source: ureq::Error,
    },
    /// `/next` answered with a status other than 2xx.
    NextStatus {
        /// The status.
        status: u16,
        /// The start of the answer's body, as the API's own explanation.
        body: String,
    },
    /// A worker thread (`AWS_LAMBDA_MAX_CONCURRENCY` >= 2) could not be
    /// started: how many were asked for, and why.
    Spawn(usize, std::io::Error),
    /// A worker stopped on a panic of the runtime's own (a handler's panic
    /// is caught and answered): which one.
    WorkerPanicked(usize),
    /// `/next` sent an event without `Lambda-Runtime-Aws-Request-Id`, so
    /// it cannot be answered.
    MissingRequestId,
    /// The shutdown hook could not be armed: SIGTERM could not be blocked,
    /// or its thread not started.
    Signal(std::io::Error),
    /// `app::main` was asked to serve a second time in one process: the
    /// one-worker loop writes `_X_AMZN_TRACE_ID`, which only one loop may.
    AlreadyServing,
}

impl Error {
    pub(crate) fn transport(call: impl Into<String>, source: ureq::Error) -> Error {
        Error::Transport {
            call: call.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Init {
                diagnostic,
                unreported,
            } => {
                write!(
                    f,
                    "{}: {}",
                    diagnostic.error_type(),
                    diagnostic.error_message()
                )?;
                match unreported {
                    Some(why) => write!(f, "; reporting it failed too: {why}"),
                    None => Ok(()),
                }
            }
            Error::Transport { call, source } => {
                write!(f, "runtime API unreachable during {call}: {source}")
            }
            Error::NextStatus { status, body } => {
                write!(
                    f,
                    "runtime API answered {status} to GET /runtime/invocation/next"
                )?;
                if !body.trim().is_empty() {
                    write!(f, ": {}", body.trim())?;
                }
                Ok(())
            }
            Error::Spawn(workers, e) => {
                write!(f, "could not start {workers} worker threads: {e}")
            }
            Error::WorkerPanicked(i) => write!(f, "worker thread {i} stopped on a panic"),
            Error::MissingRequestId => write!(
                f,
                "runtime API sent an event without a Lambda-Runtime-Aws-Request-Id header"
            ),
            Error::Signal(e) => write!(f, "could not arm the shutdown hook: {e}"),
            Error::AlreadyServing => write!(
                f,
                "this process already serves the Runtime API: app::main serves once per process"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(e) => Some(e),
            Error::Transport { source, .. } => Some(source),
            Error::Spawn(_, e) | Error::Signal(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Config(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_cause() {
        let e = Error::NextStatus {
            status: 500,
            body: "{\"errorType\":\"InternalError\"}\n".into(),
        };
        assert_eq!(
            e.to_string(),
            "runtime API answered 500 to GET /runtime/invocation/next: {\"errorType\":\"InternalError\"}"
        );
        let diagnostic = Diagnostic::runtime("NoSuchHandler", "unknown handler 'x'");
        let e = Error::Init {
            diagnostic: diagnostic.clone(),
            unreported: None,
        };
        assert_eq!(e.to_string(), "Runtime.NoSuchHandler: unknown handler 'x'");
        let e = Error::Init {
            diagnostic,
            unreported: Some("runtime API answered 500 to POST /runtime/init/error".into()),
        };
        assert_eq!(
            e.to_string(),
            "Runtime.NoSuchHandler: unknown handler 'x'; reporting it failed too: \
             runtime API answered 500 to POST /runtime/init/error"
        );
    }
}
