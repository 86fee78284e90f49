//! AWS Signature Version 4, for requests signed in their `Authorization`
//! header: canonical request, string to sign, signing key, signature.
//! Pure: the credentials and the time are passed in; HMAC-SHA256 and
//! SHA-256 are ring's (already in the build through rustls).
//!
//! Checked against AWS's published test suite (`tests/aws/sigv4_suite.rs`,
//! read from where `.ci/sigv4-suite.sh` unpacks it) and, below, against
//! requests signed by botocore.

use std::fmt::{self, Write as _};
use std::time::SystemTime;

use ring::{digest, hmac};

use crate::aws::time;

/// `SHA-256` of an empty payload, hex.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// How a service wants its path in the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStyle {
    /// Every service but S3: dot segments and empty segments removed, then
    /// the (already percent-encoded) path encoded once more, `%` included.
    Normalized,
    /// Segments removed as above, the path otherwise as sent: how AWS's
    /// published test suite signs its `"normalize": true` cases.
    NormalizedOnly,
    /// S3 (and the suite's `"normalize": false` cases): the path exactly as
    /// sent.
    AsSent,
}

/// Who signs, for what, when.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    /// Access key id.
    pub access_key_id: &'a str,
    /// Secret key.
    pub secret_access_key: &'a str,
    /// Session token of temporary credentials: sent as
    /// `X-Amz-Security-Token`.
    pub session_token: Option<&'a str>,
    /// Whether the token is part of what is signed (it is for every
    /// service this client calls; the suite has a case where it is not).
    pub sign_session_token: bool,
    /// The region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name, e.g. `dynamodb`, `s3`.
    pub service: &'a str,
    /// The signing time.
    pub time: SystemTime,
    /// How the path enters the canonical request.
    pub path_style: PathStyle,
}

/// What signing produced: the headers to send, and the intermediate
/// strings AWS's error messages quote when a signature does not match.
/// `Debug` shows the canonical request with its session token redacted,
/// the string to sign, and neither the signature nor the `Authorization`
/// header.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signature, hex.
    pub signature: String,
    /// The `Authorization` header's value.
    pub authorization: String,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut canonical = String::with_capacity(self.canonical_request.len());
        for (i, line) in self.canonical_request.split('\n').enumerate() {
            if i > 0 {
                canonical.push('\n');
            }
            match line.split_once(':') {
                Some(("x-amz-security-token", _)) => {
                    canonical.push_str("x-amz-security-token:<redacted>");
                }
                _ => canonical.push_str(line),
            }
        }
        f.debug_struct("Signed")
            .field("canonical_request", &canonical)
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &"<redacted>")
            .field("authorization", &"<redacted>")
            .finish()
    }
}

/// Signs a request: adds `X-Amz-Date` (and `X-Amz-Security-Token`) to
/// `headers`, then signs the method, `path` and `query` as sent
/// (percent-encoded), every header in `headers` (so `Host` must be there),
/// and the payload's SHA-256 (hex). The caller adds `Authorization:
/// signed.authorization` to what it sends.
pub fn sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &mut Vec<(String, String)>,
    payload_sha256: &str,
    params: &Params<'_>,
) -> Signed {
    let amz_date = time::amz_date(params.time);
    headers.push(("X-Amz-Date".into(), amz_date.clone()));
    let token = params.session_token.filter(|t| !t.is_empty());
    if let (Some(token), true) = (token, params.sign_session_token) {
        headers.push(("X-Amz-Security-Token".into(), token.into()));
    }
    let (canonical_headers, signed_headers) = canonical_headers(headers);
    let mut canonical_request = String::with_capacity(256 + canonical_headers.len());
    canonical_request.push_str(method);
    canonical_request.push('\n');
    canonical_path(path, params.path_style, &mut canonical_request);
    canonical_request.push('\n');
    canonical_query(query, &mut canonical_request);
    canonical_request.push('\n');
    canonical_request.push_str(&canonical_headers);
    canonical_request.push('\n');
    canonical_request.push_str(&signed_headers);
    canonical_request.push('\n');
    canonical_request.push_str(payload_sha256);

    let date = &amz_date[..8];
    let scope = format!("{date}/{}/{}/aws4_request", params.region, params.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let key = signing_key(
        params.secret_access_key,
        date,
        params.region,
        params.service,
    );
    let signature = hex(hmac::sign(&key, string_to_sign.as_bytes()).as_ref());
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        params.access_key_id
    );
    if let (Some(token), false) = (token, params.sign_session_token) {
        headers.push(("X-Amz-Security-Token".into(), token.into()));
    }
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// `SHA-256(data)` in lower-case hex, as SigV4 writes digests.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    let step = |key: &[u8], data: &str| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
    };
    let k_date = step(format!("AWS4{secret}").as_bytes(), date);
    let k_region = step(k_date.as_ref(), region);
    let k_service = step(k_region.as_ref(), service);
    let k_signing = step(k_service.as_ref(), "aws4_request");
    hmac::Key::new(hmac::HMAC_SHA256, k_signing.as_ref())
}

