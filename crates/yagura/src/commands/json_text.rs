//! JSON text written straight into a byte buffer, the bytes `serde_json`
//! writes for the same values: a hunt's timeline rows are most of its
//! output, and `serde_json` escapes a string one byte at a time, where
//! here runs of bytes that need no escape are found eight at a time and
//! copied whole.

/// `s` as a JSON string: `"` and `\` escaped, `\b`, `\f`, `\n`, `\r`, `\t`
/// for those controls and `\u00XX` (lower-case hex) for the others;
/// everything else, DEL and non-ASCII included, as it is.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // The next byte to escape, from `i`.
        let Some(at) = next_escape(b, i) else {
            break;
        };
        out.extend_from_slice(&b[start..at]);
        escape(out, b[at]);
        i = at + 1;
        start = i;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// `v` as JSON: a string, or `null`.
pub(crate) fn opt_string(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Whether a byte needs escaping in a JSON string.
fn needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// The first byte from `from` on that needs escaping: eight bytes at a
/// time while none of them does (a byte below 0x20, `"` or `\` sets the
/// high bit of its lane), then byte by byte.
fn next_escape(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(w) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(w.try_into().unwrap_or([b'"'; 8]));
        // A lane's high bit is set when its byte is below 0x20 or is one
        // of the two; never otherwise for a byte below 0x80, and a byte
        // of 0x80 or more is excluded by `!x`.
        let below = x.wrapping_sub(ONES * 0x20);
        let quote = (x ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
        let slash = (x ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
        if (below | quote | slash) & !x & HIGH != 0 {
            break;
        }
        i += 8;
    }
    b[i..].iter().position(|&c| needs_escape(c)).map(|p| i + p)
}

fn escape(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(c >> 4)],
            HEX[usize::from(c & 15)],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn every_byte_value_is_written_as_serde_json_writes_it() {
        for c in 0..=0x7fu8 {
            let s = char::from(c).to_string();
            // At each place of a word, so that each lane is tried.
            for at in 0..17 {
                let text = format!("{}{s}{}", "a".repeat(at), "b".repeat(16 - at.min(16)));
                assert_eq!(
                    ours(&text),
                    serde_json::to_string(&text).expect("a string"),
                    "{c:#04x} at {at}"
                );
            }
        }
        assert_eq!(ours(""), "\"\"");
        let mut out = Vec::new();
        opt_string(&mut out, None);
        assert_eq!(out, b"null");
    }

    proptest! {
        #[test]
        fn any_text_is_written_as_serde_json_writes_it(s in any::<String>()) {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).expect("a string"));
        }

        #[test]
        fn control_heavy_text_is_written_as_serde_json_writes_it(
            s in "[\\x00-\\x21\"\\\\a-z\u{7f}\u{80}-\u{10ffff}]{0,40}"
        ) {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).expect("a string"));
        }
    }
}
