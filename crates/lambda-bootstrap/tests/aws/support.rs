//! What the AWS tests run against: moto's server (one per test binary,
//! started on first use on 127.0.0.1 and a free port, stopped when the
//! binary exits), and a small scripted HTTP server that plays a failing
//! AWS or a container credentials endpoint.
//!
//! moto runs with its request authentication on
//! (`INITIAL_NO_AUTH_ACTION_COUNT`): the first requests create an IAM user
//! allowed everything and two access keys, and every later request must be
//! signed with one of those keys, or moto refuses it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_bootstrap::Context;
use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::endpoint::Endpoints;
use lambda_bootstrap::aws::{Client, Config, Credentials, Request, RetryConfig, Service};

/// The moto version `.ci/run` installs; the tests use whatever
/// `moto_server` is on PATH.
pub const MOTO: &str = "moto[server]==5.2.1";

/// IAM, which only the set-up calls (query protocol, global: us-east-1).
const IAM: Service = Service {
    id: "IAM",
    endpoint_prefix: "iam",
    signing_name: "iam",
};

/// A running moto server and the keys it accepts.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The IAM user's two access keys.
    pub keys: [Credentials; 2],
    /// Kept open: moto is stopped when it closes, that is when this test
    /// binary exits, however it exits.
    _lifeline: Mutex<ChildStdin>,
    _process: Mutex<Child>,
}

/// The one moto of this test binary, started and set up on first use.
pub fn moto() -> &'static Moto {
    static MOTO_SERVER: OnceLock<Moto> = OnceLock::new();
    MOTO_SERVER.get_or_init(start_moto)
}

/// A `moto_server` process with `args`, and its URL. Its only stdin is a
/// pipe from this process: when that closes (this test binary exits,
/// however it exits), the shell around moto stops it.
pub fn spawn_moto(args: &str, env: &[(&str, &str)]) -> (String, Child, ChildStdin) {
    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!("moto_server -H 127.0.0.1 -p 0 {args} 2>&1 & pid=$!; trap 'kill $pid 2>/dev/null' EXIT; cat >/dev/null"),
        ])
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto_server ({e}): pip install '{MOTO}'"));
    let lifeline = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| {
                panic!("moto_server ended before listening: is it installed? pip install '{MOTO}'")
            })
            .unwrap();
        if let Some(at) = line.find("Running on http") {
            break line[at + "Running on ".len()..].trim().to_string();
        }
    };
    // moto logs every request: keep reading, or it blocks on a full pipe.
    thread::spawn(move || for _ in lines {});
    (url, child, lifeline)
}

/// Starts moto with authentication after the four set-up calls, and
/// makes those.
fn start_moto() -> Moto {
    let (url, child, lifeline) = spawn_moto("", &[("INITIAL_NO_AUTH_ACTION_COUNT", "4")]);
    let setup = client_for(
        &url,
        Source::Static(Credentials::new("AKIDSETUP", "setup", None, None)),
    );
    let ctx = context(30_000);
    let user = "lambda-bootstrap-tests";
    iam(
        &setup,
        &ctx,
        &[("Action", "CreateUser"), ("UserName", user)],
    );
    let policy =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam(
        &setup,
        &ctx,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", user),
            ("PolicyName", "all"),
            ("PolicyDocument", policy),
        ],
    );
    let key = || {
        let xml = iam(
            &setup,
            &ctx,
            &[("Action", "CreateAccessKey"), ("UserName", user)],
        );
        Credentials::new(
            xml_text(&xml, "AccessKeyId"),
            xml_text(&xml, "SecretAccessKey"),
            None,
            None,
        )
    };
    Moto {
        url,
        keys: [key(), key()],
        _lifeline: Mutex::new(lifeline),
        _process: Mutex::new(child),
    }
}

/// One IAM query-protocol call; its XML answer.
pub fn iam(client: &Client, ctx: &Context, params: &[(&str, &str)]) -> String {
    query(client, ctx, IAM, "2010-05-08", params)
}

