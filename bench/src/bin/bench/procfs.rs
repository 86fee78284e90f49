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

/// CPU of `pid` so far, all its threads, those that ended included
/// (`utime` and `stime` in `/proc/<pid>/stat`), in nanoseconds, though the
/// kernel counts it in clock ticks (usually 10 ms): for long spans only.
pub fn process_cpu_ns(pid: u32) -> u64 {
    let ticks = fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_cpu_ticks(&stat))
        .unwrap_or(0);
    ticks * 1_000_000_000 / USER_HZ
}

fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    // After the command name: state is field 3, utime 14, stime 15.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `USER_HZ`, the unit of `/proc/<pid>/stat`'s times: 100 on every Linux
/// architecture this runs on (`getconf CLK_TCK`).
const USER_HZ: u64 = 100;

/// CPU (user and system) of every child of this process reaped so far,
/// all their threads, those that ended early too
/// (`getrusage(RUSAGE_CHILDREN)`), in nanoseconds: read before and after
/// reaping a runtime, its whole CPU, which `cpu_ns` cannot see once a
/// thread is gone (ureq's resolver runs a lookup with a timeout in a thread
/// of its own).
pub fn reaped_children_cpu_ns() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one `rusage` through the pointer, which
    // points to one (zeroed: a valid value of a struct of integers); it is
    // read only when the call says it wrote it.
    #[allow(unsafe_code)]
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) != 0 {
            return 0;
        }
        usage.assume_init()
    };
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
    ns(usage.ru_utime) + ns(usage.ru_stime)
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
        assert_eq!(stat_cpu_ticks(stat), Some(1));
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
        let reaped = reaped_children_cpu_ns();
        let spin = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(spin.success() && reaped_children_cpu_ns() > reaped);
        assert!(minor_faults(pid) > 0);
        assert!(machine().contains("cores"));
    }
}
