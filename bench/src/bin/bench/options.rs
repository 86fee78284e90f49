//! The driver's command line. Parsing only: nothing here starts a process or
//! touches a file, except reading the sizes of the zips it is pointed at.

use std::ffi::OsString;
use std::path::PathBuf;

/// `bench --help`.
pub const USAGE: &str = "\
usage: bench --ours BIN --floor BIN --official BIN [options]
       bench --concurrency N --ours BIN --official BIN [options]

Runs the three Lambda runtimes against a fake Runtime API, interleaved, and
reports medians across rounds. bench/run.sh builds the binaries and calls it.
With --concurrency, runs ours and lambda_runtime (their concurrent builds)
with AWS_LAMBDA_MAX_CONCURRENCY=N on two jobs, sleep10 and compute, and
rewrites only the Concurrency part of the report.

  --ours BIN, --floor BIN, --official BIN   the runtimes (all three to compare)
  --zips OURS,FLOOR,OFFICIAL   deployment zips whose sizes are reported
  --rounds R        interleaved rounds (default 5; 1 with --quick)
  --n N             invocations per run (default 20000; 2000 with --quick,
                    --callgrind or --strace)
  --quick           a smoke test: 1 round, N=2000, 1 KB and 64 KB payloads only
  --out FILE        rewrite FILE's generated section (kept: text after the marker)
  --command TEXT    the command to quote in the report (default bench/run.sh)
  --callgrind NAME  instructions per invocation of one runtime (ours, floor,
                    official) under valgrind; writes nothing but its own files
  --strace NAME     system calls per invocation of one runtime under strace -f -c
  --profile-dir DIR where --callgrind and --strace keep their files
                    (default target/profile)
  --concurrency N   the concurrency comparison with N workers: N concurrent
                    long-polls served; --n sets both jobs' invocations
                    (default 4000 sleep10 and 20000 compute; 400 and 2000
                    with --quick)
  --runtime-cpus LIST  run each runtime under `taskset -c LIST`
";

/// The runtimes in the order every table lists them; `ours` first.
pub const RUNTIME_NAMES: [&str; 3] = ["ours", "floor", "official"];

/// One runtime under test.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// `ours`, `floor` or `official`.
    pub name: &'static str,
    /// The binary.
    pub path: PathBuf,
}

/// Which tool `--callgrind`/`--strace` runs the runtime under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `valgrind --tool=callgrind`: instructions.
    Callgrind,
    /// `strace -f -c`: system calls.
    Strace,
}

/// A profiling run instead of the comparison.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The tool.
    pub tool: Tool,
    /// The runtime it profiles.
    pub runtime: Runtime,
    /// Where the tool's files go.
    pub dir: PathBuf,
}

/// The concurrency comparison, instead of the side-by-side one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concurrency {
    /// N: `AWS_LAMBDA_MAX_CONCURRENCY`, the long-polls served at once, and
    /// the connections ours must keep.
    pub workers: usize,
    /// Invocations per run of each job, in the order of `Job::ALL`
    /// (sleep10, compute).
    pub counts: [usize; 2],
}

/// Everything the command line says.
#[derive(Debug, Clone)]
pub struct Options {
    /// ours, floor, official (in that order) when comparing; empty when
    /// profiling.
    pub runtimes: Vec<Runtime>,
    /// Zip sizes in bytes, in the order of `RUNTIME_NAMES`.
    pub zips: [Option<u64>; 3],
    /// Interleaved rounds.
    pub rounds: usize,
    /// Invocations per run of the 1 KB side-by-side comparison.
    pub n: usize,
    /// Smoke-test mode.
    pub quick: bool,
    /// The report file to rewrite, if any.
    pub out: Option<PathBuf>,
    /// The command quoted in the report.
    pub command: String,
    /// Set for `--callgrind`/`--strace`.
    pub profile: Option<Profile>,
    /// Set for `--concurrency`; `runtimes` are then ours and official.
    pub concurrency: Option<Concurrency>,
    /// `--runtime-cpus`: the CPU list each runtime is started on.
    pub runtime_cpus: Option<String>,
}

