//! The command line: nothing for Lambda (it runs `bootstrap` bare), and
//! `bootstrap invoke <handler> [EVENT_FILE | -]` to run one handler on one
//! event locally, with no Runtime API.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::context::Context;
use crate::context::FunctionInfo;
use crate::handler::Handler;
use crate::handler::{Table, find};
use crate::http::{PRELUDE_END, STREAMING_CONTENT_TYPE};
use crate::runtime::diagnostic::Diagnostic;
use crate::runtime::invoke::{invoke, invoke_streaming};
use crate::runtime::stream::{check_content_type, content_type_too_late, room, too_large};
use crate::stream::{DEFAULT_CONTENT_TYPE, ResponseStream};

/// `--help`'s text.
pub const USAGE: &str = "\
bootstrap: a minimal AWS Lambda custom runtime

Usage:
  bootstrap                                 serve the Runtime API (what Lambda runs)
  bootstrap invoke [--timeout SECONDS] <handler> [EVENT_FILE|-]
                                            run one handler on one event and exit
  bootstrap --help                          print this help

Serving reads AWS_LAMBDA_RUNTIME_API, either host:port as Lambda sets it
or http://host:port[/prefix] as local emulators print it, and _HANDLER.
`invoke` reads the event from EVENT_FILE, or from standard input when it is
`-` or absent. The handler gets a deadline --timeout seconds away (default
10, serverless.yml's timeout), so Context::remaining_time() counts down as
on Lambda; a handler that runs past it is reported on stderr. It prints the handler's result JSON and exits 0, or prints the
error JSON Lambda would receive and exits 1; usage errors and unknown
handlers exit 2.
";

/// `invoke`'s deadline without `--timeout`: the timeout serverless.yml
/// gives the example functions.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// No arguments: serve the Runtime API.
    Serve,
    /// `--help` / `-h`.
    Help,
    /// `invoke <handler> [EVENT_FILE | -]`; `None` reads standard input.
    Invoke {
        /// The handler's name in the table.
        handler: String,
        /// The event file; `None` for standard input.
        event_file: Option<String>,
        /// How long the handler may run: its deadline is this far away.
        timeout: Duration,
    },
}

/// The arguments make no sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[OsString]) -> Result<Command, UsageError> {
    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            a.to_str()
                .ok_or_else(|| UsageError(format!("argument {a:?} is not UTF-8")))
        })
        .collect::<Result<_, _>>()?;
    match args.as_slice() {
        [] => Ok(Command::Serve),
        ["-h" | "--help" | "help", ..] => Ok(Command::Help),
        // Asking for help anywhere after `invoke` is asking for help, not
        // naming a handler `--help`.
        ["invoke", rest @ ..] if rest.iter().any(|a| matches!(*a, "-h" | "--help")) => {
            Ok(Command::Help)
        }
        ["invoke", rest @ ..] => parse_invoke(rest),
        [other, ..] => Err(UsageError(format!("unknown command '{other}'"))),
    }
}

/// `invoke`'s arguments: `[--timeout SECONDS] <handler> [EVENT_FILE | -]`.
fn parse_invoke(mut args: &[&str]) -> Result<Command, UsageError> {
    let mut timeout = DEFAULT_TIMEOUT;
    if let ["--timeout", rest @ ..] = args {
        let [seconds, rest @ ..] = rest else {
            return Err(UsageError("--timeout needs a number of seconds".into()));
        };
        // Whole seconds, as Lambda's own timeout setting: no float parsing
        // or printing in the binary for it.
        let secs = seconds
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=900).contains(s))
            .ok_or_else(|| {
                UsageError(format!(
                    "--timeout takes whole seconds from 1 to 900 (Lambda's longest), \
                     not '{seconds}'"
                ))
            })?;
        timeout = Duration::from_secs(secs);
        args = rest;
    }
    let (handler, event_file) = match args {
        [] => return Err(UsageError("invoke needs a handler name".into())),
        [handler] | [handler, "-"] => (handler, None),
        [handler, file] => (handler, Some(file.to_string())),
        _ => {
            return Err(UsageError(
                "invoke takes a handler and at most one event file".into(),
            ));
        }
    };
    Ok(Command::Invoke {
        handler: handler.to_string(),
        event_file,
        timeout,
    })
}

