//! CloudWatch metrics in the Embedded Metric Format (the cargo feature
//! `metrics`): Powertools' Metrics. A handler makes one [`Metrics`] per
//! invocation, records into it, and it writes one JSON line to stdout when
//! it is dropped at the end of the invocation (or on [`Metrics::flush`]);
//! CloudWatch Logs turns the line into metrics. Nothing recorded, nothing
//! written.
//!
//! ```
//! use lambda_bootstrap::metrics::{Metrics, Unit};
//! use lambda_bootstrap::{Context, HandlerError};
//! use serde_json::{Value, json};
//!
//! pub fn handle(event: Value, ctx: &Context) -> Result<Value, HandlerError> {
//!     let mut metrics = Metrics::new(ctx).capture_cold_start();
//!     metrics.add_dimension("tenant", "acme")?;
//!     metrics.add_metric("OrdersPlaced", Unit::Count, 1.0)?;
//!     Ok(json!({"ok": true}))
//! } // `metrics` is dropped here: its line is written, whatever the result
//! # handle(json!({}), &Context::local("r", Default::default())).unwrap();
//! ```
//!
//! The namespace is `POWERTOOLS_METRICS_NAMESPACE`; `POWERTOOLS_SERVICE_NAME`
//! is the `service` dimension of every blob; `POWERTOOLS_METRICS_DISABLED`
//! set to `true` writes nothing. Each invocation's metrics are its own
//! value on its own thread, so concurrent invocations under Managed
//! Instances never share or mix theirs; only "has the cold start been
//! counted" is process-wide.
//!
//! Cut one concept per file: [`unit`] (units and resolutions), [`blob`]
//! (one blob, checked and rendered), [`error`] (EMF's limits and what
//! breaks them), [`spec`] (the specification's rules, checked on a line).

pub mod blob;
pub mod error;
pub mod spec;
pub mod unit;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use blob::Blob;
pub use error::{MetricsError, limits};
pub use unit::{Resolution, Unit};

use crate::context::Context;

/// What the metrics of this process are written under, from Powertools'
/// variables; read once, by [`Config::from_env`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `POWERTOOLS_METRICS_NAMESPACE`.
    pub namespace: Option<String>,
    /// `POWERTOOLS_SERVICE_NAME`: the `service` dimension, when set.
    pub service: Option<String>,
    /// `AWS_LAMBDA_FUNCTION_NAME`: the `function_name` dimension of the
    /// cold-start blob.
    pub function_name: Option<String>,
    /// `POWERTOOLS_METRICS_DISABLED=true`: record, but write nothing.
    pub disabled: bool,
}

impl Config {
    /// Reads the variables through `env`; empty ones are unset.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Config {
        let get = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Config {
            namespace: get("POWERTOOLS_METRICS_NAMESPACE"),
            service: get("POWERTOOLS_SERVICE_NAME"),
            function_name: get("AWS_LAMBDA_FUNCTION_NAME"),
            disabled: get("POWERTOOLS_METRICS_DISABLED")
                .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
        }
    }

    /// The process's configuration, read from its environment on first use.
    pub fn from_env() -> &'static Config {
        static CONFIG: OnceLock<Config> = OnceLock::new();
        CONFIG.get_or_init(|| Config::from_lookup(&|name| std::env::var(name).ok()))
    }
}

/// Where lines go: stdout, which Lambda sends to CloudWatch Logs; or a
/// [`Capture`], for tests.
#[derive(Debug, Clone, Default)]
pub enum Output {
    /// One write per line, under stdout's lock, so a line is never split
    /// by another thread's output.
    #[default]
    Stdout,
    /// Kept in memory.
    Capture(Capture),
}

/// Lines kept for a test to read; cloned handles share them.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<String>>>);

impl Capture {
    /// The lines written so far.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Output {
    fn write(&self, line: &str) {
        match self {
            Output::Stdout => {
                let mut bytes = Vec::with_capacity(line.len() + 1);
                bytes.extend_from_slice(line.as_bytes());
                bytes.push(b'\n');
                let mut out = std::io::stdout().lock();
                // stdout gone (closed by the platform) is nothing a metric
                // can help; the invocation goes on.
                let _ = out.write_all(&bytes).and_then(|()| out.flush());
            }
            Output::Capture(capture) => capture
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line.to_string()),
        }
    }
}

