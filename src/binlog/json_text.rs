//! JSON string literals, escaped by hand for speed (the jsonl writer and the row decoder's
//! direct JSON path share it).

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
pub fn json_str(l: &mut Vec<u8>, s: &str) {
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
