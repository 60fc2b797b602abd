//! How cells, times and sizes read on screen.

use crate::binlog::change::{Cell, Row};
use crate::calendar::Date;

/// A cell as one line of text: NULL, numbers and text as they are, bytes as hex.
pub(crate) fn cell(c: &Cell) -> String {
    match c {
        Cell::Null => "NULL".to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::UInt(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Decimal(s)
        | Cell::Text(s)
        | Cell::Date(s)
        | Cell::Time(s)
        | Cell::DateTime(s)
        | Cell::Timestamp(s) => s.replace(['\n', '\r', '\t'], " "),
        Cell::Bytes(b) => {
            let mut s = String::from("0x");
            for byte in b.iter().take(32) {
                s.push_str(&format!("{byte:02x}"));
            }
            if b.len() > 32 {
                s.push_str(&format!("… ({} bytes)", b.len()));
            }
            s
        }
        Cell::Json(v) => v.to_string(),
        Cell::JsonDiff(ops) => format!("JSON diff, {} op(s)", ops.len()),
        Cell::Vector(v) => format!("VECTOR[{}]", v.len()),
    }
}

/// The value of a column in a row image.
pub(crate) fn get<'a>(row: &'a Row, column: &str) -> Option<&'a Cell> {
    row.iter().find(|(n, _)| n == column).map(|(_, c)| c)
}

/// At most `max` characters, an ellipsis marking a cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// At most `max` characters of `s` from about `from` on (a character index): where two
/// values first differ, so a cut never hides the change. `…` marks each cut end.
pub(crate) fn clip_from(s: &str, max: usize, from: usize) -> String {
    let len = s.chars().count();
    if len <= max || from + 1 < max {
        return clip(s, max);
    }
    // A few characters of what they share stay in view before the difference.
    let start = from
        .saturating_sub(4)
        .min(len.saturating_sub(max.saturating_sub(1)));
    let mut out = String::from("…");
    out.push_str(&clip(
        &s.chars().skip(start).collect::<String>(),
        max.saturating_sub(1),
    ));
    out
}

/// The character index where `a` and `b` first differ.
pub(crate) fn first_difference(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// `s` in lines of at most `width` characters (a whole value, for `v`).
pub(crate) fn wrap_chars(s: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() || width == 0 {
        return vec![s.to_string()];
    }
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

/// "HH:MM:SS" of a Unix time, UTC.
pub(crate) fn hms(ts: u32) -> String {
    let s = ts % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// "YYYY-MM-DD HH:MM:SS" of a Unix time, UTC.
pub(crate) fn date_time(ts: u32) -> String {
    format!("{} {}", Date::from_days(i64::from(ts / 86_400)), hms(ts))
}

/// 1234567 -> "1,234,567".
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as B, KB, MB, GB (powers of 1000, as the MB/s meter).
pub(crate) fn bytes(n: u64) -> String {
    let f = n as f64;
    if n < 1000 {
        format!("{n} B")
    } else if f < 1e6 {
        format!("{:.1} KB", f / 1e3)
    } else if f < 1e9 {
        format!("{:.1} MB", f / 1e6)
    } else {
        format!("{:.2} GB", f / 1e9)
    }
}

/// Seconds as "42s", "3m05s", "2h01m", "3d04h".
pub(crate) fn duration(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let body = if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600)
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_keeps_the_difference_in_view() {
        let a = "2026-12-01 19:03:07.123456 UTC";
        let b = "2026-12-01 19:03:09.123456 UTC";
        let at = first_difference(a, b);
        assert_eq!(at, 18);
        let (ca, cb) = (clip_from(a, 12, at), clip_from(b, 12, at));
        assert!(ca.starts_with('…') && ca.contains("3:07"), "{ca}");
        assert!(cb.contains("3:09"), "{cb}");
        assert!(ca.chars().count() <= 12 && cb.chars().count() <= 12);
        assert_ne!(ca, cb);
        // Short values and early differences clip as before.
        assert_eq!(clip_from("short", 12, 2), "short");
        assert_eq!(
            clip_from("abcdefghijklmnop", 8, 1),
            clip("abcdefghijklmnop", 8)
        );
        assert_eq!(wrap_chars("abcdef", 4), ["abcd", "ef"]);
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(bytes(1_500_000), "1.5 MB");
        assert_eq!(duration(185), "3m05s");
        assert_eq!(duration(-2), "-2s");
        assert_eq!(date_time(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(cell(&Cell::Bytes(vec![0xde, 0xad])), "0xdead");
    }
}
