//! Metrics' EMF lines, checked against the specification's rules
//! (`metrics::spec::check`) and for their exact content: the envelope,
//! namespace and service from Powertools' variables, dimensions, units and
//! resolution, the cold start, EMF's limits, no line when nothing was
//! recorded, and one flush per invocation, also for concurrent ones.

use lambda_bootstrap::metrics::{
    Capture, Config, Metrics, MetricsError, Output, Resolution, Unit, spec,
};
use serde_json::{Value, json};

fn config(vars: &[(&str, &str)]) -> Config {
    Config::from_lookup(&|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    })
}

const ENV: &[(&str, &str)] = &[
    ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
    ("POWERTOOLS_SERVICE_NAME", "items"),
    ("AWS_LAMBDA_FUNCTION_NAME", "items-fn"),
];

fn capturing(vars: &[(&str, &str)]) -> (Metrics, Capture) {
    let capture = Capture::default();
    let metrics = Metrics::with(config(vars), Output::Capture(capture.clone()));
    (metrics, capture)
}

/// Every line, checked against the specification, parsed, with its
/// timestamp replaced by 0.
fn blobs(capture: &Capture) -> Vec<Value> {
    capture
        .lines()
        .iter()
        .map(|line| {
            let mut blob = spec::check(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let stamp = blob["_aws"]["Timestamp"].as_u64().unwrap();
            assert!(stamp > 1_700_000_000_000, "{line}");
            blob["_aws"]["Timestamp"] = json!(0);
            blob
        })
        .collect()
}

#[test]
fn one_line_per_flush_with_the_envelope_namespace_and_service() {
    let (mut metrics, capture) = capturing(ENV);
    metrics
        .add_metric("ItemsCreated", Unit::Count, 1.0)
        .unwrap();
    metrics
        .add_metric_with("Latency", Unit::Milliseconds, Resolution::High, 12.5)
        .unwrap();
    metrics.add_dimension("tenant", "acme").unwrap();
    metrics.add_metadata("request", "r-1").unwrap();
    drop(metrics);
    assert_eq!(
        blobs(&capture),
        [json!({
            "_aws": {
                "Timestamp": 0,
                "CloudWatchMetrics": [{
                    "Namespace": "Shop",
                    "Dimensions": [["service", "tenant"]],
                    "Metrics": [
                        {"Name": "ItemsCreated", "Unit": "Count"},
                        {"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1},
                    ],
                }],
            },
            "service": "items",
            "tenant": "acme",
            "ItemsCreated": 1,
            "Latency": 12.5,
            "request": "r-1",
        })]
    );
    // The line is exactly one line, integers written as integers.
    let line = &capture.lines()[0];
    assert!(
        line.contains(r#""ItemsCreated":1,"#) || line.contains(r#""ItemsCreated":1}"#),
        "{line}"
    );
}

#[test]
fn nothing_recorded_writes_nothing() {
    let (mut metrics, capture) = capturing(ENV);
    metrics.add_dimension("tenant", "acme").unwrap();
    metrics.add_metadata("k", 1).unwrap();
    metrics.flush().unwrap();
    drop(metrics);
    assert_eq!(capture.lines(), Vec::<String>::new());

    let (mut disabled, capture) = capturing(&[
        ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
        ("POWERTOOLS_METRICS_DISABLED", "true"),
    ]);
    disabled.add_metric("A", Unit::Count, 1.0).unwrap();
    drop(disabled);
    assert_eq!(capture.lines(), Vec::<String>::new());
}

#[test]
fn each_flush_starts_a_new_blob_keeping_the_dimensions() {
    let (mut metrics, capture) = capturing(ENV);
    metrics.add_dimension("tenant", "acme").unwrap();
    metrics.add_metric("A", Unit::Count, 1.0).unwrap();
    metrics.add_metric("A", Unit::Count, 2.0).unwrap();
    metrics.flush().unwrap();
    metrics.add_metric("B", Unit::Bytes, 3.0).unwrap();
    drop(metrics);
    let blobs = blobs(&capture);
    assert_eq!(blobs.len(), 2);
    assert_eq!(blobs[0]["A"], json!([1, 2]));
    assert!(blobs[0].get("B").is_none());
    assert_eq!(blobs[1]["B"], 3);
    assert!(blobs[1].get("A").is_none());
    assert_eq!(blobs[1]["tenant"], "acme");
}

#[test]
fn emfs_limits_are_errors_naming_what_broke_them() {
    let (mut metrics, capture) = capturing(ENV);
    for i in 0..100 {
        metrics
            .add_metric(&format!("M{i}"), Unit::Count, 1.0)
            .unwrap();
    }
    let err = metrics.add_metric("M100", Unit::Count, 1.0).unwrap_err();
    assert_eq!(err, MetricsError::TooManyMetrics("M100".to_string()));
    assert_eq!(
        err.to_string(),
        "metric 'M100' would be the blob's 101th: EMF takes 100 metrics per blob (flush first)"
    );
    // Another value of a metric already there still fits.
    for _ in 1..100 {
        metrics.add_metric("M0", Unit::Count, 2.0).unwrap();
    }
    let err = metrics.add_metric("M0", Unit::Count, 2.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "metric 'M0' already holds 100 values, EMF's limit per metric (flush first)"
    );
    metrics.flush().unwrap();
    metrics.add_metric("M100", Unit::Count, 1.0).unwrap();

    // `service` is one of the 30.
    for i in 0..29 {
        metrics.add_dimension(&format!("d{i}"), "v").unwrap();
    }
    let err = metrics.add_dimension("d29", "v").unwrap_err();
    assert_eq!(
        err.to_string(),
        "dimension 'd29' would be the 31th: EMF takes 30 dimensions"
    );
    // Replacing a dimension's value is not another dimension.
    metrics.add_dimension("d0", "w").unwrap();
    drop(metrics);
    let blobs = blobs(&capture);
    assert_eq!(blobs.len(), 2);
    assert_eq!(blobs[0]["M0"].as_array().unwrap().len(), 100);
    assert_eq!(
        blobs[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(blobs[1]["d0"], "w");
}

#[test]
fn what_emf_cannot_carry_is_refused_when_added() {
    let (mut metrics, capture) = capturing(ENV);
    let err = |r: Result<(), MetricsError>| r.unwrap_err().to_string();
    assert_eq!(
        err(metrics.add_metric("A", Unit::Count, f64::NAN)),
        "metric 'A': the value is not a finite number"
    );
    metrics.add_metric("A", Unit::Count, 1.0).unwrap();
    assert_eq!(
        err(metrics.add_metric("A", Unit::Seconds, 1.0)),
        "metric 'A' was added with another unit or resolution in this blob"
    );
    assert_eq!(
        err(metrics.add_metric_with("A", Unit::Count, Resolution::High, 1.0)),
        "metric 'A' was added with another unit or resolution in this blob"
    );
    assert_eq!(
        err(metrics.add_dimension("A", "x")),
        "'A' is already a metric, dimension or metadata key of this blob"
    );
    assert_eq!(
        err(metrics.add_metric("service", Unit::Count, 1.0)),
        "'service' is already a metric, dimension or metadata key of this blob"
    );
    assert!(err(metrics.add_metric("", Unit::Count, 1.0)).starts_with("'' is not a valid name"));
    assert!(err(metrics.add_dimension(":x", "v")).starts_with("':x' is not a valid name"));
    let long = "n".repeat(256);
    assert!(err(metrics.add_metric(&long, Unit::Count, 1.0)).contains("…' is not a valid name"));
    drop(metrics);
    assert_eq!(blobs(&capture).len(), 1);
}

#[test]
fn without_a_namespace_a_flush_fails_and_writes_nothing() {
    let (mut metrics, capture) = capturing(&[("POWERTOOLS_SERVICE_NAME", "items")]);
    metrics.add_metric("A", Unit::Count, 1.0).unwrap();
    assert_eq!(
        metrics.flush().unwrap_err().to_string(),
        "metrics have no namespace: set POWERTOOLS_METRICS_NAMESPACE"
    );
    drop(metrics);
    assert_eq!(capture.lines(), Vec::<String>::new());
}

#[test]
fn an_invocation_that_panics_still_writes_its_metrics() {
    let capture = Capture::default();
    let output = Output::Capture(capture.clone());
    let result = std::panic::catch_unwind(move || {
        let mut metrics = Metrics::with(config(ENV), output);
        metrics.add_metric("Before", Unit::Count, 1.0).unwrap();
        panic!("the handler failed");
    });
    assert!(result.is_err());
    let blobs = blobs(&capture);
    assert_eq!(blobs.len(), 1);
    assert_eq!(blobs[0]["Before"], 1);
}

#[test]
fn concurrent_invocations_each_write_their_own_line() {
    // As under Managed Instances: invocations on worker threads at once,
    // each with its own metrics; every line holds one invocation's values.
    let capture = Capture::default();
    let barrier = std::sync::Barrier::new(8);
    std::thread::scope(|scope| {
        for i in 0..8 {
            let (capture, barrier) = (capture.clone(), &barrier);
            scope.spawn(move || {
                let mut metrics = Metrics::with(config(ENV), Output::Capture(capture));
                metrics.add_dimension("invocation", &i.to_string()).unwrap();
                barrier.wait();
                for _ in 0..=i {
                    metrics.add_metric("Work", Unit::Count, i as f64).unwrap();
                }
            });
        }
    });
    let mut seen: Vec<u64> = blobs(&capture)
        .iter()
        .map(|blob| {
            let i: u64 = blob["invocation"].as_str().unwrap().parse().unwrap();
            let values = match &blob["Work"] {
                Value::Array(values) => values.clone(),
                one => vec![one.clone()],
            };
            assert_eq!(values, vec![json!(i); i as usize + 1], "{blob}");
            i
        })
        .collect();
    seen.sort();
    assert_eq!(seen, (0..8).collect::<Vec<_>>());
}

#[test]
fn the_cold_start_is_counted_once_per_process_in_a_blob_of_its_own() {
    // The only test here that asks for the cold start: it is process-wide.
    let capture = Capture::default();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let capture = capture.clone();
            scope.spawn(move || {
                let mut metrics =
                    Metrics::with(config(ENV), Output::Capture(capture)).capture_cold_start();
                metrics.add_metric("Work", Unit::Count, 1.0).unwrap();
            });
        }
    });
    let blobs = blobs(&capture);
    assert_eq!(blobs.len(), 5, "{blobs:?}");
    let cold: Vec<&Value> = blobs
        .iter()
        .filter(|b| b.get("ColdStart").is_some())
        .collect();
    assert_eq!(
        cold,
        [&json!({
            "_aws": {
                "Timestamp": 0,
                "CloudWatchMetrics": [{
                    "Namespace": "Shop",
                    "Dimensions": [["function_name", "service"]],
                    "Metrics": [{"Name": "ColdStart", "Unit": "Count"}],
                }],
            },
            "function_name": "items-fn",
            "service": "items",
            "ColdStart": 1,
        })]
    );
}

#[test]
fn the_specification_check_refuses_what_breaks_a_rule() {
    let good = json!({
        "_aws": {"Timestamp": 1, "CloudWatchMetrics": [{
            "Namespace": "N", "Dimensions": [["d"]], "Metrics": [{"Name": "m", "Unit": "Count"}]}]},
        "d": "v", "m": 1,
    });
    assert!(spec::check(&good.to_string()).is_ok());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut blob = good.clone();
        f(&mut blob);
        spec::check(&blob.to_string()).unwrap_err()
    };
    assert_eq!(
        broken(&|b| b["d"] = json!(1)),
        "dimension 'd' has no string member"
    );
    assert!(broken(&|b| b["m"] = json!("1")).starts_with("metric 'm' has no member"));
    assert!(broken(&|b| b["m"] = json!(vec![1; 101])).starts_with("metric 'm' has no member"));
    assert_eq!(
        broken(&|b| b["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("Counts")),
        "metric 'm' has unit 'Counts'"
    );
    assert_eq!(
        broken(
            &|b| b["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["StorageResolution"] = json!(5)
        ),
        "metric 'm' has StorageResolution 5"
    );
    assert_eq!(
        broken(&|b| b["_aws"]["Timestamp"] = json!("now")),
        "_aws.Timestamp is not a whole number of milliseconds"
    );
    assert!(
        broken(&|b| b["_aws"]["CloudWatchMetrics"][0]["Namespace"] = json!(""))
            .starts_with("namespace")
    );
}
