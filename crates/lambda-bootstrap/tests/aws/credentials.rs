//! Credentials from a container endpoint (a local server playing it),
//! refreshed before they expire, against moto: the first keys are about to
//! expire, so the next call fetches new ones; the first keys are then
//! deleted in moto, so only a call signed with the new ones can pass.

use std::time::{Duration, SystemTime};

use lambda_bootstrap::aws::credentials::{Source, Token};
use lambda_bootstrap::aws::{self, Credentials};
use serde_json::json;

use crate::support::{Answer, Scripted, client_for, context, iam, moto, moto_client};

/// The endpoint's answer for `keys`, expiring `in_secs` from now.
fn issue(keys: &Credentials, in_secs: u64) -> Answer {
    let expires = SystemTime::now() + Duration::from_secs(in_secs);
    let body = json!({
        "AccessKeyId": keys.access_key_id(),
        "SecretAccessKey": keys.secret_access_key(),
        "Token": "",
        "Expiration": rfc3339(expires),
    });
    Answer::With(200, vec![], body.to_string())
}

fn rfc3339(time: SystemTime) -> String {
    let amz = aws::time::amz_date(time);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz[0..4],
        &amz[4..6],
        &amz[6..8],
        &amz[9..11],
        &amz[11..13],
        &amz[13..15]
    )
}

#[test]
fn expiring_container_credentials_are_fetched_again_and_the_new_ones_used() {
    let moto = moto();
    // Moto's IAM user has two keys; this test retires the first. Other
    // tests sign with the first too, so it makes a third and fourth key
    // of its own: a second user.
    let admin = moto_client();
    let ctx = context(30_000);
    let user = crate::support::unique("refresh");
    iam(
        &admin,
        &ctx,
        &[("Action", "CreateUser"), ("UserName", &user)],
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#;
    iam(
        &admin,
        &ctx,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", &user),
            ("PolicyName", "ddb"),
            ("PolicyDocument", policy),
        ],
    );
    let key = || {
        let xml = iam(
            &admin,
            &ctx,
            &[("Action", "CreateAccessKey"), ("UserName", &user)],
        );
        Credentials::new(
            crate::support::xml_text(&xml, "AccessKeyId"),
            crate::support::xml_text(&xml, "SecretAccessKey"),
            None,
            None,
        )
    };
    let (old, new) = (key(), key());

    // Four minutes left on the first keys: inside the five-minute margin.
    let endpoint = Scripted::start(vec![issue(&old, 240), issue(&new, 6 * 3600)]);
    let client = client_for(
        &moto.url,
        Source::Container {
            uri: format!("{}/v1/credentials", endpoint.url),
            token: Some(Token::Value("container-token".into())),
        },
    );
    let list = || client.json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}));
    list().unwrap();
    assert_eq!(endpoint.received().len(), 1);

    iam(
        &admin,
        &ctx,
        &[
            ("Action", "DeleteAccessKey"),
            ("UserName", &user),
            ("AccessKeyId", old.access_key_id()),
        ],
    );
    list().expect("signed with the new keys");
    list().expect("the new keys are kept while fresh");
    let fetches = endpoint.received();
    assert_eq!(
        fetches.len(),
        2,
        "fetched once more, then kept: {fetches:?}"
    );
    for fetch in &fetches {
        assert_eq!(fetch.line, "GET /v1/credentials HTTP/1.1");
        assert_eq!(fetch.header("authorization"), Some("container-token"));
    }

    // And keys that are gone are refused: the check above was a real one.
    let stale = client_for(&moto.url, Source::Static(old));
    let err = stale
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[test]
fn a_failing_container_endpoint_is_a_credentials_error() {
    let endpoint = Scripted::start(vec![Answer::With(500, vec![], "secret-ish body".into())]);
    let client = client_for(
        &moto().url,
        Source::Container {
            uri: format!("{}/creds", endpoint.url),
            token: None,
        },
    );
    let err = client
        .json(&context(30_000), &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no AWS credentials: the container credentials endpoint '{}/creds' answered 500",
            endpoint.url
        )
    );
}
