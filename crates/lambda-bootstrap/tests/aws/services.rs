//! DynamoDB, SQS and S3 through the client, against moto with request
//! authentication on: every call here is signed and checked.

use lambda_bootstrap::HandlerError;
use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::s3::S3;
use lambda_bootstrap::aws::{self, Credentials, Error, Request};
use serde_json::{Value, json};

use crate::support::{client_for, context, create_table, moto, moto_client, unique};

/// What a handler writes: a conditional put that refuses a second item
/// with the same id.
fn put_order(table: &str, id: &str, qty: u32) -> Result<Value, HandlerError> {
    let ctx = context(30_000);
    Ok(moto_client().json(
        &ctx,
        &aws::DYNAMODB,
        "PutItem",
        &json!({
            "TableName": table,
            "Item": {"id": {"S": id}, "qty": {"N": qty.to_string()}},
            "ConditionExpression": "attribute_not_exists(id)",
        }),
    )?)
}

#[test]
fn dynamodb_put_conditional_conflict_and_get() {
    let table = unique("orders");
    create_table(&table);
    put_order(&table, "o-1", 3).unwrap();

    // The same id again: AWS's code, as the error and through `?`.
    let ctx = context(30_000);
    let err = moto_client()
        .json(
            &ctx,
            &aws::DYNAMODB,
            "PutItem",
            &json!({
                "TableName": table,
                "Item": {"id": {"S": "o-1"}, "qty": {"N": "9"}},
                "ConditionExpression": "attribute_not_exists(id)",
            }),
        )
        .unwrap_err();
    assert!(err.is("ConditionalCheckFailedException"), "{err}");
    assert_eq!(err.status(), Some(400));
    assert!(err.request_id().is_some(), "{err:?}");
    let handler_err = put_order(&table, "o-1", 9).unwrap_err();
    assert_eq!(handler_err.error_type(), "ConditionalCheckFailedException");
    assert!(
        handler_err
            .message()
            .starts_with("DynamoDB.PutItem failed: ConditionalCheckFailedException")
    );

    let got = moto_client()
        .json(
            &ctx,
            &aws::DYNAMODB,
            "GetItem",
            &json!({"TableName": table, "Key": {"id": {"S": "o-1"}}}),
        )
        .unwrap();
    assert_eq!(
        got["Item"],
        json!({"id": {"S": "o-1"}, "qty": {"N": "3"}}),
        "the first write stayed"
    );
}

#[test]
fn sqs_send_and_receive_over_the_json_protocol() {
    let ctx = context(30_000);
    let client = moto_client();
    let queue = client
        .json(
            &ctx,
            &aws::SQS,
            "CreateQueue",
            &json!({"QueueName": unique("orders")}),
        )
        .unwrap();
    let url = queue["QueueUrl"].as_str().unwrap().to_string();
    let sent = client
        .json(
            &ctx,
            &aws::SQS,
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": "{\"id\":\"o-7\"}"}),
        )
        .unwrap();
    assert!(sent["MessageId"].is_string(), "{sent}");
    let got = client
        .json(
            &ctx,
            &aws::SQS,
            "ReceiveMessage",
            &json!({"QueueUrl": url, "MaxNumberOfMessages": 10}),
        )
        .unwrap();
    let messages = got["Messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{got}");
    assert_eq!(messages[0]["Body"], "{\"id\":\"o-7\"}");
    assert_eq!(messages[0]["MessageId"], sent["MessageId"]);
    let err = client
        .json(
            &ctx,
            &aws::SQS,
            "SendMessage",
            &json!({"QueueUrl": format!("{url}-gone"), "MessageBody": "x"}),
        )
        .unwrap_err();
    assert!(err.is("QueueDoesNotExist"), "{err}");
}

