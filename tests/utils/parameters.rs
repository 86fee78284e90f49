//! Parameters against moto: SSM by name (a SecureString decrypted, or
//! not), by path, Secrets Manager, typed reads, and the cache's maximum
//! age (changed values are seen once it has passed, not before).

use std::time::Duration;

use lambda_bootstrap::aws;
use lambda_bootstrap::parameters::{Error, Parameters};
use serde::Deserialize;
use serde_json::json;

use crate::support::{context, moto_client, unique};

fn put_parameter(name: &str, value: &str, kind: &str) {
    moto_client()
        .json(
            &context(30_000),
            &aws::SSM,
            "PutParameter",
            &json!({"Name": name, "Value": value, "Type": kind, "Overwrite": true}),
        )
        .unwrap();
}

#[derive(Debug, PartialEq, Deserialize)]
struct Limits {
    max_items: u32,
}

#[test]
fn ssm_parameters_by_name_decrypted_and_typed() {
    let client = moto_client();
    let ctx = context(30_000);
    let base = format!("/{}", unique("params"));
    put_parameter(&format!("{base}/plain"), "hello", "String");
    put_parameter(&format!("{base}/secret"), "s3cr3t", "SecureString");
    put_parameter(&format!("{base}/limits"), r#"{"max_items": 7}"#, "String");
    put_parameter(&format!("{base}/broken"), "{not json", "String");
    let parameters = Parameters::new(&client);
    assert_eq!(
        parameters.ssm(&ctx, &format!("{base}/plain")).unwrap(),
        "hello"
    );
    assert_eq!(
        parameters.ssm(&ctx, &format!("{base}/secret")).unwrap(),
        "s3cr3t"
    );
    let encrypted = Parameters::new(&client).decrypt(false);
    assert_ne!(
        encrypted.ssm(&ctx, &format!("{base}/secret")).unwrap(),
        "s3cr3t"
    );
    assert_eq!(
        parameters
            .ssm_as::<Limits>(&ctx, &format!("{base}/limits"))
            .unwrap(),
        Limits { max_items: 7 }
    );
    let err = parameters
        .ssm_as::<Limits>(&ctx, &format!("{base}/broken"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("parameter '{base}/broken': is not JSON (line 1, column 2)")
    );
    let err = parameters
        .ssm_as::<Limits>(&ctx, &format!("{base}/plain"))
        .unwrap_err();
    assert!(matches!(err, Error::Transform(..)), "{err}");
    let err = parameters.ssm(&ctx, &format!("{base}/absent")).unwrap_err();
    let Error::Aws(aws) = &err else {
        panic!("{err}")
    };
    assert_eq!(aws.code(), Some("ParameterNotFound"), "{err}");
}

#[test]
fn ssm_parameters_by_path_are_named_relative_to_it() {
    let client = moto_client();
    let ctx = context(30_000);
    let base = format!("/{}", unique("path"));
    put_parameter(&format!("{base}/db/host"), "db.local", "String");
    put_parameter(&format!("{base}/db/password"), "pw", "SecureString");
    put_parameter(&format!("{base}/name"), "shop", "String");
    let all = Parameters::new(&client).ssm_path(&ctx, &base).unwrap();
    let expected: Vec<(&str, &str)> = vec![
        ("db/host", "db.local"),
        ("db/password", "pw"),
        ("name", "shop"),
    ];
    let got: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, expected);
}

#[test]
fn secrets_as_text_and_typed() {
    let client = moto_client();
    let ctx = context(30_000);
    let name = unique("secret");
    client
        .json(
            &ctx,
            &aws::SECRETS_MANAGER,
            "CreateSecret",
            &json!({"Name": name, "SecretString": r#"{"username": "app", "password": "pw"}"#}),
        )
        .unwrap();
    #[derive(Debug, PartialEq, Deserialize)]
    struct Login {
        username: String,
        password: String,
    }
    let parameters = Parameters::new(&client);
    assert!(parameters.secret(&ctx, &name).unwrap().contains("\"app\""));
    assert_eq!(
        parameters.secret_as::<Login>(&ctx, &name).unwrap(),
        Login {
            username: "app".into(),
            password: "pw".into()
        }
    );
    let err = parameters.secret(&ctx, &unique("absent")).unwrap_err();
    let Error::Aws(aws) = &err else {
        panic!("{err}")
    };
    assert_eq!(aws.code(), Some("ResourceNotFoundException"), "{err}");
}

#[test]
fn a_value_is_kept_for_its_maximum_age() {
    let client = moto_client();
    let ctx = context(30_000);
    let name = format!("/{}", unique("cached"));
    put_parameter(&name, "first", "String");
    let kept = Parameters::new(&client).max_age(Duration::from_secs(3600));
    let fresh = Parameters::new(&client).max_age(Duration::ZERO);
    assert_eq!(kept.ssm(&ctx, &name).unwrap(), "first");
    assert_eq!(fresh.ssm(&ctx, &name).unwrap(), "first");
    put_parameter(&name, "second", "String");
    // Within its age the kept value is used; at age zero it is fetched.
    assert_eq!(kept.ssm(&ctx, &name).unwrap(), "first");
    assert_eq!(fresh.ssm(&ctx, &name).unwrap(), "second");
    kept.clear_cache();
    assert_eq!(kept.ssm(&ctx, &name).unwrap(), "second");
}
