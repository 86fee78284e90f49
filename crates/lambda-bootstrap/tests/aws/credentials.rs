//! Credentials from a container endpoint (a local server playing it),
//! against moto: refreshed before they expire (the first keys are about to
//! expire, so the next call fetches new ones; the first keys are then
//! deleted in moto, so only a call signed with the new ones can pass); one
//! fetch for concurrent callers, each waiting no longer than its deadline;
//! a failing endpoint backed off; never through a proxy nor a redirect;
//! its URI checked and its token read from a file.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_bootstrap::aws::credentials::{Source, Token};
use lambda_bootstrap::aws::{self, Client, Config, Credentials};
use serde_json::json;

use crate::support::{Answer, Scripted, client_for, client_with, context, iam, moto, moto_client};

/// The endpoint's answer for `keys`, expiring `in_secs` from now.
fn issue(keys: &Credentials, in_secs: u64) -> Answer {
    let expires = SystemTime::now() + Duration::from_secs(in_secs);
    let body = json!({
        "AccessKeyId": keys.access_key_id(),
        "SecretAccessKey": keys.secret_access_key(),
        "Token": "",
        "Expiration": rfc3339(expires),
    });
    Answer::With(200, vec![], body.to_string())
}

fn rfc3339(time: SystemTime) -> String {
    let amz = aws::time::amz_date(time);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz[0..4],
        &amz[4..6],
        &amz[6..8],
        &amz[9..11],
        &amz[11..13],
        &amz[13..15]
    )
}

#[test]
fn expiring_container_credentials_are_fetched_again_and_the_new_ones_used() {
    let moto = moto();
    // Moto's IAM user has two keys; this test retires the first. Other
    // tests sign with the first too, so it makes a third and fourth key
    // of its own: a second user.
    let admin = moto_client();
    let ctx = context(30_000);
    let user = crate::support::unique("refresh");
    iam(
        &admin,
        &ctx,
        &[("Action", "CreateUser"), ("UserName", &user)],
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#;
    iam(
        &admin,
        &ctx,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", &user),
            ("PolicyName", "ddb"),
            ("PolicyDocument", policy),
        ],
    );
    let key = || {
        let xml = iam(
            &admin,
            &ctx,
            &[("Action", "CreateAccessKey"), ("UserName", &user)],
        );
        Credentials::new(
            crate::support::xml_text(&xml, "AccessKeyId"),
            crate::support::xml_text(&xml, "SecretAccessKey"),
            None,
            None,
        )
    };
    let (old, new) = (key(), key());

    // The first keys reach the five-minute margin one to two seconds
    // after they are handed out (Expiration is in whole seconds).
    let endpoint = Scripted::start(vec![issue(&old, 302), issue(&new, 6 * 3600)]);
    let client = client_for(
        &moto.url,
        Source::Container {
            uri: format!("{}/v1/credentials", endpoint.url),
            token: Some(Token::Value("container-token".into())),
        },
    );
    let list = || client.json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}));
    let fetched = SystemTime::now();
    list().unwrap();
    assert_eq!(endpoint.received().len(), 1);
    // Time passes (the rule under test is about time, nothing here waits
    // for another thread): the first keys are now due for a refresh.
    let due = fetched + Duration::from_secs(2);
    if let Ok(wait) = due.duration_since(SystemTime::now()) {
        thread::sleep(wait);
    }

    iam(
        &admin,
        &ctx,
        &[
            ("Action", "DeleteAccessKey"),
            ("UserName", &user),
            ("AccessKeyId", old.access_key_id()),
        ],
    );
    list().expect("signed with the new keys");
    list().expect("the new keys are kept while fresh");
    let fetches = endpoint.received();
    assert_eq!(
        fetches.len(),
        2,
        "fetched once more, then kept: {fetches:?}"
    );
    for fetch in &fetches {
        assert_eq!(fetch.line, "GET /v1/credentials HTTP/1.1");
        assert_eq!(fetch.header("authorization"), Some("container-token"));
    }

    // And keys that are gone are refused: the check above was a real one.
    let stale = client_for(&moto.url, Source::Static(old));
    let err = stale
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[test]
fn a_failing_container_endpoint_is_a_credentials_error() {
    let endpoint = Scripted::start(vec![Answer::With(500, vec![], "secret-ish body".into())]);
    let client = client_for(
        &moto().url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
    );
    let err = client
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no AWS credentials: the container credentials endpoint '{}/creds' answered 500",
            endpoint.url
        )
    );
}

