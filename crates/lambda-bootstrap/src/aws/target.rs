//! Where one request goes: its URL, the `Host` it names and the path it
//! signs, worked out from the request and the endpoint once for all of a
//! call's attempts. The endpoint's base path comes first; S3's bucket goes
//! into the host name or in front of the path (`s3::address`).
//!
//! Pure: no network, no environment.

use crate::aws::endpoint::Endpoint;
use crate::aws::request::Request;
use crate::aws::s3;

/// The URL, authority and path one request is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `scheme://authority/path[?query]`, as sent.
    pub url: String,
    /// `host[:port]`, as the `Host` header carries it and SigV4 signs it.
    pub authority: String,
    /// The path, percent-encoded as sent, as SigV4 signs it.
    pub path: String,
}

/// Where `request` goes at `endpoint`.
pub fn target(request: &Request, endpoint: &Endpoint) -> Target {
    let (authority, prefix) = match &request.bucket {
        Some(bucket) => s3::address(endpoint, bucket),
        None => (
            endpoint.authority().to_string(),
            endpoint.base_path().to_string(),
        ),
    };
    let path = format!("{prefix}{}", request.path);
    let scheme = endpoint.url.split("://").next().unwrap_or("https");
    let mut url = format!("{scheme}://{authority}{path}");
    if !request.query.is_empty() {
        url.push('?');
        url.push_str(&request.query);
    }
    Target {
        url,
        authority,
        path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::json::{self, DYNAMODB};

    fn check(request: &Request, endpoint: (&str, bool), expected: (&str, &str, &str)) {
        let endpoint = Endpoint {
            url: endpoint.0.into(),
            configured: endpoint.1,
        };
        let got = target(request, &endpoint);
        assert_eq!(
            (got.url.as_str(), got.authority.as_str(), got.path.as_str()),
            expected,
            "{endpoint:?}"
        );
    }

    #[test]
    fn json_calls_go_to_the_endpoints_root_or_base_path() {
        let put = json::request(&DYNAMODB, "PutItem", &serde_json::json!({}));
        check(
            &put,
            ("https://dynamodb.eu-west-1.amazonaws.com", false),
            (
                "https://dynamodb.eu-west-1.amazonaws.com/",
                "dynamodb.eu-west-1.amazonaws.com",
                "/",
            ),
        );
        check(
            &put,
            ("https://gw.internal:8443/dynamo/v1", true),
            (
                "https://gw.internal:8443/dynamo/v1/",
                "gw.internal:8443",
                "/dynamo/v1/",
            ),
        );
    }

    #[test]
    fn s3_buckets_in_the_host_on_aws_and_after_the_base_path_elsewhere() {
        let get = s3::get_object("my-bucket", "a b/c").unwrap();
        check(
            &get,
            ("https://s3.us-east-1.amazonaws.com", false),
            (
                "https://my-bucket.s3.us-east-1.amazonaws.com/a%20b/c",
                "my-bucket.s3.us-east-1.amazonaws.com",
                "/a%20b/c",
            ),
        );
        check(
            &get,
            ("http://127.0.0.1:5000", true),
            (
                "http://127.0.0.1:5000/my-bucket/a%20b/c",
                "127.0.0.1:5000",
                "/my-bucket/a%20b/c",
            ),
        );
        check(
            &get,
            ("https://gw.internal/s3", true),
            (
                "https://gw.internal/s3/my-bucket/a%20b/c",
                "gw.internal",
                "/s3/my-bucket/a%20b/c",
            ),
        );
        let list = s3::get_object("my-bucket", "k")
            .unwrap()
            .query("list-type=2&prefix=a%2F");
        check(
            &list,
            ("http://127.0.0.1:5000", true),
            (
                "http://127.0.0.1:5000/my-bucket/k?list-type=2&prefix=a%2F",
                "127.0.0.1:5000",
                "/my-bucket/k",
            ),
        );
    }
}
