//! The handler table's macro, [`handler_table!`](crate::handler_table): the
//! one line per handler a function crate writes in its `src/handlers/mod.rs`.
//! The table is the user's file; the macro that reads it is the runtime's,
//! so that a change to how a table is built reaches a function by a
//! dependency update, not by an edit of its file.

/// Declares each handler's module and lists it in a `pub static HANDLERS`,
/// the table [`run`](crate::run) serves. Written in a function crate's
/// `src/handlers/mod.rs`, one line per handler, each module a file beside
/// it:
///
/// ```ignore
/// lambda_bootstrap::handler_table! {
///     "hello" => hello,                              // buffered
///     "report" => report as streaming,               // streaming
///     "audit" => audit with shutdown,                // with a shutdown hook
///     #[cfg(feature = "aws")]
///     "orders" => orders,                            // only with a feature
///     #[cfg(all(feature = "aws", feature = "events"))]
///     "ingest" => ingest as streaming with shutdown, // any cfg predicate
/// }
/// ```
///
/// - `"name" => module,`: `module::handle`, a buffered handler
///   (`fn(T, &Context) -> Result<U, HandlerError>`);
/// - `as streaming`: a streaming one (`fn(T, &Context, &mut dyn
///   ResponseStream) -> Result<(), HandlerError>`);
/// - `with shutdown`: the module also exports `pub fn shutdown(shutdown:
///   &Shutdown)` (the name after `with`), run once when Lambda shuts the environment down.
///
/// A line may carry one `#[cfg(...)]` with any predicate. Built without it,
/// the module is not compiled, but the name stays in the table: asking for
/// it is an init error that says what to build (`--features aws` for a
/// `feature = "..."` predicate, the predicate itself otherwise).
///
/// The modules are `pub` (a test or a benchmark may call
/// `handlers::hello::handle` as written) and exempt from `missing_docs`: a
/// handler is the user's code, documented as they choose.
#[macro_export]
macro_rules! handler_table {
    (@kind $module:ident) => { $crate::buffered!($module::handle) };
    (@kind $module:ident streaming) => { $crate::streaming!($module::handle) };
    (@kind $module:ident durable) => { $crate::durable!($module::handle) };
    (@hook $module:ident [$entry:expr]) => { $entry };
    (@hook $module:ident $hook:ident [$entry:expr]) => { $entry.with_shutdown($module::$hook) };
    (@needs feature = $feature:literal) => { $feature };
    (@needs $($predicate:tt)+) => { concat!("cfg(", stringify!($($predicate)+), ")") };
    ($($(#[cfg($($predicate:tt)+)])? $name:literal => $module:ident $(as $kind:ident)? $(with $hook:ident)?,)*) => {
        $(
            $(#[cfg($($predicate)+)])?
            #[allow(missing_docs)]
            pub mod $module;
        )*

        /// Every handler, by name, in the order errors list them.
        pub static HANDLERS: $crate::Table = &[$(
            $(#[cfg($($predicate)+)])?
            $crate::handler_table!(@hook $module $($hook)? [$crate::Entry::new(
                $name,
                $crate::handler_table!(@kind $module $($kind)?),
            )]),
            $(
                #[cfg(not($($predicate)+))]
                $crate::Entry::unbuilt($name, $crate::handler_table!(@needs $($predicate)+)),
            )?
        )*];
    };
}
