//! One EMF blob under construction: the metrics (each with its unit,
//! resolution and values), the dimensions and the metadata, checked
//! against EMF's rules as they are added, and rendered as one JSON line
//! with the `_aws` envelope. Pure: the clock and the namespace are passed
//! in, nothing is written.

use serde_json::{Map, Value, json};

use super::error::{MetricsError, limits};
use super::unit::{Resolution, Unit};

/// A metric's definition and the values recorded for it.
#[derive(Debug, Clone, PartialEq)]
struct Metric {
    name: String,
    unit: Unit,
    resolution: Resolution,
    values: Vec<f64>,
}

/// What one flush writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Blob {
    metrics: Vec<Metric>,
    dimensions: Vec<(String, String)>,
    metadata: Map<String, Value>,
}

/// `name` as an error quotes it: cut short.
fn quoted(name: &str) -> String {
    let mut end = name.len().min(64);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    if end < name.len() {
        format!("{}…", &name[..end])
    } else {
        name.to_string()
    }
}

fn check_name(name: &str) -> Result<(), MetricsError> {
    if name.is_empty() || name.chars().count() > limits::NAME {
        return Err(MetricsError::InvalidName(quoted(name)));
    }
    Ok(())
}

impl Blob {
    /// Whether no metric was recorded: such a blob is not written.
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    /// Records `value` for metric `name`. A name seen before takes another
    /// value (up to [`limits::VALUES`]) and must keep its unit and
    /// resolution; a new one is refused past [`limits::METRICS`].
    pub fn add_metric(
        &mut self,
        name: &str,
        unit: Unit,
        resolution: Resolution,
        value: f64,
    ) -> Result<(), MetricsError> {
        check_name(name)?;
        if !value.is_finite() {
            return Err(MetricsError::NotFinite(quoted(name)));
        }
        if let Some(metric) = self.metrics.iter_mut().find(|m| m.name == name) {
            if metric.unit != unit || metric.resolution != resolution {
                return Err(MetricsError::Conflict(quoted(name)));
            }
            if metric.values.len() >= limits::VALUES {
                return Err(MetricsError::TooManyValues(quoted(name)));
            }
            metric.values.push(value);
            return Ok(());
        }
        if self.is_key(name) {
            return Err(MetricsError::Taken(quoted(name)));
        }
        if self.metrics.len() >= limits::METRICS {
            return Err(MetricsError::TooManyMetrics(quoted(name)));
        }
        self.metrics.push(Metric {
            name: name.to_string(),
            unit,
            resolution,
            values: vec![value],
        });
        Ok(())
    }

    /// Adds dimension `name` with `value`; adding a name again replaces
    /// its value.
    pub fn add_dimension(&mut self, name: &str, value: &str) -> Result<(), MetricsError> {
        check_name(name)?;
        if name.starts_with(':') {
            return Err(MetricsError::InvalidName(quoted(name)));
        }
        if value.is_empty() || value.chars().count() > limits::DIMENSION_VALUE {
            return Err(MetricsError::InvalidName(quoted(value)));
        }
        if let Some(dimension) = self.dimensions.iter_mut().find(|(n, _)| n == name) {
            dimension.1 = value.to_string();
            return Ok(());
        }
        if self.is_key(name) {
            return Err(MetricsError::Taken(quoted(name)));
        }
        if self.dimensions.len() >= limits::DIMENSIONS {
            return Err(MetricsError::TooManyDimensions(quoted(name)));
        }
        self.dimensions.push((name.to_string(), value.to_string()));
        Ok(())
    }

    /// Adds `key` with `value` at the blob's top level: searchable in
    /// CloudWatch Logs Insights, not a metric nor a dimension.
    pub fn add_metadata(&mut self, key: &str, value: Value) -> Result<(), MetricsError> {
        check_name(key)?;
        if !self.metadata.contains_key(key) && self.is_key(key) {
            return Err(MetricsError::Taken(quoted(key)));
        }
        self.metadata.insert(key.to_string(), value);
        Ok(())
    }

    fn is_key(&self, name: &str) -> bool {
        name == "_aws"
            || self.metrics.iter().any(|m| m.name == name)
            || self.dimensions.iter().any(|(n, _)| n == name)
            || self.metadata.contains_key(name)
    }

    /// The blob as one line of JSON, without the newline: the `_aws`
    /// envelope (`Timestamp`, one directive in `namespace` with every
    /// dimension in one set), then each dimension, metric and metadata key
    /// at the top level.
    pub fn render(&self, namespace: &str, timestamp_ms: u64) -> Result<String, MetricsError> {
        if namespace.is_empty() {
            return Err(MetricsError::NoNamespace);
        }
        if namespace.chars().count() > limits::NAME {
            return Err(MetricsError::InvalidNamespace);
        }
        let definitions: Vec<Value> = self
            .metrics
            .iter()
            .map(|m| {
                let mut definition = json!({"Name": m.name, "Unit": m.unit.as_str()});
                // Standard is EMF's default; written only when high.
                if m.resolution == Resolution::High {
                    definition["StorageResolution"] = json!(1);
                }
                definition
            })
            .collect();
        let names: Vec<&str> = self.dimensions.iter().map(|(n, _)| n.as_str()).collect();
        let mut root = Map::new();
        root.insert(
            "_aws".to_string(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [names],
                    "Metrics": definitions,
                }],
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert(name.clone(), Value::from(value.as_str()));
        }
        for m in &self.metrics {
            let value = match m.values.as_slice() {
                [one] => number(*one),
                many => Value::Array(many.iter().copied().map(number).collect()),
            };
            root.insert(m.name.clone(), value);
        }
        for (key, value) in &self.metadata {
            root.insert(key.clone(), value.clone());
        }
        Ok(Value::Object(root).to_string())
    }
}

/// A whole number as an integer (`1`, not `1.0`), any other as a float.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

impl Blob {
    /// A blob with this one's dimensions and nothing else: what the next
    /// flush of the same invocation starts from.
    pub fn emptied(&self) -> Blob {
        Blob {
            metrics: Vec::new(),
            dimensions: self.dimensions.clone(),
            metadata: Map::new(),
        }
    }
}
