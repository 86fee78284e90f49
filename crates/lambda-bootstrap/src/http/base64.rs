//! Standard base64 (RFC 4648 §4: the `+/` alphabet, padded), for API
//! Gateway bodies with `isBase64Encoded`. Owns only the encoding: it knows
//! nothing of events or HTTP. Small enough to write rather than depend on:
//! two tables, two loops, the RFC's test vectors below.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks a byte outside the alphabet in `DECODE`.
const INVALID: u8 = 0xff;

/// `ALPHABET` inverted: one lookup per input byte instead of a chain of
/// range tests.
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Encodes `bytes` as standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut group = [0u8; 4];
        group[1..=chunk.len()].copy_from_slice(chunk);
        let n = u32::from_be_bytes(group);
        // n bytes of input carry n + 1 sextets; `=` fills the quad.
        for i in 0..4 {
            let sextet = (n >> (18 - 6 * i)) as usize & 63;
            out.push(if i <= chunk.len() {
                char::from(ALPHABET[sextet])
            } else {
                '='
            });
        }
    }
    out
}

/// Decodes padded standard base64. `Err(offset)` is the byte offset of the
/// first character that cannot be there: one outside the alphabet, `=`
/// before the end, or the start of an incomplete last quad (the input's
/// length is not a multiple of 4).
pub fn decode(text: &str) -> Result<Vec<u8>, usize> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return Err(bytes.len() - bytes.len() % 4);
    }
    // At most two `=`, and only at the very end; any other `=` is found
    // below as a character outside the alphabet.
    let padding = bytes
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    let data = &bytes[..bytes.len() - padding];
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for (q, quad) in data.chunks(4).enumerate() {
        let mut n = 0u32;
        for (i, &c) in quad.iter().enumerate() {
            let sextet = DECODE[usize::from(c)];
            if sextet == INVALID {
                return Err(q * 4 + i);
            }
            n |= u32::from(sextet) << (18 - 6 * i);
        }
        // A quad of k characters (2, 3 or 4) carries k - 1 bytes.
        out.extend_from_slice(&n.to_be_bytes()[1..quad.len()]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_4648_VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc_4648_vectors_both_ways() {
        for (plain, encoded) in RFC_4648_VECTORS {
            assert_eq!(encode(plain.as_bytes()), encoded, "encode {plain:?}");
            assert_eq!(
                decode(encoded).unwrap(),
                plain.as_bytes(),
                "decode {encoded:?}"
            );
        }
    }

    #[test]
    fn every_byte_value_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        // Every length, so that each byte lands in each position of a quad.
        for len in 0..=all.len() {
            assert_eq!(decode(&encode(&all[..len])).unwrap(), &all[..len]);
        }
        assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(decode("+/8=").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn errors_point_at_the_bad_byte() {
        for (text, offset) in [
            ("Zm9v!mFy", 4), // outside the alphabet
            ("Zm9v-_==", 4), // the URL-safe alphabet is another encoding
            ("Zm 9vYmF", 2), // whitespace is not skipped
            ("Zm9vY", 4),    // a lone character after the last quad
            ("Zm9vYg", 4),   // padding is required
            ("Zg=", 0),
            ("Zg=a", 2), // `=` before the end
            ("Z===", 1),
            ("Zm9v====", 4),
            ("====", 0),
        ] {
            assert_eq!(decode(text), Err(offset), "{text:?}");
        }
    }
}
