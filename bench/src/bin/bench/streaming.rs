//! The streaming comparison (`--streaming`): ours and lambda_runtime stream
//! the generator's bytes (`lambda_bootstrap_bench::pieces`) to the fake API,
//! interleaved over rounds, with a third runtime, the trivial writer
//! (`bench --trivial-writer`): the least a streaming runtime can do, and so
//! the fake API alone. A large stream (100 MB) gives time to first byte,
//! throughput and CPU per MB; peak RSS is read after 1 MB streams and after
//! large ones, each in a process of its own. How busy the fake API was shows
//! that it is not what limits the throughput. Then the Streaming part of the
//! report, rendered here (`render`) and merged by `publish`.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, IoSlice, Write};
use std::net::TcpStream;
use std::sync::Arc;

use lambda_bootstrap_bench::{CONTENT_TYPE, pieces, requested_bytes};

use crate::event;
use crate::fake_api::Samples;
use crate::http1::{read_fields, read_line, write_all_vectored};
use crate::options::{Options, Runtime, Streaming};
use crate::procfs;
use crate::publish::{self, STREAMING_BEGIN, STREAMING_END};
use crate::report::{cpus_text, lambda_runtime_version, num, ratio, today};
use crate::session::{self, Ending, Work};
use crate::stats::{median, range};

/// The small stream, for the peak RSS baseline: 1 MB.
pub const SMALL: u64 = 1024 * 1024;
/// A megabyte, as the section counts them: 2^20 bytes.
const MB: f64 = 1024.0 * 1024.0;

/// The figures of one session's streams: medians over its streams, but
/// peak RSS and connections, which are the session's.
#[derive(Debug, Clone, Default)]
pub struct StreamFigures {
    /// Event written → first payload byte read, µs.
    pub first_byte_us: f64,
    /// Payload MB / (last payload byte read − first payload byte read).
    pub mb_per_s: f64,
    /// The runtime's CPU, all threads, from the event's write to the
    /// body's end, per MB of payload, µs.
    pub cpu_us_per_mb: f64,
    /// That CPU over the same span's wall time: 1.0 is a runtime that never
    /// waits (on one CPU, the limit).
    pub runtime_busy: f64,
    /// The fake API's reading thread's CPU per MB of payload, µs.
    pub fake_cpu_us_per_mb: f64,
    /// That CPU over the time from the first payload byte to the last: 1.0
    /// is a fake API that never waits for data, and so limits the stream.
    pub fake_busy: f64,
    /// The fake API's `read` system calls per MB of payload.
    pub fake_reads_per_mb: f64,
    /// Times per MB the fake API's reading thread slept waiting for data.
    pub fake_waits_per_mb: f64,
    /// `VmHWM` when the runtime asked for the event after the last.
    pub peak_rss_kib: f64,
    /// TCP connections the runtime opened.
    pub connections: f64,
}

/// Which runtime a column of `StreamRuns` holds.
pub const OURS: usize = 0;
/// lambda_runtime's column.
pub const OFFICIAL: usize = 1;
/// The trivial writer's column: `bench --trivial-writer`, the least a
/// streaming runtime can do, and so the fake API's ceiling.
pub const WRITER: usize = 2;

/// Everything the streaming section reports.
#[derive(Debug, Clone, Default)]
pub struct StreamRuns {
    /// The large stream's size, bytes.
    pub bytes: u64,
    /// Streams per session.
    pub streams: usize,
    /// Large streams, by `OURS`, `OFFICIAL`, `WRITER`; one per round each.
    pub large: [Vec<StreamFigures>; 3],
    /// 1 MB streams, the same way.
    pub small: [Vec<StreamFigures>; 3],
}

/// Runs the comparison and writes or prints the Streaming part.
pub fn run(opts: &Options, streaming: &Streaming) -> Result<(), String> {
    let runs = measure_all(opts, streaming)?;
    let section = render(opts, &runs);
    publish::publish(opts.out.as_deref(), &section, publish::merge_streaming)
}

