//! Log set-up for `log` + `env_logger`: Lambda's level and format settings,
//! the invocation's request id on every line a serving thread logs, and
//! panics reported as log lines.
//!
//! Payloads are logged by callers at DEBUG or below only; nothing here ever
//! reads or prints the environment's credentials.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use log::Level;

/// How each line looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `LEVEL [request-id] message`: no timestamp, CloudWatch adds one;
    /// control characters escaped, so a line is always one log event.
    Text,
    /// One JSON object a line: `timestamp`, `level`, `message`, `requestId`.
    Json,
}

/// What `init` needs, read once by `main`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// Text or JSON.
    pub format: Format,
    /// An env_logger filter spec, e.g. `info` or `lambda_bootstrap=debug`.
    pub filter: String,
}

impl LogSettings {
    /// `AWS_LAMBDA_LOG_FORMAT` (`JSON`, any case) picks the format; the level
    /// comes from `AWS_LAMBDA_LOG_LEVEL` (Lambda's names, `FATAL` = error),
    /// else `RUST_LOG`, else INFO.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> LogSettings {
        let format = match env("AWS_LAMBDA_LOG_FORMAT") {
            Some(f) if f.trim().eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Text,
        };
        // At DEBUG, ureq's own per-request lines would drown the function's;
        // they come back at TRACE, or through RUST_LOG, which is verbatim.
        let lambda_level = env("AWS_LAMBDA_LOG_LEVEL").and_then(|l| {
            let level = match l.trim().to_ascii_uppercase().as_str() {
                "TRACE" => "trace",
                "DEBUG" => "debug,ureq=info,ureq_proto=info",
                "INFO" => "info",
                "WARN" => "warn",
                "ERROR" | "FATAL" => "error",
                _ => return None,
            };
            Some(level.to_string())
        });
        let filter = lambda_level
            .or_else(|| env("RUST_LOG").filter(|f| !f.trim().is_empty()))
            .unwrap_or_else(|| "info".to_string());
        LogSettings { format, filter }
    }
}

thread_local! {
    /// The id of the invocation this thread serves, when it is one of the
    /// runtime's serving threads (the main thread, or a worker under
    /// Lambda Managed Instances); `None` on every other thread, such as one
    /// a handler started, whose lines then carry no id: such a thread may
    /// outlive its invocation, and the id of whichever invocation runs when
    /// it logs would be a lie.
    ///
    /// A `Cell` of a leaked `&'static`, not a `RefCell<String>`: it needs no
    /// destructor (a thread-local `String` registers one on first use, at
    /// the cost of a pthread key and an allocation) and takes 8 bytes of the
    /// binary's thread-local storage, which musl reserves little room for.
    /// Each serving thread leaks one `RefCell<String>` for its life; they
    /// are bounded by the number of workers. Reading it takes no lock, so
    /// workers never contend for it.
    static REQUEST_ID: Cell<Option<&'static RefCell<String>>> = const { Cell::new(None) };
}

/// Marks the invocation this thread now serves (`None` between
/// invocations), so every line this thread logs meanwhile carries its id.
/// The first call makes this thread a serving thread; threads that never
/// call it log without an id.
pub fn set_request_id(id: Option<&str>) {
    let slot = REQUEST_ID.get().unwrap_or_else(|| {
        let slot: &'static RefCell<String> = Box::leak(Box::default());
        REQUEST_ID.set(Some(slot));
        slot
    });
    // Only this thread ever touches its slot, and nothing it calls while
    // the slot is borrowed logs; a failed borrow would only lose an id.
    if let Ok(mut current) = slot.try_borrow_mut() {
        current.clear();
        current.push_str(id.unwrap_or_default());
    }
    // The invocation's structured keys end with it.
    #[cfg(feature = "logger")]
    if id.is_none() {
        crate::logger::clear();
    }
}

/// Calls `f` with the id to put on a line this thread logs now (empty for
/// none).
fn with_request_id<R>(f: impl FnOnce(&str) -> R) -> R {
    match REQUEST_ID.get().map(RefCell::try_borrow) {
        Some(Ok(id)) => f(&id),
        _ => f(""),
    }
}

