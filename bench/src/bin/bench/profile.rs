//! The profiling modes: one runtime under `valgrind --tool=callgrind`
//! (instructions) or `strace -f -c` (system calls), each run twice, with N/4
//! and N invocations, so that start-up and exit cancel out of the
//! difference: per invocation = (total(N) - total(N/4)) / (N - N/4).
//! Instruction counts repeat to a fraction of a percent where times do not,
//! which makes them the figure to optimise against. With `--orders`, the
//! sessions are the orders comparison's (moto, a table each; the first
//! invocation of both runs cancels out too). Writes only the tools' own
//! files, never the report.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::sync::Arc;

use crate::event;
use crate::options::{Options, Profile, Tool};
use crate::orders::Lab;
use crate::session::{self, Ending, Work};
use crate::which::find_in_path;

/// Runs `profile` with `opts.n` invocations and prints the figures.
pub fn run(opts: &Options, profile: &Profile) -> Result<(), String> {
    let (small, large) = (opts.n / 4, opts.n);
    if small == 0 {
        return Err(format!(
            "--n {} is too few to profile: use 100 or more",
            opts.n
        ));
    }
    let (program, hint) = match profile.tool {
        Tool::Callgrind => ("valgrind", "apt-get install valgrind"),
        Tool::Strace => ("strace", "apt-get install strace"),
    };
    let tool = find_in_path(program).ok_or_else(|| format!("{program} is not on PATH ({hint})"))?;
    std::fs::create_dir_all(&profile.dir)
        .map_err(|e| format!("cannot create {}: {e}", profile.dir.display()))?;
    let event: Arc<[u8]> = event::api_gateway(profile.event_bytes).into();
    let name = profile.runtime.name;
    let lab = match opts.orders {
        Some(_) => Some(Lab::start(large)?),
        None => None,
    };
    let (handler, what) = match lab {
        Some(_) => ("orders", "SQS batches of orders".to_string()),
        None => (
            profile.handler.as_str(),
            format!("a {}-byte event", event.len()),
        ),
    };

    let mut files = Vec::new();
    for n in [small, large] {
        let (kind, extension) = match profile.tool {
            Tool::Callgrind => ("callgrind", "out"),
            Tool::Strace => ("strace", "txt"),
        };
        let file = match lab {
            Some(_) => profile
                .dir
                .join(format!("{kind}.{name}.orders.{n}.{extension}")),
            None => profile.dir.join(format!(
                "{kind}.{name}.{handler}.{}.{n}.{extension}",
                event.len()
            )),
        };
        let _ = std::fs::remove_file(&file);
        let mut wrapper: Vec<OsString> = vec![tool.clone().into()];
        match profile.tool {
            Tool::Callgrind => {
                wrapper.push("--tool=callgrind".into());
                let mut out = OsString::from("--callgrind-out-file=");
                out.push(&file);
                wrapper.push(out);
            }
            Tool::Strace => {
                wrapper.extend(["-f", "-c", "-o"].map(OsString::from));
                wrapper.push(file.clone().into());
            }
        }
        eprintln!(
            "{name} under {program}, {n} invocations of {what} to {handler} ({})",
            profile.runtime.path.display()
        );
        match &lab {
            Some(lab) => drop(lab.session(&profile.runtime, &wrapper, n, Ending::Exit)?),
            None => {
                let mut work = Work::httpevent(&event, n);
                work.handler = handler;
                session::run(&profile.runtime, &wrapper, &work, Ending::Exit)?;
            }
        }
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("{program} wrote no {}: {e}", file.display()))?;
        files.push((file, text));
    }

    let per = (large - small) as f64;
    match profile.tool {
        Tool::Callgrind => {
            let [a, b] = [&files[0], &files[1]].map(|(file, text)| {
                callgrind_total(text).ok_or_else(|| format!("no totals line in {}", file.display()))
            });
            let (a, b) = (a?, b?);
            let per_invocation = (b as f64 - a as f64) / per;
            // The orders sessions' first invocation is the cold one (one
            // put, the client made): it goes with the start-up.
            let (alike, what) = match lab {
                Some(_) => (small - 1, "start-up, the first invocation and exit"),
                None => (small, "start-up and exit"),
            };
            let start_up = a as f64 - per_invocation * alike as f64;
            // Negative when invocations do not cost alike (lambda_runtime
            // opens a new connection now and then): no start-up figure then.
            let start_up = if start_up > 0.0 {
                format!("{what} about {start_up:.0}")
            } else {
                "start-up not separable (invocations vary in cost)".to_string()
            };
            println!("{name}: {per_invocation:.0} instructions per invocation; {start_up}");
            println!(
                "files: {} and {} (callgrind_annotate FILE; run.sh builds \
                 symbolized binaries for this)",
                files[0].0.display(),
                files[1].0.display()
            );
        }
        Tool::Strace => {
            let (a, b) = (strace_counts(&files[0].1), strace_counts(&files[1].1));
            if b.is_empty() {
                return Err(format!("no summary table in {}", files[1].0.display()));
            }
            println!("{name}: system calls per invocation (strace -f -c)");
            println!("{:>10} {:>10}  syscall", "calls", "errors");
            let mut rows: Vec<(f64, f64, &str)> = b
                .iter()
                .map(|(syscall, &(calls, errors))| {
                    let (calls_a, errors_a) = a.get(syscall).copied().unwrap_or_default();
                    let diff = |x: u64, y: u64| (x as f64 - y as f64) / per;
                    (
                        diff(calls, calls_a),
                        diff(errors, errors_a),
                        syscall.as_str(),
                    )
                })
                .filter(|&(calls, _, _)| calls.abs() >= 0.005)
                .collect();
            rows.sort_by(|x, y| y.0.total_cmp(&x.0));
            let total: f64 = rows.iter().map(|r| r.0).sum();
            for (calls, errors, syscall) in rows {
                println!("{calls:>10.2} {errors:>10.2}  {syscall}");
            }
            println!("{total:>10.2} {:>10}  total", "");
            println!(
                "files: {} and {}",
                files[0].0.display(),
                files[1].0.display()
            );
        }
    }
    Ok(())
}