/// A container credentials endpoint that holds every answer until the test
/// opens its gate (or a minute has passed, so that a broken client makes
/// its test fail, not hang), and counts the requests it receives.
struct Gated {
    url: String,
    gate: Arc<(Mutex<Gate>, Condvar)>,
}

struct Gate {
    open: bool,
    seen: usize,
}

impl Gated {
    fn start(status: u16, body: String) -> Gated {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let gate = Arc::new((
            Mutex::new(Gate {
                open: false,
                seen: 0,
            }),
            Condvar::new(),
        ));
        let shared = Arc::clone(&gate);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let (gate, body) = (Arc::clone(&shared), body.clone());
                thread::spawn(move || {
                    let mut head = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while head.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                        line.clear();
                    }
                    let (lock, changed) = &*gate;
                    let mut state = lock.lock().unwrap();
                    state.seen += 1;
                    changed.notify_all();
                    let (_state, _) = changed
                        .wait_timeout_while(state, Duration::from_secs(60), |s| !s.open)
                        .unwrap();
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} Gated\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Gated { url, gate }
    }

    /// Blocks until `n` requests have arrived.
    fn wait_for(&self, n: usize) {
        let (lock, changed) = &*self.gate;
        let _state = changed
            .wait_while(lock.lock().unwrap(), |s| s.seen < n)
            .unwrap();
    }

    fn open(&self) {
        let (lock, changed) = &*self.gate;
        lock.lock().unwrap().open = true;
        changed.notify_all();
    }

    fn seen(&self) -> usize {
        self.gate.0.lock().unwrap().seen
    }
}

fn body_of(answer: Answer) -> String {
    match answer {
        Answer::With(_, _, body) => body,
        _ => unreachable!(),
    }
}

#[test]
fn concurrent_callers_share_one_fetch_and_a_short_deadline_does_not_wait_for_it() {
    let moto = moto();
    let endpoint = Gated::start(200, body_of(issue(&moto.keys[0], 6 * 3600)));
    let client = client_for(
        &moto.url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
    );
    let list = |ms| client.json(&context(ms), &aws::DYNAMODB, "ListTables", &json!({}));
    thread::scope(|s| {
        let first = s.spawn(|| list(30_000));
        endpoint.wait_for(1);
        let others: Vec<_> = (0..3).map(|_| s.spawn(|| list(30_000))).collect();
        let short = s.spawn(|| list(1_000));
        let err = short.join().unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "no AWS credentials: another call's fetch from the container credentials endpoint \
             had not ended when this call's time was up",
            "returned at its own deadline, while the fetch was still held"
        );
        endpoint.open();
        first.join().unwrap().expect("the fetching call");
        for other in others {
            other.join().unwrap().expect("a waiting call");
        }
    });
    assert_eq!(endpoint.seen(), 1, "one fetch for five callers");
}

#[test]
fn a_failing_endpoint_is_asked_once_by_concurrent_callers_then_backs_off() {
    let endpoint = Gated::start(500, "down".into());
    let client = client_for(
        &moto().url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
    );
    let list = || client.json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}));
    let failure = format!(
        "no AWS credentials: the container credentials endpoint '{}/creds' answered 500",
        endpoint.url
    );
    thread::scope(|s| {
        let callers: Vec<_> = (0..4).map(|_| s.spawn(list)).collect();
        endpoint.wait_for(1);
        endpoint.open();
        for caller in callers {
            let err = caller.join().unwrap().unwrap_err().to_string();
            assert!(err.starts_with(&failure), "{err}");
        }
    });
    // Inside the backoff: the same failure at once, and no new fetch.
    let err = list().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{failure} (at the last fetch; the next is in ")),
        "{err}"
    );
    assert_eq!(endpoint.seen(), 1, "one fetch for five callers");
}

