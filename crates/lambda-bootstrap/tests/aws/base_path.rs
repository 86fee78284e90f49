//! An endpoint URL with a base path (`AWS_ENDPOINT_URL=https://gw/prefix`,
//! a gateway in front of S3): every request's path follows it, signed as
//! sent. moto serves S3 path-style at its root, so a base path of
//! `/outer` puts the object `inner`/`k` at `outer`/`inner/k`, where a
//! client without the base path finds it.

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::s3::S3;
use lambda_bootstrap::aws::{Client, Credentials, Request};

use crate::support::{client_with, context, moto, tls_moto, unique};

fn create_bucket(client: &Client, bucket: &str) {
    let mut create = Request::new(S3, "CreateBucket", "PUT", "/");
    create.bucket = Some(bucket.to_string());
    let created = client.send(&context(30_000), &create).unwrap();
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
}

/// Puts through `{url}/{outer}` and reads back both ways.
fn round_trip_under_a_base_path(url: &str, keys: Source, ca_bundle: Option<String>) {
    let ctx = context(30_000);
    let client = |endpoint: &str| {
        let ca_bundle = ca_bundle.clone();
        client_with(endpoint, keys.clone(), |c| c.ca_bundle = ca_bundle)
    };
    let plain = client(url);
    let outer = unique("outer");
    create_bucket(&plain, &outer);
    let based = client(&format!("{url}/{outer}/"));
    based
        .put_object(&ctx, "inner", "k.json", b"{\"at\":\"base\"}".to_vec(), None)
        .unwrap();
    assert_eq!(
        plain.get_object(&ctx, &outer, "inner/k.json").unwrap(),
        b"{\"at\":\"base\"}",
        "the object is under the base path"
    );
    assert_eq!(
        based.get_object(&ctx, "inner", "k.json").unwrap(),
        b"{\"at\":\"base\"}"
    );
}

#[test]
fn an_https_endpoint_with_a_base_path() {
    let tls = tls_moto();
    assert!(tls.url.starts_with("https://"), "{}", tls.url);
    let keys = Source::Static(Credentials::new("AKIDTLS", "tls", None, None));
    round_trip_under_a_base_path(&tls.url, keys, Some(tls.bundle.clone()));
}

#[test]
fn a_base_path_is_signed_as_sent() {
    // moto with authentication on checks the signature over the path.
    let moto = moto();
    round_trip_under_a_base_path(&moto.url, Source::Static(moto.keys[0].clone()), None);
}