/// Parses the arguments (without the program name); `Ok(None)` for `--help`.
/// A later flag overrides an earlier one, so a wrapper script can put its
/// defaults first and the user's arguments after them.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Options>, String> {
    let mut paths: [Option<PathBuf>; 3] = [None, None, None];
    let mut zips = None;
    let (mut rounds, mut n, mut quick) = (None, None, false);
    let (mut out, mut command) = (None, None);
    let (mut profile, mut profile_dir) = (None, None);
    let (mut workers, mut runtime_cpus) = (None, None);

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument {a:?} is not UTF-8"))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value)),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_string()),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--ours" => paths[0] = Some(PathBuf::from(value()?)),
            "--floor" => paths[1] = Some(PathBuf::from(value()?)),
            "--official" => paths[2] = Some(PathBuf::from(value()?)),
            "--zips" => zips = Some(value()?),
            "--rounds" => rounds = Some(count(&flag, &value()?)?),
            "--n" => n = Some(count(&flag, &value()?)?),
            "--quick" => quick = true,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--command" => command = Some(value()?),
            "--callgrind" => profile = Some((Tool::Callgrind, value()?)),
            "--strace" => profile = Some((Tool::Strace, value()?)),
            "--profile-dir" => profile_dir = Some(PathBuf::from(value()?)),
            "--concurrency" => workers = Some(count(&flag, &value()?)?),
            "--runtime-cpus" => runtime_cpus = Some(cpu_list(&value()?)?),
            _ => return Err(format!("unknown option '{arg}' (try --help)")),
        }
    }

    let runtime = |i: usize| -> Result<Runtime, String> {
        let name = RUNTIME_NAMES[i];
        let path = paths[i]
            .clone()
            .ok_or_else(|| format!("--{name} BIN is required"))?;
        Ok(Runtime { name, path })
    };
    let (runtimes, profile) = match profile {
        Some(_) if workers.is_some() => {
            return Err("--concurrency cannot be profiled (--callgrind, --strace)".to_string());
        }
        Some((tool, name)) => {
            let i = RUNTIME_NAMES
                .iter()
                .position(|&r| r == name)
                .ok_or_else(|| {
                    format!("unknown runtime '{name}' to profile: use ours, floor or official")
                })?;
            let dir = profile_dir.unwrap_or_else(|| PathBuf::from("target/profile"));
            let runtime = runtime(i)?;
            (Vec::new(), Some(Profile { tool, runtime, dir }))
        }
        // ours and official; the floor has no concurrent mode.
        None if workers.is_some() => (vec![runtime(0)?, runtime(2)?], None),
        None => ((0..3).map(runtime).collect::<Result<_, _>>()?, None),
    };
    let concurrency = workers.map(|workers| Concurrency {
        workers,
        // sleep10: 5 s at the ideal 800/s with N = 8. compute: more, as each
        // takes a fraction of sleep10's wall time.
        counts: match (n, quick) {
            (Some(n), _) => [n, n],
            (None, true) => [400, 2_000],
            (None, false) => [4_000, 20_000],
        },
    });

    let mut zip_sizes = [None; 3];
    if let Some(list) = zips {
        let files: Vec<&str> = list.split(',').collect();
        if files.len() != 3 {
            return Err(format!(
                "--zips takes three paths, ours,floor,official; got '{list}'"
            ));
        }
        for (size, file) in zip_sizes.iter_mut().zip(files) {
            let meta = std::fs::metadata(file).map_err(|e| format!("zip '{file}': {e}"))?;
            *size = Some(meta.len());
        }
    }

    Ok(Some(Options {
        runtimes,
        zips: zip_sizes,
        rounds: rounds.unwrap_or(if quick { 1 } else { 5 }),
        // Under valgrind an invocation is ~50 times slower: 2,000 is enough.
        n: n.unwrap_or(if quick || profile.is_some() {
            2_000
        } else {
            20_000
        }),
        quick,
        out,
        command: command.unwrap_or_else(|| "bench/run.sh".to_string()),
        profile,
        concurrency,
        runtime_cpus,
    }))
}

