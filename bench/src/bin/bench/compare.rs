//! The comparison: interleaved rounds (ours, floor, official, ours, ...) of
//! the 1 KB event so that machine drift hits all three alike, then payload
//! scaling for ours and the floor; then the report. Turns each session's
//! samples into the figures the report shows.

use std::sync::Arc;

use crate::event;
use crate::fake_api::Samples;
use crate::options::{Options, Runtime};
use crate::report;
use crate::session::{self, Ending, Work};
use crate::stats::percentile;

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
/// an even number, for `INIT_ORDER`. Start-ups on this machine spread by a
/// third from one to the next; 10 a round left the init ratio moving by
/// ±0.07 between full runs. Each costs a few milliseconds.
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
        // it moves it by half: after a long session (caches cold) a start
        // costs up to 1.5 times one after a short one. Which runtime follows
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
            m.init_cpu_us = report::med(&inits, |m| m.init_cpu_us);
            m.init_wall_us = report::med(&inits, |m| m.init_wall_us);
            m.init_page_faults = report::med(&inits, |m| m.init_page_faults);
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
        let med = |runs: &[Measurement], f: fn(&Measurement) -> f64| report::med(runs, f);
        eprintln!(
            "payload {label:>5}: ours cycle {:8.1} us, rss {:6.0} KiB; floor cycle {:8.1} us, rss {:6.0} KiB",
            med(&row.ours, |m| m.cycle_p50_us),
            med(&row.ours, |m| m.peak_rss_kib),
            med(&row.floor, |m| m.cycle_p50_us),
            med(&row.floor, |m| m.peak_rss_kib)
        );
        scaling.push(row);
    }

    let generated = report::render(opts, &runs, &scaling);
    report::publish(opts.out.as_deref(), &generated, report::merge)
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