/// One query-protocol call (`Action=…&Version=…` in a form body); its XML
/// answer, which must be a success.
pub fn query(
    client: &Client,
    ctx: &Context,
    service: Service,
    version: &str,
    params: &[(&str, &str)],
) -> String {
    let mut body = format!("Version={version}");
    for (name, value) in params {
        body.push('&');
        body.push_str(name);
        body.push('=');
        lambda_bootstrap::aws::sigv4::encode(value.as_bytes(), false, &mut body);
    }
    let request = Request::new(service, params[0].1, "POST", "/")
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body);
    let response = client.send(ctx, &request).unwrap();
    let text = String::from_utf8_lossy(&response.body).into_owned();
    assert!(
        response.is_success(),
        "{} {}: {} {text}",
        service.id,
        params[0].1,
        response.status
    );
    text
}

/// Temporary credentials with a session token, as Lambda and containers
/// hand out: a role allowed everything, assumed through STS by the moto
/// user. moto checks the token of every request signed with them.
pub fn temporary_credentials() -> Credentials {
    const STS: Service = Service {
        id: "STS",
        endpoint_prefix: "sts",
        signing_name: "sts",
    };
    let admin = moto_client();
    let ctx = context(30_000);
    let role = unique("role");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    let created = iam(
        &admin,
        &ctx,
        &[
            ("Action", "CreateRole"),
            ("RoleName", &role),
            ("AssumeRolePolicyDocument", trust),
        ],
    );
    let allow =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam(
        &admin,
        &ctx,
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", &role),
            ("PolicyName", "all"),
            ("PolicyDocument", allow),
        ],
    );
    let arn = xml_text(&created, "Arn");
    let xml = query(
        &admin,
        &ctx,
        STS,
        "2011-06-15",
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &arn),
            ("RoleSessionName", "tests"),
        ],
    );
    Credentials::new(
        xml_text(&xml, "AccessKeyId"),
        xml_text(&xml, "SecretAccessKey"),
        Some(xml_text(&xml, "SessionToken")),
        None,
    )
}

/// The text of the first `<tag>` in `xml`.
pub fn xml_text(xml: &str, tag: &str) -> String {
    let start = xml
        .find(&format!("<{tag}>"))
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + tag.len()
        + 2;
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..end].to_string()
}

/// A client for `endpoint` (every service) signing with `credentials`,
/// retrying quickly (20 ms base) so that tests of retries stay short.
pub fn client_for(endpoint: &str, credentials: Source) -> Client {
    client_with(endpoint, credentials, |_| {})
}

