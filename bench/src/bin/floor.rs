//! The floor: the least a Lambda runtime can do. std networking only, one
//! kept-alive connection, HTTP/1.1 parsed by hand (Content-Length bodies),
//! no error reporting beyond the answer, no logging. It runs the same
//! handler as `bootstrap`, so the gap between the two is runtime overhead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use lambda_bootstrap::FunctionInfo;

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").expect("AWS_LAMBDA_RUNTIME_API");
    let function = Arc::new(FunctionInfo::default());
    let stream = TcpStream::connect(&api).expect("connect");
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let next = format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n");
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        writer.write_all(next.as_bytes()).unwrap();
        let (request_id, length) = read_head(&mut reader, &mut line);
        body.resize(length, 0);
        reader.read_exact(&mut body).unwrap();
        let answer = lambda_bootstrap_bench::answer(&body, &request_id, &function);
        let mut post = format!(
            "POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\nHost: {api}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        )
        .into_bytes();
        post.extend_from_slice(&answer);
        writer.write_all(&post).unwrap();
        let (_, length) = read_head(&mut reader, &mut line);
        body.resize(length, 0);
        reader.read_exact(&mut body).unwrap();
    }
}

/// Reads a response head; returns the request id header (if any) and the
/// Content-Length.
fn read_head(reader: &mut impl BufRead, line: &mut String) -> (String, usize) {
    let mut request_id = String::new();
    let mut length = 0;
    loop {
        line.clear();
        if reader.read_line(line).unwrap() == 0 {
            std::process::exit(1);
        }
        let text = line.trim_end();
        if text.is_empty() {
            return (request_id, length);
        }
        if let Some((name, value)) = text.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            } else if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id") {
                request_id = value.trim().to_string();
            }
        }
    }
}
