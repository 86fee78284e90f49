//! The handler table: every function this binary can serve, by the name
//! `_HANDLER` (serverless.yml's `handler:`) selects it with.
//!
//! Adding a handler is one file in this folder exporting
//! `pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError>`
//! (or, streaming, `pub fn handle(event: Value, ctx: &Context, out: &mut dyn
//! ResponseStream) -> Result<(), HandlerError>`) and one line in the table
//! below. Handlers never touch HTTP or ureq.

use crate::handler::Handler;

/// Declares each handler's module and lists it in `HANDLERS`, so a new
/// handler is exactly one line here: `"name" => module,` for a buffered
/// handler, `"name" => module as streaming,` for a streaming one.
macro_rules! handler_table {
    ($($name:literal => $module:ident $(as $kind:ident)?,)*) => {
        $(mod $module;)*

        /// Every handler, by name, in the order errors list them.
        pub static HANDLERS: &[(&str, Handler)] =
            &[$(($name, handler_table!(@kind $module $($kind)?)),)*];
    };
    (@kind $module:ident) => { Handler::Buffered($module::handle) };
    (@kind $module:ident streaming) => { Handler::Streaming($module::handle) };
}

handler_table! {
    "httpevent" => httpevent,
    "scheduleevent" => scheduleevent,
    "snsevent" => snsevent,
    "streamevent" => streamevent as streaming,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::find;

    #[test]
    fn names_are_unique_and_found() {
        for (i, (name, _)) in HANDLERS.iter().enumerate() {
            assert!(find(HANDLERS, Some(name)).is_ok(), "{name}");
            assert!(
                !HANDLERS[..i].iter().any(|(n, _)| n == name),
                "{name} twice"
            );
        }
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = find(HANDLERS, Some("htpevent")).err().unwrap();
        let names: Vec<&str> = HANDLERS.iter().map(|(name, _)| *name).collect();
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
