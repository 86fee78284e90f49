//! The benchmark driver: a fast fake Runtime API that spawns a runtime
//! binary, serves it N events, and measures init CPU and wall time,
//! per-invocation latency, CPU per invocation, peak RSS and connections.
//! Runs are interleaved (A B C A B C …) and reported as medians, with the
//! ratios of ours to the floor and to the official runtime; then rewrites
//! BENCHMARKS.md's generated section.
//!
//! `bench --ours BIN --floor BIN --official BIN --zips OURS,FLOOR,OFFICIAL
//!        [--rounds R] [--n N] [--quick] [--out BENCHMARKS.md]`

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// How long one run may take before it is declared hung.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// One runtime under test.
#[derive(Clone)]
struct Runtime {
    name: &'static str,
    path: String,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
struct Run {
    init_cpu_us: f64,
    init_wall_us: f64,
    event_to_answer_p50_us: f64,
    event_to_answer_p99_us: f64,
    cycle_p50_us: f64,
    cycle_p99_us: f64,
    cpu_per_invocation_us: f64,
    peak_rss_kib: f64,
    connections: f64,
}

/// Shared between the server's connection threads.
struct State {
    n: usize,
    event: Vec<u8>,
    pid: u32,
    spawned: Instant,
    served: usize,
    init: Option<(f64, f64)>,
    sent: Vec<Instant>,
    answered: Vec<Instant>,
    cpu_at_first_next: u64,
    end: Option<(u64, u64)>,
    failure: Option<String>,
}

/// Sum of on-CPU nanoseconds over every thread of `pid`.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// `VmHWM` of `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// An API Gateway REST event for `httpevent`, its body padded so the whole
/// event is about `size` bytes.
fn event(size: usize) -> Vec<u8> {
    let base = serde_json::json!({
        "resource": "/hello", "path": "/hello", "httpMethod": "POST",
        "headers": {"Content-Type": "text/plain", "Host": "abc.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {"Content-Type": ["text/plain"]},
        "queryStringParameters": {"hello": "Bench"},
        "multiValueQueryStringParameters": {"hello": ["Bench"]},
        "pathParameters": null, "stageVariables": null,
        "requestContext": {"httpMethod": "POST", "path": "/dev/hello", "stage": "dev",
                           "identity": {"sourceIp": "198.51.100.7"}, "requestId": "r"},
        "body": "", "isBase64Encoded": false,
    });
    let empty = serde_json::to_vec(&base).unwrap().len();
    let mut with_body = base;
    with_body["body"] = serde_json::Value::String("x".repeat(size.saturating_sub(empty)));
    serde_json::to_vec(&with_body).unwrap()
}

fn serve(stream: TcpStream, state: &Mutex<State>, done: &mpsc::Sender<()>) {
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::with_capacity(256 * 1024, stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let is_get = line.starts_with("GET ");
        let path = line.split(' ').nth(1).unwrap_or("").to_string();
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        body.resize(length, 0);
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if !is_get {
            let now = Instant::now();
            let mut s = state.lock().unwrap();
            let ok = path.ends_with("/response")
                && contains(&body, b"\"statusCode\":200")
                && contains(&body, b"Hello Bench from Rust");
            if !ok {
                s.failure = Some(format!(
                    "bad answer on {path}: {}",
                    String::from_utf8_lossy(&body)
                ));
                let _ = done.send(());
                return;
            }
            s.answered.push(now);
            drop(s);
            writer
                .write_all(
                    b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n",
                )
                .unwrap();
            continue;
        }
        let mut s = state.lock().unwrap();
        if s.served == 0 {
            let cpu = cpu_ns(s.pid);
            s.cpu_at_first_next = cpu;
            s.init = Some((
                cpu as f64 / 1e3,
                s.spawned.elapsed().as_nanos() as f64 / 1e3,
            ));
        }
        if s.served == s.n {
            let (cpu, rss) = (cpu_ns(s.pid), peak_rss_kib(s.pid));
            s.end = Some((cpu, rss));
            let _ = done.send(());
            return;
        }
        let i = s.served;
        s.served += 1;
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: b-{i}\r\n\
             Lambda-Runtime-Deadline-Ms: 4102444800000\r\n\
             Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
             Lambda-Runtime-Trace-Id: Root=1-67891233-abcdef012345678912345678;Sampled=0\r\n\
             Content-Length: {}\r\n\r\n",
            s.event.len()
        )
        .into_bytes();
        answer.extend_from_slice(&s.event);
        drop(s);
        writer.write_all(&answer).unwrap();
        state.lock().unwrap().sent.push(Instant::now());
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Spawns `runtime`, serves it `n` copies of `event`, and measures.
fn run_once(runtime: &Runtime, event: &[u8], n: usize) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let spawned = Instant::now();
    let mut child: Child = Command::new(&runtime.path)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &addr)
        .env("_HANDLER", "httpevent")
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/25/[$LATEST]bench")
        .env("AWS_REGION", "us-east-1")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", runtime.path));
    let state = Arc::new(Mutex::new(State {
        n,
        event: event.to_vec(),
        pid: child.id(),
        spawned,
        served: 0,
        init: None,
        sent: Vec::with_capacity(n),
        answered: Vec::with_capacity(n),
        cpu_at_first_next: 0,
        end: None,
        failure: None,
    }));
    let connections = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    {
        let (state, connections) = (Arc::clone(&state), Arc::clone(&connections));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                connections.fetch_add(1, Ordering::SeqCst);
                let (state, done) = (Arc::clone(&state), done_tx.clone());
                thread::spawn(move || serve(stream, &state, &done));
            }
        });
    }
    let finished = done_rx.recv_timeout(RUN_LIMIT);
    // The server closed the connection after its last sample, so the runtime
    // exits by itself (which lets a profiler wrapper write its output); a
    // runtime that does not within a few seconds is killed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    finished.unwrap_or_else(|_| panic!("{}: no result within {RUN_LIMIT:?}", runtime.name));
    let s = state.lock().unwrap();
    if let Some(failure) = &s.failure {
        panic!("{}: {failure}", runtime.name);
    }
    let (end_cpu, rss) = s.end.expect("end sample");
    let (init_cpu_us, init_wall_us) = s.init.expect("init sample");
    let mut e2a: Vec<f64> = s
        .sent
        .iter()
        .zip(&s.answered)
        .map(|(sent, answered)| answered.duration_since(*sent).as_nanos() as f64 / 1e3)
        .collect();
    let mut cycles: Vec<f64> = s
        .answered
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_nanos() as f64 / 1e3)
        .collect();
    e2a.sort_by(f64::total_cmp);
    cycles.sort_by(f64::total_cmp);
    Run {
        init_cpu_us,
        init_wall_us,
        event_to_answer_p50_us: percentile(&e2a, 0.5),
        event_to_answer_p99_us: percentile(&e2a, 0.99),
        cycle_p50_us: percentile(&cycles, 0.5),
        cycle_p99_us: percentile(&cycles, 0.99),
        cpu_per_invocation_us: (end_cpu - s.cpu_at_first_next) as f64 / 1e3 / n as f64,
        peak_rss_kib: rss as f64,
        connections: connections.load(Ordering::SeqCst) as f64,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return 0.0;
    }
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// The median of one figure over a runtime's runs.
fn med(runs: &[Run], figure: fn(&Run) -> f64) -> f64 {
    median(runs.iter().map(figure).collect())
}

