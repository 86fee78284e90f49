//! The SigV4 comparison (bench/sigv4.sh): the same DynamoDB request signed
//! by `lambda_bootstrap::aws::sigv4` (ring) and by the `aws-sigv4` crate,
//! with the same keys and time, so that the two are measured on the same
//! work. Only with the `aws` feature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use lambda_bootstrap::aws::sigv4::{self, Params, PathStyle};

/// Made-up keys with a session token, as Lambda's are.
pub const KEY_ID: &str = "ASIAEXAMPLEBENCH0001";
/// The secret half.
pub const SECRET: &str = "benchsecret/EXAMPLE+0123456789abcdefghij";
/// A session token of a realistic length.
pub const TOKEN: &str = "IQoJb3JpZ2luX2VjEDoaCXVzLWVhc3QtMSJHMEUCIQDbenchmarkEXAMPLEtokenIQoJb3JpZ2luX2VjEDoaCXVzLWVhc3QtMSJHMEUCIQDbenchmarkEXAMPLEtoken";
/// A signer: the request's body and the signing time in, the headers to
/// send out.
pub type Signer = fn(&[u8], SystemTime) -> Vec<(String, String)>;

/// The endpoint's host.
pub const HOST: &str = "dynamodb.us-east-1.amazonaws.com";

/// A fixed signing time, so every signature is the same work.
pub fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_600_800)
}

/// The body of a small PutItem, about what `orders` writes.
pub fn body() -> Vec<u8> {
    br#"{"TableName":"orders","Item":{"id":{"S":"order-0001"},"qty":{"N":"3"}},"ConditionExpression":"attribute_not_exists(id)"}"#.to_vec()
}

fn unsigned_headers() -> Vec<(String, String)> {
    vec![
        ("Host".into(), HOST.into()),
        ("Content-Type".into(), "application/x-amz-json-1.0".into()),
        ("X-Amz-Target".into(), "DynamoDB_20120810.PutItem".into()),
    ]
}

/// The headers to send, signed by this crate's signer.
pub fn sign_ours(body: &[u8], time: SystemTime) -> Vec<(String, String)> {
    let mut headers = unsigned_headers();
    let signed = sigv4::sign(
        "POST",
        "/",
        "",
        &mut headers,
        &sigv4::sha256_hex(body),
        &Params {
            access_key_id: KEY_ID,
            secret_access_key: SECRET,
            session_token: Some(TOKEN),
            sign_session_token: true,
            region: "us-east-1",
            service: "dynamodb",
            time,
            path_style: PathStyle::Normalized,
        },
    );
    headers.push(("Authorization".into(), signed.authorization));
    headers
}

/// The headers to send, signed by the `aws-sigv4` crate.
pub fn sign_crate(body: &[u8], time: SystemTime) -> Vec<(String, String)> {
    let identity =
        aws_credential_types::Credentials::new(KEY_ID, SECRET, Some(TOKEN.into()), None, "bench")
            .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("dynamodb")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let mut headers = unsigned_headers();
    let url = format!("https://{HOST}/");
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .expect("a signable request");
    let (instructions, _signature) = sign(signable, &params).expect("signed").into_parts();
    for (name, value) in instructions.headers() {
        headers.push((name.to_string(), value.to_string()));
    }
    headers
}

/// CPU time process `pid` has used so far, all threads, in nanoseconds
/// (`/proc/<pid>/task/*/schedstat`, whose first field is time on a CPU;
/// read while the process waits, as bench/'s init figures are).
pub fn process_cpu_ns(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
                .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

/// CPU time of the calling thread so far, in nanoseconds.
pub fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// What a signer binary does: sign one request, say so on stdout and wait
/// for stdin to close (the driver reads the process's CPU time meanwhile);
/// then, given `--send URL`, send it through the AWS client's HTTPS agent
/// (so the binary holds what a real function holds: ureq, rustls, ring)
/// and print the status.
pub fn signer_main(signer: Signer) {
    use std::io::{Read, Write};
    let body = body();
    let headers = signer(&body, SystemTime::now());
    println!("signed {} headers", headers.len());
    let _ = std::io::stdout().flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--send") {
        let url = args.next().expect("--send URL");
        let client = lambda_bootstrap::aws::Client::from_env();
        let mut request = client.agent().post(&url);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        match request
            .config()
            .http_status_as_error(false)
            .build()
            .send(&body[..])
        {
            Ok(response) => println!("status {}", response.status()),
            Err(e) => println!("error {e}"),
        }
    }
}
