//! The Embedded Metric Format's rules, checked on a written line: what a
//! test (of this crate or of a handler) asserts a line obeys, written from
//! the specification, apart from the code that renders blobs.

use serde_json::Value;

use super::error::limits;
use super::unit::Unit;

/// Checks `line` against EMF's specification, and gives it back parsed:
/// one JSON object with `_aws.Timestamp` (epoch milliseconds) and
/// `_aws.CloudWatchMetrics`, whose every directive has a namespace of 1
/// to 255 characters, dimension sets of at most 30 keys each naming a
/// string member, at most 100 metric definitions each naming a member that
/// is a number or an array of at most 100 numbers, a valid unit and a
/// storage resolution of 1 or 60.
pub fn check(line: &str) -> Result<Value, String> {
    if line.contains('\n') {
        return Err("a blob is one line".to_string());
    }
    let root: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let aws = root
        .get("_aws")
        .and_then(Value::as_object)
        .ok_or("no _aws object")?;
    if !aws.get("Timestamp").is_some_and(Value::is_u64) {
        return Err("_aws.Timestamp is not a whole number of milliseconds".to_string());
    }
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .ok_or("_aws.CloudWatchMetrics is not an array")?;
    for directive in directives {
        let namespace = directive["Namespace"]
            .as_str()
            .ok_or("a directive has no Namespace")?;
        if namespace.is_empty() || namespace.chars().count() > limits::NAME {
            return Err(format!(
                "namespace '{namespace}' is not 1 to 255 characters"
            ));
        }
        let sets = directive["Dimensions"]
            .as_array()
            .ok_or("Dimensions is not an array")?;
        for set in sets {
            let keys = set.as_array().ok_or("a dimension set is not an array")?;
            if keys.len() > limits::DIMENSIONS {
                return Err(format!("a dimension set has {} keys", keys.len()));
            }
            for key in keys {
                let key = key.as_str().ok_or("a dimension key is not a string")?;
                if !root.get(key).is_some_and(Value::is_string) {
                    return Err(format!("dimension '{key}' has no string member"));
                }
            }
        }
        let metrics = directive["Metrics"]
            .as_array()
            .ok_or("Metrics is not an array")?;
        if metrics.len() > limits::METRICS {
            return Err(format!("a directive has {} metrics", metrics.len()));
        }
        for metric in metrics {
            let name = metric["Name"].as_str().ok_or("a metric has no Name")?;
            if name.is_empty() || name.chars().count() > limits::NAME {
                return Err(format!("metric name '{name}' is not 1 to 255 characters"));
            }
            if let Some(unit) = metric.get("Unit") {
                let unit = unit.as_str().unwrap_or_default();
                if !Unit::ALL.iter().any(|u| u.as_str() == unit) {
                    return Err(format!("metric '{name}' has unit '{unit}'"));
                }
            }
            if let Some(resolution) = metric.get("StorageResolution") {
                if resolution != 1 && resolution != 60 {
                    return Err(format!(
                        "metric '{name}' has StorageResolution {resolution}"
                    ));
                }
            }
            match root.get(name) {
                Some(Value::Number(_)) => {}
                Some(Value::Array(values))
                    if values.len() <= limits::VALUES && values.iter().all(Value::is_number) => {}
                _ => {
                    return Err(format!(
                        "metric '{name}' has no member that is a number or up to 100 numbers"
                    ));
                }
            }
        }
    }
    Ok(root)
}
