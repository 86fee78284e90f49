//! The orders comparison (`--orders`): the same `orders` function three
//! ways, against moto's server: ours with the `aws` feature (the shipped
//! `bootstrap`), ours with the official SDK in a `block_on` (ours-sdk), and
//! lambda_runtime with the official SDK (official-orders). Every session
//! gets a table of its own in moto, holding the orders its first batch
//! delivers again; every answer must name exactly its batch's bad
//! messages, and afterwards the table must hold every order once, as first
//! delivered, and nothing else, so that a runtime that skips or repeats
//! work fails the run instead of looking fast. Each round runs one
//! measured session of each runtime (the warm figures, peak RSS) and
//! one-invocation sessions of each, in a cycle (init and the first
//! invocation, the cold path); then the Orders part of the report.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::compare::INIT_ORDER;
use crate::event::{self, ORDERS_NEW};
use crate::fake_api::{Answers, Samples};
use crate::moto::{self, Moto};
use crate::options::{self, Options, Runtime};
use crate::procfs;
use crate::publish;
use crate::report::{self, num, ratio};
use crate::session::{self, Ending, Work};
use crate::stats::{median, percentile, range};

/// The runtimes as the report names them, in the order of `Options::runtimes`.
const LABELS: [&str; 3] = [
    "ours, `aws` feature",
    "ours + official SDK",
    "lambda_runtime + official SDK",
];
/// The same, short, for the spread lines.
const SHORT: [&str; 3] = ["ours", "ours+SDK", "lambda_runtime+SDK"];

/// Invocations of each runtime's warm-up session.
const WARM_UP: usize = 3;

/// The credentials every runtime is given: moto does not check them, but
/// every runtime signs with them, as on Lambda (which always gives a
/// session token).
const CREDENTIALS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "ASIABENCHORDERS00001"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "benchordersbenchordersbenchorders0000001",
    ),
    (
        "AWS_SESSION_TOKEN",
        "IQoJb3JpZ2luX2VjEBenchOrdersSessionToken",
    ),
];

/// The figures of a one-invocation session: the cold path.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cold {
    /// CPU from exec to the first `GET /next`, µs.
    pub init_cpu_us: f64,
    /// Wall time from spawn to the first `GET /next`, µs.
    pub init_wall_us: f64,
    /// `VmHWM` at the first `GET /next`, KiB.
    pub init_rss_kib: f64,
    /// Minor page faults from exec to the first `GET /next`.
    pub init_faults: f64,
    /// The first event written → its answer read, ms.
    pub first_ms: f64,
    /// CPU from the first `GET /next` to the end, every thread, those that
    /// ended too, µs: the first invocation's.
    pub first_cpu_us: f64,
}

/// The figures of a measured session, after its first invocation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Warm {
    /// CPU per invocation from the second `GET /next` to the end, every
    /// thread, those that ended too, µs.
    pub cpu_per_invocation_us: f64,
    /// The part of it in threads that ended before the end, µs.
    pub ended_threads_us: f64,
    /// Event written → answer read over the warm invocations, p50, ms.
    pub event_to_answer_ms: f64,
    /// Minor page faults per warm invocation.
    pub faults_per_invocation: f64,
    /// `VmHWM` after the last answer, KiB.
    pub peak_rss_kib: f64,
    /// Connections to the fake Runtime API.
    pub connections: f64,
    /// moto's CPU over the session, per invocation, µs: the same work for
    /// every runtime.
    pub moto_cpu_per_invocation_us: f64,
}

/// Everything one run measured.
pub struct OrdersRuns {
    /// Invocations of each measured session.
    pub n: usize,
    /// One-invocation sessions per runtime and round.
    pub cold_per_round: usize,
    /// By runtime: every one-invocation session, round after round.
    pub cold: [Vec<Cold>; 3],
    /// By runtime: one measured session per round.
    pub warm: [Vec<Warm>; 3],
}