/// The sessions, interleaved: each runtime's large streams, then its 1 MB
/// streams, once a round.
fn measure_all(opts: &Options, streaming: &Streaming) -> Result<StreamRuns, String> {
    let mut runs = StreamRuns {
        bytes: streaming.bytes,
        streams: streaming.streams,
        ..StreamRuns::default()
    };
    let exe = std::env::current_exe().map_err(|e| format!("cannot find bench itself: {e}"))?;
    let writer = Runtime {
        name: "trivial-writer",
        path: exe,
        args: vec!["--trivial-writer".into()],
    };
    let [ours, official] = [&opts.runtimes[0], &opts.runtimes[1]];
    let runtimes = [ours.clone(), official.clone(), writer];
    let pin = session::pin(opts.runtime_cpus.as_deref())?;
    let measure = |runtime: &Runtime, bytes, streams| measure(runtime, &pin, bytes, streams);
    // A discarded session of each first, as in the side-by-side comparison:
    // the first exec of a binary pays for the page cache.
    for runtime in &runtimes {
        measure(runtime, SMALL, 1)?;
    }
    for round in 1..=opts.rounds {
        // Each goes first in turn.
        let order = [0, 1, 2].map(|i| (i + round - 1) % 3);
        for i in order {
            let large = measure(&runtimes[i], streaming.bytes, streaming.streams)?;
            runs.large[i].push(large);
        }
        for i in order {
            runs.small[i].push(measure(&runtimes[i], SMALL, streaming.streams)?);
        }
        for (i, runtime) in runtimes.iter().enumerate() {
            let (large, small) = (&runs.large[i][round - 1], &runs.small[i][round - 1]);
            eprintln!(
                "streaming round {round}/{} {:18}: first byte {:6.0} us, {:5.0} MB/s, \
                 cpu {:4.0} us/MB ({:3.0}% busy), the fake's {:4.0} us/MB ({:3.0}% busy, \
                 {:4.1} reads and {:4.1} waits per MB), rss {:5.0} KiB ({:.0} after 1 MB)",
                opts.rounds,
                runtime.name,
                large.first_byte_us,
                large.mb_per_s,
                large.cpu_us_per_mb,
                large.runtime_busy * 100.0,
                large.fake_cpu_us_per_mb,
                large.fake_busy * 100.0,
                large.fake_reads_per_mb,
                large.fake_waits_per_mb,
                large.peak_rss_kib,
                small.peak_rss_kib
            );
        }
    }
    Ok(runs)
}

/// One session of `runtime` (under `pin`): `streams` streams of `bytes`
/// each.
fn measure(
    runtime: &Runtime,
    pin: &[OsString],
    bytes: u64,
    streams: usize,
) -> Result<StreamFigures, String> {
    let event: Arc<[u8]> = event::stream_request(bytes).into();
    let work = Work::stream(&event, streams, bytes);
    let samples = session::run(runtime, pin, &work, Ending::Kill)?;
    Ok(figures(&samples))
}

/// The session's figures from what the fake API sampled.
pub fn figures(samples: &Samples) -> StreamFigures {
    let mut each: [Vec<f64>; 8] = Default::default();
    let [
        first_byte,
        rate,
        cpu,
        runtime_busy,
        fake_cpu,
        fake_busy,
        reads,
        waits,
    ] = &mut each;
    // With one invocation at a time, streams and their ends come in order.
    for (stream, end) in samples.streams.iter().zip(&samples.answered) {
        let sent = &samples.sent[stream.event];
        let mb = stream.payload as f64 / MB;
        let used = stream.cpu_at_end_ns.saturating_sub(stream.cpu_at_sent_ns) as f64;
        let (Some(first), Some(last)) = (stream.first_byte, stream.last_byte) else {
            continue;
        };
        first_byte.push(first.saturating_duration_since(*sent).as_nanos() as f64 / 1e3);
        let (body, whole) = (
            last.saturating_duration_since(first).as_nanos() as f64,
            end.saturating_duration_since(*sent).as_nanos() as f64,
        );
        if body > 0.0 {
            rate.push(mb / body * 1e9);
            fake_busy.push(stream.reader_cpu_ns as f64 / body);
        }
        if whole > 0.0 {
            runtime_busy.push(used / whole);
        }
        cpu.push(used / 1e3 / mb);
        fake_cpu.push(stream.reader_cpu_ns as f64 / 1e3 / mb);
        reads.push(stream.reader_reads as f64 / mb);
        waits.push(stream.reader_waits as f64 / mb);
    }
    let [
        first_byte,
        rate,
        cpu,
        runtime_busy,
        fake_cpu,
        fake_busy,
        reads,
        waits,
    ] = each.map(median);
    StreamFigures {
        first_byte_us: first_byte,
        mb_per_s: rate,
        cpu_us_per_mb: cpu,
        runtime_busy,
        fake_cpu_us_per_mb: fake_cpu,
        fake_busy,
        fake_reads_per_mb: reads,
        fake_waits_per_mb: waits,
        peak_rss_kib: samples.end.map_or(0.0, |e| e.peak_rss_kib as f64),
        connections: samples.connections as f64,
    }
}