/// The installed logger. env_logger's `Logger` decides which records pass
/// (`RUST_LOG`'s syntax: levels per module, `/text` filters); this renders
/// each one and writes it to stderr in one write. env_logger's own
/// `Log::log` is never called: it would format through a thread-local buffer, whose
/// destructor and extra thread-local storage cost a system call and a page
/// fault at start-up (bench/: `init page faults`), and it would copy a line
/// already rendered here.
struct Logger {
    filter: env_logger::Logger,
    format: Format,
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.filter.enabled(metadata) && !secret(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.filter.matches(record) || secret(record.metadata()) {
            return;
        }
        // The message is formatted before the lock is taken: its arguments
        // may log, or read the id, themselves.
        let message = record.args().to_string();
        let rendered = with_request_id(|id| {
            let line = Line {
                level: record.level(),
                message: &message,
                request_id: (!id.is_empty()).then_some(id),
            };
            line.render(self.format, SystemTime::now())
        });
        // Whole lines, one write each: stderr is unbuffered, and a line cut
        // in two would be two log events. A closed stderr is not an error
        // worth dying for.
        let _ = std::io::stderr().write_all(&rendered);
    }

    fn flush(&self) {}
}

/// Whether a record may carry a secret and is dropped whatever the filter
/// says: with the `aws` feature, ureq's byte dumps of an AWS call
/// (`aws::client::is_secret`). The Runtime API's own traffic carries none.
fn secret(metadata: &log::Metadata<'_>) -> bool {
    #[cfg(feature = "aws")]
    if crate::aws::client::is_secret(metadata) {
        return true;
    }
    let _ = metadata;
    false
}

/// Installs the logger and a panic hook that logs panics as one ERROR line
/// (the default hook's text would break the JSON format). Calling it twice
/// keeps the first logger (the second, a few bytes, is leaked unused).
pub fn init(settings: &LogSettings) {
    let filter = env_logger::Builder::new()
        .parse_filters(&settings.filter)
        .build();
    let level = filter.filter();
    let logger = Logger {
        filter,
        format: settings.format,
    };
    // Leaked: the logger lives as long as the process, as log requires.
    if log::set_logger(Box::leak(Box::new(logger))).is_ok() {
        log::set_max_level(level);
    }
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("non-string payload");
        match info.location() {
            Some(at) => log::error!("panicked at {at}: {message}"),
            None => log::error!("panicked: {message}"),
        }
    }));
}

/// One log line before rendering.
struct Line<'a> {
    level: Level,
    message: &'a str,
    request_id: Option<&'a str>,
}

impl Line<'_> {
    fn render(&self, format: Format, now: SystemTime) -> Vec<u8> {
        match format {
            Format::Text => {
                let mut out = String::with_capacity(self.message.len() + 64);
                out.push_str(self.level.as_str());
                if let Some(id) = self.request_id {
                    out.push_str(" [");
                    push_escaped(&mut out, id);
                    out.push(']');
                }
                out.push(' ');
                push_escaped(&mut out, self.message);
                out.push('\n');
                out.into_bytes()
            }
            Format::Json => {
                let mut object = serde_json::Map::new();
                object.insert("timestamp".into(), rfc3339(now).into());
                object.insert("level".into(), self.level.as_str().into());
                object.insert("message".into(), self.message.into());
                if let Some(id) = self.request_id {
                    object.insert("requestId".into(), id.into());
                }
                #[cfg(feature = "logger")]
                crate::logger::extend(&mut object);
                let mut out = serde_json::to_vec(&object).expect("a map of strings serializes");
                out.push(b'\n');
                out
            }
        }
    }
}

