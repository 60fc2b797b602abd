//! JSON string literals, escaped by hand for speed (the jsonl writer and the row decoder's
//! direct JSON path share it).

use super::short_copy::put;

/// Bytes that a JSON string must escape.
static ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A JSON string literal, escaped.
#[inline]
pub(crate) fn json_str(l: &mut Vec<u8>, s: &str) {
    if is_plain(s.as_bytes()) {
        quoted(l, s.as_bytes());
    } else {
        escaped(l, s);
    }
}

/// `"db":"...","table":"..."`, the names every change line carries (escaped once per table
/// on the fast path, per line on the other).
pub(crate) fn db_and_table(l: &mut Vec<u8>, db: &str, table: &str) {
    l.extend_from_slice(b"\"db\":");
    json_str(l, db);
    l.extend_from_slice(b",\"table\":");
    json_str(l, table);
}

/// Text as a JSON string literal when it is UTF-8; false, with nothing written, when it is
/// not. Plain ASCII, the common case, is checked and copied without a separate UTF-8 pass.
#[inline]
pub(crate) fn json_utf8(l: &mut Vec<u8>, b: &[u8]) -> bool {
    if is_plain(b) {
        quoted(l, b);
        return true;
    }
    match std::str::from_utf8(b) {
        Ok(s) => {
            escaped(l, s);
            true
        }
        Err(_) => false,
    }
}

#[inline]
fn quoted(l: &mut Vec<u8>, b: &[u8]) {
    l.reserve(b.len() + 2);
    l.push(b'"');
    put(l, b);
    l.push(b'"');
}

/// True when every byte is ASCII and needs no escape; eight bytes at a time.
#[inline]
fn is_plain(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte of `x` is zero exactly when its lane of this has the high bit set (for a
    // word with no high bits, which is checked alongside).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_ne_bytes(w.try_into().expect("8 bytes"));
        let control = x.wrapping_sub(ONES * 0x20) & !x;
        let quote = zero(x ^ (ONES * b'"' as u64));
        let backslash = zero(x ^ (ONES * b'\\' as u64));
        if (x | control | quote | backslash) & HIGH != 0 {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&c| c < 0x80 && !ESCAPE[c as usize])
}

/// The general case: escapes where needed, copies runs between them.
fn escaped(l: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    l.reserve(b.len() + 2);
    l.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !ESCAPE[c as usize] {
            i += 1;
            continue;
        }
        l.extend_from_slice(&b[start..i]);
        match c {
            b'"' => l.extend_from_slice(b"\\\""),
            b'\\' => l.extend_from_slice(b"\\\\"),
            b'\n' => l.extend_from_slice(b"\\n"),
            b'\r' => l.extend_from_slice(b"\\r"),
            b'\t' => l.extend_from_slice(b"\\t"),
            _ => {
                l.extend_from_slice(b"\\u00");
                l.push(HEX[(c >> 4) as usize]);
                l.push(HEX[(c & 15) as usize]);
            }
        }
        i += 1;
        start = i;
    }
    l.extend_from_slice(&b[start..]);
    l.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> String {
        let mut l = Vec::new();
        json_str(&mut l, s);
        String::from_utf8(l).unwrap()
    }

    #[test]
    fn every_char_at_every_position_reads_back_and_only_specials_are_escaped() {
        // Each byte at each offset of a word and in the remainder.
        for c in (0u8..0x80).map(char::from).chain(['é', '€', '😀']) {
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrst"[..at].into();
                s.push(c);
                s.push_str("xyz");
                let l = lit(&s);
                assert_eq!(
                    serde_json::from_str::<String>(&l).unwrap(),
                    s,
                    "{c:?} at {at}"
                );
                if c >= ' ' && c != '"' && c != '\\' {
                    assert_eq!(l, format!("\"{s}\""), "{c:?} at {at}");
                }
            }
        }
        assert_eq!(lit(""), "\"\"");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_and_nothing_is_written() {
        let mut l = b"x".to_vec();
        assert!(!json_utf8(&mut l, b"customer-\xff-1234567"));
        assert_eq!(l, b"x");
        assert!(json_utf8(&mut l, "caf\u{e9} \"1\"".as_bytes()));
        assert_eq!(l, "x\"caf\u{e9} \\\"1\\\"\"".as_bytes());
    }
}