impl OrdersRuns {
    /// By runtime, one figure's median in each round.
    fn cold_rounds(&self, figure: fn(&Cold) -> f64) -> [Vec<f64>; 3] {
        self.cold.clone().map(|sessions| {
            sessions
                .chunks(self.cold_per_round)
                .map(|round| median(round.iter().map(figure).collect()))
                .collect()
        })
    }
}

/// What a session of `orders` needs: moto, the batches, a new table for
/// each session. The comparison and the profiling modes use it.
pub struct Lab {
    moto: Moto,
    batches: event::Orders,
    events: Vec<Arc<[u8]>>,
    /// Tables made so far, for the next one's name.
    tables: Cell<usize>,
}

impl Lab {
    /// Starts moto and makes batches for sessions of up to `n` invocations.
    pub fn start(n: usize) -> Result<Lab, String> {
        let moto = Moto::start()?;
        eprintln!(
            "moto_server listening at {}, its keep-alive front at {}",
            moto.url, moto.front.url
        );
        let batches = event::orders(n);
        let events = batches.batches.iter().map(|b| b[..].into()).collect();
        Ok(Lab {
            moto,
            batches,
            events,
            tables: Cell::new(0),
        })
    }

    /// One session of `n` invocations of `runtime` (under `wrapper`, if not
    /// empty) in a new table, every answer and then the table checked; its
    /// samples and moto's CPU meanwhile.
    pub fn session(
        &self,
        runtime: &Runtime,
        wrapper: &[OsString],
        n: usize,
        ending: Ending,
    ) -> Result<(Samples, u64), String> {
        let (moto, batches) = (&self.moto, &self.batches);
        if n > self.events.len() {
            return Err(format!(
                "{n} invocations, batches for {}",
                self.events.len()
            ));
        }
        self.tables.set(self.tables.get() + 1);
        let table = format!("orders-{}", self.tables.get());
        moto.create_table(&table, &batches.table_after(0))?;
        let mut env: Vec<(&str, String)> = vec![
            ("ORDERS_TABLE", table.clone()),
            ("AWS_ENDPOINT_URL", moto.front.url.clone()),
        ];
        env.extend(CREDENTIALS.map(|(name, value)| (name, value.to_string())));
        let check = |i: usize, answer: &[u8]| event::check_sqs_answer(answer, &batches.failed[i]);
        let work = Work {
            handler: "orders",
            events: &self.events,
            n,
            env: &env,
            concurrency: None,
            check: &check,
            answers: Answers::Buffered,
        };
        let moto_before = moto.cpu_ns();
        let samples = session::run(runtime, wrapper, &work, ending)?;
        let moto_cpu = moto.cpu_ns().saturating_sub(moto_before);
        check_table(
            runtime.name,
            &table,
            &moto.scan(&table)?,
            &batches.table_after(n),
        )?;
        moto.delete_table(&table)?;
        Ok((samples, moto_cpu))
    }
}