#[test]
fn the_time_a_slow_credentials_fetch_took_comes_out_of_the_attempts() {
    let service = Scripted::start(vec![Answer::Hang]);
    let moto = moto();
    let endpoint = Gated::start(200, body_of(issue(&moto.keys[0], 6 * 3600)));
    let client = client_with(
        &service.url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
        |c| c.reserve = Duration::from_millis(500),
    );
    let ctx = context(3_000);
    let deadline = UNIX_EPOCH + Duration::from_millis(ctx.deadline_ms.unwrap());
    thread::scope(|s| {
        let call = s.spawn(|| {
            let outcome = client.json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}));
            (outcome, SystemTime::now())
        });
        endpoint.wait_for(1);
        // The endpoint is slow: it answers a second before the deadline
        // (this is the case under test, not a synchronisation).
        let answer_at = deadline - Duration::from_secs(1);
        if let Ok(wait) = answer_at.duration_since(SystemTime::now()) {
            thread::sleep(wait);
        }
        endpoint.open();
        let (outcome, returned) = call.join().unwrap();
        let err = outcome.unwrap_err();
        assert!(
            returned <= deadline,
            "returned {:?} after the deadline: {err}",
            returned.duration_since(deadline).unwrap()
        );
    });
}

#[test]
fn keys_handed_out_within_five_minutes_of_expiry_are_used_and_not_fetched_on_every_call() {
    let moto = moto();
    let endpoint = Scripted::start(vec![issue(&moto.keys[0], 240)]);
    let client = client_for(
        &moto.url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
    );
    for _ in 0..3 {
        client
            .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
            .expect("signed with the keys that still work");
    }
    assert_eq!(
        endpoint.received().len(),
        1,
        "fetched again half-way to their expiry, not on every call"
    );
}

#[test]
fn keys_handed_out_already_expired_are_a_clear_error_and_not_fetched_again_at_once() {
    let moto = moto();
    let past = json!({
        "AccessKeyId": moto.keys[0].access_key_id(),
        "SecretAccessKey": moto.keys[0].secret_access_key(),
        "Token": "",
        "Expiration": "2015-08-30T12:36:00Z",
    });
    let endpoint = Scripted::start(vec![Answer::With(200, vec![], past.to_string())]);
    let client = client_for(
        &moto.url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
    );
    let list = || client.json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}));
    let expired = "no AWS credentials: the container credentials endpoint handed out keys \
                   that expired at 2015-08-30T12:36:00Z";
    assert_eq!(list().unwrap_err().to_string(), expired);
    let again = list().unwrap_err().to_string();
    assert!(again.starts_with(expired), "{again}");
    assert_eq!(endpoint.received().len(), 1, "backed off");
}

/// The container endpoint's source for `url`'s `/creds`, without a token.
fn container_at(url: &str) -> Source {
    Source::Container {
        uri: format!("{url}/creds"),
        token: None,
    }
}

/// Keys for answers that no service checks.
fn some_keys() -> Credentials {
    Credentials::new("AKIDCONTAINER", "container-secret", None, None)
}

/// Set in the child process `the_container_endpoint_is_never_asked_through_a_proxy`
/// runs itself in, with proxy variables (which no other test of this
/// binary may see).
const PROXY_CHILD: &str = "LAMBDA_BOOTSTRAP_TEST_PROXY_CHILD";

