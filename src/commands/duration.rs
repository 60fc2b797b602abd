//! Lengths of time as the flags take them: `500ms`, `5s`, `30m`, `24h`, `3d`, `1w` or a bare
//! number of seconds, whole or decimal. One parser for every flag; a flag's own bounds are a
//! thin wrapper around it.

use std::time::Duration;

/// Why a flag's length of time was refused; the text is what the user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a number, or a number with a unit other than ms, s, m, h, d, w.
    #[error("{0:?} is not a duration like 5, 5s, 500ms, 2m, 24h, 3d or 1w")]
    Syntax(String),
    /// Zero, for a flag that needs some time (a timeout, a retention span).
    #[error("{0:?} is not a duration like 5, 5s, 500ms, 2m, 24h, 3d or 1w")]
    Zero(String),
    /// A bare number for a span of hours or days, where seconds would surprise.
    #[error("{0:?} needs a unit, like 30m, 24h, 3d or 1w")]
    NoUnit(String),
    /// Longer than [`LONGEST`].
    #[error("{0:?} is longer than any duration this tool can wait (100 years)")]
    TooLong(String),
}

/// Seconds per unit. `ms` comes before `m` and `s`, which it ends with.
const UNITS: [(&str, f64); 6] = [
    ("ms", 0.001),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
    ("d", 86400.0),
    ("w", 7.0 * 86400.0),
];

/// The longest length any flag takes. Deadlines are `Instant::now() + length`, and timeouts
/// reach socket options and server variables: a bound far below what overflows any of them,
/// and far above any real wait or retention.
const LONGEST: Duration = Duration::from_secs(100 * 365 * 86400);

/// The one parser: a number of seconds (bare or with a unit), zero included.
pub(crate) fn parse(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    let (num, scale) = UNITS
        .iter()
        .find_map(|(unit, scale)| s.strip_suffix(unit).map(|n| (n, *scale)))
        .unwrap_or((s, 1.0));
    match num.trim().parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Duration::try_from_secs_f64(v * scale)
            .ok()
            .filter(|d| *d <= LONGEST)
            .ok_or_else(|| DurationError::TooLong(s.to_string())),
        _ => Err(DurationError::Syntax(s.to_string())),
    }
}

/// A length that must be more than zero: what every duration flag but `--settle` takes.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    match parse(s)? {
        Duration::ZERO => Err(DurationError::Zero(s.trim().to_string())),
        d => Ok(d),
    }
}

/// A retention-like span (`--max-downtime`, `--max-age`): more than zero, with its unit
/// written, since "24" read as seconds would pass a check that was meant for a day.
pub(crate) fn parse_span(s: &str) -> Result<Duration, DurationError> {
    if s.trim().ends_with(|c: char| c.is_ascii_digit()) {
        return Err(DurationError::NoUnit(s.trim().to_string()));
    }
    parse_duration(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_need_their_unit() {
        assert_eq!(parse_span("3d"), Ok(Duration::from_secs(3 * 86400)));
        let e = parse_span("24").unwrap_err();
        assert_eq!(e, DurationError::NoUnit("24".into()));
        assert!(e.to_string().contains("needs a unit"), "{e}");
        assert!(parse_span("0h").is_err());
    }

    #[test]
    fn every_unit_and_a_bare_number() {
        let secs = Duration::from_secs;
        for (text, want) in [
            ("5", secs(5)),
            ("2.5", Duration::from_millis(2500)),
            ("500ms", Duration::from_millis(500)),
            ("5s", secs(5)),
            ("2m", secs(120)),
            ("30m", secs(1800)),
            ("24h", secs(86400)),
            ("3d", secs(3 * 86400)),
            ("1.5d", secs(129_600)),
            ("1w", secs(604_800)),
            (" 3 d ", secs(3 * 86400)),
        ] {
            assert_eq!(parse(text), Ok(want), "{text}");
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn zero_is_a_length_only_where_a_flag_allows_it() {
        for zero in ["0", "0s", "0ms", "0h"] {
            assert_eq!(parse(zero), Ok(Duration::ZERO), "{zero}");
            assert_eq!(parse_duration(zero), Err(DurationError::Zero(zero.into())));
        }
        assert_eq!(
            parse_duration(" 0 ").unwrap_err().to_string(),
            "\"0\" is not a duration like 5, 5s, 500ms, 2m, 24h, 3d or 1w"
        );
    }

    #[test]
    fn what_is_not_a_duration() {
        for bad in [
            "", "soon", "-1", "-1d", "d", "ms", "3 days", "1y", "5sec", "nan", "inf", "1e400",
        ] {
            assert_eq!(
                parse(bad),
                Err(DurationError::Syntax(bad.trim().into())),
                "{bad}"
            );
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse("soon").unwrap_err().to_string(),
            "\"soon\" is not a duration like 5, 5s, 500ms, 2m, 24h, 3d or 1w"
        );
        // Finite, but more seconds than a Duration holds: refused, not a panic.
        for long in ["1e300w", "1e17w", "99999999999999999999", "101y", "36600d"] {
            let want = match long.ends_with('y') {
                true => DurationError::Syntax(long.into()),
                false => DurationError::TooLong(long.into()),
            };
            assert_eq!(parse(long), Err(want), "{long}");
        }
        assert_eq!(parse("36500d"), Ok(LONGEST));
    }
}