/// Appends `text` with every control character escaped (`\n`, `\r`, `\t`,
/// others as `\u{1b}`): Lambda cuts stderr into log events at line breaks,
/// so a raw newline in a message would start a line of its own, which could
/// claim any level and any request id. One log call stays one line.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// `2026-11-25T07:03:04.123Z`, without a date library: days since the epoch
/// to a civil date (Howard Hinnant's algorithm).
fn rfc3339(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings(pairs: &[(&str, &str)]) -> LogSettings {
        LogSettings::from_lookup(&|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn only_the_serving_threads_lines_carry_an_id() {
        let id = || with_request_id(str::to_string);
        std::thread::spawn(move || {
            assert_eq!(id(), "", "a thread that serves nothing");
            set_request_id(Some("r-1"));
            assert_eq!(id(), "r-1");
            // A thread the handler starts: no id, now or later.
            let started = std::thread::spawn(id).join().unwrap();
            assert_eq!(started, "");
            set_request_id(Some("r-2"));
            assert_eq!(id(), "r-2");
            set_request_id(None);
            assert_eq!(id(), "");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn level_precedence() {
        assert_eq!(settings(&[]).filter, "info");
        assert_eq!(settings(&[("RUST_LOG", "debug")]).filter, "debug");
        let both = [("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "debug")];
        assert_eq!(settings(&both).filter, "warn");
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_LEVEL", "fatal")]).filter,
            "error"
        );
        let bad = [("AWS_LAMBDA_LOG_LEVEL", "LOUD"), ("RUST_LOG", "trace")];
        assert_eq!(settings(&bad).filter, "trace");
    }

    #[test]
    fn the_filter_spec_decides_per_module() {
        let logger = Logger {
            filter: env_logger::Builder::new()
                .parse_filters("debug,ureq=info,ureq_proto=info")
                .build(),
            format: Format::Text,
        };
        let at = |target: &str, level: Level| {
            let metadata = log::Metadata::builder().target(target).level(level).build();
            log::Log::enabled(&logger, &metadata)
        };
        assert!(at("lambda_bootstrap::runtime", Level::Debug));
        assert!(!at("lambda_bootstrap::runtime", Level::Trace));
        assert!(!at("ureq::unversioned::transport", Level::Debug));
        assert!(at("ureq_proto::client", Level::Info));
        assert_eq!(logger.filter.filter(), log::LevelFilter::Debug);
    }

    #[test]
    fn format_choice() {
        assert_eq!(settings(&[]).format, Format::Text);
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_FORMAT", "json")]).format,
            Format::Json
        );
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_FORMAT", "Text")]).format,
            Format::Text
        );
    }

    fn check(format: Format, request_id: Option<&str>, expected: &str) {
        let line = Line {
            level: Level::Warn,
            message: "disk \"full\"\nsoon",
            request_id,
        };
        let at = UNIX_EPOCH + Duration::from_millis(1_764_054_184_123);
        assert_eq!(
            String::from_utf8(line.render(format, at)).unwrap(),
            expected
        );
    }

    #[test]
    fn text_lines_carry_the_request_id_and_no_timestamp() {
        check(
            Format::Text,
            Some("r-1"),
            "WARN [r-1] disk \"full\"\\nsoon\n",
        );
        check(Format::Text, None, "WARN disk \"full\"\\nsoon\n");
    }

    #[test]
    fn text_lines_cannot_be_forged_by_what_they_carry() {
        let line = |message: &str, request_id: Option<&str>| {
            let line = Line {
                level: Level::Info,
                message,
                request_id,
            };
            String::from_utf8(line.render(Format::Text, UNIX_EPOCH)).unwrap()
        };
        assert_eq!(
            line("sent\nERROR [other-request] forged", Some("r-1")),
            "INFO [r-1] sent\\nERROR [other-request] forged\n"
        );
        assert_eq!(
            line("a\r\nb\tc\u{1b}[31md\u{7f}e\u{85}f", None),
            "INFO a\\r\\nb\\tc\\u{1b}[31md\\u{7f}e\\u{85}f\n"
        );
        assert_eq!(line("ok", Some("r\n2")), "INFO [r\\n2] ok\n");
        assert_eq!(line("héllo ✓", None), "INFO héllo ✓\n");
    }

    #[test]
    fn json_lines_are_one_object_each() {
        check(
            Format::Json,
            Some("r-1"),
            "{\"level\":\"WARN\",\"message\":\"disk \\\"full\\\"\\nsoon\",\"requestId\":\"r-1\",\
             \"timestamp\":\"2025-11-25T07:03:04.123Z\"}\n",
        );
        check(
            Format::Json,
            None,
            "{\"level\":\"WARN\",\"message\":\"disk \\\"full\\\"\\nsoon\",\
             \"timestamp\":\"2025-11-25T07:03:04.123Z\"}\n",
        );
    }

    #[test]
    fn timestamps_across_calendar_edges() {
        let at = |secs| rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59.000Z");
        assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59.000Z");
    }
}
