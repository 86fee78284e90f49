//! Serde types to and from DynamoDB's attribute values, as its JSON
//! protocol writes them: numbers as `N` (text, as DynamoDB wants them,
//! never as strings `S`), text as `S`, booleans as `BOOL`, `None` and unit
//! as `NULL`, sequences as `L`, structs and maps as `M`, and the types of
//! [`super::value`] as `B`, `SS`, `NS` and `BS`.
//!
//! Through `serde_json::Value` both ways: a type is serialized to JSON,
//! then each JSON value mapped to its attribute; read back, each attribute
//! becomes the JSON value it came from and the type is read out of that,
//! a failure naming the attribute's path (`items[2].price`).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use super::value::MARKER;

/// Why a value could not become an item, or an item a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemError {
    /// The value does not serialize to a map (an item is one): what it
    /// is instead.
    NotAMap(&'static str),
    /// The value does not serialize (a map with non-text keys, a float
    /// that is NaN); serde's message.
    Serialize(String),
    /// An attribute of a type this does not read (a DynamoDB answer
    /// should never hold one); its path.
    UnknownType(String),
    /// An `N` that is not a number; its path.
    BadNumber(String),
    /// The item does not fit the type: where, and serde's message.
    Deserialize(String),
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemError::NotAMap(kind) => write!(f, "an item is a map, not {kind}"),
            ItemError::Serialize(e) => write!(f, "cannot make an item: {e}"),
            ItemError::UnknownType(path) => write!(f, "attribute '{path}' has no known type"),
            ItemError::BadNumber(path) => write!(f, "attribute '{path}' is not a number"),
            ItemError::Deserialize(e) => write!(f, "the item does not fit: {e}"),
        }
    }
}

impl std::error::Error for ItemError {}

/// `value` as a DynamoDB item: a map of attribute names to attribute
/// values (`{"id": {"S": "a"}, "price": {"N": "2.5"}}`).
pub fn to_item<T: Serialize + ?Sized>(value: &T) -> Result<Map<String, Value>, ItemError> {
    match to_attribute(value)? {
        Value::Object(mut typed) => match typed.remove("M") {
            Some(Value::Object(map)) => Ok(map),
            _ => Err(ItemError::NotAMap(kind_of_attribute(&typed))),
        },
        _ => unreachable!("attributes are objects"),
    }
}

/// `value` as one attribute value (`{"N": "5"}`), for keys and
/// expression values.
pub fn to_attribute<T: Serialize + ?Sized>(value: &T) -> Result<Value, ItemError> {
    let json = serde_json::to_value(value).map_err(|e| ItemError::Serialize(e.to_string()))?;
    Ok(attribute(json))
}

/// An item as `T`.
pub fn from_item<T: DeserializeOwned>(item: &Map<String, Value>) -> Result<T, ItemError> {
    let mut json = Map::new();
    for (name, value) in item {
        json.insert(name.clone(), plain(value, name)?);
    }
    from_json(Value::Object(json))
}

/// One attribute value as `T`.
pub fn from_attribute<T: DeserializeOwned>(value: &Value) -> Result<T, ItemError> {
    from_json(plain(value, "")?)
}

fn from_json<T: DeserializeOwned>(json: Value) -> Result<T, ItemError> {
    // Read from text, not from the `Value`, so that serde_json says where a
    // failure is and the path can be named.
    let text = serde_json::to_vec(&json).expect("a Value serializes");
    serde_json::from_slice(&text).map_err(|e| {
        let path = crate::json_path::path_at(&text, e.line(), e.column());
        let message = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let what = message.strip_suffix(&position).unwrap_or(&message);
        ItemError::Deserialize(if path.is_empty() {
            what.to_string()
        } else {
            format!("{path}: {what}")
        })
    })
}

fn kind_of_attribute(typed: &Map<String, Value>) -> &'static str {
    match typed.keys().next().map(String::as_str) {
        Some("S") => "a string",
        Some("N") => "a number",
        Some("BOOL") => "a boolean",
        Some("NULL") => "null",
        Some("L") => "a list",
        _ => "a set or binary",
    }
}

fn typed(kind: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(kind.to_string(), value);
    Value::Object(map)
}

/// A JSON value as the attribute value DynamoDB stores it.
fn attribute(json: Value) -> Value {
    match json {
        Value::Null => typed("NULL", Value::Bool(true)),
        Value::Bool(b) => typed("BOOL", Value::Bool(b)),
        Value::Number(n) => typed("N", Value::String(n.to_string())),
        Value::String(s) => typed("S", Value::String(s)),
        Value::Array(items) => typed(
            "L",
            Value::Array(items.into_iter().map(attribute).collect()),
        ),
        Value::Object(map) => {
            if map.len() == 1 {
                let (key, _) = map.iter().next().expect("one entry");
                if let Some(kind) = key.strip_prefix(MARKER) {
                    let kind = kind.to_string();
                    let inner = map.into_iter().next().expect("one entry").1;
                    return marked(&kind, inner);
                }
            }
            let mut out = Map::new();
            for (name, value) in map {
                // An empty set is not a value DynamoDB stores: left out.
                if is_empty_set(&value) {
                    continue;
                }
                out.insert(name, attribute(value));
            }
            typed("M", Value::Object(out))
        }
    }
}

