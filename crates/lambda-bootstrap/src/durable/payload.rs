//! Results as the log keeps them: JSON texts. One place turns a value into
//! one and back, so that every operation names the same failures the same
//! way.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::durable::error::DurableError;

/// `value` as a JSON text.
pub fn encode<T: Serialize>(value: &T, what: &str) -> Result<String, DurableError> {
    serde_json::to_string(value)
        .map_err(|e| DurableError::Serde(format!("{what}'s result is not JSON: {e}")))
}

/// A logged JSON text as `T`; no text is `null` (a result of `()`).
pub fn decode<T: DeserializeOwned>(text: Option<&str>, what: &str) -> Result<T, DurableError> {
    serde_json::from_str(text.filter(|t| !t.is_empty()).unwrap_or("null")).map_err(|e| {
        DurableError::Serde(format!(
            "{what}'s logged result does not fit {}: {e}",
            std::any::type_name::<T>()
        ))
    })
}

/// A panic's message, for the error it becomes.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked with a non-string payload".to_string()
    }
}
