//! The comparison: interleaved rounds (ours, floor, official, ours, ...) of
//! the 1 KB event so that machine drift hits all three alike, then payload
//! scaling for ours and the floor; then the report's top, the part this
//! comparison renders: its tables, the targets with PASS/FAIL and what each
//! figure means. Turns each session's samples into those figures.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::event;
use crate::fake_api::Samples;
use crate::options::{Options, Runtime};
use crate::procfs;
use crate::publish;
use crate::report::{lambda_runtime_version, num, ratio, today};
use crate::session::{self, Ending, Work};
use crate::stats::{med, percentile, range};

/// The figures of one session.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    /// CPU from exec to the first `GET /next`, µs.
    pub init_cpu_us: f64,
    /// Wall time from spawn to the first `GET /next`, µs.
    pub init_wall_us: f64,
    /// Minor page faults from exec to the first `GET /next`.
    pub init_page_faults: f64,
    /// Event written → answer read, µs.
    pub event_to_answer_p50_us: f64,
    /// The same, 99th percentile.
    pub event_to_answer_p99_us: f64,
    /// Answer i read → answer i+1 read, µs.
    pub cycle_p50_us: f64,
    /// The same, 99th percentile.
    pub cycle_p99_us: f64,
    /// CPU after init, per invocation, µs.
    pub cpu_per_invocation_us: f64,
    /// Minor page faults after init, per invocation: fresh memory touched.
    pub faults_per_invocation: f64,
    /// `VmHWM` after the last answer, KiB.
    pub peak_rss_kib: f64,
    /// `VmHWM` at the first `GET /next`, before any event, KiB.
    pub idle_rss_kib: f64,
    /// TCP connections the runtime opened.
    pub connections: f64,
}

/// One payload size's runs.
pub struct Scaling {
    /// "1 KB", ...
    pub label: &'static str,
    /// The event's exact size.
    pub bytes: usize,
    /// Invocations per run.
    pub n: usize,
    /// Ours, one per round.
    pub ours: Vec<Measurement>,
    /// The floor, one per round.
    pub floor: Vec<Measurement>,
}

/// Invocations of each runtime's warm-up session.
const WARM_UP: usize = 200;
/// One-invocation sessions per runtime and round, for the init figures:
/// an even number, for `INIT_ORDER`. One start-up is a noisy sample, so
/// the init figures are medians of many; each is a short session, so many
/// cost little next to the long ones.
pub const INIT_SAMPLES: usize = 30;
/// The order of those sessions, over and over (indices into the runtimes):
/// every ordered pair of different runtimes once, so each runtime starts
/// after each of the other two equally often.
pub const INIT_ORDER: [usize; 6] = [0, 1, 2, 0, 2, 1];

/// Payload sizes (label, bytes, invocations per run): fewer invocations
/// for the big ones, whose runs are long anyway.
const SIZES: [(&str, usize, usize); 4] = [
    ("1 KB", 1024, 2_000),
    ("64 KB", 64 * 1024, 500),
    ("1 MB", 1024 * 1024, 50),
    ("5 MB", 5 * 1024 * 1024, 20),
];
/// The smoke test's sizes.
const QUICK_SIZES: [(&str, usize, usize); 2] = [("1 KB", 1024, 500), ("64 KB", 64 * 1024, 200)];

