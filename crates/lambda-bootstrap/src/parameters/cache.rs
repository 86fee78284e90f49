//! What a provider has fetched, each value kept for its maximum age. One
//! lock over a small map: a function reads a few parameters, and a lookup
//! holds the lock only to copy a value out, never across a call to AWS.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Values by key, each with when it was fetched.
#[derive(Debug, Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, (Instant, Value)>>,
}

impl Cache {
    /// The value kept for `key`, if it was fetched less than `max_age`
    /// before `now`.
    pub fn get(&self, key: &str, max_age: Duration, now: Instant) -> Option<Value> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (fetched, value) = entries.get(key)?;
        (now.saturating_duration_since(*fetched) < max_age).then(|| value.clone())
    }

    /// Keeps `value` for `key`, fetched at `now`.
    pub fn put(&self, key: String, value: Value, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(key, (now, value));
    }

    /// Forgets every value.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_is_kept_for_its_maximum_age_and_no_longer() {
        let cache = Cache::default();
        let at = Instant::now();
        let age = Duration::from_secs(5);
        cache.put("k".into(), json!(1), at);
        assert_eq!(cache.get("k", age, at), Some(json!(1)));
        assert_eq!(
            cache.get("k", age, at + Duration::from_millis(4999)),
            Some(json!(1))
        );
        assert_eq!(cache.get("k", age, at + age), None);
        assert_eq!(cache.get("k", Duration::ZERO, at), None);
        assert_eq!(cache.get("other", age, at), None);
        cache.clear();
        assert_eq!(cache.get("k", age, at), None);
    }
}