/// `client_for`, with `change` applied to the configuration.
pub fn client_with(
    endpoint: &str,
    credentials: Source,
    change: impl FnOnce(&mut Config),
) -> Client {
    let mut config = Config {
        region: "us-east-1".into(),
        credentials,
        endpoints: Endpoints::from_vars([("AWS_ENDPOINT_URL", endpoint)]),
        retry: RetryConfig {
            base_delay: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        ..Config::default()
    };
    change(&mut config);
    Client::new(config)
}

/// A client signing with the moto user's first key.
pub fn moto_client() -> Client {
    let moto = moto();
    client_for(&moto.url, Source::Static(moto.keys[0].clone()))
}

/// A DynamoDB table named `name` in moto, keyed by the string `id` (as
/// `orders` writes them).
pub fn create_table(name: &str) {
    let ctx = context(30_000);
    moto_client()
        .json(
            &ctx,
            &lambda_bootstrap::aws::DYNAMODB,
            "CreateTable",
            &serde_json::json!({
                "TableName": name,
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .unwrap();
}

/// A context whose deadline is `ms` from now.
pub fn context(ms: u64) -> Context {
    let mut ctx = Context::local("test-request", Default::default());
    ctx.deadline_ms = Some(epoch_ms() + ms);
    ctx
}

/// Milliseconds since the epoch, now.
pub fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A name no other test (or earlier run against the same moto) uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// What the scripted server does with one request.
#[derive(Clone)]
pub enum Answer {
    /// Answers with this status, headers and body.
    With(u16, Vec<(String, String)>, String),
    /// Closes the connection without answering.
    Close,
    /// Never answers; holds the connection until the client gives up.
    Hang,
    /// Answers 200 with a body that never ends (a `Content-Length` of a
    /// terabyte, written as fast as the client reads), until the client
    /// closes the connection.
    Endless,
    /// Answers 200 with a body that never ends, one byte every 50 ms (the
    /// pace is what is tested, not a wait for something), until the
    /// client closes the connection.
    Trickle,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Answer {
        Answer::With(
            status,
            vec![("Content-Type".into(), "application/x-amz-json-1.0".into())],
            body.into(),
        )
    }
}

/// One request the scripted server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `GET /path?query`.
    pub line: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Received {
    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP server answering from a script, one answer per request in
/// order (the last one again once the script is done).
pub struct Scripted {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Scripted {
    /// Serves `script` until the test binary exits.
    pub fn start(script: Vec<Answer>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let seen = Arc::clone(&received);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (seen, script) = (Arc::clone(&seen), Arc::clone(&script));
                thread::spawn(move || serve(stream, &seen, &script));
            }
        });
        Scripted { url, received }
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Received>>, script: &Mutex<VecDeque<Answer>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        seen.lock().unwrap().push(Received {
            line: line.trim_end().to_string(),
            headers,
        });
        let answer = {
            let mut script = script.lock().unwrap();
            if script.len() > 1 {
                script.pop_front()
            } else {
                script.front().cloned()
            }
        };
        match answer {
            Some(Answer::With(status, headers, body)) => {
                let mut out = format!(
                    "HTTP/1.1 {status} Scripted\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&body);
                if writer.write_all(out.as_bytes()).is_err() {
                    return;
                }
            }
            Some(Answer::Hang) => {
                // Until the client closes its end.
                let _ = reader.read_to_end(&mut Vec::new());
                return;
            }
            Some(Answer::Endless) => {
                let head = "HTTP/1.1 200 Scripted\r\nContent-Type: application/x-amz-json-1.0\r\n\
                            Content-Length: 1099511627776\r\n\r\n[";
                if writer.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = [b' '; 64 * 1024];
                while writer.write_all(&chunk).is_ok() {}
                return;
            }
            Some(Answer::Trickle) => {
                let head = "HTTP/1.1 200 Scripted\r\nContent-Type: application/x-amz-json-1.0\r\n\
                            Content-Length: 1099511627776\r\n\r\n";
                if writer.write_all(head.as_bytes()).is_err() {
                    return;
                }
                while writer.write_all(b" ").and_then(|_| writer.flush()).is_ok() {
                    thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            Some(Answer::Close) | None => return,
        }
    }
}

/// A tiny HTTP proxy on 127.0.0.1 that records the request line of every
/// connection made to it and tunnels `CONNECT`s to their target; any
/// other request (absolute-form) is recorded and refused with a 502.
pub struct RecordingProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    /// Serves until the test binary exits.
    pub fn start() -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let record = Arc::clone(&record);
                thread::spawn(move || tunnel(stream, &record));
            }
        });
        RecordingProxy { url, seen }
    }

    /// The request line of each connection so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(stream: TcpStream, seen: &Mutex<Vec<String>>) {
    let mut client = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim_end().is_empty() {
            break;
        }
    }
    let line = line.trim_end().to_string();
    seen.lock().unwrap().push(line.clone());
    let target = line
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(' ').next());
    let Some(Ok(upstream)) = target.map(TcpStream::connect) else {
        let _ = client.write_all(b"HTTP/1.1 502 Not Tunnelled\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let mut to_upstream = upstream.try_clone().unwrap();
    let mut from_upstream = upstream;
    // Whatever the reader already buffered goes first.
    let buffered = reader.buffer().to_vec();
    let up = thread::spawn(move || {
        let _ = to_upstream.write_all(&buffered);
        let _ = std::io::copy(&mut reader, &mut to_upstream);
        let _ = to_upstream.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut from_upstream, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

/// moto behind TLS (no request authentication), with a certificate from
/// a CA made for this test binary; started on first use.
pub struct TlsMoto {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The CA's PEM file, for `AWS_CA_BUNDLE`.
    pub bundle: String,
    _process: Mutex<(Child, ChildStdin)>,
}

/// The one TLS moto of this test binary.
pub fn tls_moto() -> &'static TlsMoto {
    static TLS_MOTO: OnceLock<TlsMoto> = OnceLock::new();
    TLS_MOTO.get_or_init(|| {
        let dir = std::env::temp_dir().join(unique("aws-tls-moto"));
        std::fs::create_dir_all(&dir).unwrap();
        crate::test_ca::make_ca(&dir);
        let (url, child, lifeline) = spawn_moto(
            &format!(
                "-s -c {} -k {}",
                dir.join("server.pem").display(),
                dir.join("server.key").display()
            ),
            &[],
        );
        TlsMoto {
            url,
            bundle: dir.join("ca.pem").display().to_string(),
            _process: Mutex::new((child, lifeline)),
        }
    })
}
