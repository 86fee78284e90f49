//! An HTTP router for API Gateway REST APIs (payload 1.0), HTTP APIs (2.0),
//! Function URLs and Application Load Balancers (the cargo feature
//! `router`): Powertools' event handler, as one table a handler reads top
//! to bottom, with no macro.
//!
//! ```
//! use lambda_bootstrap::http::HttpResponse;
//! use lambda_bootstrap::router::{Cors, Request, Route, RouteError, Router};
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde::Deserialize;
//! use serde_json::{Value, json};
//!
//! static ROUTER: Router = Router::new(&[
//!     Route::get("/items/{id}", get_item),
//!     Route::post("/items", create_item),
//! ])
//! .cors(Cors::any());
//!
//! pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
//!     ROUTER.handle(&event, ctx)
//! }
//!
//! fn get_item(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
//!     let id: u64 = req.param("id")?; // not a number: 400 naming 'id'
//!     let verbose: Option<bool> = req.query("verbose")?;
//!     Ok(HttpResponse::new(200).json(&json!({"id": id, "verbose": verbose})))
//! }
//!
//! #[derive(Deserialize)]
//! struct NewItem {
//!     name: String,
//! }
//!
//! fn create_item(req: &Request<'_>, _ctx: &Context) -> Result<HttpResponse, RouteError> {
//!     let item: NewItem = req.body_as()?; // 400 naming the JSON path
//!     Ok(HttpResponse::new(201).json(&json!({"name": item.name})))
//! }
//! # let ctx = Context::local("r", Default::default());
//! # let event = json!({"version": "2.0", "rawPath": "/items/7", "rawQueryString": "verbose=true",
//! #     "requestContext": {"http": {"method": "GET", "path": "/items/7"}}});
//! # assert_eq!(handle(event, &ctx).unwrap()["body"], r#"{"id":7,"verbose":true}"#);
//! ```
//!
//! Routes are tried in the table's order; the first whose pattern and
//! method match runs. A path no pattern matches is a 404; a path some
//! pattern matches with another method is a 405 with `Allow`. With CORS, a
//! preflight is answered for every path a route matches, and every answer
//! carries the CORS headers.
//!
//! Cut one concept per file: [`pattern`] matches paths, [`request`] is
//! what a route reads, [`error`] what it answers instead, [`cors`] the
//! CORS rules; this file holds the table and the dispatch.

pub mod cors;
pub mod error;
pub mod pattern;
pub mod request;

use serde_json::{Map, Value};

pub use cors::Cors;
pub use error::{HttpError, RouteError};
pub use request::{Request, Source};

use crate::context::Context;
use crate::handler::HandlerError;
use crate::http::{HttpRequest, HttpResponse, PayloadVersion};

/// A route's function: the request and the invocation's context in, the
/// response (or why not) out.
pub type RouteFn = fn(&Request<'_>, &Context) -> Result<HttpResponse, RouteError>;

/// One line of a router's table: a method, a pattern and the function
/// that answers it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    method: &'static str,
    pattern: &'static str,
    function: RouteFn,
}

impl Route {
    /// `function` answers `method` (as API Gateway spells it, `GET`; `*`
    /// for any) on paths `pattern` matches (`/items/{id}`, `/files/{path+}`).
    pub const fn new(method: &'static str, pattern: &'static str, function: RouteFn) -> Route {
        Route {
            method,
            pattern,
            function,
        }
    }

    /// A `GET` route.
    pub const fn get(pattern: &'static str, function: RouteFn) -> Route {
        Route::new("GET", pattern, function)
    }

    /// A `POST` route.
    pub const fn post(pattern: &'static str, function: RouteFn) -> Route {
        Route::new("POST", pattern, function)
    }

    /// A `PUT` route.
    pub const fn put(pattern: &'static str, function: RouteFn) -> Route {
        Route::new("PUT", pattern, function)
    }

    /// A `PATCH` route.
    pub const fn patch(pattern: &'static str, function: RouteFn) -> Route {
        Route::new("PATCH", pattern, function)
    }

    /// A `DELETE` route.
    pub const fn delete(pattern: &'static str, function: RouteFn) -> Route {
        Route::new("DELETE", pattern, function)
    }

    /// A route for every method.
    pub const fn any(pattern: &'static str, function: RouteFn) -> Route {
        Route::new("*", pattern, function)
    }
}

/// A handler's routes, and its CORS rules; `const`, so that it is a
/// `static` made at compile time.
#[derive(Debug, Clone, Copy)]
pub struct Router {
    routes: &'static [Route],
    cors: Option<Cors>,
}

impl Router {
    /// A router trying `routes` in order, without CORS.
    pub const fn new(routes: &'static [Route]) -> Router {
        Router { routes, cors: None }
    }

    /// The router with CORS answered and added by `cors`'s rules.
    pub const fn cors(mut self, cors: Cors) -> Router {
        self.cors = Some(cors);
        self
    }

