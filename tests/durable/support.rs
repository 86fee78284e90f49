//! What every durable test runs on: AWS's local durable-execution runner
//! (`dex-local-runner`, PyPI `aws-durable-execution-sdk-python-testing`,
//! the version `.ci/durable.sh` pins), invoking the function through
//! cargo-lambda's emulator (`cargo lambda watch --only-lambda-apis`), in
//! front of the real binary we built. A [`Stack`] starts the three and
//! stops them when dropped; [`Stack::wait_for`] polls the runner's view of
//! an execution and gives up only when nothing at all has happened for
//! [`HANG_LIMIT`] (a slow, busy machine still makes progress).
//!
//! The runner is found as `DEX_LOCAL_RUNNER` names it, else on PATH.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long nothing may happen (no new history event, no status change)
/// before a test calls it hung.
pub const HANG_LIMIT: Duration = Duration::from_secs(120);

/// How often the runner is asked how an execution is doing.
const POLL: Duration = Duration::from_millis(100);

/// Kills the process when dropped, however the test ends.
pub struct Reaper(Child);

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

/// Lines a process writes, on both streams, as they come.
fn lines_of(child: &mut Child) -> (mpsc::Receiver<String>, Arc<Mutex<Vec<String>>>) {
    let (tx, rx) = mpsc::channel();
    let kept = Arc::new(Mutex::new(Vec::new()));
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let (tx, kept) = (tx.clone(), kept.clone());
        thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
    }
    (rx, kept)
}

/// Waits for a line containing `what`, and returns it.
fn wait_line(rx: &mpsc::Receiver<String>, what: &str, who: &str) -> String {
    let mut said = Vec::new();
    loop {
        match rx.recv_timeout(HANG_LIMIT) {
            Ok(line) if line.contains(what) => return line,
            Ok(line) => said.push(line),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{who} said nothing for {HANG_LIMIT:?}, and never '{what}': {said:?}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("{who} exited without saying '{what}': {said:?}")
            }
        }
    }
}

/// The binary with the durable probe's handlers: the one `DURABLE_PROBE`
/// names (`.ci/durable.sh` builds it first), else built here, once.
pub fn probe_binary() -> &'static str {
    static PROBE: OnceLock<String> = OnceLock::new();
    PROBE.get_or_init(|| {
        if let Ok(built) = std::env::var("DURABLE_PROBE") {
            return built;
        }
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--locked",
                "-p",
                "lambda-bootstrap",
                "--features",
                "durable",
                "--example",
                "durable_probe",
            ])
            .arg("--message-format=json-render-diagnostics")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo to build the durable probe");
        assert!(out.status.success(), "building the durable probe failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|m| m["target"]["name"] == "durable_probe")
            .find_map(|m| m["executable"].as_str().map(str::to_string))
            .expect("cargo named the probe's executable")
    })
}

/// The runner, the emulator and the function.
pub struct Stack {
    runner_url: String,
    runner_lines: Arc<Mutex<Vec<String>>>,
    runtime_api: String,
    binary: String,
    env: Vec<(String, String)>,
    /// What the function logged, every process of it.
    pub function_lines: Arc<Mutex<Vec<String>>>,
    function: Option<Reaper>,
    // Dropped last: the function first, then what it talks to.
    _emulator: Reaper,
    _runner: Reaper,
}

impl Stack {
    /// Starts the three, the function serving `handler` of `binary`, with
    /// `env` besides the usual.
    pub fn start(binary: &str, handler: &str, env: &[(&str, &str)]) -> Stack {
        Stack::start_with(binary, handler, env, &[])
    }

    /// The same, with more arguments for the runner's `start-server`.
    pub fn start_with(
        binary: &str,
        handler: &str,
        env: &[(&str, &str)],
        runner_args: &[&str],
    ) -> Stack {
        let (emulator, runtime_api, invoke_port) = start_emulator();
        let (runner, runner_url, runner_lines) = start_runner(invoke_port, runner_args);
        let mut stack = Stack {
            runner_url,
            runner_lines,
            runtime_api,
            binary: binary.to_string(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            function_lines: Arc::new(Mutex::new(Vec::new())),
            function: None,
            _emulator: emulator,
            _runner: runner,
        };
        stack.serve(handler);
        stack
    }

    /// (Re)starts the function, serving `handler`: a new sandbox, as
    /// Lambda starts one after a crash or a deploy.
    pub fn serve(&mut self, handler: &str) {
        self.function = None;
        let mut cmd = Command::new(&self.binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &self.runtime_api)
            .env("_HANDLER", handler)
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_ENDPOINT_URL_LAMBDA", &self.runner_url)
            .env("AWS_REGION", "us-west-2")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            )
            .env("RUST_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the function");
        let lines = self.function_lines.clone();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        self.function = Some(Reaper(child));
    }

    /// Whether the function's process has exited.
    pub fn function_exited(&mut self) -> bool {
        match &mut self.function {
            Some(Reaper(child)) => child.try_wait().unwrap().is_some(),
            None => true,
        }
    }

    /// The lines the runner logged.
    pub fn runner_lines(&self) -> Vec<String> {
        self.runner_lines.lock().unwrap().clone()
    }

    /// Starts an execution named `name` with `input`; its ARN.
    pub fn start_execution(&self, name: &str, input: &Value) -> String {
        self.start_execution_within(name, input, 300)
    }

