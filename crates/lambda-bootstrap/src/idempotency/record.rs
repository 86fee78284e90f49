//! An idempotency record as Powertools keeps it: the key (a hash of the
//! chosen part of the event), a status (`INPROGRESS`, `COMPLETED`, or
//! `EXPIRED` once its expiry has passed), the expiry in epoch seconds
//! (the table's TTL attribute), the in-progress expiry in epoch
//! milliseconds (the invocation's deadline), the stored answer and the
//! validated part's hash. Pure: what a record is and says, no calls.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// The first invocation with the key is running (or died running).
    #[serde(rename = "INPROGRESS")]
    InProgress,
    /// It finished; the record holds its answer.
    #[serde(rename = "COMPLETED")]
    Completed,
    /// Past its expiry: as if there were no record.
    #[serde(rename = "EXPIRED")]
    Expired,
}

/// One record, with Powertools' attribute names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The idempotency key.
    pub id: String,
    /// [`Status`].
    pub status: Status,
    /// When the record expires, epoch seconds (the TTL attribute).
    pub expiration: u64,
    /// When an `INPROGRESS` record stops counting, epoch milliseconds:
    /// the deadline of the invocation that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress_expiration: Option<u64>,
    /// The answer, as JSON text, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The hash of the validated part of the event, when one is chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<String>,
}

impl Record {
    /// What the record says at `now_ms`: `EXPIRED` past its expiry, or
    /// when in progress past its in-progress expiry (its invocation has
    /// ended without finishing), else its status.
    pub fn status_at(&self, now_ms: u64) -> Status {
        if self.expiration.saturating_mul(1000) <= now_ms {
            return Status::Expired;
        }
        match (self.status, self.in_progress_expiration) {
            (Status::InProgress, Some(until)) if until <= now_ms => Status::Expired,
            (status, _) => status,
        }
    }
}

/// The SHA-256 of `value`'s JSON text, in hex. serde_json writes an
/// object's keys sorted, so equal values hash equal however they were
/// written.
pub fn hash(value: &Value) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, value.to_string().as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(status: Status, expiration: u64, in_progress: Option<u64>) -> Record {
        Record {
            id: "k".into(),
            status,
            expiration,
            in_progress_expiration: in_progress,
            data: None,
            validation: None,
        }
    }

    #[test]
    fn a_record_expires_with_its_expiry_and_in_progress_with_its_deadline() {
        let now = 1_000_000_000_000;
        let later = now / 1000 + 3600;
        assert_eq!(
            record(Status::Completed, later, None).status_at(now),
            Status::Completed
        );
        assert_eq!(
            record(Status::Completed, now / 1000, None).status_at(now),
            Status::Expired
        );
        assert_eq!(
            record(Status::InProgress, later, Some(now + 1)).status_at(now),
            Status::InProgress
        );
        assert_eq!(
            record(Status::InProgress, later, Some(now)).status_at(now),
            Status::Expired
        );
        assert_eq!(
            record(Status::InProgress, later, None).status_at(now),
            Status::InProgress
        );
    }

    #[test]
    fn equal_values_hash_equal_whatever_their_key_order() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": [1, 2]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":[1,2],"b":1}"#).unwrap();
        assert_eq!(hash(&a), hash(&b));
        assert_ne!(hash(&a), hash(&json!({"a": [2, 1], "b": 1})));
        assert_eq!(hash(&a).len(), 64);
    }
}