/// Runs the comparison and writes or prints the report.
pub fn run(opts: &Options) -> Result<(), String> {
    let event: Arc<[u8]> = event::api_gateway(1024).into();
    // A discarded warm-up session of each: the first exec of a binary pays
    // for the page cache and the driver's own cold paths, and would
    // otherwise always land on ours, which runs first in every round.
    for runtime in &opts.runtimes {
        let work = Work::httpevent(&event, WARM_UP.min(opts.n));
        session::run(runtime, &[], &work, Ending::Kill)?;
    }
    let mut runs: [Vec<Measurement>; 3] = Default::default();
    for round in 1..=opts.rounds {
        let mut round_runs = Vec::new();
        for runtime in &opts.runtimes {
            round_runs.push(measure(runtime, &event, opts.n)?);
        }
        // A start-up is one sample per process, and what ran just before
        // it moves it: after a long session (caches cold) a start costs
        // more than one after a short one. Which runtime follows
        // a long session is a matter of order, so the init figures come
        // from one-event sessions, each after another runtime's one-event
        // session. Which one matters too (a start after lambda_runtime's,
        // the heaviest, costs more than one after the floor's), so the order
        // is a cycle in which each runtime follows each of the other two
        // equally often, entered at a different place each round.
        let mut inits: [Vec<Measurement>; 3] = Default::default();
        // Not after a long session either: the entry's predecessor in the
        // cycle runs first, unmeasured.
        let at = |k: usize| INIT_ORDER[(round - 1 + k) % INIT_ORDER.len()];
        measure(&opts.runtimes[at(INIT_ORDER.len() - 1)], &event, 1)?;
        for k in 0..INIT_SAMPLES * 3 {
            let i = at(k);
            inits[i].push(measure(&opts.runtimes[i], &event, 1)?);
        }
        let each = opts
            .runtimes
            .iter()
            .zip(round_runs)
            .zip(inits)
            .zip(&mut runs);
        for (((runtime, mut m), inits), runs) in each {
            m.init_cpu_us = med(&inits, |m| m.init_cpu_us);
            m.init_wall_us = med(&inits, |m| m.init_wall_us);
            m.init_page_faults = med(&inits, |m| m.init_page_faults);
            eprintln!(
                "round {round}/{} {:8}: cycle p50 {:7.1} us, cpu/inv {:6.1} us, init cpu {:6.0} us, \
                 rss {:5.0} KiB, connections {}",
                opts.rounds,
                runtime.name,
                m.cycle_p50_us,
                m.cpu_per_invocation_us,
                m.init_cpu_us,
                m.peak_rss_kib,
                m.connections
            );
            runs.push(m);
        }
    }

    let sizes = if opts.quick {
        &QUICK_SIZES[..]
    } else {
        &SIZES[..]
    };
    let mut scaling = Vec::new();
    for &(label, size, n) in sizes {
        let event: Arc<[u8]> = event::api_gateway(size).into();
        let mut row = Scaling {
            label,
            bytes: event.len(),
            n,
            ours: Vec::new(),
            floor: Vec::new(),
        };
        for _ in 0..opts.rounds {
            row.ours.push(measure(&opts.runtimes[0], &event, n)?);
            row.floor.push(measure(&opts.runtimes[1], &event, n)?);
        }
        eprintln!(
            "payload {label:>5}: ours cycle {:8.1} us, rss {:6.0} KiB; floor cycle {:8.1} us, rss {:6.0} KiB",
            med(&row.ours, |m| m.cycle_p50_us),
            med(&row.ours, |m| m.peak_rss_kib),
            med(&row.floor, |m| m.cycle_p50_us),
            med(&row.floor, |m| m.peak_rss_kib)
        );
        scaling.push(row);
    }

    let generated = render(opts, &runs, &scaling);
    publish::publish(opts.out.as_deref(), &generated, publish::merge)
}

