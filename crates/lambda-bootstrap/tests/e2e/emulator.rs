//! The binary under cargo-lambda's Runtime API emulator, unchanged: the
//! emulator hands out `http://[::]:PORT/.rt`, and `cargo lambda invoke`
//! must get the handler's answer back.
//!
//! Ignored by plain `cargo test` because it needs `cargo-lambda` on PATH
//! (`pip install cargo-lambda`); `.ci/run` installs it and runs these.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;

use serde_json::Value;

use crate::support::{NO_PROGRESS, lambda, probe_binary};

/// Kills the process when the test ends, however it ends.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `cargo lambda watch --only-lambda-apis` and waits for the line
/// saying it listens; returns the process and the address it advertises.
fn start_emulator(port: u16) -> (Reaper, String) {
    let mut child = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo lambda (pip install cargo-lambda)");
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let reaper = Reaper(child);
    let mut api = None;
    loop {
        let line = rx
            .recv_timeout(NO_PROGRESS)
            .expect("the emulator printed nothing for a long while and never said it listens");
        if let Some(value) = line.split("AWS_LAMBDA_RUNTIME_API=").nth(1) {
            api = Some(value.trim().to_string());
        }
        if line.contains("starting Runtime server") {
            return (
                reaper,
                api.expect("emulator named no AWS_LAMBDA_RUNTIME_API"),
            );
        }
    }
}

fn invoke(port: u16, data: &str) -> (bool, String) {
    let out = Command::new("cargo")
        .args([
            "lambda",
            "invoke",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .args(["--data-ascii", data, "_"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
#[ignore = "needs cargo-lambda on PATH; run by .ci/run"]
fn answers_cargo_lambda_invoke() {
    let port = free_port();
    let (_emulator, api) = start_emulator(port);
    assert!(api.ends_with("/.rt"), "the emulator's address form: {api}");
    let mut cmd = lambda(probe_binary(), &api, "probe");
    cmd.env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _runtime = Reaper(cmd.spawn().unwrap());

    let (ok, out) = invoke(
        port,
        r#"{"httpMethod":"GET","path":"/hello","queryStringParameters":{"hello":"Emu"}}"#,
    );
    assert!(ok, "{out}");
    let answer: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(answer["event"]["queryStringParameters"]["hello"], "Emu");

    let (ok, out) = invoke(port, "{not json");
    assert!(!ok, "{out}");
    assert!(out.contains("Runtime.UnmarshalError"), "{out}");

    // Still serving after the bad event.
    let (ok, out) = invoke(
        port,
        r#"{"version":"2.0","rawPath":"/hello","rawQueryString":"","requestContext":{"http":{"method":"GET","path":"/hello"}}}"#,
    );
    assert!(ok, "{out}");
    assert!(out.contains(r#""rawPath":"/hello""#), "{out}");
}

#[test]
#[ignore = "needs cargo-lambda on PATH; run by .ci/run"]
fn the_shutdown_hook_registers_with_the_emulator_and_runs_on_sigterm() {
    let port = free_port();
    let (_emulator, api) = start_emulator(port);
    let mut cmd = lambda(probe_binary(), &api, "probe_hooked");
    cmd.env("AWS_LAMBDA_FUNCTION_NAME", "_")
        .env("RUST_LOG", "debug");
    let runtime = crate::support::start(&mut cmd, Vec::new());
    let (ok, out) = invoke(port, r#"{"hello":"world"}"#);
    assert!(ok, "{out}");
    assert!(out.contains(r#""hello":"world""#), "{out}");
    // As Lambda does at shutdown.
    let status = Command::new("kill")
        .args(["-TERM", &runtime.pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = runtime.wait();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // The emulator took the registration (a refusal is a warning and no
    // hook), and the hook ran.
    assert!(
        out.stderr
            .contains("DEBUG shutdown hook armed: extension lambda-bootstrap-shutdown registered")
            && out.stderr.contains("INFO probe shutdown hook: "),
        "{}",
        out.stderr
    );
}
