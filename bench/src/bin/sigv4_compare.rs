//! The SigV4 comparison's driver (bench/sigv4.sh builds what it runs):
//! per-request signing CPU of both signers in this process, interleaved
//! round by round; init CPU of the two signer binaries (exec to the first
//! signature, read from /proc while each waits), started alternately. Prints Markdown rows; medians, and
//! ratios taken side by side in the same run.
//!
//! usage: sigv4-compare ROUNDS SIGNS_PER_ROUND STARTS OURS_BINARY CRATE_BINARY

use std::hint::black_box;
use std::process::Command;

use lambda_bootstrap_bench::sigv4::{
    Signer, body, process_cpu_ns, sign_crate, sign_ours, thread_cpu_ns, time,
};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn init_cpu_us(binary: &str) -> f64 {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run a signer binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("signed"), "{binary} printed {line}");
    // It now waits on stdin: its CPU time is still.
    let ns = process_cpu_ns(child.id());
    drop(child.stdin.take());
    child.wait().unwrap();
    ns as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rounds, signs, starts, ours_bin, crate_bin] = &args[..] else {
        eprintln!("usage: sigv4-compare ROUNDS SIGNS_PER_ROUND STARTS OURS_BINARY CRATE_BINARY");
        std::process::exit(2);
    };
    let (rounds, signs, starts): (usize, usize, usize) = (
        rounds.parse().unwrap(),
        signs.parse().unwrap(),
        starts.parse().unwrap(),
    );
    let body = body();
    let auth = |headers: Vec<(String, String)>| {
        headers
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v)
    };
    assert_eq!(
        auth(sign_ours(&body, time())),
        auth(sign_crate(&body, time())),
        "the two signers disagree"
    );

    let signers: [(&str, Signer); 2] = [("ours", sign_ours), ("aws-sigv4", sign_crate)];
    let mut per_sign = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        for k in 0..2 {
            let i = (round + k) % 2; // alternate which goes first
            let t0 = thread_cpu_ns();
            for _ in 0..signs {
                black_box(signers[i].1(black_box(&body), time()));
            }
            per_sign[i].push((thread_cpu_ns() - t0) as f64 / signs as f64 / 1000.0);
        }
    }
    let mut init = [Vec::new(), Vec::new()];
    let bins = [ours_bin, crate_bin];
    for start in 0..starts {
        for k in 0..2 {
            let i = (start + k) % 2;
            init[i].push(init_cpu_us(bins[i]));
        }
    }
    let sign_us = [median(per_sign[0].clone()), median(per_sign[1].clone())];
    let init_us = [median(init[0].clone()), median(init[1].clone())];
    let spread = |v: &Vec<f64>| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        format!("{lo:.1}–{hi:.1}")
    };
    println!(
        "| CPU per signature (µs), median of {rounds} rounds of {signs} | {:.2} | {:.2} | {:.2}x |",
        sign_us[0],
        sign_us[1],
        sign_us[0] / sign_us[1]
    );
    println!(
        "| init CPU, exec to the first signature (µs), median of {starts} starts | {:.0} | {:.0} | {:.2}x |",
        init_us[0],
        init_us[1],
        init_us[0] / init_us[1]
    );
    println!();
    println!(
        "Spread (lowest–highest): per signature ours {}, aws-sigv4 {} µs; init ours {}, aws-sigv4 {} µs.",
        spread(&per_sign[0]),
        spread(&per_sign[1]),
        spread(&init[0]),
        spread(&init[1])
    );
}
