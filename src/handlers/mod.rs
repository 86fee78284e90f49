//! The handler table: every function this binary can serve, by the name
//! `_HANDLER` (serverless.yml's `handler:`, template.yaml's `Handler:`)
//! selects it with.
//!
//! Adding a handler is one file in this folder exporting
//! `pub fn handle(event: T, ctx: &Context) -> Result<U, HandlerError>`, where
//! `T` is any type serde can deserialize (`serde_json::Value`, or a struct
//! of yours with `#[derive(Deserialize)]`) and `U` any it can serialize (or,
//! streaming, `pub fn handle(event: T, ctx: &Context, out: &mut dyn
//! ResponseStream) -> Result<(), HandlerError>`), and one line below; a
//! module that keeps something to flush when Lambda shuts the environment
//! down also exports `pub fn shutdown(shutdown: &Shutdown)` and says `with
//! shutdown` on its line. A durable handler (the `durable` feature,
//! docs/durable.md) takes `&DurableContext` and says `as durable`. A line
//! may carry any `#[cfg(...)]`. Deleting one
//! is its file, its line, and its entries in serverless.yml and
//! template.yaml.

lambda_bootstrap::handler_table! {
    #[cfg(feature = "durable")]
    "durableorder" => durableorder as durable,
    "httpevent" => httpevent,
    #[cfg(feature = "items")]
    "items" => items,
    #[cfg(feature = "aws")]
    "orders" => orders,
    "scheduleevent" => scheduleevent with shutdown,
    "snsevent" => snsevent,
    "sqsevent" => sqsevent,
    "streamevent" => streamevent as streaming,
}
