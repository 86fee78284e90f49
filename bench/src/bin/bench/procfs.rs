//! What the driver reads about a process and the machine from `/proc`:
//! CPU time, peak memory, CPU model, kernel. Read-only; a missing file reads
//! as zero or "unknown", because a figure the kernel does not give is not a
//! reason to lose a whole run.

use std::fs;

/// On-CPU nanoseconds of `pid`, summed over its threads (the first field of
/// each `/proc/<pid>/task/<tid>/schedstat`). Threads that already exited are
/// not counted; none of the runtimes ends a thread while it is measured.
pub fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|task| fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// On-CPU nanoseconds of the calling thread
/// (`/proc/thread-self/schedstat`): what the fake API's reading of a
/// stream costs, apart from the rest of the driver. The kernel brings the
/// figure up to date at each switch and scheduler tick, so it may lag by
/// up to one tick.
pub fn thread_cpu_ns() -> u64 {
    fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|stat| stat.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Times the calling thread gave up its CPU to wait
/// (`voluntary_ctxt_switches` in `/proc/thread-self/status`): for the fake
/// API's reader, how often it found no data and slept until more came.
pub fn thread_waits() -> u64 {
    fs::read_to_string("/proc/thread-self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Minor page faults of `pid` so far, all threads (`/proc/<pid>/stat`).
/// Each is a page touched for the first time: at start-up, most of the CPU
/// that is not instructions.
pub fn minor_faults(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_minor_faults(&stat))
        .unwrap_or(0)
}

fn stat_minor_faults(stat: &str) -> Option<u64> {
    // After the command name in parentheses (which may hold spaces): state,
    // ppid, pgrp, session, tty_nr, tpgid, flags, minflt.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(7)?.parse().ok()
}

/// Peak resident set size of `pid` (`VmHWM` in `/proc/<pid>/status`), KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|status| status_field_kib(&status, "VmHWM:"))
        .unwrap_or(0)
}

fn status_field_kib(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One line about the machine: cores, CPU model, kernel, and the CPUs this
/// process may run on (run.sh pins it; the runtimes inherit the mask).
pub fn machine() -> String {
    format!(
        "{}; driver and runtimes on CPU(s) {}",
        hardware(),
        allowed_cpus()
    )
}

/// The CPUs this process may run on (`Cpus_allowed_list`).
pub fn allowed_cpus() -> String {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default()
}

/// Cores, CPU model, kernel.
pub fn hardware() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    // Cores on the machine (as nproc would say unpinned), not the ones this
    // process may use.
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} cores, {model}, Linux {}", kernel.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_fields_of_status() {
        let status = "Name:\tbootstrap\nVmPeak:\t   10000 kB\nVmHWM:\t     880 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM:"), 880);
        assert_eq!(status_field_kib(status, "VmRSS:"), 0);
    }

    #[test]
    fn reads_minor_faults_past_a_command_name_with_spaces() {
        let stat = "4242 (boot strap) S 1 4242 4242 0 -1 4194560 173 0 0 0 1 0 0 0 20 0 1 0";
        assert_eq!(stat_minor_faults(stat), Some(173));
        assert_eq!(stat_minor_faults("garbage"), None);
    }

    #[test]
    fn measures_this_process() {
        let pid = std::process::id();
        assert!(cpu_ns(pid) > 0);
        let spin: u64 = (0..1_000_000u64).map(std::hint::black_box).sum();
        assert!(spin > 0 && thread_cpu_ns() > 0);
        let waits = thread_waits();
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert!(thread_waits() > waits);
        assert!(peak_rss_kib(pid) > 0);
        assert!(minor_faults(pid) > 0);
        assert!(machine().contains("cores"));
    }
}
