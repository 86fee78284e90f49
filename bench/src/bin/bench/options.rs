//! The driver's command line. Parsing only: nothing here starts a process or
//! touches a file, except reading the sizes of the zips it is pointed at.

use std::ffi::OsString;
use std::path::PathBuf;

/// `bench --help`.
pub const USAGE: &str = "\
usage: bench --ours BIN --floor BIN --official BIN [options]

Runs the three Lambda runtimes against a fake Runtime API, interleaved, and
reports medians across rounds. bench/run.sh builds the binaries and calls it.

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
        None => ((0..3).map(runtime).collect::<Result<_, _>>()?, None),
    };

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
    }))
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
        ] {
            let err = check(args).unwrap_err();
            assert!(err.contains(message), "{args}: {err}");
        }
    }

    #[test]
    fn help_is_not_an_error() {
        assert!(check("--help").unwrap().is_none());
    }
}
