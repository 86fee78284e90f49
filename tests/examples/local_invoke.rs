//! `bootstrap invoke` on the examples: their answers and errors as a
//! person at a terminal sees them.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{Finished, finish_with_stdin};

fn check(args: &[&str], stdin: &str, code: i32) -> Finished {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.env_clear()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args);
    let out = finish_with_stdin(&mut cmd, stdin.as_bytes().to_vec());
    assert_eq!(out.code, Some(code), "{out:?}");
    out
}

fn stdout_json(out: &Finished) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", out.stdout))
}

#[test]
fn httpevent_answers_a_fixture() {
    let out = check(
        &["invoke", "httpevent", "tests/data/apigw-http-get.json"],
        "",
        0,
    );
    assert_eq!(stdout_json(&out)["body"], "Hello Bob from Rust");
    let out = check(&["invoke", "httpevent", "-"], "{oops", 1);
    assert_eq!(stdout_json(&out)["errorType"], "Runtime.UnmarshalError");
}

#[test]
fn scheduleevent_counts_from_one_in_each_process() {
    for args in [
        &["invoke", "scheduleevent", "-"][..],
        &["invoke", "scheduleevent"],
    ] {
        let out = check(args, r#"{"hello":"world"}"#, 0);
        assert_eq!(stdout_json(&out)["runs"], 1, "a fresh process each time");
    }
}

#[test]
fn snsevent_refuses_an_event_that_does_not_fit_naming_the_field() {
    let out = check(
        &["invoke", "snsevent", "tests/data/schedule-input.json"],
        "",
        1,
    );
    assert_eq!(
        stdout_json(&out),
        json!({"errorType": "Runtime.UnmarshalError",
               "errorMessage": "the event does not fit SnsEvent: missing field `Records` \
                                (line 1, column 18)"})
    );
    assert_eq!(out.stderr, "", "the answer is on stdout, once");
}
