//! Where decoded text is written: a cell's `String`, or the bytes of a jsonl line.
//!
//! The jsonl path writes digits and fixed-width fields straight into the line, never into a
//! small stack buffer that is then copied: reading a wide word back right after writing it
//! in two-byte pieces stalls the processor, and that was a large part of decoding time.

use super::short_copy::put;

/// "00" to "99", two bytes each: two digits are one lookup.
static DIGITS2: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// The last two decimal digits of `v` into `b[0..2]`.
#[inline]
pub(crate) fn put2(b: &mut [u8], v: u64) {
    let i = (v % 100) as usize * 2;
    b[..2].copy_from_slice(&DIGITS2[i..i + 2]);
}

pub(crate) trait TextOut {
    /// An ASCII char.
    fn push(&mut self, c: char);
    fn push_str(&mut self, s: &str);
    /// ASCII bytes (digits).
    fn push_ascii(&mut self, b: &[u8]);
    /// `template` with `fill` applied, its first `len` bytes kept: for fixed-width ASCII
    /// fields (dates, times, fractions). This fills a copy and appends it; `Vec<u8>` fills
    /// the bytes where they land.
    #[inline]
    fn fill<const N: usize>(
        &mut self,
        template: [u8; N],
        len: usize,
        fill: impl FnOnce(&mut [u8; N]),
    ) {
        let mut b = template;
        fill(&mut b);
        self.push_ascii(&b[..len.min(N)]);
    }

    #[inline]
    fn push_u64(&mut self, v: u64) {
        self.push_str(itoa::Buffer::new().format(v));
    }

    /// `v` zero-padded to `w` digits.
    #[inline]
    fn push_pad(&mut self, v: u64, w: usize) {
        if w <= 9 && v < 10u64.pow(w as u32) {
            // The common case (date and time fields): digits in place, no formatter.
            self.fill([b'0'; 9], w, |b| {
                let mut x = v;
                for d in b[..w].iter_mut().rev() {
                    *d = b'0' + (x % 10) as u8;
                    x /= 10;
                }
            });
            return;
        }
        let mut b = itoa::Buffer::new();
        let t = b.format(v);
        for _ in t.len()..w {
            self.push('0');
        }
        self.push_str(t);
    }
}

impl TextOut for String {
    #[inline]
    fn push(&mut self, c: char) {
        String::push(self, c)
    }
    #[inline]
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s)
    }
    #[inline]
    fn push_ascii(&mut self, b: &[u8]) {
        self.extend(b.iter().map(|&c| c as char))
    }
}

impl TextOut for Vec<u8> {
    #[inline]
    fn push(&mut self, c: char) {
        debug_assert!(c.is_ascii());
        Vec::push(self, c as u8)
    }
    #[inline]
    fn push_str(&mut self, s: &str) {
        put(self, s.as_bytes())
    }
    #[inline]
    fn push_ascii(&mut self, b: &[u8]) {
        put(self, b)
    }
    #[inline]
    fn fill<const N: usize>(
        &mut self,
        template: [u8; N],
        len: usize,
        fill: impl FnOnce(&mut [u8; N]),
    ) {
        let at = self.len();
        self.extend_from_slice(&template);
        let w: &mut [u8; N] = (&mut self[at..]).try_into().expect("N bytes appended");
        fill(w);
        self.truncate(at + len.min(N));
    }
    #[inline]
    fn push_u64(&mut self, v: u64) {
        put_u64(self, v)
    }
}

/// The decimal digits of `v`, written straight into `out`.
#[inline]
pub(crate) fn put_u64(out: &mut Vec<u8>, v: u64) {
    let n = 1 + v.checked_ilog10().unwrap_or(0) as usize;
    out.fill([b'0'; 20], n, |b| {
        let (mut x, mut i) = (v, n);
        while x >= 100 {
            i -= 2;
            put2(&mut b[i..], x);
            x /= 100;
        }
        if x >= 10 {
            put2(&mut b[i - 2..], x);
        } else {
            b[i - 1] = b'0' + x as u8;
        }
    });
}

/// The decimal digits of `v`, with its sign, written straight into `out`.
#[inline]
pub(crate) fn put_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    put_u64(out, v.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_back_at_every_width_and_both_ends() {
        let mut values = vec![0, 1, 9, 10, 99, 100, i64::MAX, i64::MIN, -1, -10, -99];
        for p in 1..19 {
            let t = 10i64.pow(p);
            values.extend([t - 1, t, t + 1, -t, -(t - 1)]);
        }
        for v in values {
            let mut out = b"x".to_vec();
            put_i64(&mut out, v);
            assert_eq!(out, format!("x{v}").into_bytes(), "{v}");
        }
        let mut out = Vec::new();
        put_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string().into_bytes());
    }

    #[test]
    fn padded_fields_are_the_same_in_a_string_and_in_bytes() {
        for (v, w) in [(7, 2), (2026, 4), (123, 6), (0, 9), (12_345, 2), (5, 0)] {
            let mut s = String::new();
            s.push_pad(v, w);
            let mut b = Vec::new();
            b.push_pad(v, w);
            assert_eq!(s.as_bytes(), b, "{v} to {w}");
            assert_eq!(s, format!("{v:0w$}"), "{v} to {w}");
        }
    }
}