    /// The same, timing out after `timeout_seconds`.
    pub fn start_execution_within(
        &self,
        name: &str,
        input: &Value,
        timeout_seconds: u32,
    ) -> String {
        let (status, body) = self.call(
            "POST",
            "/start-durable-execution",
            Some(
                &json!({
                    "AccountId": "123456789012",
                    "FunctionName": "_",
                    "FunctionQualifier": "$LATEST",
                    "ExecutionName": name,
                    "ExecutionTimeoutSeconds": timeout_seconds,
                    "ExecutionRetentionPeriodDays": 1,
                    "Input": input.to_string(),
                })
                .to_string(),
            ),
        );
        assert_eq!(status, 201, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        body["ExecutionArn"].as_str().unwrap().to_string()
    }

    /// The execution as the runner reports it (`Status`, `Result`, `Error`).
    pub fn execution(&self, arn: &str) -> Value {
        let (status, body) = self.call(
            "GET",
            &format!("/2025-12-01/durable-executions/{}", encode(arn)),
            None,
        );
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// The execution's history events, oldest first.
    pub fn history(&self, arn: &str) -> Vec<Value> {
        let (status, body) = self.call(
            "GET",
            &format!(
                "/2025-12-01/durable-executions/{}/history?IncludeExecutionData=true&MaxItems=1000",
                encode(arn)
            ),
            None,
        );
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        body["Events"].as_array().cloned().unwrap_or_default()
    }

    /// Polls until `done` says so of (execution, history); panics when
    /// nothing changed for [`HANG_LIMIT`].
    pub fn wait_for(
        &self,
        arn: &str,
        done: impl Fn(&Value, &[Value]) -> bool,
    ) -> (Value, Vec<Value>) {
        let mut seen = (String::new(), usize::MAX);
        let mut last_change = Instant::now();
        loop {
            let execution = self.execution(arn);
            let history = self.history(arn);
            if done(&execution, &history) {
                return (execution, history);
            }
            let now = (execution["Status"].to_string(), history.len());
            if now != seen {
                seen = now;
                last_change = Instant::now();
            } else if last_change.elapsed() > HANG_LIMIT {
                panic!(
                    "no progress in {HANG_LIMIT:?}: {execution}\nhistory: {}\nfunction: {:?}",
                    Value::from(history),
                    self.function_lines.lock().unwrap()
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Waits for the execution to end; the runner's record of it.
    pub fn wait_done(&self, arn: &str) -> (Value, Vec<Value>) {
        self.wait_for(arn, |execution, _| {
            !matches!(execution["Status"].as_str(), Some("RUNNING") | None)
        })
    }

    /// Waits for the callback `name` to start; its id.
    pub fn callback_id(&self, arn: &str, name: &str) -> String {
        let started = |history: &[Value]| {
            history
                .iter()
                .find(|e| e["EventType"] == "CallbackStarted" && e["Name"] == name)
                .and_then(|e| e["CallbackStartedDetails"]["CallbackId"].as_str())
                .map(str::to_string)
        };
        let (_, history) = self.wait_for(arn, |_, history| started(history).is_some());
        started(&history).unwrap()
    }

    /// Completes a callback as another system would: `Ok(result)` or
    /// `Err((type, message))`.
    pub fn complete_callback(&self, id: &str, outcome: Result<&Value, (&str, &str)>) {
        let (path, body) = match outcome {
            Ok(result) => ("succeed", result.to_string()),
            Err((kind, message)) => (
                "fail",
                json!({"ErrorType": kind, "ErrorMessage": message}).to_string(),
            ),
        };
        let (status, answer) = self.call(
            "POST",
            &format!(
                "/2025-12-01/durable-execution-callbacks/{}/{path}",
                encode(id)
            ),
            Some(&body),
        );
        assert_eq!(status, 200, "{answer}");
    }

    /// One HTTP/1.1 exchange with the runner: status and body.
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let authority = self.runner_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).unwrap();
        stream.set_read_timeout(Some(HANG_LIMIT)).unwrap();
        let body = body.unwrap_or("");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let answer = String::from_utf8_lossy(&answer);
        let (head, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head}"));
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        (
            status,
            if chunked {
                dechunk(rest)
            } else {
                rest.to_string()
            },
        )
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

/// Percent-encodes all but RFC 3986's unreserved characters.
pub fn encode(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `cargo lambda watch --only-lambda-apis` on a port of its own: the
/// process, the Runtime API it serves, its invoke port.
fn start_emulator() -> (Reaper, String, u16) {
    let port = free_port();
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
        .expect("cargo lambda (pip install cargo-lambda; .ci/tools.sh)");
    let (rx, _) = lines_of(&mut child);
    let reaper = Reaper(child);
    let line = wait_line(&rx, "AWS_LAMBDA_RUNTIME_API=", "the emulator");
    let api = line
        .split("AWS_LAMBDA_RUNTIME_API=")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    wait_line(&rx, "starting Runtime server", "the emulator");
    (reaper, api, port)
}

/// `dex-local-runner start-server` invoking through `invoke_port`.
fn start_runner(invoke_port: u16, args: &[&str]) -> (Reaper, String, Arc<Mutex<Vec<String>>>) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let program = std::env::var("DEX_LOCAL_RUNNER").unwrap_or_else(|_| "dex-local-runner".into());
    let mut child = Command::new(&program)
        .args(["start-server", "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--lambda-endpoint")
        .arg(format!("http://127.0.0.1:{invoke_port}"))
        .arg("--local-runner-endpoint")
        .arg(&url)
        .args(args)
        // Its own Invoke calls are signed with whatever keys it finds.
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_DEFAULT_REGION", "us-west-2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} ({e}): .ci/durable.sh installs it"));
    let (rx, kept) = lines_of(&mut child);
    let reaper = Reaper(child);
    wait_line(&rx, "Server started successfully", "the runner");
    (reaper, url, kept)
}
