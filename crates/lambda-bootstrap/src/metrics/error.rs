//! Why a metric, a dimension or a flush was refused: EMF's rules and
//! limits, each named with the offending name (never a value).

use std::fmt;

/// EMF's limits, as its specification states them.
pub mod limits {
    /// Metrics in one blob (one directive's `Metrics`).
    pub const METRICS: usize = 100;
    /// Values one metric holds in one blob.
    pub const VALUES: usize = 100;
    /// Dimensions in one dimension set, `service` included.
    pub const DIMENSIONS: usize = 30;
    /// Characters in a namespace, a metric name or a dimension name.
    pub const NAME: usize = 255;
    /// Characters in a dimension's value (CloudWatch's limit).
    pub const DIMENSION_VALUE: usize = 1024;
}

/// Why metrics could not be recorded or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsError {
    /// A 101st distinct metric in one blob; flush first.
    TooManyMetrics(String),
    /// A 101st value for one metric in one blob; flush first.
    TooManyValues(String),
    /// A 31st dimension.
    TooManyDimensions(String),
    /// A name that is empty, longer than 255 characters, or (for a
    /// dimension) starts with `:`; or a dimension value that is empty or
    /// longer than 1024 characters. Which name.
    InvalidName(String),
    /// A value that is NaN or infinite, which JSON cannot carry.
    NotFinite(String),
    /// A metric added again with another unit or resolution.
    Conflict(String),
    /// A name already used at the blob's top level by a metric, a
    /// dimension or metadata (they share it), or `_aws`.
    Taken(String),
    /// Flushing metrics without a namespace: set
    /// `POWERTOOLS_METRICS_NAMESPACE`.
    NoNamespace,
    /// The namespace is longer than 255 characters.
    InvalidNamespace,
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use limits::*;
        match self {
            MetricsError::TooManyMetrics(name) => write!(
                f,
                "metric '{name}' would be the blob's {}th: EMF takes {METRICS} metrics per blob (flush first)",
                METRICS + 1
            ),
            MetricsError::TooManyValues(name) => write!(
                f,
                "metric '{name}' already holds {VALUES} values, EMF's limit per metric (flush first)"
            ),
            MetricsError::TooManyDimensions(name) => write!(
                f,
                "dimension '{name}' would be the {}th: EMF takes {DIMENSIONS} dimensions",
                DIMENSIONS + 1
            ),
            MetricsError::InvalidName(name) => write!(
                f,
                "'{name}' is not a valid name: 1 to {NAME} characters, not starting with ':' (dimension values: 1 to {DIMENSION_VALUE})"
            ),
            MetricsError::NotFinite(name) => {
                write!(f, "metric '{name}': the value is not a finite number")
            }
            MetricsError::Conflict(name) => write!(
                f,
                "metric '{name}' was added with another unit or resolution in this blob"
            ),
            MetricsError::Taken(name) => write!(
                f,
                "'{name}' is already a metric, dimension or metadata key of this blob"
            ),
            MetricsError::NoNamespace => {
                f.write_str("metrics have no namespace: set POWERTOOLS_METRICS_NAMESPACE")
            }
            MetricsError::InvalidNamespace => {
                write!(f, "the namespace is longer than {NAME} characters")
            }
        }
    }
}

impl std::error::Error for MetricsError {}