struct Options {
    runtimes: Vec<Runtime>,
    zips: Vec<u64>,
    rounds: usize,
    n: usize,
    quick: bool,
    out: String,
    command: String,
}

fn parse_args() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let quick = args.iter().any(|a| a == "--quick");
    let path = |flag: &str| value(flag).unwrap_or_else(|| panic!("{flag} PATH is required"));
    let zips = value("--zips")
        .map(|z| {
            z.split(',')
                .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
                .collect()
        })
        .unwrap_or_else(|| vec![0, 0, 0]);
    Options {
        runtimes: vec![
            Runtime {
                name: "ours",
                path: path("--ours"),
            },
            Runtime {
                name: "floor",
                path: path("--floor"),
            },
            Runtime {
                name: "official",
                path: path("--official"),
            },
        ],
        zips,
        rounds: value("--rounds")
            .map(|r| r.parse().unwrap())
            .unwrap_or(if quick { 1 } else { 5 }),
        n: value("--n")
            .map(|r| r.parse().unwrap())
            .unwrap_or(if quick { 2_000 } else { 20_000 }),
        quick,
        out: value("--out").unwrap_or_else(|| "BENCHMARKS.md".to_string()),
        command: value("--command").unwrap_or_else(|| "bench/run.sh".to_string()),
    }
}