/// Runs `invoke`: prints the answer on stdout, exits 0 (result), 1 (error
/// JSON, the body `/error` would get) or 2 (unknown handler, unreadable
/// event file).
pub fn invoke_local(
    table: Table,
    handler: &str,
    event_file: Option<&str>,
    timeout: Duration,
    function: FunctionInfo,
) -> ExitCode {
    let handler = match find(table, Some(handler)) {
        Ok(entry) => entry.handler,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let event = match event_file {
        Some(path) => {
            std::fs::read(path).map_err(|e| format!("cannot read event file '{path}': {e}"))
        }
        None => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .map(|_| buf)
                .map_err(|e| format!("cannot read the event from standard input: {e}"))
        }
    };
    let event = match event {
        Ok(bytes) => bytes,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut ctx = Context::local("local-invoke", Arc::new(function));
    // The deadline as Lambda sends it: epoch milliseconds.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    ctx.deadline_ms = Some((now + timeout).as_millis() as u64);
    crate::runtime::logging::set_request_id(Some(&ctx.request_id));
    let started = Instant::now();
    let answer = match handler {
        Handler::Buffered(handler) => invoke(handler, &event, &ctx),
        Handler::Streaming(handler) => {
            let mut out = LocalStream::new();
            let outcome = invoke_streaming(handler, &event, &ctx, &mut out);
            match out.finish(outcome) {
                // Streamed to stdout as it was written: nothing more.
                Ok(()) => Ok(Vec::new()),
                Err((diagnostic, false)) => Err(diagnostic),
                Err((diagnostic, true)) => {
                    // Stdout holds the bytes that went out; the error goes
                    // beside them, as a caller would see it in the trailers.
                    let json = String::from_utf8_lossy(&diagnostic.to_json()).into_owned();
                    eprintln!("error: the stream ended with {json}");
                    report_overrun(started.elapsed(), timeout);
                    return ExitCode::from(1);
                }
            }
        }
    };
    let (mut out, code) = match answer {
        Ok(body) => (body, ExitCode::SUCCESS),
        Err(diagnostic) => (diagnostic.to_json(), ExitCode::from(1)),
    };
    report_overrun(started.elapsed(), timeout);
    if out.is_empty() {
        return code;
    }
    out.push(b'\n');
    if let Err(e) = io::stdout().lock().write_all(&out) {
        eprintln!("error: cannot write the answer: {e}");
        return ExitCode::from(2);
    }
    code
}

/// Says so when the handler ran past its deadline.
fn report_overrun(took: Duration, timeout: Duration) {
    if took > timeout {
        eprintln!(
            "warning: the handler ran {} ms, past its {} s timeout: Lambda would have \
             stopped it and answered Sandbox.Timedout",
            took.as_millis(),
            timeout.as_secs()
        );
    }
}

/// How far `bootstrap invoke` looks for an HTTP stream's prelude end.
const MAX_PRELUDE: usize = 64 * 1024;

/// `bootstrap invoke`'s stream: the bytes go to stdout as they are
/// written (each write is passed on, so a `flush` in the handler shows at
/// once); an HTTP stream's prelude goes to stderr as one line,
/// `http: {"statusCode":…}`, so stdout holds exactly the body.
struct LocalStream {
    content_type: String,
    written: u64,
    overflowed: bool,
    /// An HTTP stream's prelude, until its end is seen.
    prelude: Option<Vec<u8>>,
}

impl LocalStream {
    fn new() -> LocalStream {
        LocalStream {
            content_type: DEFAULT_CONTENT_TYPE.to_string(),
            written: 0,
            overflowed: false,
            prelude: None,
        }
    }

    /// Whether it ended well; else why, and whether bytes went out first.
    fn finish(self, outcome: Result<(), Diagnostic>) -> Result<(), (Diagnostic, bool)> {
        let failure = if self.overflowed {
            Err(too_large())
        } else {
            outcome
        };
        failure.map_err(|diagnostic| (diagnostic, self.written > 0))
    }
}

impl Write for LocalStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = room(self.written, buf.len()).inspect_err(|_| self.overflowed = true)?;
        let mut body = &buf[..n];
        if let Some(prelude) = &mut self.prelude {
            prelude.extend_from_slice(body);
            body = &[];
            if let Some(end) = prelude
                .windows(PRELUDE_END.len())
                .position(|w| w == PRELUDE_END)
            {
                let rest = prelude.split_off(end + PRELUDE_END.len());
                eprintln!("http: {}", String::from_utf8_lossy(&prelude[..end]));
                self.prelude = None;
                io::stdout().write_all(&rest)?;
            } else if prelude.len() > MAX_PRELUDE {
                // No prelude after all (API Gateway wants it in the first
                // 16 KB): the bytes are the body.
                io::stdout().write_all(prelude)?;
                self.prelude = None;
            }
        }
        io::stdout().write_all(body)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush()
    }
}