/// A CPU list as `taskset -c` takes it: digits, commas and ranges.
fn cpu_list(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.split(',').all(|part| {
            let mut ends = part.splitn(2, '-');
            ends.all(|end| !end.is_empty() && end.bytes().all(|b| b.is_ascii_digit()))
        });
    if valid {
        Ok(value.to_string())
    } else {
        Err(format!(
            "--runtime-cpus takes a CPU list such as 0 or 0,2-3, not '{value}'"
        ))
    }
}

/// A positive count: zero rounds or invocations would measure nothing.
fn count(flag: &str, value: &str) -> Result<usize, String> {
    match value.replace('_', "").parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag} takes a positive number, not '{value}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &str) -> Result<Option<Options>, String> {
        parse(args.split_whitespace().map(OsString::from))
    }

    const THREE: &str = "--ours o --floor f --official l";

    #[test]
    fn defaults_are_the_full_run() {
        let opts = check(THREE).unwrap().unwrap();
        assert_eq!((opts.rounds, opts.n, opts.quick), (5, 20_000, false));
        assert_eq!(opts.runtimes[2].name, "official");
        assert!(opts.out.is_none() && opts.profile.is_none());
    }

    #[test]
    fn quick_shrinks_the_run_and_later_flags_win() {
        let opts = check(&format!("{THREE} --quick --n 100 --n=300 --out a --out b"))
            .unwrap()
            .unwrap();
        assert_eq!((opts.rounds, opts.n), (1, 300));
        assert_eq!(opts.out, Some(PathBuf::from("b")));
    }

    #[test]
    fn profiling_needs_only_the_profiled_runtime() {
        let opts = check("--floor f --strace floor").unwrap().unwrap();
        let profile = opts.profile.unwrap();
        assert_eq!(
            (profile.tool, profile.runtime.name),
            (Tool::Strace, "floor")
        );
        assert_eq!(profile.dir, PathBuf::from("target/profile"));
    }

    #[test]
    fn mistakes_are_named() {
        for (args, message) in [
            ("--ours o --floor f", "--official BIN is required"),
            ("--frobnicate", "unknown option '--frobnicate'"),
            (
                &format!("{THREE} --n 0"),
                "--n takes a positive number, not '0'",
            ),
            (&format!("{THREE} --rounds"), "--rounds needs a value"),
            ("--callgrind nope", "unknown runtime 'nope'"),
            (&format!("{THREE} --zips a,b"), "--zips takes three paths"),
            ("--concurrency 8 --ours o", "--official BIN is required"),
            (
                &format!("{THREE} --concurrency 0"),
                "--concurrency takes a positive number, not '0'",
            ),
            (
                "--concurrency 8 --ours o --strace ours",
                "--concurrency cannot be profiled",
            ),
            (
                &format!("{THREE} --runtime-cpus 0-"),
                "--runtime-cpus takes a CPU list such as 0 or 0,2-3, not '0-'",
            ),
        ] {
            let err = check(args).unwrap_err();
            assert!(err.contains(message), "{args}: {err}");
        }
    }

    #[test]
    fn concurrency_needs_ours_and_official_and_sets_both_counts() {
        let opts = check("--concurrency 8 --ours o --official l --runtime-cpus 0,2-3")
            .unwrap()
            .unwrap();
        let names: Vec<&str> = opts.runtimes.iter().map(|r| r.name).collect();
        assert_eq!(names, ["ours", "official"]);
        let expected = Concurrency {
            workers: 8,
            counts: [4_000, 20_000],
        };
        assert_eq!(opts.concurrency, Some(expected));
        assert_eq!(opts.runtime_cpus.as_deref(), Some("0,2-3"));
        let quick = check("--concurrency 2 --ours o --official l --quick")
            .unwrap()
            .unwrap();
        assert_eq!(quick.concurrency.unwrap().counts, [400, 2_000]);
        let n = check("--concurrency 2 --ours o --official l --quick --n 50")
            .unwrap()
            .unwrap();
        assert_eq!(n.concurrency.unwrap().counts, [50, 50]);
        assert!(check(THREE).unwrap().unwrap().concurrency.is_none());
    }

    #[test]
    fn help_is_not_an_error() {
        assert!(check("--help").unwrap().is_none());
    }
}