/// The Streaming part: ours against lambda_runtime and the trivial writer,
/// the targets with PASS/FAIL, what the figures mean; between its markers.
pub fn render(opts: &Options, runs: &StreamRuns) -> String {
    let large = size_label(runs.bytes);
    let small = size_label(SMALL);
    let sm =
        |runs: &[StreamFigures], f: fn(&StreamFigures) -> f64| median(runs.iter().map(f).collect());
    let mut r = String::new();
    let _ = writeln!(r, "{STREAMING_BEGIN}\n");
    let _ = writeln!(
        r,
        "## Streaming: a {large} response, ours and lambda_runtime\n"
    );
    let cpus = cpus_text(opts);
    let _ = writeln!(
        r,
        "Generated by `{}` on {} ({}; {cpus}): {} interleaved round(s), {} stream(s) per \
         session, medians across rounds of each session's median. Rewritten by the next \
         `--streaming` run; the side-by-side run above keeps it.\n",
        opts.command,
        today(),
        procfs::hardware(),
        opts.rounds,
        runs.streams
    );
    if opts.quick {
        let _ = writeln!(
            r,
            "**Quick mode**: a smoke test, too short to judge the targets by.\n"
        );
    }
    let _ = writeln!(
        r,
        "| figure | ours | lambda_runtime | trivial writer | ours / lambda_runtime \
         | ours / trivial writer | target |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|---:|---|");
    type Row = (String, bool, fn(&StreamFigures) -> f64, &'static str);
    let rows: [Row; 11] = [
        (
            "time to first byte (µs)".into(),
            true,
            |f| f.first_byte_us,
            "<= 0.5x lambda_runtime",
        ),
        (
            "throughput (MB/s)".into(),
            true,
            |f| f.mb_per_s,
            ">= 1.0x lambda_runtime",
        ),
        (
            "CPU per MB (µs)".into(),
            true,
            |f| f.cpu_us_per_mb,
            "<= 0.5x lambda_runtime",
        ),
        (
            "runtime busy (% of the stream)".into(),
            true,
            |f| f.runtime_busy * 100.0,
            "",
        ),
        (
            "the fake API's CPU per MB (µs)".into(),
            true,
            |f| f.fake_cpu_us_per_mb,
            "",
        ),
        (
            "the fake API busy (% of the body)".into(),
            true,
            |f| f.fake_busy * 100.0,
            "< 90% (it is not the limit)",
        ),
        (
            "the fake API's reads per MB".into(),
            true,
            |f| f.fake_reads_per_mb,
            "",
        ),
        (
            "the fake API's waits for data per MB".into(),
            true,
            |f| f.fake_waits_per_mb,
            "",
        ),
        (
            format!("peak RSS after {small} streams (KiB)"),
            false,
            |f| f.peak_rss_kib,
            "",
        ),
        (
            format!("peak RSS after {large} streams (KiB)"),
            true,
            |f| f.peak_rss_kib,
            "",
        ),
        (
            "TCP connections per session".into(),
            true,
            |f| f.connections,
            "",
        ),
    ];
    for (name, is_large, figure, target) in rows {
        let runs = if is_large { &runs.large } else { &runs.small };
        let [o, a, w] = [OURS, OFFICIAL, WRITER].map(|i| sm(&runs[i], figure));
        let _ = writeln!(
            r,
            "| {name} | {} | {} | {} | {} | {} | {target} |",
            num(o),
            num(a),
            num(w),
            ratio(o, a),
            ratio(o, w)
        );
    }
    let rss =
        |i: usize| sm(&runs.large[i], |f| f.peak_rss_kib) / sm(&runs.small[i], |f| f.peak_rss_kib);
    let _ = writeln!(
        r,
        "| peak RSS, {large} / {small} | {:.2}x | {:.2}x | {:.2}x |  |  | <= 1.2x (ours) |\n",
        rss(OURS),
        rss(OFFICIAL),
        rss(WRITER)
    );
    if opts.rounds > 1 {
        let spread = |figure: fn(&StreamFigures) -> f64| {
            runs.large
                .iter()
                .zip(["ours", "lambda_runtime", "trivial writer"])
                .map(|(runs, name)| {
                    let (lo, hi) = range(runs.iter().map(figure));
                    format!("{name} {}–{}", num(lo), num(hi))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            r,
            "Spread across rounds (lowest–highest round): time to first byte {} µs; \
             throughput {} MB/s; CPU per MB {} µs; the fake API's CPU per MB {} µs.\n",
            spread(|f| f.first_byte_us),
            spread(|f| f.mb_per_s),
            spread(|f| f.cpu_us_per_mb),
            spread(|f| f.fake_cpu_us_per_mb)
        );
    }

    let _ = writeln!(r, "### Targets (streaming)\n");
    let _ = writeln!(r, "| figure | target | measured | verdict |");
    let _ = writeln!(r, "|---|---|---|---|");
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let mut target = |figure: &str, limit: &str, measured: String, ok: bool| {
        let _ = writeln!(r, "| {figure} | {limit} | {measured} | {} |", verdict(ok));
    };
    let versus =
        |f: fn(&StreamFigures) -> f64| sm(&runs.large[OURS], f) / sm(&runs.large[OFFICIAL], f);
    let first_byte = versus(|f| f.first_byte_us);
    let shown = |x: f64| format!("{x:.2}x");
    target(
        "time to first byte vs lambda_runtime",
        "<= 0.5x",
        shown(first_byte),
        first_byte <= 0.5,
    );
    let cpu = versus(|f| f.cpu_us_per_mb);
    target(
        "CPU per MB vs lambda_runtime",
        "<= 0.5x",
        shown(cpu),
        cpu <= 0.5,
    );
    let rate = versus(|f| f.mb_per_s);
    target(
        "throughput vs lambda_runtime",
        ">= 1.0x",
        shown(rate),
        rate >= 1.0,
    );
    let ours_rss = rss(OURS);
    target(
        &format!("peak RSS after {large} vs after {small} (ours)"),
        "<= 1.2x",
        shown(ours_rss),
        ours_rss <= 1.2,
    );
    let busiest = [OURS, OFFICIAL]
        .map(|i| sm(&runs.large[i], |f| f.fake_busy))
        .into_iter()
        .fold(0.0, f64::max);
    target(
        "the fake API is not the limit: busy during ours' and lambda_runtime's streams",
        "< 90%",
        format!("{:.0}% at most", busiest * 100.0),
        busiest < 0.9,
    );
    let checked = runs.streams
        * runs
            .large
            .iter()
            .chain(&runs.small)
            .map(Vec::len)
            .sum::<usize>();
    target(
        "every body: the bytes asked for, the generator's",
        "all",
        format!("{checked} streams checked"),
        true,
    );
    r.push_str(&meanings(opts, &large));
    let _ = writeln!(r, "\n{STREAMING_END}");
    r
}

fn meanings(opts: &Options, large: &str) -> String {
    let cpus = match &opts.runtime_cpus {
        Some(cpus) => format!(
            "- Each runtime runs under `taskset -c {cpus}`, the driver and its fake API on the
  other CPU(s) (run.sh), as for the Concurrency part: Lambda's Runtime API runs
  outside the function's CPU share, so reading a stream costs the runtime
  nothing here either, and a runtime busy all the stream long is what limits it.
"
        ),
        None => "- The runtimes share the driver's CPU(s): a stream's throughput is that CPU
  split between the runtime, the kernel's loopback and the fake API.
"
        .to_string(),
    };
    format!(
        "
### What the streaming figures mean

- **ours** is `bench/src/bin/ours_streaming.rs`: `lambda_bootstrap::run` over
  a table with one streaming handler, `{handler}`; **lambda_runtime** is
  `bench/src/bin/official_streaming.rs`, lambda_runtime {version} `run` with a
  handler that returns `streaming::Response` of a `streaming::channel()` fed by a
  spawned task, as its documentation shows, each piece handed over without a
  copy (`Bytes::from_static`). Both write the same generator's bytes
  (`bench/src/lib.rs`): 64 KiB pieces of a fixed pattern, `application/octet-stream`,
  as many as the event `{{\"bytes\": N}}` asks; lambda_runtime always puts the
  HTTP integration prelude (JSON and 8 NUL bytes) before them. Both are built
  from `bench/` for x86_64-unknown-linux-musl with its release profile
  (opt-level 3, LTO, one codegen unit, stripped), lambda_runtime without the
  concurrency feature, as `official` is.
  **trivial writer** is `bench --trivial-writer`, the least a streaming runtime
  that sends each piece as it comes can do: one connection, each piece one
  chunk in one `writev`. It is the fake API alone, fed piece by piece as fast
  as anything can feed it over TCP here; ours, which gathers pieces into
  larger chunks (fewer writes), can stream for less CPU per MB than it.
- The fake API hands out the event and reads the chunked `POST .../response`
  (`Lambda-Runtime-Function-Response-Mode: streaming`) as fast as it comes, in
  reads of up to 256 KiB, without copying it, comparing every payload byte with
  the generator's pattern. A body shorter or longer than asked, or different,
  or ending with an error trailer, or without the streaming header, fails the run.
- **time to first byte**: from the fake API starting to write the event to it
  having read the first payload byte (after lambda_runtime's prelude), over
  the {large} streams; ours opens a fresh connection for each stream within it.
- **throughput**: payload MB (2^20 bytes) over the time from the first payload
  byte read to the last.
- **CPU per MB**: the runtime's CPU, all threads (`/proc/<pid>/task/*/schedstat`),
  from just before the event's write to the body's end, per MB of payload.
  **runtime busy**: that CPU over the same span's wall time.
- **the fake API's CPU per MB**: its reading thread's CPU
  (`/proc/thread-self/schedstat`) over the body. **the fake API busy**: that CPU
  over the time from the first payload byte to the last. Near 100% the fake
  would never wait for data, and would be what limits the stream.
- **the fake API's reads per MB**: the `read` system calls its reading thread
  made for the body, per MB of payload; **waits for data per MB**: the times
  that thread slept for want of data (`voluntary_ctxt_switches` in
  `/proc/thread-self/status`). Counts, not times: they say how the runtime's
  writes reached the socket (in how many pieces, with what pauses), and a
  busy machine moves them much less than it moves a time.
- **peak RSS**: `VmHWM` when the runtime asks for the event after its last
  stream; the {small} and {large} streams run in separate processes.
{cpus}",
        handler = lambda_bootstrap_bench::STREAM_HANDLER,
        version = lambda_runtime_version(),
        small = size_label(SMALL),
    )
}

/// "100 MB" for whole MB (2^20 bytes), bytes otherwise.
fn size_label(bytes: u64) -> String {
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} B")
    }
}

/// `bench --trivial-writer`: the least a streaming runtime can do, the
/// load that measures the fake API alone. One connection for everything;
/// for each event `{"bytes": N}`, the generator's pieces, each one chunk in
/// one system call. Ends when the API closes the connection.
pub fn trivial_writer() -> Result<(), String> {
    const NEXT: &[u8] = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: api\r\n\r\n";
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| "AWS_LAMBDA_RUNTIME_API is not set".to_string())?;
    let io = |e: io::Error| format!("the trivial writer: {e}");
    let stream = TcpStream::connect(&api).map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    let (mut line, mut size) = (Vec::new(), String::new());
    loop {
        writer.write_all(NEXT).map_err(io)?;
        let Some((id, event)) = read_response(&mut reader, &mut line).map_err(io)? else {
            return Ok(());
        };
        let id = id.ok_or("an event without a request id")?;
        let event = serde_json::from_slice(&event).map_err(|e| format!("event: {e}"))?;
        let bytes = requested_bytes(&event)?;
        let head = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: api\r\n\
             Lambda-Runtime-Function-Response-Mode: streaming\r\n\
             Transfer-Encoding: chunked\r\nContent-Type: {CONTENT_TYPE}\r\n\r\n"
        );
        writer.write_all(head.as_bytes()).map_err(io)?;
        for piece in pieces(bytes) {
            size.clear();
            let _ = write!(size, "{:x}\r\n", piece.len());
            let chunk = &mut [
                IoSlice::new(size.as_bytes()),
                IoSlice::new(piece),
                IoSlice::new(b"\r\n"),
            ];
            write_all_vectored(&mut writer, chunk).map_err(io)?;
        }
        writer.write_all(b"0\r\n\r\n").map_err(io)?;
        read_response(&mut reader, &mut line).map_err(io)?;
    }
}

