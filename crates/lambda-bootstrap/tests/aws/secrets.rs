//! Credentials, signatures and `Authorization` headers never reach the
//! log, at any level, ureq's own TRACE lines (which dump every byte
//! received) included: every record a logger that drops what
//! `aws::client::is_secret` says (as the runtime's does) lets through
//! while calls run is kept and searched.

use std::sync::{Mutex, OnceLock};

use lambda_bootstrap::aws::credentials::{Source, Token};
use lambda_bootstrap::aws::{self, Credentials};
use serde_json::json;

use crate::support::{Answer, Scripted, client_for, context, moto};

/// Every record logged in this test binary, as `LEVEL target: message`.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Keep;

impl log::Log for Keep {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        !aws::client::is_secret(metadata)
    }
    fn log(&self, record: &log::Record<'_>) {
        if aws::client::is_secret(record.metadata()) {
            return;
        }
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        LINES.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

fn keep_everything() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        log::set_logger(&Keep).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Whether any 10 characters in a row of `secret` show in `text`: ureq
/// dumps bytes 16 to a line, so a secret would show in pieces.
fn shows(text: &str, secret: &str) -> bool {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(10.min(chars.len()))
        .any(|w| text.contains(&w.iter().collect::<String>()))
}

#[test]
fn no_credential_signature_or_authorization_is_ever_logged() {
    keep_everything();
    let moto = moto();
    let auth = "CONTAINERAUTHMARKER-0123456789";
    let keys = &crate::support::temporary_credentials();
    let token = keys.session_token().unwrap();
    let body = json!({
        "AccessKeyId": keys.access_key_id(),
        "SecretAccessKey": keys.secret_access_key(),
        "Token": token,
        "Expiration": "2099-01-01T00:00:00Z",
    });
    let endpoint = Scripted::start(vec![Answer::With(200, vec![], body.to_string())]);
    let client = client_for(
        &moto.url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: Some(Token::Value(auth.into())),
        },
    );
    let ctx = context(30_000);
    client
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap();
    client
        .json(&ctx, &aws::SQS, "ListQueues", &json!({}))
        .unwrap();
    // A refused signature, whose answer AWS (and moto) explain at length.
    let wrong = client_for(
        &moto.url,
        Source::Static(Credentials::new(
            keys.access_key_id(),
            "WRONGSECRETMARKER-0123456789",
            None,
            None,
        )),
    );
    let err = wrong
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    let shown = format!("{err} {err:?} {client:?} {wrong:?}");

    let lines = LINES.lock().unwrap().join("\n");
    let everything = format!("{lines}\n{shown}");
    for secret in [
        keys.access_key_id(),
        keys.secret_access_key(),
        token,
        auth,
        "WRONGSECRETMARKER-0123456789",
    ] {
        assert!(!shows(&everything, secret), "{secret} shows:\n{everything}");
    }
    for marker in [
        "AWS4-HMAC-SHA256",
        "Signature=",
        "Credential=",
        "x-amz-security-token:",
    ] {
        assert!(
            !everything.contains(marker),
            "{marker} shows:\n{everything}"
        );
    }
    // The search was over something: the client's DEBUG line per request,
    // and ureq's own DEBUG lines (its TRACE wire dumps, which would show
    // the signature, are what the client turns off while it calls).
    let debug_line =
        "DEBUG lambda_bootstrap::aws::client: aws: DynamoDB.ListTables 200 attempt 1 in ";
    assert!(lines.contains(debug_line), "{lines}");
    assert!(
        lines.contains("DEBUG ureq::run: POST http://127.0.0.1:"),
        "{lines}"
    );
}
