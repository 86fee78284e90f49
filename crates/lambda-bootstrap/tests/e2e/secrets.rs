//! Credentials never reach the output, at any level; payloads only at
//! DEBUG or TRACE.

use serde_json::json;

use crate::support::{Event, FakeApi, Finished, Next, finish, probe};

const KEY_ID: &str = "AKIASECRETMARKER0001";
const SECRET: &str = "secret-marker-wJalrXUtnFEMI/K7MDENG";
const TOKEN: &str = "token-marker-IQoJb3JpZ2luX2VjEDoaCXVzLWVhc3QtMSJHMEUCIQ";
const PAYLOAD: &str = "payload-marker-7f3c";

/// Serves a good event, a handler error and a panic, each carrying the
/// payload marker outside anything that becomes an error message, with
/// credentials in the environment and `env` added.
fn run(env: &[(&str, &str)]) -> Finished {
    let api = FakeApi::start(vec![
        Next::Event(Event::json("good", &json!({"data": PAYLOAD}))),
        Next::Event(Event::json(
            "bad",
            &json!({"data": PAYLOAD, "error": {"type": "Boom", "message": "m"}}),
        )),
        Next::Event(Event::json(
            "panic",
            &json!({"data": PAYLOAD, "panic": "p"}),
        )),
        Next::Event(Event::new(
            "unparsable",
            format!("{{\"data\":\"{PAYLOAD}\""),
        )),
    ]);
    let mut cmd = probe(&api, "probe");
    cmd.env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = finish(cmd);
    assert_eq!(api.posts().len(), 4);
    out
}

/// Runs with `env` and checks that no credential shows and that the
/// payload shows exactly when `payload_shown`; returns all the output.
fn check(env: &[(&str, &str)], payload_shown: bool) -> String {
    let out = run(env);
    let all = format!("{}{}", out.stdout, out.stderr);
    for secret in [
        KEY_ID,
        SECRET,
        TOKEN,
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(
            !all.contains(secret),
            "{env:?}: {secret} in the output:\n{all}"
        );
    }
    assert_eq!(
        all.contains(PAYLOAD),
        payload_shown,
        "{env:?}: payload shown?\n{all}"
    );
    all
}

#[test]
fn credentials_never_show_and_payloads_only_at_debug_or_below() {
    check(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")], true);
    check(
        &[
            ("AWS_LAMBDA_LOG_LEVEL", "TRACE"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ],
        true,
    );
    check(
        &[
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ],
        true,
    );
    check(&[("RUST_LOG", "debug")], true);
    check(&[], false);
    check(&[("AWS_LAMBDA_LOG_LEVEL", "INFO")], false);
    check(
        &[
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ],
        false,
    );
    check(&[("AWS_LAMBDA_LOG_LEVEL", "WARN")], false);
    check(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR")], false);
    check(&[("RUST_LOG", "info")], false);
    check(&[("RUST_LOG", "warn")], false);
}

#[test]
fn credentials_never_show_even_in_ureqs_own_trace() {
    // RUST_LOG=trace also turns on ureq's logging: every request and
    // response head, and a hex dump of every byte on the wire.
    let all = check(&[("RUST_LOG", "trace")], true);
    for ureq_line in ["Call<Prepare>", "Return to pool", "HTTP/1.1"] {
        assert!(
            all.contains(ureq_line),
            "no {ureq_line:?} from ureq:\n{all}"
        );
    }
}
