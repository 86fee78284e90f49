//! [`Table`]: typed `GetItem`, `PutItem`, `Query` and `DeleteItem` on one
//! table, with conditions, over `aws::Client::json`. What a call sends is
//! built here from serde types through [`super::item`]; sending, signing
//! and retrying are the client's.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::item::{ItemError, from_item, to_attribute, to_item};
use crate::aws::{self, Client};
use crate::context::Context;

/// Why a typed call failed.
#[derive(Debug)]
pub enum Error {
    /// A write's condition was false (`ConditionalCheckFailedException`):
    /// nothing was written.
    ConditionFailed,
    /// The call failed: AWS's answer, the network, the deadline.
    Aws(aws::Error),
    /// A value did not become an item, or an item did not fit its type.
    Item(ItemError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ConditionFailed => f.write_str("the condition of the write was false"),
            Error::Aws(e) => e.fmt(f),
            Error::Item(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<ItemError> for Error {
    fn from(e: ItemError) -> Error {
        Error::Item(e)
    }
}

impl From<aws::Error> for Error {
    fn from(e: aws::Error) -> Error {
        if e.code() == Some("ConditionalCheckFailedException") {
            Error::ConditionFailed
        } else {
            Error::Aws(e)
        }
    }
}

/// A condition or key condition: the expression, and the names (`#n`)
/// and values (`:v`) it refers to, values as serde types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expression {
    text: String,
    names: Map<String, Value>,
    values: Map<String, Value>,
}

impl Expression {
    /// `text`, DynamoDB's expression syntax: `attribute_not_exists(id)`,
    /// `#s = :open`.
    pub fn new(text: impl Into<String>) -> Expression {
        Expression {
            text: text.into(),
            ..Expression::default()
        }
    }

    /// `#name` stands for attribute `attribute` (for reserved words).
    pub fn name(mut self, name: &str, attribute: &str) -> Expression {
        self.names.insert(name.to_string(), Value::from(attribute));
        self
    }

    /// `:name` stands for `value`, as an attribute value.
    pub fn value<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
    ) -> Result<Expression, ItemError> {
        self.values.insert(name.to_string(), to_attribute(value)?);
        Ok(self)
    }

    fn add_to(&self, input: &mut Value, field: &str) {
        input[field] = Value::from(self.text.as_str());
        if !self.names.is_empty() {
            input["ExpressionAttributeNames"] = Value::Object(self.names.clone());
        }
        if !self.values.is_empty() {
            input["ExpressionAttributeValues"] = Value::Object(self.values.clone());
        }
    }
}

/// One DynamoDB table, called through `client`.
#[derive(Debug, Clone, Copy)]
pub struct Table<'c> {
    client: &'c Client,
    name: &'c str,
}

impl<'c> Table<'c> {
    /// Table `name`, through `client`.
    pub fn new(client: &'c Client, name: &'c str) -> Table<'c> {
        Table { client, name }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        self.name
    }

    fn call(&self, ctx: &Context, operation: &str, input: &Value) -> Result<Value, Error> {
        Ok(self.client.json(ctx, &aws::DYNAMODB, operation, input)?)
    }

    /// The item with `key` (a struct or map of the key's attributes), read
    /// consistently, as `T`; `None` when there is none.
    pub fn get_item<T: DeserializeOwned>(
        &self,
        ctx: &Context,
        key: &(impl Serialize + ?Sized),
    ) -> Result<Option<T>, Error> {
        let input = json!({
            "TableName": self.name,
            "Key": to_item(key)?,
            "ConsistentRead": true,
        });
        let answer = self.call(ctx, "GetItem", &input)?;
        match answer.get("Item").and_then(Value::as_object) {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Writes `item`, replacing any with its key.
    pub fn put_item(&self, ctx: &Context, item: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        self.put(ctx, item, None)
    }

    /// Writes `item` only when `condition` holds on the item its key names
    /// now; [`Error::ConditionFailed`] when it does not.
    pub fn put_item_if(
        &self,
        ctx: &Context,
        item: &(impl Serialize + ?Sized),
        condition: &Expression,
    ) -> Result<(), Error> {
        self.put(ctx, item, Some(condition))
    }

    fn put(
        &self,
        ctx: &Context,
        item: &(impl Serialize + ?Sized),
        condition: Option<&Expression>,
    ) -> Result<(), Error> {
        let mut input = json!({"TableName": self.name, "Item": to_item(item)?});
        if let Some(condition) = condition {
            condition.add_to(&mut input, "ConditionExpression");
        }
        self.call(ctx, "PutItem", &input).map(drop)
    }

    /// Deletes the item with `key`, when `condition` (if any) holds.
    pub fn delete_item(
        &self,
        ctx: &Context,
        key: &(impl Serialize + ?Sized),
        condition: Option<&Expression>,
    ) -> Result<(), Error> {
        let mut input = json!({"TableName": self.name, "Key": to_item(key)?});
        if let Some(condition) = condition {
            condition.add_to(&mut input, "ConditionExpression");
        }
        self.call(ctx, "DeleteItem", &input).map(drop)
    }

    /// The items `key_condition` selects, every page of them, as `T`.
    pub fn query<T: DeserializeOwned>(
        &self,
        ctx: &Context,
        key_condition: &Expression,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut start: Option<Value> = None;
        loop {
            let mut input = json!({"TableName": self.name});
            key_condition.add_to(&mut input, "KeyConditionExpression");
            if let Some(start) = start.take() {
                input["ExclusiveStartKey"] = start;
            }
            let answer = self.call(ctx, "Query", &input)?;
            for item in answer["Items"].as_array().into_iter().flatten() {
                let item = item
                    .as_object()
                    .ok_or(ItemError::NotAMap(crate::handler::json_kind(item)))?;
                items.push(from_item(item)?);
            }
            match answer.get("LastEvaluatedKey") {
                Some(key) if key.is_object() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }
}
