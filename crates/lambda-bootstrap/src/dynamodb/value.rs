//! The Rust types for what JSON has no word for: binary data and
//! DynamoDB's three set types. Each serializes to a marker object that
//! [`super::item`] turns into its attribute type (`B`, `SS`, `NS`, `BS`);
//! read back, each takes what `item` turns those into (base64 text,
//! arrays).

use std::collections::BTreeSet;

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::http::base64;

/// The key of the one-entry object each type here serializes to: a NUL
/// first, which no key of a real document starts with, then the
/// attribute type.
pub(crate) const MARKER: &str = "\u{0}dynamodb:";

fn marked<S: Serializer, T: Serialize + ?Sized>(
    serializer: S,
    kind: &str,
    value: &T,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(&format!("{MARKER}{kind}"), value)?;
    map.end()
}

/// Bytes, stored as DynamoDB binary (`B`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binary(pub Vec<u8>);

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        marked(serializer, "B", &base64::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Binary, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::decode(&text)
            .map(Binary)
            .map_err(|at| serde::de::Error::custom(format!("not base64 at byte {at}")))
    }
}

/// A string set (`SS`). DynamoDB refuses an empty set: an empty one is
/// left out of the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct StringSet(pub BTreeSet<String>);

impl Serialize for StringSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        marked(serializer, "SS", &self.0)
    }
}

/// A number set (`NS`) of whole numbers. DynamoDB refuses an empty set:
/// an empty one is left out of the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct NumberSet(pub BTreeSet<i64>);

impl Serialize for NumberSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        marked(serializer, "NS", &self.0)
    }
}

/// A binary set (`BS`). DynamoDB refuses an empty set: an empty one is
/// left out of the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct BinarySet(pub BTreeSet<Binary>);

impl Serialize for BinarySet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let encoded: Vec<String> = self.0.iter().map(|b| base64::encode(&b.0)).collect();
        marked(serializer, "BS", &encoded)
    }
}
