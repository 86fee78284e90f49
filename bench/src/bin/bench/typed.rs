//! The typed-events comparison (`--typed`): what the type an event is
//! parsed into costs. Memory: a ~5 MB SQS batch of ~7,700 small orders
//! through each type, peak RSS above the runtime's idle RSS (the shipped
//! `sqsevent` has a target). CPU: a 1 KB API Gateway event through `Value`
//! and through typed structs, CPU per invocation. Every path runs in every
//! round, in turn, so drift hits all alike; then the Typed events part of
//! the report.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::compare::{Measurement, figures};
use crate::event;
use crate::options::{Options, Runtime, Typed};
use crate::procfs;
use crate::publish;
use crate::report::{self, num, ratio};
use crate::session::{self, Ending, Work};
use crate::stats::{med, median, range};

/// Invocations per SQS session: the peak comes with the first, the others
/// show it does not climb.
const SQS_INVOCATIONS: usize = 3;

/// Which runtime binary a path runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binary {
    /// The shipped `bootstrap` (`--ours`).
    Shipped,
    /// The ours-typed build (`--typed`).
    Typed,
    /// lambda_runtime (`--official`, the official-sqs build).
    Official,
}

/// One path: what the report calls it (and its spread line), where it
/// runs, `_HANDLER`.
struct Path {
    label: &'static str,
    short: &'static str,
    binary: Binary,
    handler: &'static str,
}

/// The SQS batch's paths, in the order the report lists them.
const SQS_PATHS: [Path; 6] = [
    Path {
        label: "the raw bytes alone (never parsed)",
        short: "raw",
        binary: Binary::Typed,
        handler: "sqs-raw",
    },
    Path {
        label: "**`sqsevent`, shipped**: a struct of `messageId` and `body`",
        short: "sqsevent",
        binary: Binary::Shipped,
        handler: "sqsevent",
    },
    Path {
        label: "`sqsevent`'s types, in the bench's build",
        short: "declared (bench build)",
        binary: Binary::Typed,
        handler: "sqs-declared",
    },
    Path {
        label: "aws_lambda_events' `SqsEvent`",
        short: "SqsEvent",
        binary: Binary::Typed,
        handler: "sqs-events",
    },
    Path {
        label: "`serde_json::Value`",
        short: "Value",
        binary: Binary::Typed,
        handler: "sqs-value",
    },
    Path {
        label: "lambda_runtime, `LambdaEvent<SqsEvent>`",
        short: "lambda_runtime",
        binary: Binary::Official,
        handler: "sqsevent",
    },
];

/// The API Gateway event's paths.
const HTTP_PATHS: [Path; 4] = [
    Path {
        label: "`serde_json::Value`",
        short: "Value",
        binary: Binary::Typed,
        handler: "http-value",
    },
    Path {
        label: "a declared struct (`httpMethod`, `path`, `queryStringParameters`)",
        short: "declared",
        binary: Binary::Typed,
        handler: "http-declared",
    },
    Path {
        label: "aws_lambda_events' `ApiGatewayProxyRequest`",
        short: "ApiGatewayProxyRequest",
        binary: Binary::Typed,
        handler: "http-events",
    },
    Path {
        label: "`httpevent`, shipped (`Value`, then `HttpRequest`)",
        short: "httpevent",
        binary: Binary::Shipped,
        handler: "httpevent",
    },
];

/// Each path's measurements, one per round.
pub struct TypedRuns {
    /// The SQS batch's size, bytes.
    sqs_bytes: usize,
    /// By `SQS_PATHS`.
    sqs: Vec<Vec<Measurement>>,
    /// By `HTTP_PATHS`.
    http: Vec<Vec<Measurement>>,
}

