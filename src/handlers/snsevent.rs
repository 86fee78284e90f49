//! `snsevent`: receives SNS notifications and logs each one.
//!
//! The event is typed: [`SnsEvent`] names the fields this handler reads and
//! nothing else, so the rest of each record (signatures, URLs, attributes)
//! is skipped while parsing, never built.

use serde::Deserialize;
use serde_json::{Value, json};

use lambda_bootstrap::context::Context;
use lambda_bootstrap::handler::HandlerError;

/// An SNS event, as much of it as this handler reads.
#[derive(Debug, Deserialize)]
pub struct SnsEvent {
    /// One record per notification.
    #[serde(rename = "Records")]
    pub records: Vec<SnsRecord>,
}

/// One notification.
#[derive(Debug, Deserialize)]
pub struct SnsRecord {
    /// `aws:sns`.
    #[serde(rename = "EventSource")]
    pub event_source: Option<String>,
    /// The notification itself.
    #[serde(rename = "Sns")]
    pub sns: SnsMessage,
}

/// What SNS delivered.
#[derive(Debug, Deserialize)]
pub struct SnsMessage {
    /// The topic it was published to.
    #[serde(rename = "TopicArn")]
    pub topic_arn: Option<String>,
    /// The subject, when the publisher gave one.
    #[serde(rename = "Subject")]
    pub subject: Option<String>,
    /// The message text.
    #[serde(rename = "Message")]
    pub message: String,
}

/// Longest message text logged at INFO; the rest is counted, not shown, so a
/// large notification is never logged whole above DEBUG.
const MESSAGE_PREVIEW: usize = 200;

/// Logs each record's topic, subject and message (shortened) at INFO and
/// returns `{}`. An event that is not SNS records is refused before the
/// handler runs (`Runtime.UnmarshalError`, naming the field); one whose
/// records are empty or come from another source is a handler error.
pub fn handle(event: SnsEvent, _ctx: &Context) -> Result<Value, HandlerError> {
    let invalid = |message: String| HandlerError::new("InvalidEvent", message);
    if event.records.is_empty() {
        return Err(invalid("not an SNS event: 'Records' is empty".into()));
    }
    for (i, record) in event.records.iter().enumerate() {
        if let Some(source) = record.event_source.as_deref().filter(|s| *s != "aws:sns") {
            return Err(invalid(format!(
                "record {i} is not an SNS record: EventSource '{source}'"
            )));
        }
    }
    for SnsRecord { sns, .. } in &event.records {
        log::info!(
            "sns topic={} subject={} message={}",
            sns.topic_arn.as_deref().unwrap_or("?"),
            sns.subject.as_deref().unwrap_or("(none)"),
            preview(&sns.message)
        );
        log::debug!("sns message: {}", sns.message);
    }
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
    use lambda_bootstrap::handler::{Failure, buffered};

    /// Runs the handler as the runtime does: from the event's bytes.
    fn check(event: Value, expected: Result<(), Failure>) {
        let ctx = Context::local("r", Default::default());
        let got = buffered(handle, event.to_string().as_bytes(), &ctx);
        match (got, expected) {
            (Ok(answer), Ok(())) => assert_eq!(answer, b"{}"),
            (Err(e), Err(expected)) => assert_eq!(e, expected),
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    fn invalid(message: &str) -> Result<(), Failure> {
        Err(Failure::Handler(HandlerError::new("InvalidEvent", message)))
    }

    fn unfit(message: &str) -> Result<(), Failure> {
        Err(Failure::Unmarshal(format!(
            "the event does not fit SnsEvent: {message}"
        )))
    }

    fn record(sns: Value) -> Value {
        json!({"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns})
    }

    #[test]
    fn fixture_with_two_records() {
        let event =
            serde_json::from_str(include_str!("../../tests/data/sns-two-records.json")).unwrap();
        check(event, Ok(()));
    }

    #[test]
    fn what_is_missing_is_named() {
        check(json!({}), unfit("missing field `Records` (line 1, column 2)"));
        check(
            json!({"Records": {}}),
            unfit("Records: invalid type: map, expected a sequence (line 1, column 11)"),
        );
        check(json!({"Records": []}), invalid("not an SNS event: 'Records' is empty"));
        check(
            json!({"Records": [{"EventSource": "aws:sqs", "Sns": {"Message": "x"}}]}),
            invalid("record 0 is not an SNS record: EventSource 'aws:sqs'"),
        );
        check(
            json!({"Records": [record(json!({"Message": "a"})), {"EventSource": "aws:sns"}]}),
            unfit("Records[1]: missing field `Sns` (line 1, column 106)"),
        );
        check(
            json!({"Records": [record(json!({"Subject": "s"}))]}),
            unfit("Records[0].Sns: missing field `Message` (line 1, column 79)"),
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