fn main() {
    let opts = parse_args();
    let event_1k = event(1024);
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); opts.runtimes.len()];
    for round in 0..opts.rounds {
        for (i, runtime) in opts.runtimes.iter().enumerate() {
            let run = run_once(runtime, &event_1k, opts.n);
            eprintln!(
                "round {} {:8}: cycle p50 {:7.1} us, cpu/inv {:6.1} us, init cpu {:7.0} us, rss {:6.0} KiB, conns {}",
                round + 1,
                runtime.name,
                run.cycle_p50_us,
                run.cpu_per_invocation_us,
                run.init_cpu_us,
                run.peak_rss_kib,
                run.connections
            );
            runs[i].push(run);
        }
    }

    // Payload scaling: ours and the floor only.
    let sizes: &[(usize, &str, usize)] = if opts.quick {
        &[(1024, "1 KB", 500), (64 * 1024, "64 KB", 200)]
    } else {
        &[
            (1024, "1 KB", 2_000),
            (64 * 1024, "64 KB", 500),
            (1024 * 1024, "1 MB", 50),
            (5 * 1024 * 1024, "5 MB", 20),
        ]
    };
    let mut scaling: Vec<(&str, usize, Vec<Run>, Vec<Run>)> = Vec::new();
    for &(size, label, n) in sizes {
        let body = event(size);
        let (mut ours, mut floor) = (Vec::new(), Vec::new());
        for _ in 0..opts.rounds.max(1) {
            ours.push(run_once(&opts.runtimes[0], &body, n));
            floor.push(run_once(&opts.runtimes[1], &body, n));
        }
        eprintln!(
            "payload {label}: ours cycle {:.1} us rss {:.0} KiB; floor cycle {:.1} us rss {:.0} KiB",
            med(&ours, |r| r.cycle_p50_us),
            med(&ours, |r| r.peak_rss_kib),
            med(&floor, |r| r.cycle_p50_us),
            med(&floor, |r| r.peak_rss_kib)
        );
        scaling.push((label, body.len(), ours, floor));
    }

    let report = report(&opts, &runs, &scaling);
    print!("{report}");
    let existing = std::fs::read_to_string(&opts.out).unwrap_or_default();
    let marker = "<!-- end of generated section -->";
    let tail = existing
        .split_once(marker)
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| {
            "\n\n## What the gap to the floor is made of\n\n(written by hand; kept across runs)\n"
                .to_string()
        });
    std::fs::write(&opts.out, format!("{report}\n{marker}{tail}")).unwrap();
    eprintln!("wrote {}", opts.out);
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    // Cores on the machine, not the ones this process may use (run.sh pins it).
    let cores = std::fs::read_to_string("/proc/cpuinfo")
        .map(|c| c.lines().filter(|l| l.starts_with("processor")).count())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let allowed = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    format!(
        "{cores} cores, {cpu}, Linux {}; driver and runtimes on CPU(s) {allowed}",
        kernel.trim()
    )
}

