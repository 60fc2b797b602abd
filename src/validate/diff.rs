//! Diffing the rows of one fetched segment by key, in memory.

use std::cmp::Ordering;
use std::collections::HashMap;

/// One fetched row: its key (normalised text per key column), its normalised values and,
/// with `--min-age`, when it last changed (normalised timestamp text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) key: Vec<String>,
    pub(crate) values: Vec<Option<String>>,
    pub(crate) updated: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum DiffKind {
    /// On the source, not on the target.
    Missing,
    /// On the target, not on the source.
    Extra,
    /// On both, with different values.
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diff {
    pub(crate) kind: DiffKind,
    pub(crate) key: Vec<String>,
    /// A changed row's differing values: (index into the compared values, source, target).
    pub(crate) columns: Vec<(usize, Option<String>, Option<String>)>,
}

/// What diffing a segment found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SegmentDiff {
    pub(crate) diffs: Vec<Diff>,
    /// Differing keys left out because a side changed them at or after the cutoff.
    pub(crate) skipped_recent: usize,
}

/// Compares the two sides' rows by key. With a `cutoff` (normalised timestamp text), a key
/// whose row changed at or after it on either side is left out: it may still be in flight.
pub(crate) fn diff_rows(source: Vec<Row>, target: Vec<Row>, cutoff: Option<&str>) -> SegmentDiff {
    let recent = |r: &Row| match (cutoff, &r.updated) {
        (Some(c), Some(u)) => u.as_str() >= c,
        _ => false,
    };
    let mut target: HashMap<Vec<String>, Row> =
        target.into_iter().map(|r| (r.key.clone(), r)).collect();
    let mut out = SegmentDiff::default();
    let push = |kind, key, columns, skip: bool, out: &mut SegmentDiff| {
        if skip {
            out.skipped_recent += 1;
        } else {
            out.diffs.push(Diff { kind, key, columns });
        }
    };
    for s in source {
        match target.remove(&s.key) {
            None => {
                let skip = recent(&s);
                push(DiffKind::Missing, s.key, Vec::new(), skip, &mut out);
            }
            Some(t) if t.values != s.values => {
                let skip = recent(&s) || recent(&t);
                let columns = s
                    .values
                    .into_iter()
                    .zip(t.values)
                    .enumerate()
                    .filter(|(_, (a, b))| a != b)
                    .map(|(i, (a, b))| (i, a, b))
                    .collect();
                push(DiffKind::Changed, s.key, columns, skip, &mut out);
            }
            Some(_) => {}
        }
    }
    for (key, t) in target {
        let skip = recent(&t);
        push(DiffKind::Extra, key, Vec::new(), skip, &mut out);
    }
    out.diffs
        .sort_by(|a, b| compare_keys(&a.key, &b.key).then(a.kind.cmp(&b.kind)));
    out
}

/// Orders keys column by column, numerically where both values are integers.
pub(crate) fn compare_keys(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x.parse::<i128>(), y.parse::<i128>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(k: &str, v: Option<&str>, updated: Option<&str>) -> Row {
        Row {
            key: vec![k.to_string()],
            values: vec![v.map(str::to_string)],
            updated: updated.map(str::to_string),
        }
    }

    #[test]
    fn finds_missing_extra_and_changed_in_key_order() {
        let s = vec![
            row("10", Some("a"), None),
            row("2", Some("b"), None),
            row("3", None, None),
        ];
        let t = vec![
            row("2", Some("b"), None),
            row("3", Some(""), None),
            row("4", Some("x"), None),
        ];
        let d = diff_rows(s, t, None);
        let got: Vec<_> = d
            .diffs
            .iter()
            .map(|d| (d.kind, d.key[0].as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (DiffKind::Changed, "3"),
                (DiffKind::Extra, "4"),
                (DiffKind::Missing, "10")
            ]
        );
        // The changed row says which value differs, with both sides'.
        assert_eq!(d.diffs[0].columns, [(0, None, Some(String::new()))]);
        assert!(d.diffs[1].columns.is_empty());
    }

    #[test]
    fn recent_rows_on_either_side_are_left_out() {
        let cutoff = Some("2024-01-01 00:00:00");
        let s = vec![
            row("1", Some("new"), Some("2024-01-01 00:00:05")),
            row("2", Some("x"), Some("2023-12-31 00:00:00")),
        ];
        let t = vec![
            row("1", Some("old"), Some("2023-06-01 00:00:00")),
            row("3", Some("y"), Some("2024-02-01 00:00:00")),
        ];
        let d = diff_rows(s, t, cutoff);
        assert_eq!(d.skipped_recent, 2);
        assert_eq!(d.diffs.len(), 1);
        assert_eq!(
            (d.diffs[0].kind, d.diffs[0].key[0].as_str()),
            (DiffKind::Missing, "2")
        );
    }
}