#[test]
fn the_container_endpoint_is_never_asked_through_a_proxy() {
    const NAME: &str = "credentials::the_container_endpoint_is_never_asked_through_a_proxy";
    if std::env::var_os(PROXY_CHILD).is_some() {
        // The child: the proxy variables are set; the fetch goes direct.
        let endpoint = Scripted::start(vec![issue(&some_keys(), 3600)]);
        let source = Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: Some(Token::Value("container-token".into())),
        };
        let client = client_for("http://127.0.0.1:1", source.clone());
        let keys = aws::container::fetch(client.agent(), &source, None).unwrap();
        assert_eq!(keys.access_key_id(), "AKIDCONTAINER");
        let fetches = endpoint.received();
        assert_eq!(fetches.len(), 1);
        assert_eq!(fetches[0].line, "GET /creds HTTP/1.1", "not a proxy's form");
        return;
    }
    // A proxy that records who connects, and answers nothing.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let connected = Arc::new(Mutex::new(0));
    let count = Arc::clone(&connected);
    thread::spawn(move || {
        for stream in proxy.incoming() {
            *count.lock().unwrap() += 1;
            drop(stream);
        }
    });
    let all = [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ];
    for var in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy"] {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child.args(["--exact", NAME, "--test-threads=1"]);
        for other in all {
            child.env_remove(other);
        }
        let out = child
            .env(PROXY_CHILD, "1")
            .env(var, &proxy_url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "with {var} set: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(*connected.lock().unwrap(), 0, "the proxy was asked");
}

#[test]
fn the_container_endpoint_is_not_followed_where_it_redirects() {
    let elsewhere = Scripted::start(vec![issue(&some_keys(), 3600)]);
    let redirect = |status| {
        Answer::With(
            status,
            vec![("Location".into(), format!("{}/creds", elsewhere.url))],
            String::new(),
        )
    };
    for status in [301, 302, 307, 308] {
        let endpoint = Scripted::start(vec![redirect(status)]);
        let client = client_for("http://127.0.0.1:1", container_at(&endpoint.url));
        let err = client
            .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "no AWS credentials: the container credentials endpoint '{}/creds' answered {status}",
                endpoint.url
            )
        );
    }
    assert!(elsewhere.received().is_empty(), "the redirect was followed");
}

#[test]
fn a_container_uri_with_user_information_is_refused_before_anything_is_sent() {
    // What the check saw as its host was `localhost`; the request went to
    // 192.0.2.2 (a documentation address: nothing answers there).
    let uri = "http://localhost:80@192.0.2.2/creds";
    let config = Config::from_vars(&vars(&[
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token"),
    ]));
    let err = Client::new(config)
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no AWS credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI '{uri}' carries user information (user@host), which is refused"
        )
    );
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_token_file_is_read_for_the_fetch_from_the_environment_to_moto() {
    let moto = moto();
    let dir = std::env::temp_dir().join(crate::support::unique("token-file"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "token-from-the-file\n").unwrap();
    let endpoint = Scripted::start(vec![issue(&moto.keys[1], 3600)]);
    let env = |token_file: &str| {
        Config::from_vars(&vars(&[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", &moto.url),
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                &format!("{}/v1/credentials", endpoint.url),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file),
        ]))
    };
    let client = Client::new(env(file.to_str().unwrap()));
    let tables = client
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .expect("signed with the endpoint's keys");
    assert!(tables["TableNames"].is_array(), "{tables}");
    let fetches = endpoint.received();
    assert_eq!(fetches.len(), 1);
    assert_eq!(fetches[0].line, "GET /v1/credentials HTTP/1.1");
    assert_eq!(
        fetches[0].header("authorization"),
        Some("token-from-the-file")
    );

    let missing = dir.join("missing");
    let missing = missing.to_str().unwrap();
    let err = Client::new(env(missing))
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "no AWS credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '{missing}' cannot be read: "
        )),
        "{err}"
    );
    assert_eq!(
        endpoint.received().len(),
        1,
        "nothing sent without the token"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