/// The report for `runs` (ours, floor, official; one per round each) and the
/// payload-scaling rows.
pub fn render(opts: &Options, runs: &[Vec<Measurement>; 3], scaling: &[Scaling]) -> String {
    let [ours, floor, official] = runs;
    let mut r = String::new();
    let _ = writeln!(r, "# Benchmarks\n");
    let _ = writeln!(
        r,
        "Generated by `{}` on {} ({}): {} interleaved round(s) of {} invocations per runtime, \
         medians across rounds. Everything above the marker line is rewritten by the next run; \
         the text below it is kept.\n",
        opts.command,
        today(),
        procfs::machine(),
        opts.rounds,
        opts.n
    );
    if opts.quick {
        let _ = writeln!(
            r,
            "**Quick mode**: a smoke test, too short to judge the targets by.\n"
        );
    }

    let _ = writeln!(
        r,
        "## Side by side: a 1 KB API Gateway event through `httpevent`\n"
    );
    let _ = writeln!(
        r,
        "| figure | ours | floor | lambda_runtime | ours / floor | ours / lambda_runtime | target |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|---:|---|");
    type Row = (&'static str, fn(&Measurement) -> f64, &'static str);
    let rows: [Row; 10] = [
        (
            "init CPU (µs)",
            |m| m.init_cpu_us,
            "<= 1.3x floor, <= 0.5x lambda_runtime",
        ),
        ("init wall (µs)", |m| m.init_wall_us, ""),
        ("init page faults", |m| m.init_page_faults, ""),
        ("event → answer p50 (µs)", |m| m.event_to_answer_p50_us, ""),
        ("event → answer p99 (µs)", |m| m.event_to_answer_p99_us, ""),
        (
            "cycle p50 (µs)",
            |m| m.cycle_p50_us,
            "<= 1.2x floor, <= 0.6x lambda_runtime",
        ),
        ("cycle p99 (µs)", |m| m.cycle_p99_us, ""),
        (
            "CPU per invocation (µs)",
            |m| m.cpu_per_invocation_us,
            "<= 1.5x floor, <= 0.5x lambda_runtime",
        ),
        (
            "peak RSS (KiB)",
            |m| m.peak_rss_kib,
            "<= 2.0x floor, <= 0.7x lambda_runtime",
        ),
        ("TCP connections", |m| m.connections, "1"),
    ];
    for (name, figure, target) in rows {
        let (o, f, a) = (med(ours, figure), med(floor, figure), med(official, figure));
        let _ = writeln!(
            r,
            "| {name} | {} | {} | {} | {} | {} | {target} |",
            num(o),
            num(f),
            num(a),
            ratio(o, f),
            ratio(o, a)
        );
    }
    let kb = |size: Option<u64>| size.map(|b| b as f64 / 1000.0);
    let zips = opts.zips.map(kb);
    let shown = |z: Option<f64>| z.map_or("n/a".to_string(), |z| format!("{z:.0}"));
    let zip_ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => ratio(a, b),
        _ => "n/a".to_string(),
    };
    let _ = writeln!(
        r,
        "| x86_64 zip (KB) | {} | {} | {} | {} | {} | <= 0.7x lambda_runtime |\n",
        shown(zips[0]),
        shown(zips[1]),
        shown(zips[2]),
        zip_ratio(zips[0], zips[1]),
        zip_ratio(zips[0], zips[2])
    );
    if opts.rounds > 1 {
        let spread = |figure: fn(&Measurement) -> f64| {
            runs.iter()
                .zip(["ours", "floor", "lambda_runtime"])
                .map(|(runs, name)| {
                    let (lo, hi) = range(runs.iter().map(figure));
                    format!("{name} {}–{}", num(lo), num(hi))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            r,
            "Spread across rounds (lowest–highest round): cycle p50 {} µs; CPU per invocation {} µs.\n",
            spread(|m| m.cycle_p50_us),
            spread(|m| m.cpu_per_invocation_us)
        );
    }

    let _ = writeln!(r, "## Payload scaling: ours and the floor\n");
    let _ = writeln!(
        r,
        "| event | invocations | ours cycle p50 (µs) | floor cycle p50 (µs) | ours / floor \
         | ours CPU per inv. (µs) | floor CPU per inv. (µs) | ours / floor \
         | ours page faults per inv. | floor page faults per inv. \
         | ours peak RSS (KiB) | floor peak RSS (KiB) |"
    );
    let _ = writeln!(
        r,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in scaling {
        let (oc, fc) = (
            med(&row.ours, |m| m.cycle_p50_us),
            med(&row.floor, |m| m.cycle_p50_us),
        );
        let (ocpu, fcpu) = (
            med(&row.ours, |m| m.cpu_per_invocation_us),
            med(&row.floor, |m| m.cpu_per_invocation_us),
        );
        let _ = writeln!(
            r,
            "| {} ({} B) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
            row.label,
            row.bytes,
            row.n,
            num(oc),
            num(fc),
            ratio(oc, fc),
            num(ocpu),
            num(fcpu),
            ratio(ocpu, fcpu),
            num(med(&row.ours, |m| m.faults_per_invocation)),
            num(med(&row.floor, |m| m.faults_per_invocation)),
            med(&row.ours, |m| m.peak_rss_kib),
            med(&row.floor, |m| m.peak_rss_kib)
        );
    }

    if opts.rounds > 1 {
        let spread: Vec<String> = scaling
            .iter()
            .map(|size| {
                let ratios = size
                    .ours
                    .iter()
                    .zip(&size.floor)
                    .map(|(o, f)| o.cpu_per_invocation_us / f.cpu_per_invocation_us);
                let (lo, hi) = range(ratios);
                format!("{} {lo:.2}x–{hi:.2}x", size.label)
            })
            .collect();
        let _ = writeln!(
            r,
            "\nSpread across rounds (each round's ours and floor run one after the other), \
             ours / floor CPU per invocation: {}.",
            spread.join(", ")
        );
    }

    render_targets(&mut r, opts, runs, scaling, [zips[0], zips[2]]);
    r.push_str(&meanings());
    r
}

fn render_targets(
    r: &mut String,
    opts: &Options,
    [ours, floor, official]: &[Vec<Measurement>; 3],
    scaling: &[Scaling],
    [zip_kb, official_zip_kb]: [Option<f64>; 2],
) {
    let _ = writeln!(r, "\n## Targets\n");
    let _ = writeln!(r, "| figure | target | measured | verdict |");
    let _ = writeln!(r, "|---|---|---|---|");
    let mut row = |figure: &str, target: &str, measured: String, ok: Option<bool>| {
        let verdict = match ok {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "not measured",
        };
        let _ = writeln!(r, "| {figure} | {target} | {measured} | {verdict} |");
    };
    let mut ratio_row = |figure: &str, of: fn(&Measurement) -> f64, base: &[Measurement], limit| {
        let value = med(ours, of) / med(base, of);
        let target = format!("<= {limit:.1}x");
        row(
            figure,
            &target,
            format!("{value:.2}x"),
            Some(value <= limit),
        );
    };
    ratio_row(
        "per-invocation cycle (p50) vs floor",
        |m| m.cycle_p50_us,
        floor,
        1.2,
    );
    ratio_row(
        "per-invocation cycle (p50) vs lambda_runtime",
        |m| m.cycle_p50_us,
        official,
        0.6,
    );
    ratio_row(
        "CPU per invocation vs floor",
        |m| m.cpu_per_invocation_us,
        floor,
        1.5,
    );
    ratio_row(
        "CPU per invocation vs lambda_runtime",
        |m| m.cpu_per_invocation_us,
        official,
        0.5,
    );
    ratio_row("init CPU vs floor", |m| m.init_cpu_us, floor, 1.3);
    ratio_row(
        "init CPU vs lambda_runtime",
        |m| m.init_cpu_us,
        official,
        0.5,
    );
    ratio_row("peak RSS vs floor", |m| m.peak_rss_kib, floor, 2.0);
    ratio_row(
        "peak RSS vs lambda_runtime",
        |m| m.peak_rss_kib,
        official,
        0.7,
    );
    let connections = med(ours, |m| m.connections);
    row(
        &format!("TCP connections for {} invocations", opts.n),
        "1",
        format!("{connections:.0}"),
        Some(connections == 1.0),
    );
    let zip_ratio = zip_kb.zip(official_zip_kb).map(|(o, l)| o / l);
    row(
        "x86_64 zip vs lambda_runtime",
        "<= 0.7x",
        zip_kb.map_or("n/a".into(), |kb| {
            format!(
                "{kb:.0} KB{}",
                zip_ratio.map_or(String::new(), |x| format!(" ({x:.2}x)"))
            )
        }),
        zip_ratio.map(|x| x <= 0.7),
    );
    let small = scaling.iter().find(|s| s.label == "1 KB");
    let big = scaling.iter().find(|s| s.label == "5 MB");
    match (small, big) {
        (Some(small), Some(big)) => {
            let base = med(&small.ours, |m| m.peak_rss_kib);
            let peak = med(&big.ours, |m| m.peak_rss_kib);
            let limit = 4.0 * big.bytes as f64 / 1024.0 + base;
            row(
                "5 MB event: peak RSS",
                "<= 4x the payload + the 1 KB peak",
                format!("{peak:.0} KiB (limit {limit:.0} KiB)"),
                Some(peak <= limit),
            );
        }
        _ => row(
            "5 MB event: peak RSS",
            "<= 4x the payload + the 1 KB peak",
            "(not run in quick mode)".into(),
            None,
        ),
    }
    for size in scaling {
        let (ours, floor) = (
            med(&size.ours, |m| m.cpu_per_invocation_us),
            med(&size.floor, |m| m.cpu_per_invocation_us),
        );
        row(
            &format!("{} event: CPU per invocation vs floor", size.label),
            "<= 1.3x",
            ratio(ours, floor),
            Some(ours <= 1.3 * floor),
        );
    }
}

fn meanings() -> String {
    format!(
        "
## What each figure means

- **ours** is the root crate's `bootstrap` (`_HANDLER=httpevent`), built by
  `build.sh --arch x86_64`; **floor** is `bench/src/bin/floor.rs`, std
  networking and a hand-parsed HTTP/1.1 exchange on one connection, the least
  a runtime can do; **lambda_runtime** is `bench/src/bin/official.rs`,
  lambda_runtime {} (default features off, so without tracing) under
  `#[tokio::main]`, `service_fn` over `LambdaEvent<Value>`. All three run the
  very same handler, `bootstrap`'s `httpevent` from its handler table, so the
  differences are the runtimes'. All are built for x86_64-unknown-linux-musl
  with LTO, one codegen unit, stripped, unwinding; opt-level as each crate's
  release profile says. All three are built the way build.sh ships ours:
  the stable toolchain, the prebuilt std, the target's default static-pie
  (position-independent) executable, no unstable flags. bench/run.sh zips each one and runs it from its zip, unpacked, as
  Lambda does.
- The fake Runtime API spawns each runtime with Lambda's environment and
  answers like AWS's emulator: each event carries a unique request id, a
  deadline 60 s ahead, an ARN and a trace id; each answer gets 202 with
  `{{\"status\":\"OK\"}}`. Every answer is checked (JSON, `statusCode` 200, a
  body greeting the event's `hello` parameter); one wrong answer, a second
  `GET /next` before answering, or a runtime that dies fails the whole run.
- **init CPU**: CPU time the process used, summed over its threads
  (`/proc/<pid>/task/*/schedstat`), from exec to the moment its first
  `GET /next` request line arrives. **init wall**: the same span in wall
  time, from just before the spawn. **init page faults**: minor faults in
  that span (`/proc/<pid>/stat`), one per page first touched: with exec,
  most of the init CPU that is not the runtime's own instructions. The
  three init figures are medians over {} one-event sessions per round,
  started one after another: a start right after a long session costs up
  to half as much again (cold caches, as in a fresh sandbox), and one
  right after lambda_runtime's more than one after the floor's, so which
  runtime lands where would be a matter of order. The order is a cycle
  (ours, floor, lambda_runtime, ours, lambda_runtime, floor) in which each
  runtime follows each of the other two equally often, entered at a
  different place each round, after an unmeasured session of the entry's
  predecessor: all three start in the same conditions. The driver's own
  threads are started before each spawn, so that no thread start of the
  driver's lands in a runtime's start-up on the CPU they share.
- **event → answer**: from the fake API starting to write an event to it
  having read the whole answer. **cycle**: from one answer read to the next,
  so it includes the runtime's next `GET /next`: what one invocation costs
  end to end. The cycle target is on p50.
- **CPU per invocation**: process CPU, all threads, from the first
  `GET /next` to the one after the last answer, divided by the invocations.
- **peak RSS**: `VmHWM` from `/proc/<pid>/status`, read when the runtime asks
  for the event after the last, before it is killed.
- **TCP connections**: connections the fake API accepted from the runtime.
- **zip**: the deployment zip, one entry `bootstrap`, deflated with `zip -9`;
  KB are 1000 bytes.
- **payload scaling**: the same API Gateway event with its `body` padded to
  the size shown; fewer invocations for the big ones. **page faults per
  inv.**: minor page faults (`/proc/<pid>/stat`) from the first `GET /next`
  to the one after the last, per invocation: each is a page of fresh memory
  touched, a cost in CPU that instruction counts do not show.
- The driver and the runtimes share one CPU (run.sh pins them), as a
  128 MB function gets a fraction of one vCPU; times include the fake API's
  own share of that CPU, alike for all three. Compare ratios within one run,
  not absolute times across runs or machines.
",
        lambda_runtime_version(),
        INIT_SAMPLES
    )
}

/// One session of `runtime`, ended by SIGKILL, as figures.
fn measure(runtime: &Runtime, event: &Arc<[u8]>, n: usize) -> Result<Measurement, String> {
    let samples = session::run(runtime, &[], &Work::httpevent(event, n), Ending::Kill)?;
    Ok(figures(&samples, n))
}

/// The figures of a session of `n` invocations.
pub fn figures(samples: &Samples, n: usize) -> Measurement {
    let us = |d: std::time::Duration| d.as_nanos() as f64 / 1e3;
    let mut event_to_answer: Vec<f64> = samples
        .answered
        .iter()
        .zip(&samples.answered_event)
        .map(|(answered, &i)| us(answered.duration_since(samples.sent[i])))
        .collect();
    let mut cycles: Vec<f64> = samples
        .answered
        .windows(2)
        .map(|w| us(w[1].duration_since(w[0])))
        .collect();
    event_to_answer.sort_by(f64::total_cmp);
    cycles.sort_by(f64::total_cmp);
    let (init_cpu_ns, init_wall, init_faults, idle_rss_kib) = samples
        .init
        .map(|i| (i.cpu_ns, i.wall, i.minor_faults, i.peak_rss_kib))
        .unwrap_or_default();
    let (end_cpu_ns, peak_rss_kib, end_faults) = samples
        .end
        .map(|e| (e.cpu_ns, e.peak_rss_kib, e.minor_faults))
        .unwrap_or_default();
    Measurement {
        init_cpu_us: init_cpu_ns as f64 / 1e3,
        init_wall_us: us(init_wall),
        init_page_faults: init_faults as f64,
        event_to_answer_p50_us: percentile(&event_to_answer, 0.5),
        event_to_answer_p99_us: percentile(&event_to_answer, 0.99),
        cycle_p50_us: percentile(&cycles, 0.5),
        cycle_p99_us: percentile(&cycles, 0.99),
        cpu_per_invocation_us: end_cpu_ns.saturating_sub(init_cpu_ns) as f64 / 1e3 / n as f64,
        faults_per_invocation: end_faults.saturating_sub(init_faults) as f64 / n as f64,
        peak_rss_kib: peak_rss_kib as f64,
        idle_rss_kib: idle_rss_kib as f64,
        connections: samples.connections as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(cycle: f64) -> Measurement {
        Measurement {
            cycle_p50_us: cycle,
            init_cpu_us: cycle,
            cpu_per_invocation_us: cycle,
            peak_rss_kib: cycle,
            connections: 1.0,
            ..Measurement::default()
        }
    }

    #[test]
    fn targets_pass_and_fail_on_the_ratios() {
        let opts = crate::options::parse(
            "--ours o --floor f --official l --quick"
                .split(' ')
                .map(Into::into),
        )
        .unwrap()
        .unwrap();
        let runs = [vec![m(11.0)], vec![m(10.0)], vec![m(100.0)]];
        let text = render(&opts, &runs, &[]);
        assert!(text.contains("| per-invocation cycle (p50) vs floor | <= 1.2x | 1.10x | PASS |"));
        assert!(text.contains("| CPU per invocation vs floor | <= 1.5x | 1.10x | PASS |"));
        assert!(text.contains("| CPU per invocation vs lambda_runtime | <= 0.5x | 0.11x | PASS |"));
        assert!(text.contains("| init CPU vs lambda_runtime | <= 0.5x | 0.11x | PASS |"));
        assert!(text.contains("| x86_64 zip vs lambda_runtime | <= 0.7x | n/a | not measured |"));
        assert!(text.contains("| 5 MB event: peak RSS |"));
        assert!(text.contains("**Quick mode**"));
        let slow = [vec![m(13.0)], vec![m(10.0)], vec![m(20.0)]];
        let text = render(&opts, &slow, &[]);
        assert!(text.contains("| per-invocation cycle (p50) vs floor | <= 1.2x | 1.30x | FAIL |"));
        assert!(text.contains("| peak RSS vs lambda_runtime | <= 0.7x | 0.65x | PASS |"));
    }
}
