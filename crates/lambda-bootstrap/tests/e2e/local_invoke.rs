//! `bootstrap invoke <handler> [EVENT_FILE | -]` and `--help`, on the built
//! probe (any function's binary runs the same command line): output and
//! exit codes as a person at a terminal sees them.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{Finished, finish, finish_with_stdin, known_handlers, probe_binary};

fn bootstrap(args: &[&str]) -> Command {
    let mut cmd = Command::new(probe_binary());
    cmd.env_clear()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args);
    cmd
}

fn check(args: &[&str], stdin: &str, code: i32) -> Finished {
    let out = finish_with_stdin(&mut bootstrap(args), stdin.as_bytes().to_vec());
    assert_eq!(out.code, Some(code), "{out:?}");
    out
}

fn stdout_json(out: &Finished) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", out.stdout))
}

#[test]
fn invoke_prints_the_result_and_exits_0() {
    let out = check(
        &["invoke", "probe", "tests/data/apigw-http-get.json"],
        "",
        0,
    );
    let fixture: Value =
        serde_json::from_slice(&std::fs::read("tests/data/apigw-http-get.json").unwrap()).unwrap();
    assert_eq!(stdout_json(&out)["event"], fixture);
    assert_eq!(stdout_json(&out)["context"]["request_id"], "local-invoke");
    assert!(out.stdout.ends_with('\n'));

    for args in [&["invoke", "probe", "-"][..], &["invoke", "probe"]] {
        let out = check(args, r#"{"hello":"world"}"#, 0);
        assert_eq!(stdout_json(&out)["event"], json!({"hello": "world"}));
    }
}

#[test]
fn invoke_prints_the_error_body_and_exits_1() {
    let out = check(
        &["invoke", "probe", "-"],
        r#"{"error": {"type": "Planned", "message": "as asked"}}"#,
        1,
    );
    assert_eq!(
        stdout_json(&out),
        json!({"errorType": "Planned", "errorMessage": "as asked"})
    );
    assert_eq!(out.stderr, "", "the answer is on stdout, once");

    let out = check(&["invoke", "probe", "-"], "{oops", 1);
    assert_eq!(stdout_json(&out)["errorType"], "Runtime.UnmarshalError");
}

#[test]
fn unknown_handler_lists_the_known_ones_and_exits_2() {
    let out = check(&["invoke", "htpevent", "-"], "{}", 2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr.trim(),
        format!(
            "error: unknown handler 'htpevent' (known handlers: {})",
            known_handlers()
        )
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = check(&["invoke", "probe", "no/such/file.json"], "", 2);
    assert!(
        out.stderr
            .starts_with("error: cannot read event file 'no/such/file.json'"),
        "{}",
        out.stderr
    );
    let out = check(&["frobnicate"], "", 2);
    assert!(
        out.stderr
            .starts_with("error: unknown command 'frobnicate'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("bootstrap invoke [--timeout SECONDS] <handler>"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_says_how_to_use_it() {
    // `bootstrap invoke --help` asks for help too; it is no handler's name.
    for args in [&["--help"][..], &["invoke", "--help"], &["invoke", "-h"]] {
        let out = finish(bootstrap(args));
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        assert!(
            out.stdout
                .starts_with("bootstrap: a minimal AWS Lambda custom runtime")
        );
    }
    let out = finish(bootstrap(&["--help"]));
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout
            .contains("bootstrap invoke [--timeout SECONDS] <handler> [EVENT_FILE|-]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("AWS_LAMBDA_RUNTIME_API"),
        "{}",
        out.stdout
    );
}

#[test]
fn invoke_gives_the_handler_a_deadline() {
    let remaining = |args: &[&str]| {
        let mut cmd = Command::new(probe_binary());
        cmd.env_clear().args(args);
        let out = finish_with_stdin(&mut cmd, b"{}".to_vec());
        assert_eq!(out.code, Some(0), "{out:?}");
        stdout_json(&out)["context"]["remaining_ms"]
            .as_u64()
            .unwrap_or_else(|| panic!("no remaining time: {}", out.stdout))
    };
    // The default is serverless.yml's 10 s.
    let ms = remaining(&["invoke", "probe"]);
    assert!((5_000..=10_000).contains(&ms), "{ms}");
    let ms = remaining(&["invoke", "--timeout", "3", "probe", "-"]);
    assert!((1..=3_000).contains(&ms), "{ms}");
}

#[test]
fn invoke_streams_to_stdout_and_reports_a_mid_stream_error() {
    let out = check(
        &["invoke", "probe_stream", "-"],
        r#"{"http_status": 201, "lines": ["a\n", "b\n"]}"#,
        0,
    );
    assert_eq!(out.stdout, "a\nb\n", "stdout is the body");
    assert_eq!(
        out.stderr,
        "http: {\"cookies\":[\"seen=1\"],\"headers\":{\"x-probe\":\"1\"},\"statusCode\":201}\n"
    );
    let out = check(
        &["invoke", "probe_stream", "-"],
        r#"{"lines": ["a\n"], "error": "midway"}"#,
        1,
    );
    assert_eq!(out.stdout, "a\n");
    assert!(
        out.stderr.ends_with(
            "error: the stream ended with {\"errorMessage\":\"midway\",\"errorType\":\"ProbeFailure\"}\n"
        ),
        "{}",
        out.stderr
    );
}
