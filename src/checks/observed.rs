//! What a probe saw on the server.

/// A probe's answer. Text compares case-insensitively; numbers are parsed on demand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Observed {
    /// The server does not have the variable at all.
    Missing,
    /// SQL NULL, or a query that returned no row.
    Null,
    Text(String),
    /// A number with its own wording, e.g. retention "7 days" (604800 s); infinite allowed.
    Number {
        value: f64,
        shown: String,
    },
    /// Items such as offending tables.
    List(Vec<String>),
    /// Several variables at once, for rules that pick one with `of`.
    Map(Vec<(String, Observed)>),
}

impl Observed {
    pub(crate) fn text(s: impl Into<String>) -> Observed {
        Observed::Text(s.into())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Observed> {
        match self {
            Observed::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_number(&self) -> Option<f64> {
        match self {
            Observed::Number { value, .. } => Some(*value),
            Observed::Text(s) => parse_number(s),
            _ => None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Observed::Missing | Observed::Null => true,
            Observed::Text(s) => s.trim().is_empty(),
            Observed::List(items) => items.is_empty(),
            Observed::Map(pairs) => pairs.is_empty(),
            Observed::Number { .. } => false,
        }
    }

    /// How the report shows it.
    pub(crate) fn display(&self) -> String {
        match self {
            Observed::Missing => "(not on this server)".into(),
            Observed::Null => "(none)".into(),
            Observed::Text(s) if s.is_empty() => "''".into(),
            Observed::Text(s) => s.clone(),
            Observed::Number { shown, .. } => shown.clone(),
            Observed::List(items) if items.is_empty() => "none".into(),
            Observed::List(items) => list_display(items),
            Observed::Map(pairs) => pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", v.display()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Shows at most ten items: a report line must stay readable on a server with 5,000 bad tables.
fn list_display(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" (+{} more)", items.len() - SHOWN));
    }
    s
}

/// Numbers as servers print them: "3600", "7.000000", "1073741824".
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

/// "604800" seconds as "7 days", for retention-like values.
pub(crate) fn human_duration(secs: f64) -> String {
    if secs.is_infinite() {
        return "unlimited".into();
    }
    let s = secs as u64;
    let (d, h, m) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, _) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} day{}", if d == 1 { "" } else { "s" }),
        (d, h, _) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_an_operator_writes_them() {
        assert_eq!(human_duration(604800.0), "7 days");
        assert_eq!(human_duration(86400.0 + 7200.0), "1 day 2 h");
        assert_eq!(human_duration(3600.0), "1 h");
        assert_eq!(human_duration(f64::INFINITY), "unlimited");
    }

    #[test]
    fn long_lists_are_cut() {
        let items: Vec<String> = (0..13).map(|i| format!("db.t{i}")).collect();
        let shown = Observed::List(items).display();
        assert!(shown.ends_with("db.t9 (+3 more)"), "{shown}");
    }
}
