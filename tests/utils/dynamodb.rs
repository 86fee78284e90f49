//! Typed DynamoDB items and calls against moto: what is stored is read
//! back raw, to see the attribute types DynamoDB holds.

use lambda_bootstrap::aws;
use lambda_bootstrap::dynamodb::{
    Binary, Error, Expression, NumberSet, StringSet, Table, from_item, to_item,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::support::{context, create_table, moto_client, unique};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    id: String,
    price: f64,
    qty: u64,
    note: Option<String>,
    tags: StringSet,
    sizes: NumberSet,
    image: Binary,
}

fn item(id: &str) -> Item {
    Item {
        id: id.into(),
        price: 2.5,
        qty: 3,
        note: None,
        tags: StringSet(["a".to_string(), "b".to_string()].into()),
        sizes: NumberSet([1, 2].into()),
        image: Binary(vec![0, 159, 146, 150]),
    }
}

#[test]
fn items_are_stored_with_dynamodbs_types_and_read_back_typed() {
    let name = unique("typed");
    create_table(&name);
    let client = moto_client();
    let ctx = context(30_000);
    let table = Table::new(&client, &name);
    table.put_item(&ctx, &item("a1")).unwrap();

    let raw = client
        .json(
            &ctx,
            &aws::DYNAMODB,
            "GetItem",
            &json!({"TableName": name, "Key": {"id": {"S": "a1"}}}),
        )
        .unwrap();
    let stored = &raw["Item"];
    assert_eq!(stored["price"], json!({"N": "2.5"}), "{raw}");
    assert_eq!(stored["qty"], json!({"N": "3"}), "{raw}");
    assert_eq!(stored["note"], json!({"NULL": true}), "{raw}");
    assert_eq!(stored["image"], json!({"B": "AJ+Slg=="}), "{raw}");
    let mut tags: Vec<&str> = stored["tags"]["SS"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, ["a", "b"], "{raw}");
    let mut sizes: Vec<&str> = stored["sizes"]["NS"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    sizes.sort();
    assert_eq!(sizes, ["1", "2"], "{raw}");
    assert_eq!(
        from_item::<Item>(stored.as_object().unwrap()).unwrap(),
        item("a1")
    );

    let got: Option<Item> = table.get_item(&ctx, &json!({"id": "a1"})).unwrap();
    assert_eq!(got, Some(item("a1")));
    let none: Option<Item> = table.get_item(&ctx, &json!({"id": "zz"})).unwrap();
    assert_eq!(none, None);
}

#[test]
fn a_conditional_write_that_fails_writes_nothing_and_says_so() {
    let name = unique("cond");
    create_table(&name);
    let client = moto_client();
    let ctx = context(30_000);
    let table = Table::new(&client, &name);
    let absent = Expression::new("attribute_not_exists(id)");
    table.put_item_if(&ctx, &item("c1"), &absent).unwrap();
    let mut changed = item("c1");
    changed.price = 9.0;
    let err = table.put_item_if(&ctx, &changed, &absent).unwrap_err();
    assert!(matches!(err, Error::ConditionFailed), "{err}");
    let got: Item = table.get_item(&ctx, &json!({"id": "c1"})).unwrap().unwrap();
    assert_eq!(got.price, 2.5);

    // A condition on a value, with a name for a reserved word.
    let cheap = Expression::new("#p < :max")
        .name("#p", "price")
        .value(":max", &5)
        .unwrap();
    table.put_item_if(&ctx, &changed, &cheap).unwrap();
    let err = table
        .delete_item(&ctx, &json!({"id": "c1"}), Some(&cheap))
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed), "{err}");
    table.delete_item(&ctx, &json!({"id": "c1"}), None).unwrap();
    assert_eq!(
        table.get_item::<Item>(&ctx, &json!({"id": "c1"})).unwrap(),
        None
    );
}

#[test]
fn a_query_reads_typed_items_and_a_misfit_names_the_attribute() {
    let name = unique("query");
    create_table(&name);
    let client = moto_client();
    let ctx = context(30_000);
    let table = Table::new(&client, &name);
    table.put_item(&ctx, &item("q1")).unwrap();
    table.put_item(&ctx, &item("q2")).unwrap();
    let by_id = Expression::new("id = :id").value(":id", "q2").unwrap();
    let found: Vec<Item> = table.query(&ctx, &by_id).unwrap();
    assert_eq!(found, [item("q2")]);

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        id: String,
        price: String,
    }
    let err = table.query::<Wrong>(&ctx, &by_id).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the item does not fit: price: invalid type: floating point `2.5`, expected a string"
    );
    // An item that is not a map is refused before any call.
    assert!(to_item(&"text").is_err());
}
