//! Route patterns: `/items/{id}` matched against a request's path, segment
//! by segment, with `{name}` taking one segment and a last `{name+}` the
//! rest (API Gateway's greedy parameter; anywhere else it matches
//! nothing). Literal segments match exactly; a parameter's value is
//! percent-decoded. Pure: strings in, captures out.

use std::borrow::Cow;

/// What a pattern captured: each parameter's name and decoded value, in
/// the pattern's order.
pub type Captures<'a> = Vec<(&'static str, Cow<'a, str>)>;

/// The captures of `pattern` on `path`, or `None` when it does not match.
/// A trailing slash on either side is ignored; an empty segment never
/// fills a parameter.
pub fn matches<'a>(pattern: &'static str, path: &'a str) -> Option<Captures<'a>> {
    let mut captures = Vec::new();
    let mut rest = segments(path);
    let mut wanted = segments(pattern).peekable();
    while let Some(part) = wanted.next() {
        if let Some(name) = part
            .strip_prefix('{')
            .and_then(|p| p.strip_suffix("+}"))
            .filter(|_| wanted.peek().is_none())
        {
            let tail: Vec<&str> = rest.by_ref().collect();
            if tail.is_empty() {
                return None;
            }
            captures.push((name, decode(&tail.join("/"))));
            return Some(captures);
        }
        let got = rest.next()?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            // A greedy parameter before the end is a mistake in the table,
            // which no path can match.
            Some(name) if name.ends_with('+') => return None,
            Some(name) => captures.push((name, decode_borrowed(got))),
            None if part == got => {}
            None => return None,
        }
    }
    rest.next().is_none().then_some(captures)
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn decode_borrowed(raw: &str) -> Cow<'_, str> {
    if raw.contains('%') {
        decode(raw)
    } else {
        Cow::Borrowed(raw)
    }
}

/// `%XX` decoded (`+` stays: in a path it is a plus); a `%` without two
/// hex digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
fn decode<'a>(raw: &str) -> Cow<'a, str> {
    let bytes = raw.as_bytes();
    let hex = |i: usize| bytes.get(i).and_then(|&b| char::from(b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &'static str, path: &str, expected: Option<&[(&str, &str)]>) {
        let got = matches(pattern, path);
        let got: Option<Vec<(&str, &str)>> = got
            .as_ref()
            .map(|c| c.iter().map(|(n, v)| (*n, v.as_ref())).collect());
        assert_eq!(got.as_deref(), expected, "{pattern} on {path}");
    }

    #[test]
    fn literals_parameters_and_greedy_tails() {
        check("/", "/", Some(&[]));
        check("/items", "/items", Some(&[]));
        check("/items", "/items/", Some(&[]));
        check("/items", "/item", None);
        check("/items", "/items/1", None);
        check("/items/{id}", "/items/42", Some(&[("id", "42")]));
        check("/items/{id}", "/items", None);
        check("/items/{id}", "/items/", None);
        check("/items/{id}", "/items/4/2", None);
        check(
            "/items/{id}",
            "/items/a%2Fb%20c+d",
            Some(&[("id", "a/b c+d")]),
        );
        check("/items/{id}", "/items/100%", Some(&[("id", "100%")]));
        check(
            "/users/{user}/items/{id}",
            "/users/u1/items/i2",
            Some(&[("user", "u1"), ("id", "i2")]),
        );
        check(
            "/files/{path+}",
            "/files/a/b/c.txt",
            Some(&[("path", "a/b/c.txt")]),
        );
        check("/files/{path+}", "/files", None);
        // Greedy only at the end; elsewhere nothing matches.
        check("/{a+}/x", "/b/x", None);
    }
}
