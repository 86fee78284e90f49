//! Operation ids, derived as the specification and every SDK derive them,
//! so that replay finds each operation where the code creates it again:
//! the n-th operation (from 1) of the top level is BLAKE2b-512 of `"n"`,
//! the n-th inside a child context that of `"<parent id>-n"`, as the
//! first 64 hex characters of the digest.

use blake2::{Blake2b512, Digest};

/// The id of the `n`-th operation (counted from 1) under `parent`.
pub fn derive(parent: Option<&str>, n: u32) -> String {
    let seed = match parent {
        Some(parent) => format!("{parent}-{n}"),
        None => n.to_string(),
    };
    let digest = Blake2b512::digest(seed.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in &digest[..32] {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_recorded_ones() {
        // The ids of the recorded exchanges' first three operations.
        assert_eq!(
            derive(None, 1),
            "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97"
        );
        assert_eq!(
            derive(None, 2),
            "c5faca15ac2f93578b39ef4b6bbb871bdedce4ddd584fd31f0bb66fade3947e6"
        );
        assert_eq!(
            derive(None, 3),
            "6f760b9e9eac89f07ab0223b0f4acb04d1e355d893a1b86a83f4d4b405adee99"
        );
        // A child's: Python's hashlib.blake2b(b"<parent>-1").hexdigest()[:64].
        let parent = derive(None, 1);
        assert_eq!(
            derive(Some(&parent), 1),
            "974bfc6321e227b0ff101342eaf19b336f002dc6cc99c18f0941a7755cc20fc4"
        );
    }
}
