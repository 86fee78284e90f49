//! The router against the recorded events of its four sources (API
//! Gateway REST and HTTP APIs, a Function URL, an ALB with and without
//! multi-value headers), checking the answer each source takes: routing,
//! typed parameters, 404 and 405, `body_as`'s 400s, CORS.

use lambda_bootstrap::http::HttpResponse;
use lambda_bootstrap::router::{Cors, Request, Route, RouteError, Router, Source};
use lambda_bootstrap::{Context, HandlerError};
use serde::Deserialize;
use serde_json::{Value, json};

static ROUTER: Router = Router::new(&[
    Route::get("/hello", hello),
    Route::post("/greet", greet),
    Route::get("/items/{id}", get_item),
    Route::post("/items", create_item),
    Route::post("/items/{id}", update_item),
    Route::get("/fail", fail),
])
.cors(Cors::origins(&["https://app.example.com"]).max_age(600));

fn source_name(req: &Request<'_>) -> &'static str {
    match req.source() {
        Source::RestApi => "rest",
        Source::HttpApi => "http",
        Source::FunctionUrl => "url",
        Source::Alb => "alb",
    }
}

fn hello(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let name: Option<String> = req.query("hello")?;
    let tags: Vec<String> = req.query_all("tag")?;
    Ok(HttpResponse::new(200)
        .json(&json!({"hello": name, "tags": tags, "source": source_name(req)})))
}

fn greet(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let name = req.http().body_text()?;
    Ok(HttpResponse::new(200).text(format!("hello {name} via {}", source_name(req))))
}

fn get_item(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let id: String = req.param("id")?;
    let limit: Option<u32> = req.query("limit")?;
    let name: Option<String> = req.query("name")?;
    Ok(HttpResponse::new(200)
        .json(&json!({"id": id, "limit": limit, "name": name, "source": source_name(req)})))
}

#[derive(Deserialize)]
struct NewItem {
    id: String,
    name: String,
    price: f64,
}

fn create_item(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let item: NewItem = req.body_as()?;
    let tags: Vec<String> = req.query_all("tag")?;
    Ok(HttpResponse::new(201)
        .header("Location", format!("/items/{}", item.id))
        .cookie("a=1")
        .cookie("b=2")
        .json(&json!({"id": item.id, "name": item.name, "price": item.price, "tags": tags})))
}

#[derive(Deserialize)]
struct Update {
    #[allow(dead_code)]
    name: String,
    qty: u32,
}

fn update_item(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let id: u64 = req.param("id")?;
    let update: Update = req.body_as()?;
    Ok(HttpResponse::new(200).json(&json!({"id": id, "qty": update.qty})))
}

fn fail(_req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
    let n: u8 = "x".parse()?;
    Ok(HttpResponse::new(200).text(n.to_string()))
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn answer(event: &Value) -> Value {
    let ctx = Context::local("r", Default::default());
    ROUTER
        .handle(event, &ctx)
        .unwrap_or_else(|e| panic!("{}: {}", e.error_type(), e.message()))
}

/// The answer's status and its body as JSON (or as a string when it is not).
fn check(event: &Value, status: u16, body: Value) -> Value {
    let answer = answer(event);
    assert_eq!(answer["statusCode"], status, "{answer}");
    let text = answer["body"].as_str().unwrap();
    let got = serde_json::from_str(text).unwrap_or_else(|_| Value::from(text));
    assert_eq!(got, body, "{answer}");
    answer
}

/// A 2.0 (HTTP API) event.
fn v2(method: &str, path: &str, body: Option<&str>) -> Value {
    let mut event = fixture("apigw-http-get.json");
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!("");
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(path);
    if let Some(body) = body {
        event["body"] = json!(body);
        event["isBase64Encoded"] = json!(false);
    }
    event
}

#[test]
fn a_rest_api_event_routes_and_gets_a_payload_1_answer() {
    let answer = check(
        &fixture("apigw-rest-get-query.json"),
        200,
        json!({"hello": "Alice", "tags": ["a", "b"], "source": "rest"}),
    );
    assert!(answer.get("multiValueHeaders").is_some(), "{answer}");
    assert!(answer.get("cookies").is_none(), "{answer}");

    let answer = check(
        &fixture("apigw-rest-post-base64.json"),
        200,
        json!({"id": 42, "qty": 3}),
    );
    assert_eq!(answer["headers"]["Content-Type"], "application/json");
}

#[test]
fn an_http_api_event_routes_and_gets_a_payload_2_answer() {
    let answer = check(
        &fixture("apigw-http-get.json"),
        200,
        json!({"hello": "Bob", "tags": [], "source": "http"}),
    );
    assert_eq!(answer["cookies"], json!([]), "{answer}");
    assert!(answer.get("multiValueHeaders").is_none(), "{answer}");
    check(
        &fixture("apigw-http-cookies.json"),
        200,
        json!({"hello": "Carol Ann", "tags": ["a", "b,c"], "source": "http"}),
    );
}

#[test]
fn an_http_api_on_a_named_stage_routes_without_the_stage() {
    let mut event = v2("GET", "/prod/items/7", None);
    event["requestContext"]["stage"] = json!("prod");
    check(
        &event,
        200,
        json!({"id": "7", "limit": null, "name": null, "source": "http"}),
    );
}

#[test]
fn a_function_url_event_is_told_from_an_http_api() {
    check(
        &fixture("function-url.json"),
        200,
        json!("hello Dave via url"),
    );
}

#[test]
fn an_alb_event_gets_decoded_query_values_and_an_alb_answer() {
    let answer = check(
        &fixture("alb-get.json"),
        200,
        json!({"id": "a/b", "limit": 10, "name": "Ada Lovelace", "source": "alb"}),
    );
    assert_eq!(answer["statusDescription"], "200 OK");
    assert!(answer.get("multiValueHeaders").is_none(), "{answer}");
    assert_eq!(answer["headers"]["Content-Type"], "application/json");
    // The fixture's Origin is allowed.
    assert_eq!(
        answer["headers"]["Access-Control-Allow-Origin"],
        "https://app.example.com"
    );
    assert_eq!(answer["headers"]["Vary"], "Origin");

    // A target group with multi-value headers on gets them back, all of them.
    let answer = check(
        &fixture("alb-multi-value-post.json"),
        201,
        json!({"id": "a1", "name": "widget", "price": 2.5, "tags": ["a", "b,c"]}),
    );
    assert_eq!(answer["statusDescription"], "201 Created");
    assert!(answer.get("headers").is_none(), "{answer}");
    let multi = &answer["multiValueHeaders"];
    assert_eq!(multi["Location"], json!(["/items/a1"]), "{answer}");
    assert_eq!(multi["Set-Cookie"], json!(["a=1", "b=2"]), "{answer}");
    assert_eq!(
        multi["Content-Type"],
        json!(["application/json"]),
        "{answer}"
    );
}

#[test]
fn unknown_paths_are_404_and_other_methods_405_with_allow() {
    let not_found = json!({"statusCode": 404, "message": "Not found"});
    check(&v2("GET", "/nothing", None), 404, not_found.clone());
    check(&v2("GET", "/items/1/2", None), 404, not_found);
    let answer = check(
        &v2("DELETE", "/items/7", None),
        405,
        json!({"statusCode": 405, "message": "Method not allowed"}),
    );
    assert_eq!(answer["headers"]["Allow"], "GET, POST", "{answer}");
    let mut alb = fixture("alb-get.json");
    alb["httpMethod"] = json!("PUT");
    let answer = check(
        &alb,
        405,
        json!({"statusCode": 405, "message": "Method not allowed"}),
    );
    assert_eq!(answer["statusDescription"], "405 Method Not Allowed");
    assert_eq!(answer["headers"]["Allow"], "GET, POST");
}

#[test]
fn typed_parameters_that_do_not_parse_are_400s_naming_them() {
    let event = v2("POST", "/items/x7", Some(r#"{"name": "a", "qty": 1}"#));
    check(
        &event,
        400,
        json!({"statusCode": 400, "message": "path parameter 'id': invalid digit found in string"}),
    );
    let mut alb = fixture("alb-get.json");
    alb["queryStringParameters"]["limit"] = json!("ten");
    check(
        &alb,
        400,
        json!({"statusCode": 400, "message": "query parameter 'limit': invalid digit found in string"}),
    );
}

#[test]
fn a_body_that_does_not_fit_is_a_400_naming_the_json_path() {
    let bad = |body: &str, message: &str| {
        check(
            &v2("POST", "/items", Some(body)),
            400,
            json!({"statusCode": 400, "message": message}),
        );
    };
    bad(
        r#"{"id": "a", "price": 1}"#,
        "invalid body: missing field `name`",
    );
    bad(
        r#"{"id": "a", "name": "n", "price": "12"}"#,
        r#"invalid body: price: invalid type: string "12", expected f64"#,
    );
    bad("", "invalid body: not JSON: EOF while parsing a value");
    bad(
        "{\"id\": ",
        "invalid body: not JSON: EOF while parsing a value",
    );
    // What a message quotes of the body is cut short.
    let long = "x".repeat(10_000);
    let answer = answer(&v2(
        "POST",
        "/items",
        Some(&format!(r#"{{"id": "a", "name": "n", "price": "{long}"}}"#)),
    ));
    assert_eq!(answer["statusCode"], 400);
    assert!(answer["body"].as_str().unwrap().len() < 300, "{answer}");
}

#[test]
fn cors_preflights_are_answered_and_unknown_origins_get_no_cors_headers() {
    let mut event = v2("OPTIONS", "/items/7", None);
    event["headers"]["origin"] = json!("https://app.example.com");
    event["headers"]["access-control-request-method"] = json!("GET");
    let answer = answer(&event);
    assert_eq!(answer["statusCode"], 204, "{answer}");
    let headers = &answer["headers"];
    assert_eq!(
        headers["Access-Control-Allow-Origin"],
        "https://app.example.com"
    );
    assert_eq!(headers["Access-Control-Allow-Methods"], "GET,POST,OPTIONS");
    assert_eq!(
        headers["Access-Control-Allow-Headers"],
        "Authorization,Content-Type,X-Amz-Date,X-Api-Key,X-Amz-Security-Token"
    );
    assert_eq!(headers["Access-Control-Max-Age"], "600");

    event["headers"]["origin"] = json!("https://evil.example.com");
    let answer = self::answer(&event);
    assert_eq!(answer["statusCode"], 204, "{answer}");
    assert!(
        answer["headers"]
            .get("Access-Control-Allow-Origin")
            .is_none(),
        "{answer}"
    );

    // Any origin: `*`, on answers too.
    static OPEN: Router = Router::new(&[Route::get("/hello", hello)]).cors(Cors::any());
    let ctx = Context::local("r", Default::default());
    let answer = OPEN.handle(&fixture("apigw-http-get.json"), &ctx).unwrap();
    assert_eq!(answer["headers"]["Access-Control-Allow-Origin"], "*");
}

#[test]
fn a_route_failure_and_a_non_http_event_are_the_handlers_errors() {
    let ctx = Context::local("r", Default::default());
    let err: HandlerError = ROUTER.handle(&v2("GET", "/fail", None), &ctx).unwrap_err();
    assert_eq!(err.error_type(), "core::num::error::ParseIntError");
    let err = ROUTER
        .handle(&fixture("sqs-orders.json"), &ctx)
        .unwrap_err();
    assert_eq!(err.error_type(), "NotHttpEvent");
    assert_eq!(
        err.message(),
        "not an API Gateway event: no 'httpMethod' or 'requestContext.http.method'"
    );
}