/// Runs the comparison and writes or prints the Typed events part.
pub fn run(opts: &Options, typed: &Typed) -> Result<(), String> {
    let runtime = |binary: Binary| -> Runtime {
        match binary {
            Binary::Shipped => opts.runtimes[0].clone(),
            Binary::Typed => Runtime::new("ours-typed", typed.runtime.clone()),
            Binary::Official => opts.runtimes[1].clone(),
        }
    };
    let (batch, failed) = event::sqs_batch(event::SQS_MESSAGES, event::SQS_BYTES);
    let batch: Arc<[u8]> = batch.into();
    let sqs_bytes = batch.len();
    let check_failures = |_: usize, answer: &[u8]| event::check_sqs_answer(answer, &failed);
    let check_bytes = |_: usize, answer: &[u8]| event::check_bytes_answer(answer, sqs_bytes);
    let http: Arc<[u8]> = event::api_gateway(1024).into();

    let mut runs = TypedRuns {
        sqs_bytes,
        sqs: SQS_PATHS.iter().map(|_| Vec::new()).collect(),
        http: HTTP_PATHS.iter().map(|_| Vec::new()).collect(),
    };
    // A discarded warm-up session of each binary, as the side-by-side run
    // does: the first exec of a binary pays for the page cache.
    for (binary, handler) in [
        (Binary::Shipped, "httpevent"),
        (Binary::Typed, "http-value"),
    ] {
        let work = Work {
            handler,
            ..Work::httpevent(&http, 10)
        };
        session::run(&runtime(binary), &[], &work, Ending::Kill)?;
    }
    let work = Work {
        check: &check_failures,
        ..Work::httpevent(&batch, 1)
    };
    session::run(&runtime(Binary::Official), &[], &work, Ending::Kill)?;
    for round in 1..=opts.rounds {
        for (path, runs) in SQS_PATHS.iter().zip(&mut runs.sqs) {
            let raw = path.handler == "sqs-raw";
            let check: &session::Check<'_> = if raw { &check_bytes } else { &check_failures };
            let work = Work {
                handler: path.handler,
                check,
                ..Work::httpevent(&batch, SQS_INVOCATIONS)
            };
            let samples = session::run(&runtime(path.binary), &[], &work, Ending::Kill)?;
            let m = figures(&samples, SQS_INVOCATIONS);
            eprintln!(
                "round {round}/{} sqs {:22}: idle {:6.0} KiB, peak {:6.0} KiB, above idle {:.2}x the event",
                opts.rounds,
                path.short,
                m.idle_rss_kib,
                m.peak_rss_kib,
                above_idle(&m, sqs_bytes)
            );
            runs.push(m);
        }
        for (path, runs) in HTTP_PATHS.iter().zip(&mut runs.http) {
            let work = Work {
                handler: path.handler,
                ..Work::httpevent(&http, typed.n)
            };
            let samples = session::run(&runtime(path.binary), &[], &work, Ending::Kill)?;
            let m = figures(&samples, typed.n);
            eprintln!(
                "round {round}/{} http {:22}: cpu/inv {:6.1} us, cycle p50 {:6.1} us",
                opts.rounds, path.short, m.cpu_per_invocation_us, m.cycle_p50_us
            );
            runs.push(m);
        }
    }

    let section = render(opts, &runs);
    publish::publish(opts.out.as_deref(), &section, publish::merge_typed)
}

/// Peak RSS above idle RSS, over the event's size.
fn above_idle(m: &Measurement, event_bytes: usize) -> f64 {
    (m.peak_rss_kib - m.idle_rss_kib) * 1024.0 / event_bytes as f64
}

/// The median of `above_idle` over runs.
fn median_above_idle(runs: &[Measurement], event_bytes: usize) -> f64 {
    median(runs.iter().map(|m| above_idle(m, event_bytes)).collect())
}

