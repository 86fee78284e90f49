//! `snsevent`: receives SNS notifications and logs each one.

use serde_json::{Value, json};

use crate::context::Context;
use crate::handler::HandlerError;

/// Longest message text logged at INFO; the rest is counted, not shown, so a
/// large notification is never logged whole above DEBUG.
const MESSAGE_PREVIEW: usize = 200;

/// Logs each record's topic, subject and message (shortened) at INFO and
/// returns `{}`. An event that is not SNS records is a handler error.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let invalid = |message: String| HandlerError::new("InvalidEvent", message);
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("not an SNS event: no 'Records' array".into()))?;
    if records.is_empty() {
        return Err(invalid("not an SNS event: 'Records' is empty".into()));
    }
    let mut notifications = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let source = record.get("EventSource").and_then(Value::as_str);
        if source.is_some_and(|s| s != "aws:sns") {
            return Err(invalid(format!(
                "record {i} is not an SNS record: EventSource '{}'",
                source.unwrap_or_default()
            )));
        }
        let sns = record
            .get("Sns")
            .filter(|s| s.is_object())
            .ok_or_else(|| invalid(format!("record {i} has no 'Sns' object")))?;
        let text = |key: &str| sns.get(key).and_then(Value::as_str);
        let message = text("Message").ok_or_else(|| invalid(format!("record {i} has no 'Sns.Message'")))?;
        notifications.push((text("TopicArn").unwrap_or("?"), text("Subject"), message));
    }
    for (topic, subject, message) in notifications {
        log::info!(
            "sns topic={topic} subject={} message={}",
            subject.unwrap_or("(none)"),
            preview(message)
        );
    }
    log::debug!("sns event: {event}");
    Ok(json!({}))
}

fn preview(message: &str) -> String {
    if message.len() <= MESSAGE_PREVIEW {
        return format!("{message:?}");
    }
    let mut end = MESSAGE_PREVIEW;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &message[..end], message.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::FunctionInfo;

    fn check(event: Value, expected: Result<(), &str>) {
        let ctx = Context::local("r", std::rc::Rc::new(FunctionInfo::default()));
        match (handle(event, &ctx), expected) {
            (Ok(v), Ok(())) => assert_eq!(v, json!({})),
            (Err(e), Err(message)) => {
                assert_eq!(e.error_type(), "InvalidEvent");
                assert_eq!(e.message(), message);
            }
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    fn record(sns: Value) -> Value {
        json!({"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns})
    }

    #[test]
    fn fixture_with_two_records() {
        let event = serde_json::from_str(include_str!("../../tests/data/sns-two-records.json")).unwrap();
        check(event, Ok(()));
    }

    #[test]
    fn what_is_missing_is_named() {
        check(json!({}), Err("not an SNS event: no 'Records' array"));
        check(json!({"Records": {}}), Err("not an SNS event: no 'Records' array"));
        check(json!({"Records": []}), Err("not an SNS event: 'Records' is empty"));
        check(
            json!({"Records": [{"EventSource": "aws:sqs", "body": "x"}]}),
            Err("record 0 is not an SNS record: EventSource 'aws:sqs'"),
        );
        check(
            json!({"Records": [record(json!({"Message": "a"})), {"EventSource": "aws:sns"}]}),
            Err("record 1 has no 'Sns' object"),
        );
        check(
            json!({"Records": [record(json!({"Subject": "s"}))]}),
            Err("record 0 has no 'Sns.Message'"),
        );
    }

    #[test]
    fn long_messages_are_shortened_on_a_char_boundary() {
        assert_eq!(preview("hi \"there\""), "\"hi \\\"there\\\"\"");
        let long = "é".repeat(150);
        let shown = preview(&long);
        assert!(shown.ends_with("… (300 bytes)"), "{shown}");
        assert_eq!(shown.matches('é').count(), 100);
    }
}