fn today() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn report(
    opts: &Options,
    runs: &[Vec<Run>],
    scaling: &[(&str, usize, Vec<Run>, Vec<Run>)],
) -> String {
    let [ours, floor, official] = [&runs[0], &runs[1], &runs[2]];
    let mut r = String::new();
    let _ = writeln!(r, "# Benchmarks\n");
    let _ = writeln!(
        r,
        "Generated by `{}` on {} ({}), {} interleaved round(s) of {} invocations per runtime \
         (medians across rounds). Regenerate with the same command; everything above the marker \
         below is rewritten.\n",
        opts.command,
        today(),
        machine(),
        opts.rounds,
        opts.n
    );
    let _ = writeln!(
        r,
        "## Side by side (1 KB API Gateway event through `httpevent`)\n"
    );
    let _ = writeln!(
        r,
        "| figure | ours | floor | official | ours / floor | ours / official |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|---:|");
    type Row = (&'static str, fn(&Run) -> f64);
    let rows: [Row; 9] = [
        ("init CPU (us)", |r| r.init_cpu_us),
        ("init wall (us)", |r| r.init_wall_us),
        ("event → answer p50 (us)", |r| r.event_to_answer_p50_us),
        ("event → answer p99 (us)", |r| r.event_to_answer_p99_us),
        ("cycle p50 (us)", |r| r.cycle_p50_us),
        ("cycle p99 (us)", |r| r.cycle_p99_us),
        ("CPU per invocation (us)", |r| r.cpu_per_invocation_us),
        ("peak RSS (KiB)", |r| r.peak_rss_kib),
        ("TCP connections", |r| r.connections),
    ];
    for (name, figure) in rows {
        let (o, f, a) = (med(ours, figure), med(floor, figure), med(official, figure));
        let _ = writeln!(
            r,
            "| {name} | {} | {} | {} | {:.2}x | {:.2}x |",
            fmt(o),
            fmt(f),
            fmt(a),
            o / f,
            o / a
        );
    }
    let kb = |b: u64| b as f64 / 1000.0;
    let _ = writeln!(
        r,
        "| x86_64 zip (KB) | {:.0} | {:.0} | {:.0} | {:.2}x | {:.2}x |\n",
        kb(opts.zips[0]),
        kb(opts.zips[1]),
        kb(opts.zips[2]),
        kb(opts.zips[0]) / kb(opts.zips[1]),
        kb(opts.zips[0]) / kb(opts.zips[2])
    );

    let _ = writeln!(r, "## Payload scaling (ours and the floor)\n");
    let _ = writeln!(
        r,
        "| event | ours cycle p50 (us) | floor cycle p50 (us) | ratio | ours peak RSS (KiB) | floor peak RSS (KiB) |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---:|---:|");
    for (label, bytes, o, f) in scaling {
        let (oc, fc) = (med(o, |r| r.cycle_p50_us), med(f, |r| r.cycle_p50_us));
        let _ = writeln!(
            r,
            "| {label} ({bytes} B) | {} | {} | {:.2}x | {:.0} | {:.0} |",
            fmt(oc),
            fmt(fc),
            oc / fc,
            med(o, |r| r.peak_rss_kib),
            med(f, |r| r.peak_rss_kib)
        );
    }

    let ratio = |figure: fn(&Run) -> f64, base: &[Run]| med(ours, figure) / med(base, figure);
    let cycle = ratio(|r| r.cycle_p50_us, floor);
    let cycle_official = ratio(|r| r.cycle_p50_us, official);
    let cpu = ratio(|r| r.cpu_per_invocation_us, floor);
    let init = ratio(|r| r.init_cpu_us, floor);
    let init_official = ratio(|r| r.init_cpu_us, official);
    let rss = ratio(|r| r.peak_rss_kib, floor);
    let rss_official = ratio(|r| r.peak_rss_kib, official);
    let conns = med(ours, |r| r.connections);
    let zip_kb = kb(opts.zips[0]);
    let _ = writeln!(r, "\n## Targets\n");
    let _ = writeln!(r, "| figure | target | measured | verdict |");
    let _ = writeln!(r, "|---|---|---|---|");
    let mut row = |figure: &str, target: &str, measured: String, ok: bool| {
        let _ = writeln!(r, "| {figure} | {target} | {measured} | {} |", verdict(ok));
    };
    row(
        "per-invocation cycle vs floor",
        "<= 1.2x",
        format!("{cycle:.2}x"),
        cycle <= 1.2,
    );
    row(
        "per-invocation cycle vs lambda_runtime",
        "<= 0.6x",
        format!("{cycle_official:.2}x"),
        cycle_official <= 0.6,
    );
    row(
        "CPU per invocation vs floor",
        "<= 1.3x",
        format!("{cpu:.2}x"),
        cpu <= 1.3,
    );
    row(
        "init CPU vs floor",
        "<= 1.3x",
        format!("{init:.2}x"),
        init <= 1.3,
    );
    row(
        "init CPU vs lambda_runtime",
        "<= 0.5x",
        format!("{init_official:.2}x"),
        init_official <= 0.5,
    );
    row(
        "peak RSS vs floor",
        "<= 2.0x",
        format!("{rss:.2}x"),
        rss <= 2.0,
    );
    row(
        "peak RSS vs lambda_runtime",
        "<= 0.7x",
        format!("{rss_official:.2}x"),
        rss_official <= 0.7,
    );
    row(
        &format!("TCP connections for {} invocations", opts.n),
        "1",
        format!("{conns:.0}"),
        conns == 1.0,
    );
    row(
        "x86_64 zip",
        "<= 350 KB",
        format!("{zip_kb:.0} KB"),
        zip_kb <= 350.0,
    );
    if let (Some(small), Some(big)) = (scaling.first(), scaling.iter().find(|s| s.0 == "5 MB")) {
        let base = med(&small.2, |r| r.peak_rss_kib);
        let peak = med(&big.2, |r| r.peak_rss_kib);
        let limit = 4.0 * big.1 as f64 / 1024.0 + base;
        row(
            "5 MB event: peak RSS",
            "<= 4x the payload + the 1 KB peak",
            format!("{peak:.0} KiB (limit {limit:.0} KiB)"),
            peak <= limit,
        );
    }
    r
}

fn fmt(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
