//! The handler table: every function this binary can serve, by the name
//! `_HANDLER` (serverless.yml's `handler:`) selects it with.
//!
//! Adding a handler is one file in this folder exporting
//! `pub fn handle(event: T, ctx: &Context) -> Result<U, HandlerError>`, where
//! `T` is any type serde can deserialize (`serde_json::Value`, or a struct
//! of yours with `#[derive(Deserialize)]`) and `U` any it can serialize (or,
//! streaming, `pub fn handle(event: T, ctx: &Context, out: &mut dyn
//! ResponseStream) -> Result<(), HandlerError>`), and one line in the table
//! below (the types are read off the function); a module that keeps something to flush when Lambda shuts the
//! environment down also exports `pub fn shutdown(shutdown: &Shutdown)`
//! and says `with shutdown` on its line. Handlers never touch the Runtime
//! API.

use crate::handler::Entry;

/// Declares each handler's module and lists it in `HANDLERS`, so a new
/// handler is exactly one line here: `"name" => module,` for a buffered
/// handler, `"name" => module as streaming,` for a streaming one; either
/// followed by `with shutdown` when the module has a shutdown hook,
/// `pub fn shutdown(shutdown: &Shutdown)`. A handler that needs a cargo
/// feature has `#[cfg(feature = "NAME")]` before its line: built without
/// the feature, the name stays in the table, and asking for it is an init
/// error that says what to build.
macro_rules! handler_table {
    ($($(#[cfg(feature = $feature:literal)])? $name:literal => $module:ident $(as $kind:ident)? $(with $hook:ident)?,)*) => {
        // Public, so that a benchmark or a test outside the crate can call
        // a handler as it is written (`handlers::httpevent::handle`).
        $($(#[cfg(feature = $feature)])? pub mod $module;)*

        /// Every handler, by name, in the order errors list them.
        pub static HANDLERS: &[Entry] = &[$(
            $(#[cfg(feature = $feature)])? Entry {
                name: $name,
                handler: handler_table!(@kind $module $($kind)?),
                shutdown: handler_table!(@hook $module $($hook)?),
                needs_feature: None,
            },
            $(#[cfg(not(feature = $feature))] Entry::unbuilt($name, $feature),)?
        )*];
    };
    (@kind $module:ident) => { crate::buffered!($module::handle) };
    (@kind $module:ident streaming) => { crate::streaming!($module::handle) };
    (@hook $module:ident) => { None };
    (@hook $module:ident $hook:ident) => { Some($module::$hook) };
}

handler_table! {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::find;

    #[test]
    fn names_are_unique_and_found() {
        for (i, entry) in HANDLERS.iter().enumerate() {
            let name = entry.name;
            // Found, unless built without the feature it needs.
            assert_eq!(
                find(HANDLERS, Some(name)).is_ok(),
                entry.needs_feature.is_none(),
                "{name}"
            );
            assert!(
                !HANDLERS[..i].iter().any(|e| e.name == name),
                "{name} twice"
            );
        }
    }

    #[cfg(not(feature = "aws"))]
    #[test]
    fn a_handler_built_without_its_feature_says_which() {
        let err = find(HANDLERS, Some("orders")).err().unwrap();
        assert_eq!(err.needs_feature, Some("aws"));
        assert!(!err.known.contains(&"orders"), "{:?}", err.known);
        assert!(
            err.to_string().starts_with(
                "handler 'orders' needs the cargo feature 'aws', which this binary was built \
                 without: build it with `./build.sh --features aws` (known handlers: "
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = find(HANDLERS, Some("htpevent")).err().unwrap();
        let names: Vec<&str> = HANDLERS
            .iter()
            .filter(|entry| entry.needs_feature.is_none())
            .map(|entry| entry.name)
            .collect();
        assert_eq!(
            err.to_string(),
            format!(
                "unknown handler 'htpevent' (known handlers: {})",
                names.join(", ")
            )
        );
        let err = find(HANDLERS, None).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("no handler named: _HANDLER is not set")
        );
    }
}