fn is_empty_set(value: &Value) -> bool {
    let Value::Object(map) = value else {
        return false;
    };
    map.len() == 1
        && map.iter().any(|(k, v)| {
            k.strip_prefix(MARKER)
                .is_some_and(|kind| kind.ends_with('S'))
                && v.as_array().is_some_and(Vec::is_empty)
        })
}

/// The attribute of a marker object from [`super::value`].
fn marked(kind: &str, inner: Value) -> Value {
    match (kind, inner) {
        ("NS", Value::Array(numbers)) => typed(
            "NS",
            Value::Array(
                numbers
                    .into_iter()
                    .map(|n| Value::String(n.to_string()))
                    .collect(),
            ),
        ),
        (kind, inner) => typed(kind, inner),
    }
}

/// An attribute value as the JSON value it stands for; `path` names it
/// in errors.
fn plain(value: &Value, path: &str) -> Result<Value, ItemError> {
    let unknown = || ItemError::UnknownType(path.to_string());
    let map = value
        .as_object()
        .filter(|m| m.len() == 1)
        .ok_or_else(unknown)?;
    let (kind, inner) = map.iter().next().expect("one entry");
    let child = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    Ok(match (kind.as_str(), inner) {
        ("NULL", _) => Value::Null,
        ("BOOL", Value::Bool(b)) => Value::Bool(*b),
        ("S" | "B", Value::String(s)) => Value::String(s.clone()),
        ("N", Value::String(n)) => {
            number(n).ok_or_else(|| ItemError::BadNumber(path.to_string()))?
        }
        ("SS" | "BS", Value::Array(items)) => Value::Array(items.clone()),
        ("NS", Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|n| n.as_str().and_then(number))
                .collect::<Option<_>>()
                .ok_or_else(|| ItemError::BadNumber(path.to_string()))?,
        ),
        ("L", Value::Array(items)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| plain(v, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        ("M", Value::Object(fields)) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), plain(v, &child(k))?)))
                .collect::<Result<_, ItemError>>()?,
        ),
        _ => return Err(unknown()),
    })
}

/// DynamoDB's number text as a JSON number: whole numbers as integers
/// when they fit, others as floats.
fn number(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Value::from(u));
    }
    let f: f64 = text.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::super::value::{Binary, BinarySet, NumberSet, StringSet};
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Item {
        id: String,
        price: f64,
        qty: u32,
        note: Option<String>,
        tags: StringSet,
        sizes: NumberSet,
        blob: Binary,
        blobs: BinarySet,
        parts: Vec<Part>,
        active: bool,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Part {
        name: String,
        weight: i64,
    }

    #[test]
    fn a_struct_round_trips_with_each_attribute_type() {
        let item = Item {
            id: "a1".into(),
            price: 2.5,
            qty: 3,
            note: None,
            tags: StringSet(["red".to_string(), "blue".to_string()].into()),
            sizes: NumberSet([1, 10].into()),
            blob: Binary(vec![0, 1, 255]),
            blobs: BinarySet([Binary(b"x".to_vec())].into()),
            parts: vec![Part {
                name: "p".into(),
                weight: -4,
            }],
            active: true,
        };
        let attributes = to_item(&item).unwrap();
        assert_eq!(
            Value::Object(attributes.clone()),
            json!({
                "id": {"S": "a1"},
                "price": {"N": "2.5"},
                "qty": {"N": "3"},
                "note": {"NULL": true},
                "tags": {"SS": ["blue", "red"]},
                "sizes": {"NS": ["1", "10"]},
                "blob": {"B": "AAH/"},
                "blobs": {"BS": ["eA=="]},
                "parts": {"L": [{"M": {"name": {"S": "p"}, "weight": {"N": "-4"}}}]},
                "active": {"BOOL": true},
            })
        );
        assert_eq!(from_item::<Item>(&attributes).unwrap(), item);
    }

    #[test]
    fn empty_sets_are_left_out_and_read_back_empty() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Tags {
            id: String,
            #[serde(default)]
            tags: StringSet,
        }
        let item = to_item(&Tags {
            id: "a".into(),
            tags: StringSet::default(),
        })
        .unwrap();
        assert_eq!(Value::Object(item.clone()), json!({"id": {"S": "a"}}));
        assert_eq!(from_item::<Tags>(&item).unwrap().tags, StringSet::default());
    }

    #[test]
    fn what_does_not_fit_is_an_error_naming_the_attribute() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Priced {
            price: f64,
            parts: Vec<Part>,
        }
        let item = json!({"price": {"S": "12"}, "parts": {"L": []}});
        let err = from_item::<Priced>(item.as_object().unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"the item does not fit: price: invalid type: string "12", expected f64"#
        );
        let item = json!({"price": {"N": "1"}, "parts": {"L": [{"M": {"name": {"S": "p"}, "weight": {"S": "x"}}}]}});
        let err = from_item::<Priced>(item.as_object().unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the item does not fit: parts[0].weight: "),
            "{err}"
        );
        let item = json!({"price": {"N": "one"}});
        assert_eq!(
            from_item::<Priced>(item.as_object().unwrap()).unwrap_err(),
            ItemError::BadNumber("price".into())
        );
        let item = json!({"price": {"X": 1}});
        assert_eq!(
            from_item::<Priced>(item.as_object().unwrap()).unwrap_err(),
            ItemError::UnknownType("price".into())
        );
        assert_eq!(to_item(&5).unwrap_err(), ItemError::NotAMap("a number"));
    }
}