/// Runs the comparison and writes or prints the Orders part.
pub fn run(opts: &Options, orders: &options::Orders) -> Result<(), String> {
    let wrapper = session::pin(opts.runtime_cpus.as_deref())?;
    let lab = Lab::start(orders.n)?;
    let session = |runtime: &Runtime, n: usize| lab.session(runtime, &wrapper, n, Ending::Kill);

    // As in the other comparisons: the first exec of each binary pays for
    // the page cache and the driver's cold paths, unmeasured.
    for runtime in &opts.runtimes {
        session(runtime, WARM_UP.min(orders.n))?;
    }
    let mut runs = OrdersRuns {
        n: orders.n,
        cold_per_round: orders.cold,
        cold: Default::default(),
        warm: Default::default(),
    };
    for round in 1..=opts.rounds {
        // Which runtime goes first moves each round.
        for k in 0..3 {
            let i = (round - 1 + k) % 3;
            let (samples, moto_cpu) = session(&opts.runtimes[i], orders.n)?;
            let warm = warm(&samples, orders.n, moto_cpu);
            eprintln!(
                "round {round}/{} {:18}: warm cpu/inv {:7.1} us, p50 {:6.2} ms, peak rss {:6.0} KiB, \
                 moto cpu/inv {:6.0} us",
                opts.rounds,
                SHORT[i],
                warm.cpu_per_invocation_us,
                warm.event_to_answer_ms,
                warm.peak_rss_kib,
                warm.moto_cpu_per_invocation_us
            );
            runs.warm[i].push(warm);
        }
        // The cold sessions in the side-by-side run's cycle, in which each
        // runtime starts after each of the other two equally often, its
        // entry's predecessor first, unmeasured.
        let at = |k: usize| INIT_ORDER[(round - 1 + k) % INIT_ORDER.len()];
        session(&opts.runtimes[at(INIT_ORDER.len() - 1)], 1)?;
        let mut this_round: [Vec<Cold>; 3] = Default::default();
        for k in 0..orders.cold * 3 {
            let i = at(k);
            let (samples, _) = session(&opts.runtimes[i], 1)?;
            this_round[i].push(cold(&samples));
        }
        for (i, sessions) in this_round.into_iter().enumerate() {
            let med = |f: fn(&Cold) -> f64| median(sessions.iter().map(f).collect());
            eprintln!(
                "round {round}/{} {:18}: init cpu {:6.0} us, first invocation {:6.2} ms \
                 ({:6.0} us cpu)",
                opts.rounds,
                SHORT[i],
                med(|c| c.init_cpu_us),
                med(|c| c.first_ms),
                med(|c| c.first_cpu_us)
            );
            runs.cold[i].extend(sessions);
        }
    }
    drop(lab);

    let section = render(opts, orders, &runs);
    publish::publish(opts.out.as_deref(), &section, publish::merge_orders)
}

/// The table must hold exactly `expected`; the error names the first
/// difference.
fn check_table(
    name: &str,
    table: &str,
    held: &BTreeMap<String, u32>,
    expected: &BTreeMap<String, u32>,
) -> Result<(), String> {
    if held == expected {
        return Ok(());
    }
    let missing = expected.iter().find(|(id, qty)| held.get(*id) != Some(qty));
    let extra = held.keys().find(|id| !expected.contains_key(*id));
    let why = match (missing, extra) {
        (Some((id, qty)), _) => match held.get(id) {
            Some(other) => format!("order {id} has qty {other}, not the {qty} first delivered"),
            None => format!("order {id} (qty {qty}) is missing"),
        },
        (None, Some(id)) => format!("it holds {id}, which no batch ordered"),
        (None, None) => "it differs".to_string(),
    };
    Err(format!(
        "{name}: table {table} holds {} items where {} orders were sent: {why}",
        held.len(),
        expected.len()
    ))
}

fn us(d: std::time::Duration) -> f64 {
    d.as_nanos() as f64 / 1e3
}

/// The cold figures of a one-invocation session.
fn cold(samples: &Samples) -> Cold {
    let init = samples.init;
    Cold {
        init_cpu_us: init.map_or(0.0, |i| i.cpu_ns as f64 / 1e3),
        init_wall_us: init.map_or(0.0, |i| us(i.wall)),
        init_rss_kib: init.map_or(0.0, |i| i.peak_rss_kib as f64),
        init_faults: init.map_or(0.0, |i| i.minor_faults as f64),
        first_ms: us(samples.answered[0].duration_since(samples.sent[0])) / 1e3,
        first_cpu_us: match (init, samples.total_cpu_ns) {
            (Some(i), Some(total)) => total.saturating_sub(i.cpu_ns) as f64 / 1e3,
            _ => 0.0,
        },
    }
}