    /// Answers `event`, an API Gateway, Function URL or ALB event, in the
    /// shape its source expects. An event of another kind, a route's
    /// failure and a response HTTP cannot carry are the handler's error.
    pub fn handle(&self, event: &Value, ctx: &Context) -> Result<Value, HandlerError> {
        let http = HttpRequest::parse(event)
            .map_err(|e| HandlerError::new("NotHttpEvent", e.to_string()))?;
        let source = source_of(event, &http);
        let path = route_path(event, &http);
        let origin = http.header("origin");
        let response = match self.dispatch(http, source, path, ctx) {
            Ok(response) | Err(RouteError::Answer(response)) => response,
            Err(RouteError::Failure(e)) => return Err(e),
        };
        let response = match &self.cors {
            Some(cors) => cors.decorate(origin, response),
            None => response,
        };
        shape(response, source, event)
    }

    fn dispatch<'a>(
        &self,
        http: HttpRequest<'a>,
        source: Source,
        path: &'a str,
        ctx: &Context,
    ) -> Result<HttpResponse, RouteError> {
        let method = http.method();
        let mut allowed: Vec<&'static str> = Vec::new();
        for route in self.routes {
            let Some(params) = pattern::matches(route.pattern, path) else {
                continue;
            };
            if route.method == "*" || route.method.eq_ignore_ascii_case(method) {
                let request = Request::new(http, source, path, params);
                return (route.function)(&request, ctx);
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method);
            }
        }
        if allowed.is_empty() {
            return Err(HttpError::not_found("Not found").into());
        }
        if let Some(cors) = &self.cors {
            if method.eq_ignore_ascii_case("OPTIONS")
                && http.header("access-control-request-method").is_some()
            {
                return Ok(cors.preflight(http.header("origin"), &allowed));
            }
        }
        let RouteError::Answer(response) =
            RouteError::from(HttpError::new(405, "Method not allowed"))
        else {
            unreachable!("an HttpError is an answer")
        };
        Err(response.header("Allow", allowed.join(", ")).into())
    }
}

fn source_of(event: &Value, http: &HttpRequest<'_>) -> Source {
    let context = &event["requestContext"];
    if context.get("elb").is_some() {
        return Source::Alb;
    }
    match http.payload_version() {
        PayloadVersion::V1 => Source::RestApi,
        PayloadVersion::V2 => {
            let domain = context["domainName"].as_str().unwrap_or_default();
            if domain.contains(".lambda-url.") {
                Source::FunctionUrl
            } else {
                Source::HttpApi
            }
        }
    }
}

/// The path to route: an HTTP API on a named stage puts the stage first
/// in `rawPath` (`/prod/items`), which the routes do not name.
fn route_path<'a>(event: &'a Value, http: &HttpRequest<'a>) -> &'a str {
    let path = http.path();
    if http.payload_version() != PayloadVersion::V2 {
        return path;
    }
    let Some(stage) = event["requestContext"]["stage"].as_str() else {
        return path;
    };
    if stage.is_empty() || stage == "$default" {
        return path;
    }
    match path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

/// `response` as `source` takes it. An ALB answers in `multiValueHeaders`
/// when its target group has them on (its events then carry them) and in
/// `headers` otherwise, and wants a `statusDescription`.
fn shape(response: HttpResponse, source: Source, event: &Value) -> Result<Value, HandlerError> {
    let version = match source {
        Source::HttpApi | Source::FunctionUrl => PayloadVersion::V2,
        Source::RestApi | Source::Alb => PayloadVersion::V1,
    };
    let mut answer = response.into_value(version)?;
    if source != Source::Alb {
        return Ok(answer);
    }
    let Value::Object(map) = &mut answer else {
        unreachable!("into_value makes an object")
    };
    let status = map["statusCode"].as_u64().unwrap_or_default();
    map.insert(
        "statusDescription".to_string(),
        Value::from(
            format!("{status} {}", reason(status))
                .trim_end()
                .to_string(),
        ),
    );
    let single = take_object(map, "headers");
    let mut multi = take_object(map, "multiValueHeaders");
    if event.get("multiValueHeaders").is_some() {
        for (name, value) in single {
            multi.insert(name, Value::Array(vec![value]));
        }
        map.insert("multiValueHeaders".to_string(), Value::Object(multi));
    } else {
        // Single-value target groups take one value a name: the first.
        let mut single = single;
        for (name, values) in multi {
            if let Some(first) = values.as_array().and_then(|v| v.first()) {
                single.insert(name, first.clone());
            }
        }
        map.insert("headers".to_string(), Value::Object(single));
    }
    Ok(answer)
}

fn take_object(map: &mut Map<String, Value>, key: &str) -> Map<String, Value> {
    match map.remove(key) {
        Some(Value::Object(inner)) => inner,
        _ => Map::new(),
    }
}

/// The reason phrase of the statuses a router commonly answers.
fn reason(status: u64) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}
