//! HTTPS: moto behind TLS with a certificate from a CA this test makes
//! (with the openssl command). Named by `AWS_CA_BUNDLE`, the CA is trusted
//! for AWS calls and for a handler's own calls through `Client::agent`;
//! without it, the same endpoint is refused for its certificate.

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::{self, Credentials, Error};
use serde_json::json;

use crate::support::{client_with, context, spawn_moto, unique};
use crate::test_ca::make_ca;

#[test]
fn a_ca_bundle_is_trusted_and_nothing_else_is() {
    let dir = std::env::temp_dir().join(unique("aws-tls"));
    std::fs::create_dir_all(&dir).unwrap();
    make_ca(&dir);
    let (url, _moto, _lifeline) = spawn_moto(
        &format!(
            "-s -c {} -k {}",
            dir.join("server.pem").display(),
            dir.join("server.key").display()
        ),
        &[],
    );
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let keys = Source::Static(Credentials::new("AKIDTLS", "tls", None, None));
    let ctx = context(30_000);
    let bundle = dir.join("ca.pem").display().to_string();

    let trusting = client_with(&url, keys.clone(), |c| c.ca_bundle = Some(bundle.clone()));
    let tables = trusting
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap();
    assert_eq!(tables["TableNames"], json!([]), "{tables}");
    // A handler's own HTTPS call, on the same agent and roots.
    let mut own = trusting
        .agent()
        .get(format!("{url}/moto-api/data.json"))
        .call()
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.body_mut().read_to_string().unwrap().starts_with('{'));

    let refusing = client_with(&url, keys, |_| {});
    let err = refusing
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with("DynamoDB.ListTables failed: ") && message.contains("certificate"),
        "{message}"
    );
    let own = refusing
        .agent()
        .get(format!("{url}/moto-api/data.json"))
        .call()
        .unwrap_err();
    assert!(own.to_string().contains("certificate"), "{own}");
    let _ = std::fs::remove_dir_all(&dir);
}
