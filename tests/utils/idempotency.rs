//! The idempotency store against moto: one run per key, the stored answer
//! for a repeat, validation, in-progress records and their deadline,
//! expiry, and a failure's record deleted.

use std::cell::Cell;
use std::time::Duration;

use lambda_bootstrap::HandlerError;
use lambda_bootstrap::dynamodb::Table;
use lambda_bootstrap::idempotency::{Config, Idempotency, Record, Status, hash};
use serde_json::{Value, json};

use crate::support::{context, create_table, epoch_ms, moto_client, unique};

fn record(client: &lambda_bootstrap::aws::Client, table: &str, key: &str) -> Option<Record> {
    Table::new(client, table)
        .get_item(&context(30_000), &json!({"id": key}))
        .unwrap()
}

#[test]
fn a_repeat_gets_the_stored_answer_without_running_again() {
    let table = unique("idem");
    create_table(&table);
    let client = moto_client();
    let ctx = context(30_000);
    let store = Idempotency::new(&client, &table, Config::new("orders").key_path("/order"));
    let runs = Cell::new(0);
    let event = json!({"order": {"id": 7}, "at": 1});
    let call = |event: &Value| {
        store.run(&ctx, event, || {
            runs.set(runs.get() + 1);
            Ok(json!({"run": runs.get()}))
        })
    };
    assert_eq!(call(&event).unwrap(), json!({"run": 1}));
    // Another event with the same key part is the same call.
    assert_eq!(
        call(&json!({"order": {"id": 7}, "at": 2})).unwrap(),
        json!({"run": 1})
    );
    assert_eq!(runs.get(), 1);
    assert_eq!(
        call(&json!({"order": {"id": 8}})).unwrap(),
        json!({"run": 2})
    );

    let key = format!("orders#{}", hash(&json!({"id": 7})));
    let stored = record(&client, &table, &key).unwrap();
    assert_eq!(stored.status, Status::Completed);
    assert_eq!(stored.data.as_deref(), Some(r#"{"run":1}"#));
    assert_eq!(stored.in_progress_expiration, None);
    let hour = epoch_ms() / 1000 + 3600;
    assert!(
        (hour - 60..=hour).contains(&stored.expiration),
        "{stored:?}"
    );
}

#[test]
fn a_repeat_with_a_different_validated_part_is_an_error() {
    let table = unique("idem-valid");
    create_table(&table);
    let client = moto_client();
    let ctx = context(30_000);
    let config = Config::new("pay")
        .key_path("/order")
        .validate_path("/amount");
    let store = Idempotency::new(&client, &table, config);
    let ok = store.run(&ctx, &json!({"order": 1, "amount": 5}), || {
        Ok(json!("paid"))
    });
    assert_eq!(ok.unwrap(), json!("paid"));
    let same = store.run(&ctx, &json!({"order": 1, "amount": 5}), || {
        Ok(json!("again"))
    });
    assert_eq!(same.unwrap(), json!("paid"));
    let err = store
        .run(&ctx, &json!({"order": 1, "amount": 6}), || {
            Ok(json!("again"))
        })
        .unwrap_err();
    assert_eq!(err.error_type(), "IdempotencyValidationError");
    assert!(
        err.message()
            .starts_with("the payload differs from the first call's"),
        "{}",
        err.message()
    );
}

#[test]
fn a_failure_deletes_its_record_so_a_retry_runs() {
    let table = unique("idem-fail");
    create_table(&table);
    let client = moto_client();
    let ctx = context(30_000);
    let store = Idempotency::new(&client, &table, Config::new("f"));
    let event = json!({"n": 1});
    let err = store
        .run::<Value, _>(&ctx, &event, || Err(HandlerError::new("Boom", "failed")))
        .unwrap_err();
    assert_eq!((err.error_type(), err.message()), ("Boom", "failed"));
    assert_eq!(
        record(&client, &table, &format!("f#{}", hash(&event))),
        None
    );
    assert_eq!(store.run(&ctx, &event, || Ok(json!(2))).unwrap(), json!(2));
}

#[test]
fn an_in_progress_record_blocks_a_repeat_until_its_invocations_deadline() {
    let table = unique("idem-progress");
    create_table(&table);
    let client = moto_client();
    let ctx = context(30_000);
    let store = Idempotency::new(&client, &table, Config::new("p"));
    let event = json!({"n": 1});
    let key = format!("p#{}", hash(&event));

    // While the first call runs, its record is in progress until the
    // first invocation's deadline, and a repeat is refused.
    let inner = store.run(&ctx, &event, || {
        let during = record(&client, &table, &key).unwrap();
        assert_eq!(during.status, Status::InProgress);
        assert_eq!(during.in_progress_expiration, ctx.deadline_ms);
        let repeat = context(30_000);
        let err = store
            .run(&repeat, &event, || Ok(json!("second")))
            .unwrap_err();
        Ok(json!(err.error_type()))
    });
    assert_eq!(inner.unwrap(), json!("IdempotencyAlreadyInProgressError"));

    // A record left in progress by an invocation whose deadline has
    // passed (it was stopped) no longer counts: the call runs.
    let stale = json!({"n": 2});
    let stale_key = format!("p#{}", hash(&stale));
    let left = Record {
        id: stale_key.clone(),
        status: Status::InProgress,
        expiration: epoch_ms() / 1000 + 3600,
        in_progress_expiration: Some(epoch_ms() - 1),
        data: None,
        validation: None,
    };
    Table::new(&client, &table).put_item(&ctx, &left).unwrap();
    assert_eq!(
        store.run(&ctx, &stale, || Ok(json!("ran"))).unwrap(),
        json!("ran")
    );
    assert_eq!(
        record(&client, &table, &stale_key).unwrap().status,
        Status::Completed
    );
}

#[test]
fn an_expired_record_is_as_if_there_were_none() {
    let table = unique("idem-expired");
    create_table(&table);
    let client = moto_client();
    let ctx = context(30_000);
    let store = Idempotency::new(
        &client,
        &table,
        Config::new("e").expires_after(Duration::from_secs(3600)),
    );
    let event = json!({"n": 1});
    let old = Record {
        id: format!("e#{}", hash(&event)),
        status: Status::Completed,
        expiration: epoch_ms() / 1000 - 1,
        in_progress_expiration: None,
        data: Some(r#""old""#.into()),
        validation: None,
    };
    Table::new(&client, &table).put_item(&ctx, &old).unwrap();
    assert_eq!(
        store.run(&ctx, &event, || Ok(json!("new"))).unwrap(),
        json!("new")
    );

    // Without the key's part, a call runs without idempotency, or is
    // refused when asked to.
    let keyed = Idempotency::new(&client, &table, Config::new("k").key_path("/id"));
    assert_eq!(
        keyed.run(&ctx, &json!({}), || Ok(json!(1))).unwrap(),
        json!(1)
    );
    let strict = Idempotency::new(
        &client,
        &table,
        Config::new("k").key_path("/id").raise_on_no_key(true),
    );
    let err = strict
        .run(&ctx, &json!({"id": null}), || Ok(json!(1)))
        .unwrap_err();
    assert_eq!(err.error_type(), "IdempotencyKeyError");
}
