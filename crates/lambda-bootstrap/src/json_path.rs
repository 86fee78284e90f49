//! Where in an event a parse failed, as a JSON path (`Records[2].body`):
//! serde_json says where as a line and column, and this walks the event's
//! bytes up to that place, keeping the object keys and array indexes it is
//! inside. Only run on an event that did not fit its type, so the common
//! case pays nothing; a linear scan of at most the event (7 MiB), with no
//! recursion, whatever the nesting.

/// The most bytes of one object key the path keeps: a key is event data,
/// of any size; a longer one is cut on a character boundary and ends in
/// `…`. Every level is kept.
const MAX_KEY: usize = 128;

/// The path of the value being read at `line`:`column` (serde_json's
/// one-based line, and column counted in bytes from the line's start) of
/// `json`; empty at the top level.
pub fn path_at(json: &[u8], line: usize, column: usize) -> String {
    let mut start = 0;
    for _ in 1..line {
        match json[start..].iter().position(|&b| b == b'\n') {
            Some(at) => start += at + 1,
            None => break,
        }
    }
    let end = (start + column).min(json.len());
    path_before(&json[..end])
}

/// One container the scan is inside.
enum Frame {
    /// An object, and the key of the value being read (once one was).
    Object {
        key: Option<String>,
        expect_key: bool,
    },
    /// An array, and the index of the element being read.
    Array { index: usize },
}

/// The path of the value being read at the end of `json`, a prefix of a
/// JSON text (whose syntax serde_json has checked up to there).
fn path_before(json: &[u8]) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                None => {}
            },
            b'"' => {
                let (text, next) = string(json, i + 1);
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        *key = Some(text);
                        *expect_key = false;
                    }
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                push_key(&mut path, key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}

/// Appends `key`, cut to [`MAX_KEY`] bytes when longer.
fn push_key(path: &mut String, key: &str) {
    if key.len() <= MAX_KEY {
        path.push_str(key);
        return;
    }
    let mut end = MAX_KEY;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    path.push_str(&key[..end]);
    path.push('…');
}

/// The string starting after its opening quote at `from`: its text (the
/// common escapes decoded, others kept as written) and the index after its
/// closing quote (or the end).
fn string(json: &[u8], from: usize) -> (String, usize) {
    let mut text = Vec::new();
    let mut i = from;
    while i < json.len() {
        match json[i] {
            b'"' => return (String::from_utf8_lossy(&text).into_owned(), i + 1),
            b'\\' if i + 1 < json.len() => {
                let escaped = json[i + 1];
                match escaped {
                    b'n' => text.push(b'\n'),
                    b't' => text.push(b'\t'),
                    b'r' => text.push(b'\r'),
                    b'"' | b'\\' | b'/' => text.push(escaped),
                    _ => text.extend_from_slice(&json[i..i + 2]),
                }
                i += 2;
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&text).into_owned(), i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path serde_json's own position for `T` gives.
    fn check<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str, expected: &str) {
        let e = serde_json::from_str::<T>(json).unwrap_err();
        assert_eq!(
            path_at(json.as_bytes(), e.line(), e.column()),
            expected,
            "{e}"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Batch {
        #[serde(rename = "Records")]
        records: Vec<Message>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Message {
        #[serde(rename = "messageId")]
        message_id: String,
        body: String,
        #[serde(default)]
        tags: Vec<u8>,
    }

    #[test]
    fn the_path_of_the_value_that_did_not_fit() {
        check::<Batch>(
            r#"{"Records": [{"messageId": "m", "body": 5}]}"#,
            "Records[0].body",
        );
        check::<Batch>(
            "{\"Records\": [\n  {\"messageId\": \"m\", \"body\": \"a\"},\n  {\"messageId\": 7, \"body\": \"b\"}]}",
            "Records[1].messageId",
        );
        // A missing field: the object it is missing from.
        check::<Batch>(
            r#"{"Records": [{"body": "a"}, {"body": "b"}]}"#,
            "Records[0]",
        );
        check::<Batch>(
            r#"{"Records": [{"messageId": "m", "body": "a", "tags": [1, 2, 300]}]}"#,
            "Records[0].tags[2]",
        );
        // Keys with quotes, commas and brackets in them, and skipped
        // values of every kind before the one that did not fit.
        check::<Batch>(
            r#"{"x\"]": {"a": [1, {"b,": "}"}]}, "Records": [{"messageId": "m", "body": null}]}"#,
            "Records[0].body",
        );
        // A key of any length is event data: the path keeps each level, a
        // long key cut on a character boundary.
        let key = "é".repeat(100_000);
        let cut = format!("{}…", "é".repeat(MAX_KEY / 2));
        check::<std::collections::HashMap<String, Vec<u32>>>(
            &format!(r#"{{"a": [1], "{key}": [1, "x"]}}"#),
            &format!("{cut}[1]"),
        );
        let odd = format!("x{key}");
        check::<Vec<std::collections::HashMap<String, u32>>>(
            &format!(r#"[{{}}, {{"{odd}": null}}]"#),
            &format!("[1].x{}…", "é".repeat(MAX_KEY / 2 - 1)),
        );
        check::<Batch>("[]", "");
        check::<Batch>("5", "");
        check::<Vec<u32>>("[1, 2, \"é\", 4]", "[2]");
        check::<Vec<Vec<u32>>>("[[1], [2, [3]]]", "[1][1]");
    }
}
