//! Memory comes back: after a run of large events of different shapes, the
//! runtime's resident memory returns close to where it was before them.
//! The runtime keeps nothing of an event once it is answered (on glibc,
//! which this test runs on; a musl build keeps the buffer it was read into
//! for the next event, `client::REUSE_EVENT_BUFFER`), and leaves freeing to
//! the system allocator, which returns what is free.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::support::{
    Event, FakeApi, Next, Pid, answers_per_id, assert_no_runtime_panic, probe, start, status_kib,
};

/// About this many bytes of JSON per large event.
const EVENT_BYTES: usize = 6 * 1000 * 1000;

/// `VmRSS` (now) and `VmHWM` (peak) of `pid`, in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    (status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM"))
}

/// Five shapes of about `EVENT_BYTES` each: many small objects, one long
/// string, many keys, many numbers, nested arrays of short strings.
fn shapes() -> Vec<Value> {
    let n = EVENT_BYTES / 10;
    vec![
        json!({"summary": true, "records": (0..n / 2).map(|i| json!({"i": i % 10})).collect::<Vec<_>>()}),
        json!({"summary": true, "text": "x".repeat(EVENT_BYTES)}),
        json!({"summary": true, "map": (0..n / 2).map(|i| (format!("k{i}"), json!(1))).collect::<serde_json::Map<_, _>>()}),
        json!({"summary": true, "numbers": (0..n).map(|i| i % 100_000).collect::<Vec<_>>()}),
        json!({"summary": true, "nested": (0..n / 8).map(|i| json!([["ab", "cd"], [i % 7]])).collect::<Vec<_>>()}),
    ]
}

#[test]
fn resident_memory_returns_after_large_events_of_different_shapes() {
    let pid = Arc::new(Pid::default());
    let samples: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let measure = |then: Next| {
        let (pid, samples) = (Arc::clone(&pid), Arc::clone(&samples));
        Next::Then(
            Box::new(move || samples.lock().unwrap().push(rss_kib(pid.get()))),
            Box::new(then),
        )
    };
    let shapes = shapes();
    let mut script = vec![
        Next::Event(Event::json("warm-1", &json!({"summary": true}))),
        measure(Next::Event(Event::json(
            "warm-2",
            &json!({"summary": true}),
        ))),
    ];
    for (round, shape) in shapes.iter().chain(&shapes).enumerate() {
        script.push(measure(Next::Event(Event::json(
            &format!("big-{round}"),
            shape,
        ))));
    }
    script.push(measure(Next::Close));
    let api = FakeApi::start(script);
    let running = start(&mut probe(&api, "probe"), Vec::new());
    pid.set(running.pid);
    let out = running.wait();
    assert_no_runtime_panic(&out);

    let answers = answers_per_id(&api);
    assert_eq!(answers.len(), 2 + 2 * shapes.len(), "{}", out.stderr);
    assert!(answers.values().all(|&n| n == 1));
    for post in api.posts() {
        assert!(post.path.ends_with("/response"), "{}", post.path);
    }

    let samples = samples.lock().unwrap().clone();
    let resident: Vec<u64> = samples.iter().map(|s| s.0).collect();
    let (before, peak) = (resident[1], samples.last().unwrap().1);
    let rounds = [
        &resident[2..2 + shapes.len()],
        &resident[2 + shapes.len()..],
    ];
    let context = format!("{before} KiB before, peak {peak} KiB, after each event: {resident:?}");
    // The events did take memory: a parsed 6 MB event is tens of MB.
    assert!(peak > before + 100 * 1024, "{context}");
    // It comes back after each one, whatever shape came before. The system
    // allocator may keep a few of its most recent large blocks cached (this
    // test binary's glibc keeps up to twice its adaptive mmap threshold,
    // ~24 MiB after 6 MB blocks), never a share of the peak.
    for now in &resident {
        assert!(*now <= before + 32 * 1024, "{context}");
    }
    // And it does not climb: the second round of the same shapes ends no
    // higher than the first.
    let highest = |r: &[u64]| *r.iter().max().unwrap();
    assert!(highest(rounds[1]) <= highest(rounds[0]) + 1024, "{context}");
}
