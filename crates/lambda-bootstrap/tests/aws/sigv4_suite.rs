//! AWS's published SigV4 test suite, case by case: the canonical request,
//! string to sign, signature and `Authorization` header of every request
//! in it must be exactly the suite's.
//!
//! The suite is public data that is not committed here: `.ci/sigv4-suite.sh`
//! unpacks it into target/sigv4-suite/ from the `aws-sigv4` crate's package
//! on crates.io (pinned there; smithy-rs took it from awslabs/aws-c-auth).
//! Hence `#[ignore]`: a plain `cargo test` cannot run it, and must not pass
//! for it silently. `.ci/run` runs the script, then this.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lambda_bootstrap::aws::sigv4::{self, Params, PathStyle};
use serde_json::Value;

fn suite() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("sigv4-suite/v4");
    assert!(
        dir.is_dir(),
        "no SigV4 suite in {}: run .ci/sigv4-suite.sh first",
        dir.display()
    );
    dir
}

/// A raw request of the suite: method, target, headers (folded lines
/// joined with a newline), body.
struct Raw {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parse(text: &str) -> Raw {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let line = lines.next().unwrap();
    // The target may hold spaces: it is what lies between the method and
    // the version.
    let (method, rest) = line.split_once(' ').unwrap();
    let target = rest.rsplit_once(' ').unwrap().0;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push('\n');
            last.1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_string(), value.to_string()));
        }
    }
    Raw {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn read(case: &Path, file: &str) -> String {
    std::fs::read_to_string(case.join(file))
        .unwrap_or_else(|e| panic!("{}/{file}: {e}", case.display()))
}

/// The path as an HTTP client sends it: the suite writes some paths with
/// bare spaces and UTF-8 for legibility (`/example space/`, `/ሴ`); on the
/// wire those bytes are percent-encoded, and `%XX` already there stays.
fn as_sent(path: &str) -> String {
    let mut out = String::new();
    for &b in path.as_bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Signs the case's request as its context says; what came out. The suite
/// (as aws-c-auth signs it) removes dot segments from the path as sent
/// but does not encode it a second time; its two older cases without a
/// context check the second encoding every service but S3 gets.
fn sign_case(case: &Path, context: &Value) -> sigv4::Signed {
    let raw = parse(&read(case, "request.txt"));
    let (path, query) = raw.target.split_once('?').unwrap_or((&raw.target, ""));
    let path = as_sent(path);
    let mut headers: Vec<(String, String)> = raw
        .headers
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("x-amz-date"))
        .collect();
    let payload = sigv4::sha256_hex(&raw.body);
    if context["sign_body"] == true {
        headers.push(("X-Amz-Content-Sha256".into(), payload.clone()));
    }
    let text = |key: &str| context["credentials"][key].as_str();
    let time =
        lambda_bootstrap::aws::time::parse_rfc3339(context["timestamp"].as_str().unwrap()).unwrap();
    sigv4::sign(
        &raw.method,
        &path,
        query,
        &mut headers,
        &payload,
        &Params {
            access_key_id: text("access_key_id").unwrap(),
            secret_access_key: text("secret_access_key").unwrap(),
            session_token: text("token"),
            sign_session_token: context["omit_session_token"] != true,
            region: context["region"].as_str().unwrap(),
            service: context["service"].as_str().unwrap(),
            time,
            path_style: if context["normalize"] == false {
                PathStyle::AsSent
            } else {
                PathStyle::NormalizedOnly
            },
        },
    )
}

#[test]
#[ignore = "needs AWS's SigV4 test suite: run .ci/sigv4-suite.sh, then this with --ignored"]
fn every_case_of_the_published_suite() {
    let mut checked = Vec::new();
    let mut uri_only = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(context) = std::fs::read_to_string(case.join("context.json")) else {
            // Two older-format cases carry no context (keys, time) to sign
            // with; what they are about is the path's second encoding,
            // which the canonical request's URI line shows.
            let raw = parse(&read(case, "request.txt"));
            let path = raw.target.split('?').next().unwrap();
            let signed = sign_case_without_context(&raw.method, path);
            let expected = read(case, "header-canonical-request.txt");
            assert_eq!(
                signed.canonical_request.lines().nth(1),
                expected.lines().nth(1),
                "{name}: canonical URI"
            );
            uri_only.push(name);
            continue;
        };
        let context: Value = serde_json::from_str(&context).unwrap();
        let signed = sign_case(case, &context);
        let expected = |file: &str| read(case, file).trim_end().to_string();
        assert_eq!(
            signed.canonical_request,
            expected("header-canonical-request.txt"),
            "{name}: canonical request"
        );
        assert_eq!(
            signed.string_to_sign,
            expected("header-string-to-sign.txt"),
            "{name}: string to sign"
        );
        assert_eq!(
            signed.signature,
            expected("header-signature.txt"),
            "{name}: signature"
        );
        let sent = expected("header-signed-request.txt");
        let authorization = sent
            .lines()
            .find_map(|l| l.strip_prefix("Authorization:"))
            .unwrap_or_else(|| panic!("{name}: no Authorization line"));
        assert_eq!(
            signed.authorization,
            authorization.trim(),
            "{name}: Authorization"
        );
        checked.push(name);
    }
    eprintln!(
        "SigV4 suite: {} cases checked whole, {} on their canonical URI ({uri_only:?})",
        checked.len(),
        uri_only.len()
    );
    assert!(
        checked.len() >= 38,
        "only {} cases with a context: {checked:?}",
        checked.len()
    );
}

fn sign_case_without_context(method: &str, path: &str) -> sigv4::Signed {
    let mut headers = vec![("Host".to_string(), "example.amazonaws.com".to_string())];
    sigv4::sign(
        method,
        path,
        "",
        &mut headers,
        sigv4::EMPTY_SHA256,
        &Params {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "secret",
            session_token: None,
            sign_session_token: true,
            region: "us-east-1",
            service: "service",
            time: SystemTime::UNIX_EPOCH,
            path_style: PathStyle::Normalized,
        },
    )
}
