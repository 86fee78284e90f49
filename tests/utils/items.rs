//! `items` end to end: the real `bootstrap` (built with the `items`
//! feature) answers HTTP API events from the fake Runtime API, storing in
//! moto's DynamoDB; the test checks each answer, what the table holds,
//! and the EMF lines on stdout.

use lambda_bootstrap::aws;
use lambda_bootstrap::metrics::spec;
use serde_json::{Value, json};

use crate::bootstrap;
use crate::runtime_api::{Event, FakeApi, Next, answered_id, finish};
use crate::support::{context, create_table, moto, moto_client, unique};

/// An HTTP API (payload 2.0) event for `method path` with `body`.
fn http(id: &str, method: &str, path: &str, body: Option<&str>) -> Next {
    let fixture = format!(
        "{}/tests/data/apigw-http-get.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!("");
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(path);
    event["routeKey"] = json!("$default");
    if let Some(body) = body {
        event["body"] = json!(body);
        event["isBase64Encoded"] = json!(false);
    }
    Next::Event(Event::json(id, &event))
}

/// The status and the JSON body of an answer.
fn status_and_body(answer: &Value) -> (u64, Value) {
    let body = answer["body"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    (
        answer["statusCode"].as_u64().unwrap(),
        serde_json::from_str(body).unwrap(),
    )
}

#[test]
fn the_items_contract() {
    let moto = moto();
    let items = unique("items");
    let records = unique("items-idem");
    create_table(&items);
    create_table(&records);
    let widget = r#"{"id": "w1", "name": "widget", "price": 2.5}"#;
    let Next::Event(create) = http("create", "POST", "/items", Some(widget)) else {
        unreachable!()
    };
    let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
    let create = Next::Event(create.header("Lambda-Runtime-Trace-Id", trace));
    let api = FakeApi::start(vec![
        create,
        http("again", "POST", "/items", Some(widget)),
        http("get", "GET", "/items/w1", None),
        http("absent", "GET", "/items/nope", None),
        http(
            "no-name",
            "POST",
            "/items",
            Some(r#"{"id": "w2", "price": 1}"#),
        ),
        http(
            "string-price",
            "POST",
            "/items",
            Some(r#"{"id": "w3", "name": "n", "price": "1"}"#),
        ),
        http("delete", "DELETE", "/items/w1", None),
        http("elsewhere", "GET", "/other", None),
        http(
            "whole",
            "POST",
            "/items",
            Some(r#"{"id": "w4", "name": "gadget", "price": 10}"#),
        ),
    ]);
    let mut cmd = bootstrap(&api, "items");
    cmd.env("ITEMS_TABLE", &items)
        .env("IDEMPOTENCY_TABLE", &records)
        .env("POWERTOOLS_METRICS_NAMESPACE", "ItemsTest")
        .env("POWERTOOLS_SERVICE_NAME", "items-service")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", moto.keys[0].access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", moto.keys[0].secret_access_key());
    let out = finish(cmd);
    let answers: Vec<(String, Value)> = api
        .posts()
        .iter()
        .map(|p| {
            assert!(p.path.ends_with("/response"), "{}: {}", p.path, out.stderr);
            (answered_id(p), p.json())
        })
        .collect();
    let answer = |id: &str| {
        let (_, answer) = answers
            .iter()
            .find(|(i, _)| i == id)
            .unwrap_or_else(|| panic!("no answer for {id}: {}", out.stderr));
        status_and_body(answer)
    };
    let stored = json!({"id": "w1", "name": "widget", "price": 2.5});
    assert_eq!(answer("create"), (201, stored.clone()));
    assert_eq!(answer("again"), (201, stored.clone()));
    assert_eq!(answer("get"), (200, stored));
    assert_eq!(answer("absent").0, 404);
    let (status, body) = answer("no-name");
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("`name`"),
        "{body}"
    );
    let (status, body) = answer("string-price");
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("price: "),
        "{body}"
    );
    assert_eq!(answer("delete").0, 405);
    assert_eq!(answer("elsewhere").0, 404);
    assert_eq!(
        answer("whole"),
        (201, json!({"id": "w4", "name": "gadget", "price": 10}))
    );

    // Stored once each, the price as a number.
    let client = moto_client();
    let ctx = context(30_000);
    let scan = client
        .json(&ctx, &aws::DYNAMODB, "Scan", &json!({"TableName": items}))
        .unwrap();
    assert_eq!(scan["Count"], 2, "{scan}");
    let raw = client
        .json(
            &ctx,
            &aws::DYNAMODB,
            "GetItem",
            &json!({"TableName": items, "Key": {"id": {"S": "w1"}}}),
        )
        .unwrap();
    assert_eq!(raw["Item"]["price"], json!({"N": "2.5"}), "{raw}");

    // The creation's log line carries Powertools' keys and the item's id.
    let created: Vec<Value> = out
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == "item created")
        .collect();
    assert_eq!(created.len(), 2, "{}", out.stderr);
    let first = &created[0];
    assert_eq!(first["function_name"], "test-function", "{first}");
    assert_eq!(first["function_request_id"], "create", "{first}");
    assert_eq!(first["requestId"], "create", "{first}");
    assert_eq!(first["cold_start"], true, "{first}");
    assert_eq!(first["xray_trace_id"], trace, "{first}");
    assert_eq!(first["service"], "items-service", "{first}");
    assert_eq!(first["item_id"], "w1", "{first}");
    assert_eq!(first["function_memory_size"], 128, "{first}");
    let second = &created[1];
    assert_eq!(second["function_request_id"], "whole", "{second}");
    assert_eq!(second["cold_start"], false, "{second}");
    assert_eq!(second["item_id"], "w4", "{second}");
    assert!(second.get("xray_trace_id").is_none(), "{second}");
    // One EMF line per creation, and nothing else on stdout.
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    for line in lines {
        let blob = spec::check(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let directive = &blob["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "ItemsTest", "{line}");
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "ItemsCreated", "Unit": "Count"}]),
            "{line}"
        );
        assert_eq!(directive["Dimensions"], json!([["service"]]), "{line}");
        assert_eq!(blob["ItemsCreated"], 1, "{line}");
        assert_eq!(blob["service"], "items-service", "{line}");
    }
}