/// The instruction total of a callgrind output file.
fn callgrind_total(text: &str) -> Option<u64> {
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .find_map(|v| v.split_whitespace().next()?.parse().ok())
}

/// calls and errors per system call, from `strace -c`'s table.
fn strace_counts(text: &str) -> BTreeMap<String, (u64, u64)> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // % time, seconds, usecs/call, calls, [errors,] syscall
        let (calls, errors, syscall) = match fields.as_slice() {
            [time, _, _, calls, errors, syscall] if time.parse::<f64>().is_ok() => {
                (calls, errors.parse().unwrap_or(0), syscall)
            }
            [time, _, _, calls, syscall] if time.parse::<f64>().is_ok() => (calls, 0, syscall),
            _ => continue,
        };
        if *syscall == "total" {
            continue;
        }
        if let Ok(calls) = calls.parse() {
            counts.insert(syscall.to_string(), (calls, errors));
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_callgrind_totals() {
        let out =
            "version: 1\ncmd: bootstrap\nevents: Ir\nfn=0x1\n3 4\nsummary: 12345\ntotals: 12345\n";
        assert_eq!(callgrind_total(out), Some(12345));
        assert_eq!(callgrind_total("events: Ir\n"), None);
    }

    #[test]
    fn reads_the_strace_summary_table() {
        let table = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 45.12    0.012000           2      6000      4000 recvfrom
 30.00    0.008000           2      3000           sendto
  0.10    0.000010          10         1           execve
------ ----------- ----------- --------- --------- ----------------
100.00    0.020010           2      9001      4000 total
";
        let counts = strace_counts(table);
        assert_eq!(counts["recvfrom"], (6000, 4000));
        assert_eq!(counts["sendto"], (3000, 0));
        assert_eq!(counts.len(), 3);
    }
}