/// Whether this process's cold start is still to be counted.
static COLD: AtomicBool = AtomicBool::new(true);

/// One invocation's metrics: a blob, written when flushed or dropped.
#[derive(Debug)]
pub struct Metrics {
    config: Config,
    output: Output,
    blob: Blob,
    /// The cold-start blob, when this invocation is the cold start and
    /// asked for it.
    cold_start: Option<Blob>,
}

impl Metrics {
    /// The metrics of the invocation `ctx` describes, configured from the
    /// environment, written to stdout. `ctx` is taken so that a metrics
    /// value is made per invocation, never shared.
    pub fn new(_ctx: &Context) -> Metrics {
        Metrics::with(Config::from_env().clone(), Output::Stdout)
    }

    /// Metrics configured by `config`, written to `output`.
    pub fn with(config: Config, output: Output) -> Metrics {
        let mut blob = Blob::default();
        if let Some(service) = &config.service {
            // A service name EMF refuses is left out, not fatal: the
            // metrics are still worth writing.
            if let Err(e) = blob.add_dimension("service", service) {
                log::warn!("POWERTOOLS_SERVICE_NAME: {e}");
            }
        }
        Metrics {
            config,
            output,
            blob,
            cold_start: None,
        }
    }

    /// Counts the cold start, when this is the process's first invocation
    /// to ask: a `ColdStart` metric of 1 (Count) in a blob of its own,
    /// with the `function_name` and `service` dimensions, as Powertools'
    /// `capture_cold_start_metric` writes it.
    pub fn capture_cold_start(mut self) -> Metrics {
        if COLD.swap(false, Ordering::Relaxed) {
            let mut blob = Blob::default();
            let dimensions = [
                ("function_name", &self.config.function_name),
                ("service", &self.config.service),
            ];
            for (name, value) in dimensions {
                if let Some(value) = value {
                    let _ = blob.add_dimension(name, value);
                }
            }
            blob.add_metric("ColdStart", Unit::Count, Resolution::Standard, 1.0)
                .expect("a fixed metric in an empty blob is valid");
            self.cold_start = Some(blob);
        }
        self
    }

    /// Records `value` for metric `name` in `unit`, at standard resolution.
    pub fn add_metric(&mut self, name: &str, unit: Unit, value: f64) -> Result<(), MetricsError> {
        self.blob
            .add_metric(name, unit, Resolution::Standard, value)
    }

    /// Records `value` for metric `name` in `unit` at `resolution`.
    pub fn add_metric_with(
        &mut self,
        name: &str,
        unit: Unit,
        resolution: Resolution,
        value: f64,
    ) -> Result<(), MetricsError> {
        self.blob.add_metric(name, unit, resolution, value)
    }

    /// Adds a dimension to this invocation's metrics (`service` is there
    /// already, when configured).
    pub fn add_dimension(&mut self, name: &str, value: &str) -> Result<(), MetricsError> {
        self.blob.add_dimension(name, value)
    }

    /// Adds a top-level key: searchable in the log, not a metric.
    pub fn add_metadata(&mut self, key: &str, value: impl Into<Value>) -> Result<(), MetricsError> {
        self.blob.add_metadata(key, value.into())
    }

    /// Writes what was recorded, one line per blob (the cold start's
    /// first), and starts a new blob with the same dimensions. Writes
    /// nothing when nothing was recorded. Fails, writing nothing, without
    /// a namespace.
    pub fn flush(&mut self) -> Result<(), MetricsError> {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut lines = Vec::new();
        let namespace = self.config.namespace.as_deref().unwrap_or_default();
        for blob in self.cold_start.iter().chain([&self.blob]) {
            if !blob.is_empty() {
                lines.push(blob.render(namespace, timestamp)?);
            }
        }
        self.cold_start = None;
        self.blob = self.blob.emptied();
        if !self.config.disabled {
            for line in lines {
                self.output.write(&line);
            }
        }
        Ok(())
    }
}

impl Drop for Metrics {
    /// The automatic flush at the end of the invocation, on return, on
    /// `?` and on a panic alike; a failure can only be logged here.
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            log::warn!("metrics not written: {e}");
        }
    }
}
