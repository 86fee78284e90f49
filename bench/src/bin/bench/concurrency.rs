//! The concurrency comparison (`--concurrency N`): ours and lambda_runtime,
//! each started with `AWS_LAMBDA_MAX_CONCURRENCY=N` and served N long-polls
//! at once, on two jobs (`sleep10`, I/O-bound; `compute`, CPU-bound), in
//! interleaved rounds; then the Concurrency part of the report. Turns each
//! session's samples into the figures that part shows.

use std::sync::Arc;
use std::time::Instant;

use lambda_bootstrap_bench::Job;

use crate::event;
use crate::fake_api::{Answers, Samples};
use crate::options::{Concurrency, Options, Runtime};
use crate::report;
use crate::session::{self, Ending, Work};
use crate::stats::percentile;

/// The figures of one concurrent session.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Invocations per second, from the first event written to the last
    /// answer read.
    pub per_second: f64,
    /// CPU from the first `GET /next` to the runtime idle again, all
    /// threads, per invocation, µs.
    pub cpu_per_invocation_us: f64,
    /// Event written → its answer read, µs.
    pub latency_p50_us: f64,
    /// The same, 99th percentile.
    pub latency_p99_us: f64,
    /// `VmHWM` once idle after the last answer, KiB.
    pub peak_rss_kib: f64,
    /// TCP connections the runtime opened.
    pub connections: f64,
}

/// One job's runs.
pub struct JobRuns {
    /// The job.
    pub job: Job,
    /// Invocations per run.
    pub n: usize,
    /// Ours and lambda_runtime, in that order; one run per round each.
    pub runs: [Vec<Run>; 2],
}

/// Invocations of each runtime's warm-up session (compute).
const WARM_UP: usize = 200;

/// Runs the comparison and writes or prints the Concurrency part.
pub fn run(opts: &Options, concurrency: &Concurrency) -> Result<(), String> {
    let wrapper = session::pin(opts.runtime_cpus.as_deref())?;
    let workers = concurrency.workers;
    let sessions = |runtime: &Runtime, job: Job, n: usize| -> Result<Run, String> {
        let value = job.event();
        let event: Arc<[u8]> = serde_json::to_vec(&value)
            .expect("a Value serializes")
            .into();
        let expected = job.answer(&value);
        let check = |_: usize, answer: &[u8]| event::check_job_answer(answer, &expected);
        let work = Work {
            handler: job.name(),
            events: std::slice::from_ref(&event),
            n,
            env: &[],
            concurrency: Some(workers),
            check: &check,
            answers: Answers::Buffered,
        };
        let samples = session::run(runtime, &wrapper, &work, Ending::Kill)?;
        Ok(figures(&samples, n))
    };

    // As in the side-by-side comparison: the first exec of each binary pays
    // for the page cache and the driver's cold paths, unmeasured.
    for runtime in &opts.runtimes {
        sessions(runtime, Job::Compute, WARM_UP.min(concurrency.counts[1]))?;
    }
    let mut jobs: Vec<JobRuns> = Job::ALL
        .into_iter()
        .zip(concurrency.counts)
        .map(|(job, n)| JobRuns {
            job,
            n,
            runs: Default::default(),
        })
        .collect();
    for round in 1..=opts.rounds {
        for job in &mut jobs {
            // Which runtime goes first alternates: neither always starts
            // right after the other's session.
            let order = if round % 2 == 1 { [0, 1] } else { [1, 0] };
            for i in order {
                let runtime = &opts.runtimes[i];
                let run = sessions(runtime, job.job, job.n)?;
                eprintln!(
                    "round {round}/{} {:7} {:8}: {:6.0}/s, cpu/inv {:6.1} us, p50 {:7.0} us, \
                     p99 {:7.0} us, rss {:5.0} KiB, connections {}",
                    opts.rounds,
                    job.job.name(),
                    runtime.name,
                    run.per_second,
                    run.cpu_per_invocation_us,
                    run.latency_p50_us,
                    run.latency_p99_us,
                    run.peak_rss_kib,
                    run.connections
                );
                job.runs[i].push(run);
            }
        }
    }

    let section = report::render_concurrency(opts, concurrency, &jobs);
    report::publish(opts.out.as_deref(), &section, report::merge_concurrency)
}

/// The figures of one session of `n` invocations.
pub fn figures(samples: &Samples, n: usize) -> Run {
    let us = |d: std::time::Duration| d.as_nanos() as f64 / 1e3;
    let mut latencies: Vec<f64> = samples
        .answered
        .iter()
        .zip(&samples.answered_event)
        .map(|(answered, &i)| us(answered.duration_since(samples.sent[i])))
        .collect();
    latencies.sort_by(f64::total_cmp);
    let first: Option<&Instant> = samples.sent.first();
    let last: Option<&Instant> = samples.answered.iter().max();
    let wall = match (first, last) {
        (Some(first), Some(last)) => last.duration_since(*first).as_secs_f64(),
        _ => 0.0,
    };
    let start_cpu_ns = samples.init.map_or(0, |i| i.cpu_ns);
    let (end_cpu_ns, peak_rss_kib) = samples
        .end
        .map(|e| (e.cpu_ns, e.peak_rss_kib))
        .unwrap_or_default();
    Run {
        per_second: if wall > 0.0 { n as f64 / wall } else { 0.0 },
        cpu_per_invocation_us: end_cpu_ns.saturating_sub(start_cpu_ns) as f64 / 1e3 / n as f64,
        latency_p50_us: percentile(&latencies, 0.5),
        latency_p99_us: percentile(&latencies, 0.99),
        peak_rss_kib: peak_rss_kib as f64,
        connections: samples.connections as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_api::{End, Init};
    use std::time::Duration;

    #[test]
    fn figures_match_answers_to_their_events_whatever_their_order() {
        let t0 = Instant::now();
        let ms = |m: u64| t0 + Duration::from_millis(m);
        let mut samples = Samples::default();
        samples.init = Some(Init {
            cpu_ns: 1_000_000,
            wall: Duration::ZERO,
            minor_faults: 0,
            peak_rss_kib: 800,
        });
        samples.end = Some(End {
            cpu_ns: 5_000_000,
            peak_rss_kib: 900,
            minor_faults: 0,
        });
        // Events 0 and 1 at once, then 2 and 3.
        samples.sent = vec![ms(0), ms(0), ms(10), ms(12)];
        // Answered 1, 0, 3, 2: 10, 11, 2 and 8 ms after they were sent.
        samples.answered = vec![ms(10), ms(11), ms(14), ms(18)];
        samples.answered_event = vec![1, 0, 3, 2];
        samples.connections = 2;
        let run = figures(&samples, 4);
        // Four invocations in 18 ms.
        assert!((run.per_second - 4.0 / 0.018).abs() < 1e-6, "{run:?}");
        assert_eq!(run.cpu_per_invocation_us, 1000.0);
        // Latencies sorted: 2, 8, 10, 11 ms; nearest rank.
        assert_eq!(run.latency_p50_us, 10_000.0);
        assert_eq!(run.latency_p99_us, 11_000.0);
        assert_eq!((run.peak_rss_kib, run.connections), (900.0, 2.0));

        samples.answered.clear();
        samples.answered_event.clear();
        assert_eq!(figures(&samples, 4).per_second, 0.0);
    }
}
