//! Assertions on what a handler produced: its EMF lines (with the
//! `metrics` feature) and its log keys (with the `logger` feature). Each
//! panics with what it found, as `assert_eq!` does.

#[cfg(feature = "metrics")]
use crate::metrics::{Capture, Config, Metrics, Output, spec};
#[cfg(any(feature = "metrics", feature = "logger"))]
use serde_json::Value;

/// Metrics for a test: namespace `namespace`, `service` dimension
/// `service`, written into the returned [`Capture`] instead of stdout.
#[cfg(feature = "metrics")]
pub fn metrics(namespace: &str, service: Option<&str>) -> (Metrics, Capture) {
    let config = Config {
        namespace: Some(namespace.to_string()),
        service: service.map(str::to_string),
        function_name: Some("test-function".to_string()),
        disabled: false,
    };
    let capture = Capture::default();
    (
        Metrics::with(config, Output::Capture(capture.clone())),
        capture,
    )
}

/// Checks every line of `lines` against EMF's specification, and that
/// exactly one holds metric `name` with `value` (one value) in `unit`
/// (EMF's spelling, `Count`); that blob, parsed.
#[cfg(feature = "metrics")]
pub fn emf_metric(lines: &[String], name: &str, value: f64, unit: &str) -> Value {
    let blobs: Vec<Value> = lines
        .iter()
        .map(|line| spec::check(line).unwrap_or_else(|e| panic!("not EMF ({e}): {line}")))
        .collect();
    let with: Vec<&Value> = blobs.iter().filter(|b| b.get(name).is_some()).collect();
    let [blob] = with.as_slice() else {
        panic!("{} blobs hold metric '{name}': {lines:?}", with.len());
    };
    assert_eq!(blob[name].as_f64(), Some(value), "metric '{name}': {blob}");
    let definitions = blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .expect("checked by spec::check");
    let definition = definitions
        .iter()
        .find(|d| d["Name"] == name)
        .unwrap_or_else(|| panic!("metric '{name}' has no definition: {blob}"));
    assert_eq!(definition["Unit"], unit, "metric '{name}': {blob}");
    (*blob).clone()
}

/// Asserts that the current invocation's log keys hold each of `expected`.
#[cfg(feature = "logger")]
pub fn log_keys(expected: &[(&str, Value)]) {
    let keys = crate::logger::current_keys();
    for (key, value) in expected {
        assert_eq!(keys.get(*key), Some(value), "log key '{key}' in {keys:?}");
    }
}
