//! The data-diff method over two sides of one table: cut the key range into segments,
//! compare count and checksum of each on both sides at once (one thread per side), and
//! narrow the segments that differ until they are small enough to fetch and diff by key.
//!
//! Pure logic over [`Side`]: the databases are behind the trait, so the recursion is tested
//! over in-memory tables.

use std::thread;

use super::diff::{diff_rows, Diff, Row, SegmentDiff};
use super::error::ValidateError;

/// A half-open range of the leading key column (or of the key's hash, for keys that are not
/// integers); None ends are unbounded, and an unbounded range is never split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyRange {
    pub(crate) lo: Option<i128>,
    pub(crate) hi: Option<i128>,
}

impl KeyRange {
    pub(crate) const ALL: KeyRange = KeyRange { lo: None, hi: None };

    fn width(&self) -> Option<i128> {
        Some(self.hi? - self.lo?)
    }

    /// `factor` consecutive ranges covering this one (fewer when it is narrower).
    pub(crate) fn split(&self, factor: u32) -> Vec<KeyRange> {
        let (Some(lo), Some(hi)) = (self.lo, self.hi) else {
            return vec![*self];
        };
        let step = ((hi - lo) + factor as i128 - 1) / factor as i128;
        let step = step.max(1);
        let mut out = Vec::new();
        let mut at = lo;
        while at < hi {
            let end = (at + step).min(hi);
            out.push(KeyRange {
                lo: Some(at),
                hi: Some(end),
            });
            at = end;
        }
        out
    }
}

/// Count and checksum of one segment on one side (checksum None: counts only, or no rows).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Summary {
    pub(crate) count: u64,
    pub(crate) checksum: Option<String>,
}

/// One side of a comparison.
pub(crate) trait Side: Send {
    /// Min and max of the leading key column (None when the table is empty or the key is
    /// not an integer).
    fn bounds(&mut self) -> Result<Option<(i128, i128)>, ValidateError>;
    fn summarize(&mut self, range: KeyRange) -> Result<Summary, ValidateError>;
    /// Summaries of consecutive ranges (one query each unless a side can do better).
    fn summarize_parts(&mut self, parts: &[KeyRange]) -> Result<Vec<Summary>, ValidateError> {
        parts.iter().map(|&r| self.summarize(r)).collect()
    }
    fn fetch(&mut self, range: KeyRange) -> Result<Vec<Row>, ValidateError>;
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Segments per level.
    pub(crate) factor: u32,
    /// A differing segment with at most this many rows on either side is fetched and diffed.
    pub(crate) threshold: u64,
    /// Ranges can be split: the leading key is an integer, or ranges are of the key's hash
    /// (the sides' `bounds` say which span).
    pub(crate) splittable: bool,
}

/// A segment that was fetched and held differences.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Leaf {
    pub(crate) range: KeyRange,
    pub(crate) diffs: Vec<Diff>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) source_rows: u64,
    pub(crate) target_rows: u64,
    pub(crate) leaves: Vec<Leaf>,
    /// Rows downloaded from both sides together.
    pub(crate) rows_fetched: u64,
    /// Segments whose count and checksum were compared.
    pub(crate) segments_checked: u64,
    /// How deep the recursion went (1: the first split only).
    pub(crate) depth: u32,
    pub(crate) skipped_recent: usize,
}

/// Runs `f` on both sides at once: the source on a helper thread, the target here.
fn both<T: Send>(
    source: &mut dyn Side,
    target: &mut dyn Side,
    f: impl Fn(&mut dyn Side) -> Result<T, ValidateError> + Sync,
) -> Result<(T, T), ValidateError> {
    thread::scope(|s| {
        let h = s.spawn(|| f(source));
        let t = f(target);
        let s = h.join().unwrap_or(Err(ValidateError::WorkerPanicked));
        Ok((s?, t?))
    })
}