/// Lower-case hex, a digit per half byte (not through `fmt`, which costs
/// a formatting call per byte of every digest and signature).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Lower-case names, sorted; values trimmed, runs of whitespace (folded
/// lines included) made one space; repeated names joined with `,` in the
/// order sent. Returns the block and the `SignedHeaders` list.
fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut lines: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let name = name.trim().to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match lines.iter_mut().find(|(n, _)| *n == name) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            None => lines.push((name, value)),
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut block = String::new();
    let mut signed = String::new();
    for (name, value) in &lines {
        let _ = writeln!(block, "{name}:{value}");
        if !signed.is_empty() {
            signed.push(';');
        }
        signed.push_str(name);
    }
    (block, signed)
}

fn canonical_path(path: &str, style: PathStyle, out: &mut String) {
    let path = if path.is_empty() { "/" } else { path };
    if style == PathStyle::AsSent {
        out.push_str(path);
        return;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normal = String::with_capacity(path.len());
    for s in &segments {
        normal.push('/');
        normal.push_str(s);
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if segments.is_empty() || trailing {
        normal.push('/');
    }
    match style {
        PathStyle::Normalized => encode(normal.as_bytes(), true, out),
        _ => out.push_str(&normal),
    }
}

/// Each `name=value` pair decoded, encoded the SigV4 way, sorted by name
/// then value.
fn canonical_query(query: &str, out: &mut String) {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut n = String::new();
            let mut v = String::new();
            encode(&decode(name), false, &mut n);
            encode(&decode(value), false, &mut v);
            (n, v)
        })
        .collect();
    pairs.sort();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// Percent-encodes all but SigV4's unreserved characters (and `/` when
/// `keep_slash`), upper-case hex.
pub fn encode(bytes: &[u8], keep_slash: bool, out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Undoes `%XX` escapes; anything else (a stray `%`) stays as it is.
fn decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// Made-up keys and a fixed clock: 2026-11-25T10:00:00Z.
    fn params<'a>(service: &'a str, token: Option<&'a str>, path_style: PathStyle) -> Params<'a> {
        Params {
            access_key_id: "AKIDTESTEXAMPLE",
            secret_access_key: "testsecretkey/EXAMPLE+0123456789abcdef",
            session_token: token,
            sign_session_token: true,
            region: "eu-west-1",
            service,
            time: UNIX_EPOCH + Duration::from_secs(1_795_600_800),
            path_style,
        }
    }

    fn check(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        params: &Params<'_>,
        expected_signature: &str,
    ) -> Signed {
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let signed = sign(method, path, query, &mut headers, &sha256_hex(body), params);
        assert_eq!(
            signed.signature, expected_signature,
            "{}",
            signed.canonical_request
        );
        signed
    }

    // The expected signatures were computed by botocore 1.43.11's SigV4Auth
    // (S3SigV4Auth for the S3 case) from these same requests, keys and time.
    #[test]
    fn a_dynamodb_call_signs_as_botocore_signs_it() {
        let body = br#"{"TableName":"orders","Item":{"id":{"S":"1"}}}"#;
        let signed = check(
            "POST",
            "/",
            "",
            &[
                ("Host", "dynamodb.eu-west-1.amazonaws.com"),
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "DynamoDB_20120810.PutItem"),
            ],
            body,
            &params(
                "dynamodb",
                Some("SESSIONTOKEN/EXAMPLE=="),
                PathStyle::Normalized,
            ),
            "c3d5af51c2451e8dee985379e5f5bd11ee20bfef93cb3d7677a2488985f7f8bb",
        );
        assert_eq!(
            signed.authorization,
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDTESTEXAMPLE/20261125/eu-west-1/dynamodb/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, \
                 Signature={}",
                signed.signature
            )
        );
    }

    #[test]
    fn an_s3_put_signs_as_botocore_signs_it() {
        let body = b"hello, world";
        let hash = sha256_hex(body);
        check(
            "PUT",
            "/my-bucket/some%20dir/k%C3%A9y.txt",
            "",
            &[
                ("Host", "127.0.0.1:5000"),
                ("Content-Type", "text/plain"),
                ("x-amz-content-sha256", &hash),
            ],
            body,
            &params("s3", None, PathStyle::AsSent),
            "7a123934db98a5845ab76aaad0028e1d15dad425fb683229afbdad415e2954d2",
        );
    }

    #[test]
    fn paths_queries_and_headers_are_made_canonical() {
        let path = |p: &str, style| {
            let mut out = String::new();
            canonical_path(p, style, &mut out);
            out
        };
        assert_eq!(path("", PathStyle::Normalized), "/");
        assert_eq!(path("//a//b/./c/../", PathStyle::Normalized), "/a/b/");
        assert_eq!(path("/a/..", PathStyle::Normalized), "/");
        assert_eq!(
            path("/arn%3Aaws/x y", PathStyle::Normalized),
            "/arn%253Aaws/x%20y"
        );
        assert_eq!(path("/a/./b%20c", PathStyle::NormalizedOnly), "/a/b%20c");
        assert_eq!(path("/a/./b", PathStyle::AsSent), "/a/./b");
        assert_eq!(path("/k%C3%A9y", PathStyle::AsSent), "/k%C3%A9y");
        let query = |q: &str| {
            let mut out = String::new();
            canonical_query(q, &mut out);
            out
        };
        assert_eq!(query(""), "");
        assert_eq!(query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
        assert_eq!(
            query("k=%E1%88%B4&sp=a b&plus=+"),
            "k=%E1%88%B4&plus=%2B&sp=a%20b"
        );
        let (block, signed) = canonical_headers(&[
            ("Host".into(), "h".into()),
            ("My-Header".into(), "  a   b \n  c ".into()),
            ("my-header".into(), "d".into()),
        ]);
        assert_eq!(block, "host:h\nmy-header:a b c,d\n");
        assert_eq!(signed, "host;my-header");
    }

    #[test]
    fn the_token_goes_out_signed_or_after_signing() {
        let mut p = params("sts", Some("TOKEN"), PathStyle::Normalized);
        let mut headers = vec![("Host".to_string(), "sts.amazonaws.com".to_string())];
        let signed = sign("GET", "/", "", &mut headers, EMPTY_SHA256, &p);
        assert!(
            signed
                .canonical_request
                .contains("x-amz-security-token:TOKEN\n")
        );
        assert!(
            headers
                .iter()
                .any(|(n, v)| n == "X-Amz-Security-Token" && v == "TOKEN")
        );
        p.sign_session_token = false;
        let mut headers = vec![("Host".to_string(), "sts.amazonaws.com".to_string())];
        let signed = sign("GET", "/", "", &mut headers, EMPTY_SHA256, &p);
        assert!(!signed.canonical_request.contains("security-token"));
        assert!(
            headers
                .iter()
                .any(|(n, v)| n == "X-Amz-Security-Token" && v == "TOKEN")
        );
    }

    #[test]
    fn debug_shows_neither_the_token_nor_the_signature() {
        let p = params("sts", Some("TOKENMARKER"), PathStyle::Normalized);
        let mut headers = vec![("Host".to_string(), "sts.amazonaws.com".to_string())];
        let signed = sign("GET", "/", "", &mut headers, EMPTY_SHA256, &p);
        let shown = format!("{signed:?}");
        for secret in ["TOKENMARKER", &signed.signature, "AKIDTESTEXAMPLE"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("x-amz-security-token:<redacted>\\n"),
            "{shown}"
        );
        assert!(
            shown.contains(&signed.string_to_sign.replace('\n', "\\n")),
            "{shown}"
        );
    }
}