/// Reads a response: its request id header, if any, and its Content-Length
/// body; `None` when the connection ended before it.
fn read_response(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> io::Result<Option<(Option<String>, Vec<u8>)>> {
    let (mut id, mut length) = (None, 0);
    if !read_line(reader, line)? {
        return Ok(None);
    }
    read_fields(reader, line, |text| {
        if let Some((name, value)) = text.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().map_err(io::Error::other)?;
            } else if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id") {
                id = Some(value.trim().to_string());
            }
        }
        Ok(())
    })?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some((id, body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_api::{End, Stream};
    use std::time::{Duration, Instant};

    fn stream(
        sent_cpu_ms: u64,
        first_us: u64,
        last_ms: u64,
        end_cpu_ms: u64,
    ) -> (Stream, Duration, Duration) {
        let stream = Stream {
            event: 0,
            cpu_at_sent_ns: sent_cpu_ms * 1_000_000,
            first_byte: None,
            last_byte: None,
            cpu_at_end_ns: end_cpu_ms * 1_000_000,
            reader_cpu_ns: 10_000_000,
            reader_reads: 800,
            reader_waits: 200,
            payload: 100 * 1024 * 1024,
            wrong: None,
        };
        (
            stream,
            Duration::from_micros(first_us),
            Duration::from_millis(last_ms),
        )
    }

    fn f(first_byte_us: f64, mb_per_s: f64, cpu_us_per_mb: f64, rss: f64) -> StreamFigures {
        StreamFigures {
            first_byte_us,
            mb_per_s,
            cpu_us_per_mb,
            peak_rss_kib: rss,
            fake_busy: 0.5,
            connections: 1.0,
            ..StreamFigures::default()
        }
    }

    #[test]
    fn streaming_targets_pass_and_fail_on_the_ratios() {
        let opts = crate::options::parse(
            "--streaming --ours o --official l --runtime-cpus 0"
                .split(' ')
                .map(Into::into),
        )
        .unwrap()
        .unwrap();
        let runs = StreamRuns {
            bytes: 100 << 20,
            streams: 3,
            large: [
                vec![f(100.0, 2000.0, 100.0, 1100.0)],
                vec![f(300.0, 1000.0, 250.0, 2000.0)],
                vec![f(50.0, 2100.0, 90.0, 2000.0)],
            ],
            small: [
                vec![f(0.0, 0.0, 0.0, 1000.0)],
                vec![f(0.0, 0.0, 0.0, 1500.0)],
                vec![f(0.0, 0.0, 0.0, 2000.0)],
            ],
        };
        let text = render(&opts, &runs);
        for row in [
            "| time to first byte vs lambda_runtime | <= 0.5x | 0.33x | PASS |",
            "| CPU per MB vs lambda_runtime | <= 0.5x | 0.40x | PASS |",
            "| throughput vs lambda_runtime | >= 1.0x | 2.00x | PASS |",
            "| peak RSS after 100 MB vs after 1 MB (ours) | <= 1.2x | 1.10x | PASS |",
            "| < 90% | 50% at most | PASS |",
            "| all | 18 streams checked | PASS |",
            "| time to first byte (µs) | 100 | 300 | 50.0 | 0.33x | 2.00x |",
            "| peak RSS, 100 MB / 1 MB | 1.10x | 1.33x | 1.00x |",
            "each runtime on CPU(s) 0",
        ] {
            assert!(text.contains(row), "{row} in:\n{text}");
        }
        let mut slow = runs.clone();
        slow.large[0] = vec![f(200.0, 900.0, 200.0, 1300.0)];
        let text = render(&opts, &slow);
        for row in [
            "| time to first byte vs lambda_runtime | <= 0.5x | 0.67x | FAIL |",
            "| CPU per MB vs lambda_runtime | <= 0.5x | 0.80x | FAIL |",
            "| throughput vs lambda_runtime | >= 1.0x | 0.90x | FAIL |",
            "| peak RSS after 100 MB vs after 1 MB (ours) | <= 1.2x | 1.30x | FAIL |",
        ] {
            assert!(text.contains(row), "{row} in:\n{text}");
        }
    }

    #[test]
    fn figures_are_medians_over_the_streams() {
        let t0 = Instant::now();
        let mut samples = Samples::default();
        samples.end = Some(End {
            cpu_ns: 0,
            peak_rss_kib: 900,
            minor_faults: 0,
        });
        samples.connections = 4;
        // Three 100 MB streams: 100, 200 and 400 µs to the first byte; 50,
        // 100 and 200 ms from first to last; 20, 40 and 80 ms of CPU.
        for (i, (first, span, cpu)) in [(100, 50, 20), (200, 100, 40), (400, 200, 80)]
            .into_iter()
            .enumerate()
        {
            let sent = t0 + Duration::from_secs(i as u64);
            let (mut s, first, span) = stream(1_000, first, span, 1_000 + cpu);
            s.event = i;
            s.first_byte = Some(sent + first);
            s.last_byte = Some(sent + first + span);
            samples.sent.push(sent);
            samples.answered.push(sent + first + span);
            samples.streams.push(s);
        }
        let f = figures(&samples);
        assert_eq!(f.first_byte_us, 200.0);
        assert_eq!(f.mb_per_s, 1000.0);
        assert_eq!(f.cpu_us_per_mb, 400.0);
        // 40 ms of CPU over 200 µs + 100 ms; the fake's 10 ms over 100 ms.
        assert!((f.runtime_busy - 40.0 / 100.2).abs() < 1e-9, "{f:?}");
        assert_eq!(f.fake_cpu_us_per_mb, 100.0);
        assert_eq!(f.fake_busy, 0.1);
        assert_eq!((f.fake_reads_per_mb, f.fake_waits_per_mb), (8.0, 2.0));
        assert_eq!((f.peak_rss_kib, f.connections), (900.0, 4.0));
    }

    #[test]
    fn a_stream_of_one_read_has_no_rate() {
        let t0 = Instant::now();
        let (mut s, _, _) = stream(0, 0, 0, 1);
        (s.first_byte, s.last_byte) = (Some(t0), Some(t0));
        let mut samples = Samples::default();
        samples.sent.push(t0);
        samples.answered.push(t0);
        samples.streams.push(s);
        let f = figures(&samples);
        assert_eq!((f.mb_per_s, f.fake_busy, f.runtime_busy), (0.0, 0.0, 0.0));
    }
}