/// The whole comparison. `progress` is told how many source rows each settled segment held.
pub(crate) fn compare(
    source: &mut dyn Side,
    target: &mut dyn Side,
    opts: Options,
    cutoff: Option<&str>,
    progress: &dyn Fn(u64),
) -> Result<Outcome, ValidateError> {
    let mut out = Outcome::default();
    let top = if opts.splittable {
        let (a, b) = both(source, target, |s| s.bounds())?;
        let lo = [a, b].iter().flatten().map(|x| x.0).min();
        let hi = [a, b].iter().flatten().map(|x| x.1).max();
        match (lo, hi) {
            (Some(lo), Some(hi)) => KeyRange {
                lo: Some(lo),
                hi: Some(hi + 1),
            }
            .split(opts.factor),
            _ => return Ok(out), // both empty
        }
    } else {
        vec![KeyRange::ALL]
    };
    let (a, b) = both(source, target, |s| s.summarize_parts(&top))?;
    out.segments_checked += top.len() as u64;
    out.source_rows = a.iter().map(|s| s.count).sum();
    out.target_rows = b.iter().map(|s| s.count).sum();
    out.depth = 1;
    for (r, sums) in top.into_iter().zip(a.into_iter().zip(b)) {
        visit(source, target, opts, cutoff, progress, r, sums, 1, &mut out)?;
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)] // the recursion carries the run's state explicitly
fn visit(
    source: &mut dyn Side,
    target: &mut dyn Side,
    opts: Options,
    cutoff: Option<&str>,
    progress: &dyn Fn(u64),
    range: KeyRange,
    (s, t): (Summary, Summary),
    depth: u32,
    out: &mut Outcome,
) -> Result<(), ValidateError> {
    out.depth = out.depth.max(depth);
    if s == t {
        progress(s.count);
        return Ok(());
    }
    let unsplittable = range.width().is_none_or(|w| w <= 1);
    if s.count.max(t.count) <= opts.threshold || unsplittable {
        let found = fetch_and_diff(source, target, range, cutoff, out)?;
        out.skipped_recent += found.skipped_recent;
        if !found.diffs.is_empty() {
            out.leaves.push(Leaf {
                range,
                diffs: found.diffs,
            });
        }
        progress(s.count);
        return Ok(());
    }
    let subs = range.split(opts.factor);
    let (a, b) = both(source, target, |side| side.summarize_parts(&subs))?;
    out.segments_checked += subs.len() as u64;
    for (sub, sums) in subs.into_iter().zip(a.into_iter().zip(b)) {
        visit(
            source,
            target,
            opts,
            cutoff,
            progress,
            sub,
            sums,
            depth + 1,
            out,
        )?;
    }
    Ok(())
}

/// Downloads one range from both sides and diffs it by key.
pub(crate) fn fetch_and_diff(
    source: &mut dyn Side,
    target: &mut dyn Side,
    range: KeyRange,
    cutoff: Option<&str>,
    out: &mut Outcome,
) -> Result<SegmentDiff, ValidateError> {
    let (a, b) = both(source, target, |side| side.fetch(range))?;
    out.rows_fetched += (a.len() + b.len()) as u64;
    Ok(diff_rows(a, b, cutoff))
}

