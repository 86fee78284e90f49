//! Redirects are answers, never followed: a signed AWS call carries its
//! session token and signature, which must not reach whatever host a 3xx
//! names, and a POST must not become a GET there. The 3xx is a service
//! error with the status and, for S3, its XML code.

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::{self, Client, Credentials};
use serde_json::json;

use crate::support::{Answer, Scripted, client_for, context};

fn client(server: &Scripted) -> Client {
    let keys = Source::Static(Credentials::new(
        "AKIDFAKE",
        "fake",
        Some("session-token".into()),
        None,
    ));
    client_for(&server.url, keys)
}

fn redirect(status: u16, location: Option<&str>, body: &str) -> Answer {
    let headers = location
        .map(|l| vec![("Location".to_string(), l.to_string())])
        .unwrap_or_default();
    Answer::With(status, headers, body.into())
}

#[test]
fn a_302_to_another_host_is_an_error_and_that_host_receives_nothing() {
    let elsewhere = Scripted::start(vec![Answer::json(200, r#"{"Item":{"stolen":{"S":"y"}}}"#)]);
    let server = Scripted::start(vec![redirect(
        302,
        Some(&format!("{}/", elsewhere.url)),
        "",
    )]);
    let err = client(&server)
        .json(
            &context(30_000),
            &aws::DYNAMODB,
            "GetItem",
            &json!({"TableName": "t"}),
        )
        .unwrap_err();
    assert_eq!(err.status(), Some(302), "{err}");
    assert!(err.is("Found"), "{err}");
    assert_eq!(server.received().len(), 1, "not retried");
    assert!(
        elsewhere.received().is_empty(),
        "the other host received {:?}",
        elsewhere.received()
    );
}

#[test]
fn a_307_is_an_error_not_a_second_post() {
    let elsewhere = Scripted::start(vec![Answer::json(200, "{}")]);
    let server = Scripted::start(vec![redirect(
        307,
        Some(&format!("{}/", elsewhere.url)),
        "",
    )]);
    let err = client(&server)
        .json(
            &context(30_000),
            &aws::SQS,
            "SendMessage",
            &json!({"QueueUrl": "q", "MessageBody": "m"}),
        )
        .unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    assert!(err.is("TemporaryRedirect"), "{err}");
    assert!(
        elsewhere.received().is_empty(),
        "{:?}",
        elsewhere.received()
    );
}

#[test]
fn s3s_301_without_location_keeps_its_code() {
    let server = Scripted::start(vec![redirect(
        301,
        None,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code>\
         <Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>\
         <Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint><RequestId>R301</RequestId></Error>",
    )]);
    let err = client(&server)
        .get_object(&context(30_000), "b", "k")
        .unwrap_err();
    assert_eq!(err.status(), Some(301), "{err}");
    assert!(err.is("PermanentRedirect"), "{err}");
    assert_eq!(err.request_id(), Some("R301"));
    assert!(
        err.to_string().starts_with(
            "S3.GetObject failed: PermanentRedirect: The bucket you are attempting to access"
        ),
        "{err}"
    );
    assert_eq!(server.received().len(), 1, "not retried");
}