/// The warm figures of a session of `n` invocations: from the second
/// event on. Its CPU is the whole process's, less what its live threads
/// had used at the second event: threads that ended before then (ours: the
/// first invocation's lookups, see `procfs::reaped_children_cpu_ns`) count
/// against it, spread over the warm invocations.
fn warm(samples: &Samples, n: usize, moto_cpu_ns: u64) -> Warm {
    let warm = n.saturating_sub(1).max(1) as f64;
    let (second, end) = (samples.second, samples.end);
    let whole = match (second, samples.total_cpu_ns) {
        (Some(s), Some(total)) => total.saturating_sub(s.cpu_ns) as f64 / warm / 1e3,
        _ => 0.0,
    };
    let between = |f: fn(&crate::fake_api::End) -> u64| match (second, end) {
        (Some(s), Some(e)) => f(&e).saturating_sub(f(&s)) as f64 / warm,
        _ => 0.0,
    };
    let mut times: Vec<f64> = samples
        .answered
        .iter()
        .zip(&samples.answered_event)
        .filter(|&(_, &i)| i > 0)
        .map(|(answered, &i)| us(answered.duration_since(samples.sent[i])) / 1e3)
        .collect();
    times.sort_by(f64::total_cmp);
    Warm {
        cpu_per_invocation_us: whole,
        ended_threads_us: (whole - between(|e| e.cpu_ns) / 1e3).max(0.0),
        event_to_answer_ms: percentile(&times, 0.5),
        faults_per_invocation: between(|e| e.minor_faults),
        peak_rss_kib: end.map_or(0.0, |e| e.peak_rss_kib as f64),
        connections: samples.connections as f64,
        moto_cpu_per_invocation_us: moto_cpu_ns as f64 / 1e3 / n as f64,
    }
}