#[test]
fn s3_put_get_delete_and_a_missing_key() {
    let ctx = context(30_000);
    let client = moto_client();
    let bucket = unique("receipts");
    let created = client
        .send(&ctx, &{
            let mut r = Request::new(S3, "CreateBucket", "PUT", "/");
            r.bucket = Some(bucket.clone());
            r.header("x-amz-content-sha256", aws::sigv4::EMPTY_SHA256)
        })
        .unwrap();
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );

    // A space, percent-encoded into the path. Not a `+` or a non-ASCII
    // letter: moto checks signatures against the path as werkzeug gives it
    // back (`+` bare, `é` unencoded), where AWS takes the path as sent, as
    // botocore signs it (sigv4.rs checks that encoding against botocore).
    let key = "orders/2026/receipt 1.json";
    client
        .put_object(
            &ctx,
            &bucket,
            key,
            br#"{"id":"o-1"}"#.to_vec(),
            Some("application/json"),
        )
        .unwrap();
    assert_eq!(
        client.get_object(&ctx, &bucket, key).unwrap(),
        br#"{"id":"o-1"}"#
    );
    client.delete_object(&ctx, &bucket, key).unwrap();

    let err = client.get_object(&ctx, &bucket, key).unwrap_err();
    assert!(err.is("NoSuchKey"), "{err}");
    assert_eq!(err.status(), Some(404));
    let handler_err: HandlerError = err.into();
    assert_eq!(handler_err.error_type(), "NoSuchKey");
}

#[test]
fn a_wrong_signature_is_refused_and_not_retried() {
    let ctx = context(30_000);
    let moto = moto();
    let wrong = Credentials::new(moto.keys[0].access_key_id(), "not-the-secret", None, None);
    let client = client_for(&moto.url, Source::Static(wrong));
    let err = client
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(err.is("SignatureDoesNotMatch"), "{err}");
    assert!(matches!(err, Error::Service(_)), "{err}");
    let unknown = Credentials::new("AKIDNOBODYKNOWS00000", "x", None, None);
    let client = client_for(&moto.url, Source::Static(unknown));
    let err = client
        .json(&ctx, &aws::DYNAMODB, "ListTables", &json!({}))
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(err.is("InvalidClientTokenId"), "{err}");
}

/// A bucket in moto, created through `send` by hand, without the
/// `x-amz-content-sha256` header S3 needs: the client adds it.
fn create_bucket(client: &aws::Client) -> String {
    let bucket = unique("bucket");
    let mut create = Request::new(S3, "CreateBucket", "PUT", "/");
    create.bucket = Some(bucket.clone());
    let created = client.send(&context(30_000), &create).unwrap();
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    bucket
}

#[test]
fn hand_built_s3_requests_get_their_payload_hash() {
    let ctx = context(30_000);
    let client = moto_client();
    let bucket = create_bucket(&client);
    client
        .put_object(&ctx, &bucket, "a/1.json", b"{}".to_vec(), None)
        .unwrap();
    // `prefix=a`, not `a%2F`: moto checks the signature against the query
    // as werkzeug decoded it, `/` bare, where AWS takes it as sent.
    let mut list = Request::new(S3, "ListObjectsV2", "GET", "/").query("list-type=2&prefix=a");
    list.bucket = Some(bucket.clone());
    let listed = client.send(&ctx, &list).unwrap();
    let body = String::from_utf8_lossy(&listed.body);
    assert_eq!(listed.status, 200, "{body}");
    assert!(body.contains("<Key>a/1.json</Key>"), "{body}");
}

#[test]
fn s3_keys_with_empty_and_dot_segments_round_trip() {
    let ctx = context(30_000);
    let client = moto_client();
    let bucket = create_bucket(&client);
    let keys = [
        "a//b", "//lead", "trail//", "./here", "a/./b", "../up", "a/../b", "..", ".",
    ];
    for (i, key) in keys.iter().enumerate() {
        let body = format!("object {i}: {key}");
        client
            .put_object(&ctx, &bucket, key, body.clone().into_bytes(), None)
            .unwrap_or_else(|e| panic!("put {key:?}: {e}"));
    }
    for (i, key) in keys.iter().enumerate() {
        let got = client
            .get_object(&ctx, &bucket, key)
            .unwrap_or_else(|e| panic!("get {key:?}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&got),
            format!("object {i}: {key}"),
            "{key:?} came back as another object"
        );
    }
}