impl ResponseStream for LocalStream {
    fn set_content_type(&mut self, content_type: &str) -> io::Result<()> {
        if self.written > 0 {
            return Err(content_type_too_late());
        }
        check_content_type(content_type)?;
        if content_type == STREAMING_CONTENT_TYPE {
            self.prelude = Some(Vec::new());
        }
        content_type.clone_into(&mut self.content_type);
        Ok(())
    }

    fn written(&self) -> u64 {
        self.written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str], expected: Result<Command, &str>) {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        assert_eq!(
            parse(&args),
            expected.map_err(|m| UsageError(m.to_string()))
        );
    }

    #[test]
    fn commands() {
        check(&[], Ok(Command::Serve));
        check(&["--help"], Ok(Command::Help));
        check(&["-h"], Ok(Command::Help));
        check(&["invoke", "--help"], Ok(Command::Help));
        check(&["invoke", "-h"], Ok(Command::Help));
        check(&["invoke", "httpevent", "--help"], Ok(Command::Help));
        let invoke = |file: Option<&str>| Command::Invoke {
            handler: "httpevent".into(),
            event_file: file.map(String::from),
            timeout: DEFAULT_TIMEOUT,
        };
        check(&["invoke", "httpevent"], Ok(invoke(None)));
        check(&["invoke", "httpevent", "-"], Ok(invoke(None)));
        check(
            &["invoke", "httpevent", "e.json"],
            Ok(invoke(Some("e.json"))),
        );
        check(
            &["invoke", "--timeout", "3", "httpevent", "-"],
            Ok(Command::Invoke {
                handler: "httpevent".into(),
                event_file: None,
                timeout: Duration::from_secs(3),
            }),
        );
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        check(&["invoke"], Err("invoke needs a handler name"));
        check(
            &["invoke", "h", "a", "b"],
            Err("invoke takes a handler and at most one event file"),
        );
        check(&["serve"], Err("unknown command 'serve'"));
        check(
            &["invoke", "--timeout"],
            Err("--timeout needs a number of seconds"),
        );
        for bad in ["0", "-1", "soon", "901", "2.5", "inf"] {
            check(
                &["invoke", "--timeout", bad, "h"],
                Err(&format!(
                    "--timeout takes whole seconds from 1 to 900 (Lambda's longest), not '{bad}'"
                )),
            );
        }
        check(
            &["invoke", "--timeout", "3"],
            Err("invoke needs a handler name"),
        );
    }
}