/// The Orders part, between its markers.
pub fn render(opts: &Options, orders: &options::Orders, runs: &OrdersRuns) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "{}\n", publish::ORDERS_BEGIN);
    let _ = writeln!(r, "## Calling AWS: orders three ways\n");
    let _ = writeln!(
        r,
        "Generated by `{}` on {} ({}; {}; moto_server {} on 127.0.0.1, on the driver's CPU(s)): \
         {} interleaved round(s), each with one measured session of {} invocations and {} \
         one-invocation sessions per runtime; medians across rounds. Rewritten by the next \
         `--orders` run; the other runs keep it.\n",
        opts.command,
        report::today(),
        procfs::hardware(),
        report::cpus_text(opts),
        moto::MOTO.trim_start_matches("moto[server]=="),
        opts.rounds,
        runs.n,
        runs.cold_per_round
    );
    if opts.quick {
        let _ = writeln!(
            r,
            "**Quick mode**: a smoke test, too short to judge the targets by.\n"
        );
    }
    let cold = |f: fn(&Cold) -> f64| -> [f64; 3] { runs.cold_rounds(f).map(median) };
    let warm = |f: fn(&Warm) -> f64| -> [f64; 3] {
        runs.warm
            .clone()
            .map(|rounds| median(rounds.iter().map(f).collect()))
    };
    let zips = opts.zips.map(|z| z.map_or(0.0, |b| b as f64 / 1e3));
    let crates = orders.crates.map(|c| c.map(|c| c as f64));
    let init_cpu = cold(|c| c.init_cpu_us);
    let first = cold(|c| c.first_ms);
    let warm_cpu = warm(|w| w.cpu_per_invocation_us);
    let peak = warm(|w| w.peak_rss_kib);
    let cold_total = {
        let (a, b) = (init_cpu, cold(|c| c.first_cpu_us));
        [0, 1, 2].map(|i| a[i] + b[i])
    };

    let _ = writeln!(
        r,
        "| figure | {} | {} | {} | ours / lambda_runtime + SDK | ours + SDK / lambda_runtime + SDK | target (ours) |",
        LABELS[0], LABELS[1], LABELS[2]
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|---:|---|");
    let mut row = |name: &str, v: [f64; 3], format: fn(f64) -> String, target: &str| {
        let _ = writeln!(
            r,
            "| {name} | {} | {} | {} | {} | {} | {target} |",
            format(v[0]),
            format(v[1]),
            format(v[2]),
            ratio(v[0], v[2]),
            ratio(v[1], v[2])
        );
    };
    let ms = |v: f64| format!("{v:.2}");
    let int = |v: f64| format!("{v:.0}");
    row("init CPU (µs)", init_cpu, num, "<= 0.2x");
    row("init wall (µs)", cold(|c| c.init_wall_us), num, "");
    row("init page faults", cold(|c| c.init_faults), int, "");
    row(
        "first invocation, event → answer (ms)",
        first,
        ms,
        "<= 0.5x",
    );
    row(
        "first invocation's CPU (µs)",
        cold(|c| c.first_cpu_us),
        num,
        "",
    );
    row("init + first invocation CPU (µs)", cold_total, num, "");
    row(
        "cold start: init wall + first invocation (ms)",
        {
            let (a, b) = (cold(|c| c.init_wall_us), first);
            [0, 1, 2].map(|i| a[i] / 1e3 + b[i])
        },
        ms,
        "",
    );
    row("CPU per warm invocation (µs)", warm_cpu, num, "<= 0.6x");
    row(
        "… of which in threads that ended (µs)",
        warm(|w| w.ended_threads_us),
        num,
        "",
    );
    row(
        "warm invocation, event → answer p50 (ms)",
        warm(|w| w.event_to_answer_ms),
        ms,
        "",
    );
    row(
        "page faults per warm invocation",
        warm(|w| w.faults_per_invocation),
        num,
        "",
    );
    row("RSS at init (KiB)", cold(|c| c.init_rss_kib), num, "");
    row("peak RSS (KiB)", peak, num, "<= 0.4x");
    row(
        "moto's CPU per invocation (µs)",
        warm(|w| w.moto_cpu_per_invocation_us),
        num,
        "",
    );
    row("x86_64 zip (KB)", zips, int, "<= 0.3x");
    if let Some(crates) = crates {
        row("crates (`cargo tree -e normal`, musl)", crates, int, "");
    }
    row("Runtime API connections", warm(|w| w.connections), int, "");

    if opts.rounds > 1 {
        let spread = |name: &str, rounds: [Vec<f64>; 3], format: fn(f64) -> String| -> String {
            let each: Vec<String> = rounds
                .iter()
                .zip(SHORT)
                .map(|(v, short)| {
                    let (lo, hi) = range(v.iter().copied());
                    format!("{short} {}–{}", format(lo), format(hi))
                })
                .collect();
            format!("{name} {}", each.join(", "))
        };
        let warm_rounds =
            |f: fn(&Warm) -> f64| runs.warm.clone().map(|v| v.iter().map(f).collect());
        let lines = [
            spread("init CPU (µs)", runs.cold_rounds(|c| c.init_cpu_us), num),
            spread(
                "first invocation (ms)",
                runs.cold_rounds(|c| c.first_ms),
                ms,
            ),
            spread(
                "CPU per warm invocation (µs)",
                warm_rounds(|w| w.cpu_per_invocation_us),
                num,
            ),
            spread("peak RSS (KiB)", warm_rounds(|w| w.peak_rss_kib), num),
        ];
        let _ = writeln!(
            r,
            "\nSpread across rounds (lowest–highest round): {}.",
            lines.join("; ")
        );
        // The rounds interleave the runtimes: a round's ratio is measured
        // side by side, and its spread is what the noise did to it.
        let ratios = |name: &str, rounds: [Vec<f64>; 3]| -> String {
            let (lo, hi) = range(rounds[0].iter().zip(&rounds[2]).map(|(a, b)| a / b));
            format!("{name} {lo:.2}x–{hi:.2}x")
        };
        let lines = [
            ratios("init CPU", runs.cold_rounds(|c| c.init_cpu_us)),
            ratios("first invocation", runs.cold_rounds(|c| c.first_ms)),
            ratios(
                "CPU per warm invocation",
                warm_rounds(|w| w.cpu_per_invocation_us),
            ),
            ratios("peak RSS", warm_rounds(|w| w.peak_rss_kib)),
        ];
        let _ = writeln!(
            r,
            "\nOurs / lambda_runtime + SDK, round by round (lowest–highest): {}.",
            lines.join(", ")
        );
    }

    let _ = writeln!(
        r,
        "\n### Targets (orders, ours against lambda_runtime + SDK)\n"
    );
    let _ = writeln!(r, "| figure | target | measured | verdict |");
    let _ = writeln!(r, "|---|---|---|---|");
    for (name, v, limit) in [
        ("init CPU", init_cpu, 0.2),
        ("first invocation, event → answer", first, 0.5),
        ("CPU per warm invocation", warm_cpu, 0.6),
        ("peak RSS", peak, 0.4),
        ("x86_64 zip", zips, 0.3),
    ] {
        let ok = v[2] > 0.0 && v[0] / v[2] <= limit;
        let _ = writeln!(
            r,
            "| {name} | <= {limit}x | {} | {} |",
            ratio(v[0], v[2]),
            match (opts.quick, ok) {
                (true, _) => "not judged (quick)",
                (false, true) => "PASS",
                (false, false) => "FAIL",
            }
        );
    }
    r.push_str(&meanings(runs));
    let _ = writeln!(r, "\n{}", publish::ORDERS_END);
    r
}

