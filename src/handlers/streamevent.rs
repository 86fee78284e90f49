//! `streamevent`: streams numbered lines to a Function URL caller
//! (`InvokeMode: RESPONSE_STREAM`), to show a streamed answer arriving as
//! it is made.

use std::thread;
use std::time::Duration;

use serde_json::Value;

use lambda_bootstrap::context::Context;
use lambda_bootstrap::handler::HandlerError;
use lambda_bootstrap::http::{HttpRequest, HttpResponse};
use lambda_bootstrap::stream::ResponseStream;

/// Answers 200 `text/plain` with `line 1\n` … `line N\n`, N from the query's
/// `lines` (default 10), waiting `delay_ms` (default 0) between lines and
/// flushing each, so `curl -N` shows them one by one. With `fail_after=K`,
/// fails after K lines: the caller's stream then ends with the error. A
/// `lines` or `delay_ms` that is not a whole number, or a delay that would
/// outlast the invocation, is a 400 saying why, before any line.
pub fn handle(event: Value, ctx: &Context, out: &mut dyn ResponseStream) -> Result<(), HandlerError> {
    let request = HttpRequest::parse(&event)
        .map_err(|e| HandlerError::new("InvalidEvent", e.to_string()))?;
    let query = |name: &str| request.query(name).map(|v| v.into_owned());
    let plan = match Plan::from_query(query, ctx.remaining_time()) {
        Ok(plan) => plan,
        Err(why) => {
            HttpResponse::new(400)
                .header("content-type", "text/plain; charset=utf-8")
                .text(format!("{why}\n"))
                .start_stream(out)?;
            return Ok(());
        }
    };
    HttpResponse::new(200)
        .header("content-type", "text/plain; charset=utf-8")
        .start_stream(out)?;
    for line in 1..=plan.lines {
        if plan.fail_after == Some(line - 1) {
            return Err(HandlerError::new(
                "PlannedFailure",
                format!("failed after {} lines, as fail_after asked", line - 1),
            ));
        }
        if line > 1 && !plan.delay.is_zero() {
            thread::sleep(plan.delay);
        }
        writeln!(out, "line {line}")?;
        // On its way at once, not when the buffer fills: the point of the
        // example is lines that arrive one by one.
        out.flush()?;
    }
    if plan.fail_after == Some(plan.lines) {
        return Err(HandlerError::new(
            "PlannedFailure",
            format!("failed after {} lines, as fail_after asked", plan.lines),
        ));
    }
    Ok(())
}

/// What the query asks for.
#[derive(Debug, PartialEq)]
struct Plan {
    lines: u64,
    delay: Duration,
    fail_after: Option<u64>,
}

impl Plan {
    /// The plan, or why not; `left` is the invocation's remaining time.
    fn from_query(
        query: impl Fn(&str) -> Option<String>,
        left: Option<Duration>,
    ) -> Result<Plan, String> {
        let number = |name: &str, default: u64| match query(name) {
            None => Ok(default),
            Some(text) => text.parse::<u64>().map_err(|_| {
                format!("{name} must be a whole number of 0 or more, not '{text}'")
            }),
        };
        let lines = number("lines", 10)?;
        let delay_ms = number("delay_ms", 0)?;
        let fail_after = query("fail_after").map(|_| number("fail_after", 0)).transpose()?;
        let total = Duration::from_millis(delay_ms.saturating_mul(lines.saturating_sub(1)));
        if let Some(left) = left {
            if total >= left {
                return Err(format!(
                    "{lines} lines {delay_ms} ms apart take {} ms, more than the {} ms this \
                     invocation has left",
                    total.as_millis(),
                    left.as_millis()
                ));
            }
        }
        Ok(Plan {
            lines,
            delay: Duration::from_millis(delay_ms),
            fail_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &[(&str, &str)], left_ms: Option<u64>, expected: Result<Plan, &str>) {
        let lookup = |name: &str| {
            query
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        assert_eq!(
            Plan::from_query(lookup, left_ms.map(Duration::from_millis)),
            expected.map_err(String::from),
            "{query:?}"
        );
    }

    #[test]
    fn the_query_says_how_many_lines_how_fast_and_when_to_fail() {
        let plan = |lines, ms, fail_after| Plan {
            lines,
            delay: Duration::from_millis(ms),
            fail_after,
        };
        check(&[], None, Ok(plan(10, 0, None)));
        check(
            &[("lines", "3"), ("delay_ms", "250"), ("fail_after", "2")],
            Some(10_000),
            Ok(plan(3, 250, Some(2))),
        );
        check(&[("lines", "0")], None, Ok(plan(0, 0, None)));
    }

    #[test]
    fn bad_numbers_and_impossible_delays_say_why() {
        check(
            &[("lines", "-1")],
            None,
            Err("lines must be a whole number of 0 or more, not '-1'"),
        );
        check(
            &[("delay_ms", "soon")],
            None,
            Err("delay_ms must be a whole number of 0 or more, not 'soon'"),
        );
        check(
            &[("lines", "11"), ("delay_ms", "1000")],
            Some(5_000),
            Err("11 lines 1000 ms apart take 10000 ms, more than the 5000 ms this invocation has left"),
        );
        check(
            &[("fail_after", "x")],
            None,
            Err("fail_after must be a whole number of 0 or more, not 'x'"),
        );
    }
}
