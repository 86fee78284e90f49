//! S3 objects over its REST protocol: get, put and delete one object. A key
//! is percent-encoded into the path (its `/`s kept); the bucket goes into
//! the host name on AWS's endpoints (`bucket.s3.region.amazonaws.com`, the
//! only form new buckets take) and in front of the path on a configured
//! endpoint (emulators). Errors are XML; only `Code`, `Message` and
//! `RequestId` are read out of them.
//!
//! Pure: shaping requests and reading answers; `client.rs` sends.

use crate::aws::endpoint::{Endpoint, Service};
use crate::aws::error::{Error, ServiceError, status_code_name};
use crate::aws::request::{Request, Response};
use crate::aws::sigv4;
use crate::aws::xml::xml_text;

/// Amazon S3.
pub const S3: Service = Service {
    id: "S3",
    endpoint_prefix: "s3",
    signing_name: "s3",
};

fn object(
    operation: &str,
    method: &'static str,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<Request, Error> {
    if bucket.is_empty() || bucket.contains('/') {
        return Err(Error::Config(format!(
            "S3 bucket name '{bucket}' is empty or has a '/'"
        )));
    }
    if key.is_empty() {
        return Err(Error::Config(format!(
            "S3 object key in bucket '{bucket}' is empty"
        )));
    }
    let mut path = String::with_capacity(key.len() + 1);
    path.push('/');
    sigv4::encode(key.as_bytes(), true, &mut path);
    let mut request = Request::new(S3, operation, method, path)
        // S3 wants the payload's hash in a header of its own, signed.
        .header("x-amz-content-sha256", sigv4::sha256_hex(&body))
        .body(body);
    request.bucket = Some(bucket.to_string());
    Ok(request)
}

/// `GET /{key}`: the object's bytes.
pub fn get_object(bucket: &str, key: &str) -> Result<Request, Error> {
    object("GetObject", "GET", bucket, key, Vec::new())
}

/// `PUT /{key}` with `body`, and its content type if given.
pub fn put_object(
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
) -> Result<Request, Error> {
    let request = object("PutObject", "PUT", bucket, key, body)?;
    Ok(match content_type {
        Some(t) => request.header("Content-Type", t),
        None => request,
    })
}

/// `DELETE /{key}` (S3 answers 204 whether or not the key existed).
pub fn delete_object(bucket: &str, key: &str) -> Result<Request, Error> {
    object("DeleteObject", "DELETE", bucket, key, Vec::new())
}

/// Where a request for `bucket` goes: the `Host` and the path in front of
/// the key's. Virtual-hosted on AWS's endpoints when the name fits a host
/// label (no dots: they would not match the certificate's wildcard);
/// path-style otherwise and on configured endpoints.
pub fn address(endpoint: &Endpoint, bucket: &str) -> (String, String) {
    let fits_host = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !endpoint.configured && fits_host {
        (
            format!("{bucket}.{}", endpoint.authority()),
            endpoint.base_path().to_string(),
        )
    } else {
        let mut prefix = endpoint.base_path().to_string();
        prefix.push('/');
        sigv4::encode(bucket.as_bytes(), false, &mut prefix);
        (endpoint.authority().to_string(), prefix)
    }
}

/// The error in an answer that is not 2xx.
pub fn check(operation: &str, response: &Response) -> Result<(), Error> {
    if response.is_success() {
        return Ok(());
    }
    let body = String::from_utf8_lossy(&response.body);
    let code = xml_text(&body, "Code").unwrap_or_else(|| status_code_name(response.status));
    Err(Error::Service(ServiceError {
        operation: operation.to_string(),
        code,
        message: xml_text(&body, "Message").unwrap_or_default(),
        status: response.status,
        request_id: response
            .header("x-amz-request-id")
            .map(String::from)
            .or_else(|| xml_text(&body, "RequestId")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str, configured: bool) -> Endpoint {
        Endpoint {
            url: url.into(),
            configured,
        }
    }

    #[test]
    fn keys_are_encoded_with_their_slashes() {
        let r = put_object(
            "b",
            "photos/2026/é x+y.jpg",
            b"data".to_vec(),
            Some("image/jpeg"),
        )
        .unwrap();
        assert_eq!(
            (r.method, r.path.as_str()),
            ("PUT", "/photos/2026/%C3%A9%20x%2By.jpg")
        );
        assert_eq!(r.bucket.as_deref(), Some("b"));
        assert!(
            r.headers
                .contains(&("Content-Type".into(), "image/jpeg".into()))
        );
        assert!(
            r.headers
                .contains(&("x-amz-content-sha256".into(), sigv4::sha256_hex(b"data")))
        );
        assert_eq!(
            get_object("b", "k").unwrap().headers[0].1,
            sigv4::EMPTY_SHA256
        );
        assert_eq!(delete_object("b", "k").unwrap().method, "DELETE");
        for (bucket, key) in [("", "k"), ("a/b", "k"), ("b", "")] {
            assert!(get_object(bucket, key).is_err(), "{bucket:?} {key:?}");
        }
    }

    #[test]
    fn buckets_in_the_host_on_aws_and_in_the_path_elsewhere() {
        let aws = endpoint("https://s3.eu-west-1.amazonaws.com", false);
        assert_eq!(
            address(&aws, "my-bucket"),
            ("my-bucket.s3.eu-west-1.amazonaws.com".into(), "".into())
        );
        assert_eq!(
            address(&aws, "my.bucket"),
            ("s3.eu-west-1.amazonaws.com".into(), "/my.bucket".into())
        );
        let moto = endpoint("http://127.0.0.1:5000", true);
        assert_eq!(
            address(&moto, "my-bucket"),
            ("127.0.0.1:5000".into(), "/my-bucket".into())
        );
        let based = endpoint("http://gw.internal/s3", true);
        assert_eq!(address(&based, "b"), ("gw.internal".into(), "/s3/b".into()));
    }

    #[test]
    fn xml_errors_give_code_message_and_request_id() {
        let body = "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>\
                    <Key>a&amp;b</Key><RequestId>R9</RequestId></Error>";
        let answer = Response {
            status: 404,
            headers: vec![],
            body: body.into(),
        };
        let Err(Error::Service(e)) = check("S3.GetObject", &answer) else {
            panic!()
        };
        assert_eq!(
            (
                e.code.as_str(),
                e.message.as_str(),
                e.status,
                e.request_id.as_deref()
            ),
            (
                "NoSuchKey",
                "The specified key does not exist.",
                404,
                Some("R9")
            )
        );
        let answer = Response {
            status: 403,
            headers: vec![("x-amz-request-id".into(), "H1".into())],
            body: vec![],
        };
        let Err(Error::Service(e)) = check("S3.GetObject", &answer) else {
            panic!()
        };
        assert_eq!(
            (e.code.as_str(), e.request_id.as_deref()),
            ("Forbidden", Some("H1"))
        );
        assert!(
            check(
                "S3.PutObject",
                &Response {
                    status: 200,
                    headers: vec![],
                    body: vec![]
                }
            )
            .is_ok()
        );
    }
}
