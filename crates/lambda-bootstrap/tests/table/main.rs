//! `handler_table!` as a function crate writes it: every line kind, a
//! `cfg` of any predicate on a line, and handler modules without docs in a
//! crate that denies missing docs.

#![deny(missing_docs)]

/// The table, public as in a library crate, so that `missing_docs` looks at
/// it.
pub mod handlers {
    lambda_bootstrap::handler_table! {
        "plain" => plain,
        "streamed" => streamed as streaming,
        "hooked" => plain_hooked with shutdown,
        #[cfg(feature = "events")]
        "featured" => featured,
        #[cfg(all(feature = "aws", feature = "events"))]
        "both" => both,
        #[cfg(any())]
        "never" => never,
    }
}

use handlers::HANDLERS;
use lambda_bootstrap::Handler;

fn entry(name: &str) -> &'static lambda_bootstrap::Entry {
    HANDLERS
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the table"))
}

#[test]
fn every_line_is_in_the_table_in_its_order() {
    let names: Vec<&str> = HANDLERS.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        ["plain", "streamed", "hooked", "featured", "both", "never"]
    );
    assert!(matches!(entry("plain").handler, Handler::Buffered(_)));
    assert!(matches!(entry("streamed").handler, Handler::Streaming(_)));
    assert!(entry("plain").shutdown.is_none());
    assert!(entry("hooked").shutdown.is_some());
}

#[test]
fn a_line_built_without_its_predicate_says_what_it_needs() {
    assert_eq!(
        entry("featured").needs_feature,
        (!cfg!(feature = "events")).then_some("events")
    );
    assert_eq!(
        entry("both").needs_feature,
        (!cfg!(all(feature = "aws", feature = "events")))
            .then_some(r#"cfg(all(feature = "aws", feature = "events"))"#)
    );
    assert_eq!(entry("never").needs_feature, Some("cfg(any())"));
}

#[test]
fn a_buffered_line_runs_its_module_s_handle() {
    let Handler::Buffered(run) = entry("plain").handler else {
        unreachable!()
    };
    let ctx = lambda_bootstrap::Context::local("r", Default::default());
    assert_eq!(run(br#"{"n": 2}"#, &ctx).unwrap(), br#"{"n":3}"#);
}

#[test]
fn asking_for_a_line_built_without_its_predicate_says_which() {
    let err = lambda_bootstrap::handler::find(HANDLERS, Some("never"))
        .err()
        .unwrap();
    assert!(
        err.to_string().starts_with(
            "handler 'never' is built only where `cfg(any())` holds, which it did not for this \
             binary (known handlers: plain, streamed, hooked"
        ),
        "{err}"
    );
}
