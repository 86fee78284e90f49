//! `scheduleevent`: runs on a schedule, with serverless.yml's `input` object
//! or EventBridge's bare "Scheduled Event" envelope.

use serde_json::{Value, json};

use crate::context::Context;
use crate::handler::{HandlerError, json_kind};

/// Logs what it got at DEBUG and returns `{}`. Anything but a JSON object
/// is a handler error: neither form of scheduled event is anything else.
pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    let Some(object) = event.as_object() else {
        return Err(HandlerError::new(
            "InvalidEvent",
            format!("a scheduled event is a JSON object, got {}", json_kind(&event)),
        ));
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    if text("source") == Some("aws.events") && text("detail-type") == Some("Scheduled Event") {
        let rule = event.pointer("/resources/0").and_then(Value::as_str).unwrap_or("?");
        log::debug!("scheduled event from {rule} at {}", text("time").unwrap_or("?"));
    } else {
        log::debug!("scheduled with input: {event}");
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::FunctionInfo;

    fn check(event: Value, expected: Result<Value, &str>) {
        let ctx = Context::local("r", std::rc::Rc::new(FunctionInfo::default()));
        let got = handle(event, &ctx).map_err(|e| e.message().to_string());
        assert_eq!(got, expected.map_err(String::from));
    }

    #[test]
    fn both_fixtures_answer_empty_objects() {
        for fixture in [
            include_str!("../../tests/data/schedule-input.json"),
            include_str!("../../tests/data/eventbridge-scheduled.json"),
        ] {
            check(serde_json::from_str(fixture).unwrap(), Ok(json!({})));
        }
    }

    #[test]
    fn non_objects_are_refused() {
        check(json!(42), Err("a scheduled event is a JSON object, got a number"));
        check(json!(null), Err("a scheduled event is a JSON object, got null"));
        check(json!(["x"]), Err("a scheduled event is a JSON object, got an array"));
    }
}
