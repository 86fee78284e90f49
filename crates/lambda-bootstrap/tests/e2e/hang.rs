//! The tests' hang detector (`Running::wait`): a process fails as hung
//! when it moves no byte for a while, never because its whole run was
//! long, so a busy machine makes tests slower, not red.

use std::panic::{self, AssertUnwindSafe};
use std::process::Command;
use std::time::Duration;

use crate::support::start;

/// The window of no progress these tests use: short, for a quick verdict,
/// yet far above the pause between two lines of the slow process.
const WINDOW: Duration = Duration::from_secs(5);

/// A shell that prints a line, then runs `then`.
fn shell(then: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("echo started; {then}")]);
    cmd
}

#[test]
fn a_run_longer_than_the_window_that_keeps_moving_is_not_hung() {
    // Forty lines, a fifth of a second apart: twice the window in all,
    // with a byte written every fifth of it.
    let mut slow = shell("i=0; while [ $i -lt 40 ]; do echo $i; sleep 0.2; i=$((i+1)); done");
    let out = start(&mut slow, Vec::new()).wait_unless_still_for(WINDOW);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.lines().last(), Some("39"), "{}", out.stdout);
}

#[test]
fn a_process_that_stops_moving_is_hung() {
    // `exec`: the shell becomes the sleep, which reads and writes nothing.
    let mut still = shell("exec sleep 100000");
    let running = start(&mut still, Vec::new());
    let pid = running.pid;
    let verdict = panic::catch_unwind(AssertUnwindSafe(|| running.wait_unless_still_for(WINDOW)));
    let message = verdict.expect_err("a still process is hung");
    let message = message
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.starts_with(&format!("process {pid} read and wrote nothing for 5s"))
            && message.ends_with(": hung"),
        "{message}"
    );
}
