//! The test helpers as a handler's tests use them: each built HTTP event
//! routed through a router and answered in its source's shape, the
//! fixtures through batch processing, the context's deadline, and the EMF
//! and log-key assertions, which must also fail on what is not there.

use std::time::Duration;

use lambda_bootstrap::batch::{EventType, process_partial_response};
use lambda_bootstrap::http::HttpResponse;
use lambda_bootstrap::metrics::Unit;
use lambda_bootstrap::router::{Request, Route, RouteError, Router, Source};
use lambda_bootstrap::testing::{assert, context, fixtures, http::HttpEvent};
use lambda_bootstrap::{Context, HandlerError, logger};
use serde_json::{Value, json};

static ROUTER: Router = Router::new(&[Route::post("/items/{id}", echo)]);

fn echo(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let source = match req.source() {
        Source::RestApi => "rest",
        Source::HttpApi => "http",
        Source::FunctionUrl => "url",
        Source::Alb => "alb",
    };
    let body: Value = req.body_as()?;
    Ok(HttpResponse::new(200).json(&json!({
        "source": source,
        "id": req.param_str("id")?,
        "tags": req.query_all::<String>("tag")?,
        "token": req.header("X-Token"),
        "session": req.http().cookie("session"),
        "body": body,
    })))
}

#[test]
fn each_built_http_event_is_routed_and_answered_in_its_shape() {
    let request = HttpEvent::post("/items/a%2Fb")
        .query("tag", "x y")
        .query("tag", "a,b")
        .header("X-Token", "t")
        .cookie("session", "s1")
        .json(&json!({"n": 1}));
    let ctx = context().build();
    let expect = |source: &str| {
        json!({"source": source, "id": "a/b", "tags": ["x y", "a,b"], "token": "t",
               "session": "s1", "body": {"n": 1}})
    };
    for (event, source) in [
        (request.rest_api(), "rest"),
        (request.http_api(), "http"),
        (request.function_url(), "url"),
        (request.alb(), "alb"),
        (request.alb_multi_value(), "alb"),
    ] {
        let answer = ROUTER.handle(&event, &ctx).unwrap();
        assert_eq!(answer["statusCode"], 200, "{source}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        // The single-value ALB event keeps one value a query key.
        if event.get("queryStringParameters").is_some() && source == "alb" {
            assert_eq!(body["tags"], json!(["a,b"]), "{event}");
            continue;
        }
        assert_eq!(body, expect(source), "{event}");
    }
    let binary = HttpEvent::post("/items/1")
        .binary(br#"{"n": 2}"#)
        .http_api();
    let answer = ROUTER.handle(&binary, &ctx).unwrap();
    assert!(
        answer["body"].as_str().unwrap().contains(r#""n":2"#),
        "{answer}"
    );
}

#[test]
fn the_context_has_a_deadline_and_the_identity_set() {
    let ctx = context()
        .request_id("r-9")
        .function_name("orders")
        .trace_id("Root=1-a")
        .remaining(Some(Duration::from_secs(60)))
        .build();
    assert_eq!(ctx.request_id, "r-9");
    assert_eq!(ctx.function.name, "orders");
    assert!(
        ctx.invoked_function_arn
            .as_deref()
            .unwrap()
            .ends_with(":function:orders")
    );
    let left = ctx.remaining_time().unwrap();
    assert!(
        left > Duration::from_secs(30) && left <= Duration::from_secs(60),
        "{left:?}"
    );
    assert_eq!(context().remaining(None).build().remaining_time(), None);
}

#[test]
fn the_fixtures_are_batches_lambda_would_send() {
    let count = |event: &Value, kind: EventType| {
        let mut seen = 0;
        let answer = process_partial_response(event, kind, |_: Value| {
            seen += 1;
            if seen == 2 {
                Err(HandlerError::new("Second", "fails"))
            } else {
                Ok(())
            }
        })
        .unwrap();
        (seen, serde_json::to_value(answer).unwrap())
    };
    let failed = |id: &str| json!({"batchItemFailures": [{"itemIdentifier": id}]});
    assert_eq!(
        count(&fixtures::sqs(&["a", "b", "c"]), EventType::Sqs),
        (3, failed("message-1"))
    );
    let fifo = json!({"batchItemFailures": [{"itemIdentifier": "message-1"}, {"itemIdentifier": "message-2"}]});
    assert_eq!(
        count(&fixtures::sqs_fifo(&["a", "b", "c"]), EventType::Sqs),
        (2, fifo)
    );
    assert_eq!(
        count(
            &fixtures::kinesis(&[b"a", b"b", b"c"]),
            EventType::KinesisDataStreams
        ),
        (3, failed("2"))
    );
    let images = [
        json!({"id": {"S": "1"}}),
        json!({"id": {"S": "2"}}),
        json!({"id": {"S": "3"}}),
    ];
    assert_eq!(
        count(
            &fixtures::dynamodb_stream(&images),
            EventType::DynamoDbStreams
        ),
        (3, failed("2"))
    );
    assert_eq!(fixtures::sns(&["hi"])["Records"][0]["Sns"]["Message"], "hi");
    assert_eq!(
        fixtures::eventbridge("shop", "Created", json!({}))["detail-type"],
        "Created"
    );
}

#[test]
fn the_emf_assertion_finds_a_metric_and_fails_on_a_missing_one() {
    let (mut metrics, capture) = assert::metrics("Shop", Some("items"));
    metrics
        .add_metric("ItemsCreated", Unit::Count, 1.0)
        .unwrap();
    drop(metrics);
    let blob = assert::emf_metric(&capture.lines(), "ItemsCreated", 1.0, "Count");
    assert_eq!(blob["service"], "items");
    let lines = capture.lines();
    let missing = std::panic::catch_unwind(|| assert::emf_metric(&lines, "Other", 1.0, "Count"));
    assert!(missing.is_err());
    let wrong_unit =
        std::panic::catch_unwind(|| assert::emf_metric(&lines, "ItemsCreated", 1.0, "Seconds"));
    assert!(wrong_unit.is_err());
}

#[test]
fn the_log_key_assertion_sees_this_invocations_keys() {
    logger::inject_lambda_context(&context().request_id("r-log").build());
    logger::append_key("order_id", "o-1");
    assert::log_keys(&[
        ("order_id", json!("o-1")),
        ("function_request_id", json!("r-log")),
    ]);
    let other = std::thread::spawn(|| {
        std::panic::catch_unwind(|| assert::log_keys(&[("order_id", json!("o-1"))])).is_err()
    });
    assert!(other.join().unwrap(), "another thread has no keys");
}