/// The re-check: fetches the leaves again and keeps the differences found both times
/// (with the second look's kind). Returns (differences, skipped as recent).
pub(crate) fn recheck(
    source: &mut dyn Side,
    target: &mut dyn Side,
    leaves: &[Leaf],
    cutoff: Option<&str>,
    out: &mut Outcome,
) -> Result<(Vec<Diff>, usize), ValidateError> {
    let mut still = Vec::new();
    let mut skipped = 0;
    for leaf in leaves {
        let again = fetch_and_diff(source, target, leaf.range, cutoff, out)?;
        skipped += again.skipped_recent;
        still.extend(
            again
                .diffs
                .into_iter()
                .filter(|d| leaf.diffs.iter().any(|f| f.key == d.key)),
        );
    }
    Ok((still, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::diff::DiffKind;
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// An in-memory table: key -> value, with a count of rows handed out.
    struct Mem {
        rows: BTreeMap<i128, String>,
        summaries: u64,
    }

    impl Mem {
        fn new(n: i128) -> Mem {
            Mem {
                rows: (1..=n).map(|k| (k, format!("v{k}"))).collect(),
                summaries: 0,
            }
        }
        fn within(&self, r: KeyRange) -> impl Iterator<Item = (&i128, &String)> {
            let lo =
                r.lo.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Included);
            let hi =
                r.hi.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
            self.rows.range((lo, hi))
        }
    }

    impl Side for Mem {
        fn bounds(&mut self) -> Result<Option<(i128, i128)>, ValidateError> {
            Ok(self
                .rows
                .keys()
                .next()
                .map(|lo| (*lo, *self.rows.keys().last().unwrap())))
        }
        fn summarize(&mut self, r: KeyRange) -> Result<Summary, ValidateError> {
            self.summaries += 1;
            let mut count = 0;
            let mut sum: u64 = 0;
            for (k, v) in self.within(r) {
                count += 1;
                // Stands in for a row hash: any function of key and value will do.
                sum = sum.wrapping_add((*k as u64).wrapping_mul(31) ^ (v.len() as u64 * 7919));
                sum = sum.wrapping_add(v.bytes().map(u64::from).sum::<u64>());
            }
            Ok(Summary {
                count,
                checksum: (count > 0).then(|| sum.to_string()),
            })
        }
        fn fetch(&mut self, r: KeyRange) -> Result<Vec<Row>, ValidateError> {
            Ok(self
                .within(r)
                .map(|(k, v)| Row {
                    key: vec![k.to_string()],
                    values: vec![Some(v.clone())],
                    updated: None,
                })
                .collect())
        }
    }

    fn opts(splittable: bool) -> Options {
        Options {
            factor: 8,
            threshold: 16,
            splittable,
        }
    }

    fn keys(out: &Outcome) -> Vec<(DiffKind, String)> {
        let mut v: Vec<_> = out
            .leaves
            .iter()
            .flat_map(|l| l.diffs.iter().map(|d| (d.kind, d.key[0].clone())))
            .collect();
        v.sort_by(|a, b| {
            a.1.parse::<i64>()
                .unwrap()
                .cmp(&b.1.parse::<i64>().unwrap())
        });
        v
    }

    #[test]
    fn identical_tables_match_without_fetching() {
        let (mut a, mut b) = (Mem::new(5000), Mem::new(5000));
        let seen = AtomicU64::new(0);
        let out = compare(&mut a, &mut b, opts(true), None, &|n| {
            seen.fetch_add(n, Ordering::Relaxed);
        })
        .unwrap();
        assert!(out.leaves.is_empty());
        assert_eq!((out.source_rows, out.target_rows), (5000, 5000));
        assert_eq!(out.rows_fetched, 0);
        assert_eq!(out.segments_checked, 8);
        assert_eq!(seen.load(Ordering::Relaxed), 5000);
    }

    #[test]
    fn recursion_narrows_to_exactly_the_differing_keys() {
        let (mut a, mut b) = (Mem::new(100_000), Mem::new(100_000));
        b.rows.insert(77, "changed".into());
        b.rows.remove(&50_001);
        b.rows.insert(100_500, "extra".into());
        a.rows.remove(&3); // extra on the target
        b.rows.insert(3, "v3".into());
        let out = compare(&mut a, &mut b, opts(true), None, &|_| {}).unwrap();
        assert_eq!(
            keys(&out),
            [
                (DiffKind::Extra, "3".to_string()),
                (DiffKind::Changed, "77".to_string()),
                (DiffKind::Missing, "50001".to_string()),
                (DiffKind::Extra, "100500".to_string()),
            ]
        );
        assert!(out.depth >= 4, "depth {}", out.depth);
        assert!(out.rows_fetched < 200, "fetched {}", out.rows_fetched);
        assert_eq!(out.source_rows, 99_999);
        assert_eq!(out.target_rows, 100_000);
    }

    #[test]
    fn an_empty_side_and_a_non_integer_key_still_compare() {
        let (mut a, mut b) = (Mem::new(40), Mem::new(0));
        let out = compare(&mut a, &mut b, opts(true), None, &|_| {}).unwrap();
        assert_eq!(keys(&out).len(), 40);
        assert!(keys(&out).iter().all(|k| k.0 == DiffKind::Missing));
        let (mut a, mut b) = (Mem::new(0), Mem::new(0));
        let out = compare(&mut a, &mut b, opts(true), None, &|_| {}).unwrap();
        assert_eq!(out, Outcome::default());
        // Not an integer key: one segment, fetched whole when it differs.
        let (mut a, mut b) = (Mem::new(100), Mem::new(100));
        b.rows.insert(5, "x".into());
        let out = compare(&mut a, &mut b, opts(false), None, &|_| {}).unwrap();
        assert_eq!(keys(&out), [(DiffKind::Changed, "5".to_string())]);
        assert_eq!(out.rows_fetched, 200);
    }

    #[test]
    fn recheck_keeps_only_what_still_differs() {
        let (mut a, mut b) = (Mem::new(1000), Mem::new(1000));
        b.rows.insert(10, "lagging".into());
        b.rows.insert(20, "lost".into());
        let mut out = compare(&mut a, &mut b, opts(true), None, &|_| {}).unwrap();
        assert_eq!(keys(&out).len(), 2);
        b.rows.insert(10, "v10".into()); // the target caught up
        let leaves = out.leaves.clone();
        let (still, _) = recheck(&mut a, &mut b, &leaves, None, &mut out).unwrap();
        assert_eq!(still.len(), 1);
        assert_eq!(still[0].key, ["20"]);
    }

    #[test]
    fn a_side_that_panics_is_an_error_not_a_crash() {
        struct Panics;
        impl Side for Panics {
            fn bounds(&mut self) -> Result<Option<(i128, i128)>, ValidateError> {
                panic!("the source side fails");
            }
            fn summarize(&mut self, _: KeyRange) -> Result<Summary, ValidateError> {
                unreachable!()
            }
            fn fetch(&mut self, _: KeyRange) -> Result<Vec<Row>, ValidateError> {
                unreachable!()
            }
        }
        let e = compare(&mut Panics, &mut Mem::new(10), opts(true), None, &|_| {}).unwrap_err();
        assert_eq!(e, ValidateError::WorkerPanicked);
    }

    #[test]
    fn ranges_split_into_covering_half_open_pieces() {
        let r = KeyRange {
            lo: Some(1),
            hi: Some(11),
        };
        let parts = r.split(4);
        assert_eq!(parts.first().unwrap().lo, Some(1));
        assert_eq!(parts.last().unwrap().hi, Some(11));
        assert!(parts.windows(2).all(|w| w[0].hi == w[1].lo));
        assert_eq!(parts.len(), 4);
        let one = KeyRange {
            lo: Some(5),
            hi: Some(6),
        };
        assert_eq!(one.split(32), vec![one]);
    }
}
