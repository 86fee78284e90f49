//! How much of an answer the client holds: JSON answers and `get_object`
//! stop at a cap with an error naming the call and the `Config` field;
//! `get_object_reader` streams an object of any size without holding it,
//! within the invocation's deadline, however long the body goes on.

use std::io::Read;

use lambda_bootstrap::aws::credentials::Source;
use lambda_bootstrap::aws::{self, Credentials, Error};
use serde_json::json;

use crate::support::{Answer, Scripted, client_for, client_with, context, epoch_ms, moto, unique};

fn fake_keys() -> Source {
    Source::Static(Credentials::new("AKIDFAKE", "fake", None, None))
}

#[test]
fn a_json_answer_past_the_cap_is_an_error_naming_call_and_cap() {
    let server = Scripted::start(vec![Answer::Endless]);
    let err = client_for(&server.url, fake_keys())
        .json(&context(20_000), &aws::DYNAMODB, "Scan", &json!({}))
        .unwrap_err();
    let Error::TooLarge { limit, setting, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!((*limit, *setting), (32 << 20, "max_response_size"));
    assert_eq!(
        err.to_string(),
        "DynamoDB.Scan answered more than 33554432 bytes, the most the client reads whole \
         (Config::max_response_size)"
    );
    assert_eq!(server.received().len(), 1, "not retried");
}

/// An object of `size` bytes in a new moto bucket, each byte its offset
/// modulo 251 (so that a piece out of place shows).
fn object_in_moto(size: usize) -> (String, String, Vec<u8>) {
    let moto = moto();
    let client = client_for(&moto.url, Source::Static(moto.keys[0].clone()));
    let bucket = unique("big");
    let mut create = aws::Request::new(aws::s3::S3, "CreateBucket", "PUT", "/");
    create.bucket = Some(bucket.clone());
    assert_eq!(client.send(&context(30_000), &create).unwrap().status, 200);
    let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    client
        .put_object(&context(60_000), &bucket, "big.bin", body.clone(), None)
        .unwrap();
    (moto.url.clone(), bucket, body)
}

#[test]
fn get_object_stops_at_its_cap_which_the_caller_can_raise() {
    let (url, bucket, body) = object_in_moto(3 << 20);
    let keys = Source::Static(moto().keys[0].clone());
    let capped = client_with(&url, keys.clone(), |c| c.max_object_size = 1 << 20);
    // Not `unwrap_err`: a failure must not print the object.
    let Err(err) = capped.get_object(&context(30_000), &bucket, "big.bin") else {
        panic!("an object over the cap came back whole")
    };
    assert!(
        matches!(
            err,
            Error::TooLarge {
                limit: 1048576,
                setting: "max_object_size",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("S3.GetObject answered more than")
    );
    let raised = client_with(&url, keys, |c| c.max_object_size = 4 << 20);
    let got = raised
        .get_object(&context(30_000), &bucket, "big.bin")
        .unwrap();
    assert!(got == body, "the object came back changed");
}

#[test]
fn a_large_object_streams_past_the_cap_piece_by_piece() {
    let size = 16 << 20;
    let (url, bucket, body) = object_in_moto(size);
    // A cap far below the object: a reader that held it whole would need
    // the cap raised.
    let client = client_with(&url, Source::Static(moto().keys[0].clone()), |c| {
        c.max_object_size = 1 << 20
    });
    let mut reader = client
        .get_object_reader(&context(60_000), &bucket, "big.bin")
        .unwrap();
    let mut piece = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = reader.read(&mut piece).unwrap();
        if n == 0 {
            break;
        }
        assert!(
            piece[..n] == body[at..at + n],
            "bytes {at}..{} differ",
            at + n
        );
        at += n;
    }
    assert_eq!(at, size);
    let err = client
        .get_object_reader(&context(30_000), &bucket, "missing")
        .err()
        .unwrap();
    assert!(err.is("NoSuchKey"), "{err}");
}

#[test]
fn endless_and_trickled_streamed_bodies_end_at_the_deadline() {
    for answer in [Answer::Endless, Answer::Trickle] {
        streamed_body_ends_at_the_deadline(answer);
    }
}

#[test]
fn a_trickled_json_answer_times_out_at_the_deadline() {
    let server = Scripted::start(vec![Answer::Trickle]);
    let ctx = context(1_500);
    let deadline = ctx.deadline_ms.unwrap();
    let err = client_for(&server.url, fake_keys())
        .json(&ctx, &aws::DYNAMODB, "Scan", &json!({}))
        .unwrap_err();
    let ended = epoch_ms();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(
        ended <= deadline,
        "ended {} ms past the deadline",
        ended - deadline
    );
}

fn streamed_body_ends_at_the_deadline(answer: Answer) {
    let server = Scripted::start(vec![answer]);
    let ctx = context(1_500);
    let deadline = ctx.deadline_ms.unwrap();
    let mut reader = client_for(&server.url, fake_keys())
        .get_object_reader(&ctx, "b", "endless")
        .unwrap();
    let mut piece = vec![0u8; 64 * 1024];
    let mut read = 0u64;
    let err = loop {
        match reader.read(&mut piece) {
            Ok(0) => panic!("an endless body ended"),
            Ok(n) => read += n as u64,
            Err(e) => break e,
        }
        // Checked as it reads: a stream the deadline does not bound would
        // go on for ever.
        let now = epoch_ms();
        assert!(
            now <= deadline,
            "still reading {} ms past the deadline",
            now - deadline
        );
    };
    let ended = epoch_ms();
    assert!(read > 0, "{err}");
    assert!(
        ended <= deadline,
        "read {} ms past the deadline: {err}",
        ended as i64 - deadline as i64
    );
}
