//! The little XML that AWS's error answers need read: the text of one
//! element. S3 answers errors in XML, and so do gateways and moto where a
//! JSON protocol's answer belongs; `s3.rs` and `json.rs` both read them
//! through this one function.
//!
//! Pure, and no XML parser: only the first `<tag>…</tag>` is looked for.

/// The text of the first `<tag>…</tag>`, entities decoded and trimmed;
/// `None` when there is none or it is empty.
pub(crate) fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    let text = xml[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_elements_text_decoded() {
        let check = |xml: &str, tag: &str, expected: Option<&str>| {
            assert_eq!(xml_text(xml, tag).as_deref(), expected, "{xml}");
        };
        check("<a><Code>x &lt;y&gt;</Code></a>", "Code", Some("x <y>"));
        check(
            "<Error><Code>A</Code><Code>B</Code></Error>",
            "Code",
            Some("A"),
        );
        check("<Key>a&amp;b &quot;c&apos;</Key>", "Key", Some("a&b \"c'"));
        check("<Code> </Code>", "Code", None);
        check("<Code>unclosed", "Code", None);
        check("<Message>m</Message>", "Code", None);
    }
}