/// The Typed events part, between its markers.
pub fn render(opts: &Options, runs: &TypedRuns) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "{}\n", publish::TYPED_BEGIN);
    let _ = writeln!(
        r,
        "## Typed events: an SQS batch's memory, an API Gateway event's CPU\n"
    );
    let _ = writeln!(
        r,
        "Generated by `{}` on {} ({}; {}): {} interleaved round(s), medians across rounds. \
         Rewritten by the next `--typed` run; the other runs keep it.\n",
        opts.command,
        report::today(),
        procfs::hardware(),
        report::cpus_text(opts),
        opts.rounds
    );
    if opts.quick {
        let _ = writeln!(
            r,
            "**Quick mode**: a smoke test, too short to judge the targets by.\n"
        );
    }
    let bytes = runs.sqs_bytes;
    let _ = writeln!(
        r,
        "### Memory: a {:.2} MB SQS batch of {} orders ({} invocations a session)\n",
        bytes as f64 / 1e6,
        event::SQS_MESSAGES,
        SQS_INVOCATIONS
    );
    let _ = writeln!(
        r,
        "| the batch parsed into | idle RSS (KiB) | peak RSS (KiB) | above idle (KiB) \
         | above idle / event | CPU per invocation (ms) |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|---:|");
    for (path, m) in SQS_PATHS.iter().zip(&runs.sqs) {
        let idle = med(m, |m| m.idle_rss_kib);
        let peak = med(m, |m| m.peak_rss_kib);
        let _ = writeln!(
            r,
            "| {} | {idle:.0} | {peak:.0} | {:.0} | {:.2}x | {} |",
            path.label,
            med(m, |m| m.peak_rss_kib - m.idle_rss_kib),
            median_above_idle(m, bytes),
            num(med(m, |m| m.cpu_per_invocation_us) / 1e3)
        );
    }
    if opts.rounds > 1 {
        let spread: Vec<String> = SQS_PATHS
            .iter()
            .zip(&runs.sqs)
            .map(|(path, m)| {
                let (lo, hi) = range(m.iter().map(|m| above_idle(m, bytes)));
                format!("{} {lo:.2}x–{hi:.2}x", path.short)
            })
            .collect();
        let _ = writeln!(
            r,
            "\nSpread across rounds (lowest–highest round), above idle / event: {}.",
            spread.join(", ")
        );
    }

    let _ = writeln!(
        r,
        "\n### CPU: a 1 KB API Gateway event, {} invocations a session\n",
        opts.typed.as_ref().map_or(0, |t| t.n)
    );
    let _ = writeln!(
        r,
        "| the event parsed into | CPU per invocation (µs) | / `Value` | cycle p50 (µs) | / `Value` |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|");
    let value = &runs.http[0];
    let (value_cpu, value_cycle) = (
        med(value, |m| m.cpu_per_invocation_us),
        med(value, |m| m.cycle_p50_us),
    );
    for (path, m) in HTTP_PATHS.iter().zip(&runs.http) {
        let (cpu, cycle) = (
            med(m, |m| m.cpu_per_invocation_us),
            med(m, |m| m.cycle_p50_us),
        );
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} |",
            path.label,
            num(cpu),
            ratio(cpu, value_cpu),
            num(cycle),
            ratio(cycle, value_cycle)
        );
    }
    if opts.rounds > 1 {
        let spread: Vec<String> = HTTP_PATHS
            .iter()
            .zip(&runs.http)
            .map(|(path, m)| {
                let (lo, hi) = range(m.iter().map(|m| m.cpu_per_invocation_us));
                format!("{} {}–{}", path.short, num(lo), num(hi))
            })
            .collect();
        let _ = writeln!(
            r,
            "\nSpread across rounds (lowest–highest round), CPU per invocation: {} µs.",
            spread.join(", ")
        );
    }

    let _ = writeln!(r, "\n### Targets (typed events)\n");
    let _ = writeln!(r, "| figure | target | measured | verdict |");
    let _ = writeln!(r, "|---|---|---|---|");
    let shipped = median_above_idle(&runs.sqs[1], bytes);
    let _ = writeln!(
        r,
        "| `sqsevent` (shipped): peak RSS above idle | <= 2x the event | {shipped:.2}x | {} |",
        verdict(opts, shipped <= 2.0)
    );
    let declared = med(&runs.http[1], |m| m.cpu_per_invocation_us);
    let _ = writeln!(
        r,
        "| a declared struct: CPU per invocation vs `Value` | <= 1.0x | {} | {} |",
        ratio(declared, value_cpu),
        verdict(opts, declared <= value_cpu)
    );
    r.push_str(&meanings(bytes));
    let _ = writeln!(r, "\n{}", publish::TYPED_END);
    r
}

fn verdict(opts: &Options, ok: bool) -> &'static str {
    match (opts.quick, ok) {
        (true, _) => "not judged (quick)",
        (false, true) => "PASS",
        (false, false) => "FAIL",
    }
}

fn meanings(bytes: usize) -> String {
    format!(
        "
### What the typed-events figures mean

- **The SQS batch** is {bytes} bytes of compact JSON, {messages} messages as
  Lambda delivers them (`messageId`, `receiptHandle`, `body`, `attributes`,
  `messageAttributes` on one in three, `md5OfBody`, `eventSource`,
  `eventSourceARN`, `awsRegion`), each body an order `{{\"id\":\"o-…\",\"qty\":N}}`,
  generated the same on every run (`bench/src/bin/bench/event.rs`). One
  message in 250 is bad (`qty` 0, or a body that is not an order), and every
  answer must name exactly those in `batchItemFailures`; the raw path
  answers its byte count instead.
- **Paths**: `sqsevent` shipped is `bootstrap` from `build.sh --arch x86_64`
  with `_HANDLER=sqsevent`. The others in ours run
  `bench/src/bin/ours_typed.rs` (the same `lambda_bootstrap::run`, built
  from `bench/` with its release profile and the `events` feature), one handler per type,
  all with `sqsevent`'s logic (`bench/src/lib.rs`, `sqs_failures`: parse
  each body, log good orders at INFO); lambda_runtime is
  `bench/src/bin/official_sqs.rs`, lambda_runtime {version} with
  `LambdaEvent<SqsEvent>`, the same logic, built like `official`.
- **idle RSS**: `VmHWM` when the runtime first asks for an event, before
  any; **peak RSS**: `VmHWM` when it asks for the one after the last;
  **above idle**: their difference, what the event cost on top of the
  runtime; **/ event**: that over the batch's size.
- **The API Gateway event** is the side-by-side run's 1 KB REST event;
  every path answers the same greeting (`Greeting` in `bench/src/lib.rs`),
  so only the type the event is parsed into differs (and, for shipped
  `httpevent`, its own code). **CPU per invocation** and **cycle p50** are
  the side-by-side run's figures.
- Runtimes and driver share one CPU, as in the side-by-side run.
",
        messages = event::SQS_MESSAGES,
        version = report::lambda_runtime_version(),
    )
}