fn meanings(runs: &OrdersRuns) -> String {
    let batch = 2 * ORDERS_NEW + 2;
    format!(
        "
### What the orders figures mean

- **The function** is `orders` (`src/handlers/orders.rs`): each SQS
  message's body an order, one conditional `PutItem` per good order
  (`attribute_not_exists(id)`), in turn; a duplicate
  (`ConditionalCheckFailedException`) is no error; a bad message or a
  failed write goes into `batchItemFailures`. **ours, `aws` feature** is the
  shipped `bootstrap`, `_HANDLER=orders`, built by `./build.sh --arch x86_64
  --features aws` (the root crate's release profile, opt-level \"s\"), its
  client made on first use. **ours + official SDK** is
  `bench/src/bin/ours_sdk.rs`: the same `lambda_bootstrap::run`, `orders`' logic on
  aws-sdk-dynamodb {dynamodb} and aws-config {config}, a current-thread
  Tokio runtime made once (a `LazyLock`) and a `block_on` per put, the
  client made on first use too. **lambda_runtime + official SDK** is
  `bench/src/bin/official_orders.rs`: lambda_runtime {lambda_runtime},
  `#[tokio::main]`, `service_fn`, the client made in `main` before `run`,
  as the SDK's and lambda_runtime's examples make it: its client is in its
  init, ours in their first invocation (\"init + first invocation\" and
  \"cold start\" add both up). Both SDK runtimes share the put and its
  logging (`bench/src/sdk.rs`), parse the batch into `sqsevent`'s declared
  types as ours does (not aws_lambda_events' `SqsEvent`), and are built in
  one build from `bench/` with its release profile (opt-level 3, as
  `official`) and the SDK's lightest features that build static on musl:
  no default features (which bring aws-lc-rs, SSO and
  `credential_process`), `rt-tokio`, `behavior-version-latest`, and
  aws-smithy-http-client's `rustls-ring`, its HTTPS client on rustls with
  ring, the crypto ours uses. lambda_runtime's installs no logger, as in the
  other comparisons, so its log lines go nowhere, while both of ours write
  theirs to stderr (12 lines a warm invocation).
- **moto** (`moto_server`, started by the driver; its request
  authentication off: every runtime signs with the credentials it is
  given, as on Lambda with a session token, and moto does not check them)
  speaks plain HTTP, so no cold path here has a TLS handshake (each still
  builds its TLS set-up: roots and rustls). moto closes every connection
  after its answer, where DynamoDB keeps it: the runtimes reach it through
  the driver's keep-alive front (`keepalive.rs`), which keeps their
  connection and opens moto's for each request. moto and the driver run
  on the driver's CPU, each runtime on its own (run.sh pins them), so
  moto's Python does not take turns with the runtime measured; moto's CPU
  per invocation, the same work for every runtime, is shown as a check: it
  is most of an invocation's wall time.
- **The events**: each session gets its own table in moto, holding 5
  orders before the first event. The first event, the cold invocation's,
  is a body that is not an order and one new order: one `PutItem`, so that
  its time is the cold path's (client, connection, credentials, the first
  put), not nine more puts'. Each later invocation gets {batch} messages
  as Lambda delivers them from SQS: 5 new orders, the batch before's 5
  again (the same bodies), a body that is not an order and an order of
  nothing (`qty` 0), mixed: 10 `PutItem`s, half refused by the condition.
  Every answer must name exactly its batch's bad messages, and after every
  session the table must hold each order once, with the quantity first
  delivered, and nothing else (`bench/src/bin/bench/event.rs`, `moto.rs`).
- **init CPU**, **init wall**, **init page faults**, **RSS at init**: exec
  (spawn, for wall time) to the first `GET /next`. **first invocation,
  event → answer**: the first event written by the fake Runtime API to its
  answer read; **first invocation's CPU**: the process's CPU from the first
  `GET /next` to its end (all threads, those that ended too:
  `getrusage` of the reaped process, less init); **cold start**: init
  wall plus the first invocation, what a caller waits on a cold start.
  These come from {cold} one-invocation sessions per runtime and round,
  started in a cycle in which each runtime follows each of the others
  equally often; each round's figure is their median.
- **CPU per warm invocation**: the process's whole CPU at its end
  (`getrusage`) less its threads' CPU at the second `GET /next`
  (`/proc/<pid>/task/*/schedstat`), over the {warm} warm invocations of the
  measured session; **of which in threads that ended**: what the threads
  alive at the end do not account for (a thread that ended during the
  first invocation counts here, a few µs spread over the warm ones; ours
  had ureq's resolver run each lookup in a thread of its own, one per
  request, until src/aws/resolve.rs kept its answers). **warm event → answer p50**: over the same invocations,
  moto's time included. **peak RSS**: `VmHWM` after the last answer.
- **zip**: each binary zipped as `build.sh` zips (`zip -X -9`, one
  `bootstrap`); **crates**: the packages `cargo tree -e normal` lists for
  x86_64-unknown-linux-musl, on bench/Cargo.lock's versions, for what each
  function's Cargo.toml holds: this crate with `aws` (itself counted);
  this crate, aws-config, aws-sdk-dynamodb, aws-smithy-http-client and
  tokio; lambda_runtime, the same SDK crates, tokio, serde and serde_json
  (bench/run.sh). **Runtime API connections**: lambda_runtime's client
  opens a new one now and then, as in the side-by-side run.
- Wall times on this shared machine move with its other work; CPU times
  less; instruction counts (`--callgrind`, below the marker) not at all.
",
        dynamodb = report::locked_version("aws-sdk-dynamodb"),
        config = report::locked_version("aws-config"),
        lambda_runtime = report::lambda_runtime_version(),
        cold = runs.cold_per_round,
        warm = runs.n.saturating_sub(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> (Options, options::Orders) {
        let opts = options::parse(
            "--orders s --ours o --official l --runtime-cpus 0 --zips /dev/null,/dev/null,/dev/null"
                .split(' ')
                .map(Into::into),
        )
        .unwrap()
        .unwrap();
        let orders = options::Orders {
            crates: Some([37, 147, 156]),
            ..opts.orders.clone().unwrap()
        };
        (opts, orders)
    }

    fn cold(init_cpu_us: f64, first_ms: f64) -> Cold {
        Cold {
            init_cpu_us,
            first_ms,
            ..Cold::default()
        }
    }

    fn warm(cpu_per_invocation_us: f64, peak_rss_kib: f64) -> Warm {
        Warm {
            cpu_per_invocation_us,
            peak_rss_kib,
            ..Warm::default()
        }
    }

    #[test]
    fn targets_pass_and_fail_on_the_ratios_to_lambda_runtime_with_the_sdk() {
        let (opts, orders) = opts();
        // Two rounds of two cold sessions; the medians of the rounds'
        // medians are what is judged.
        let runs = OrdersRuns {
            n: 100,
            cold_per_round: 2,
            cold: [
                vec![
                    cold(100.0, 1.0),
                    cold(300.0, 3.0),
                    cold(150.0, 2.0),
                    cold(250.0, 2.0),
                ],
                vec![cold(500.0, 9.0); 4],
                vec![cold(1000.0, 4.0); 4],
            ],
            warm: [
                vec![warm(500.0, 2000.0), warm(700.0, 2100.0)],
                vec![warm(900.0, 6000.0); 2],
                vec![warm(1000.0, 6000.0); 2],
            ],
        };
        let text = render(&opts, &orders, &runs);
        for row in [
            "| init CPU | <= 0.2x | 0.20x | PASS |",
            "| first invocation, event → answer | <= 0.5x | 0.50x | PASS |",
            "| CPU per warm invocation | <= 0.6x | 0.60x | PASS |",
            "| peak RSS | <= 0.4x | 0.34x | PASS |",
            "| x86_64 zip | <= 0.3x | n/a | FAIL |",
            "| init CPU (µs) | 200 | 500 | 1000 | 0.20x | 0.50x | <= 0.2x |",
            "| crates (`cargo tree -e normal`, musl) | 37 | 147 | 156 | 0.24x | 0.94x |  |",
            "init CPU (µs) ours 200–200, ours+SDK 500–500",
            "CPU per warm invocation (µs) ours 500–700",
            "round by round (lowest–highest): init CPU 0.20x–0.20x, first invocation 0.50x–0.50x, \
             CPU per warm invocation 0.50x–0.70x, peak RSS 0.33x–0.35x.",
        ] {
            assert!(text.contains(row), "{row} in:\n{text}");
        }
        assert!(text.starts_with(publish::ORDERS_BEGIN));
        assert!(text.trim_end().ends_with(publish::ORDERS_END));
        let mut slow = runs;
        slow.warm[0] = vec![warm(700.0, 2500.0); 2];
        let text = render(&opts, &orders, &slow);
        for row in [
            "| CPU per warm invocation | <= 0.6x | 0.70x | FAIL |",
            "| peak RSS | <= 0.4x | 0.42x | FAIL |",
        ] {
            assert!(text.contains(row), "{row} in:\n{text}");
        }
    }

    #[test]
    fn a_table_that_differs_names_the_first_difference() {
        let expected: BTreeMap<String, u32> = [("a".into(), 1), ("b".into(), 2)].into();
        let check = |held: &[(&str, u32)]| {
            let held = held
                .iter()
                .map(|&(id, qty)| (id.to_string(), qty))
                .collect();
            check_table("ours", "t", &held, &expected)
        };
        assert_eq!(check(&[("a", 1), ("b", 2)]), Ok(()));
        for (held, why) in [
            (&[("a", 1)][..], "order b (qty 2) is missing"),
            (
                &[("a", 1), ("b", 3)],
                "order b has qty 3, not the 2 first delivered",
            ),
            (
                &[("a", 1), ("b", 2), ("c", 1)],
                "it holds c, which no batch ordered",
            ),
        ] {
            let err = check(held).unwrap_err();
            assert!(err.starts_with("ours: table t holds "), "{err}");
            assert!(err.ends_with(why), "{err}");
        }
    }
}
