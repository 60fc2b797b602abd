//! `cdc validate`: is the target's copy of each table the same as the source's?
//!
//! The data-diff method, computed in the databases: count and checksum per key range on both
//! sides at once, narrowing the ranges that differ until they are small enough to fetch and
//! diff by key ([`bisect`]). Values are normalised so both engines print identical rows
//! identically ([`normalize`]); checksums are exact integer sums ([`checksum`]). Ranges that
//! differ are looked at again after a settle delay, so a target that is merely behind is told
//! apart from one that lost rows.
//!
//! Keys: an integer leading key column is split into ranges of its values (single or
//! composite keys). Any other key (string, date...) is split into ranges of a 32-bit hash of
//! the key's normalised text, computed alike by both engines, each level in one grouped scan;
//! fetched ranges are diffed in memory by key, so collation order never matters.

pub mod bisect;
pub mod checksum;
pub mod crud;
pub mod diff;
pub mod error;
pub mod normalize;
pub mod results;
pub mod scope;
pub mod table;
pub mod target;

use std::time::{Duration, Instant};

use bisect::{Options, Outcome};
use checksum::{Digest, Hash};
use crud::counts::live_predicate;
use crud::DeleteMode;
use diff::{Diff, DiffKind};
use error::{Role, TargetPatternError, ValidateError};
use normalize::{columns_sql, common_form, is_utf8, parse_columns, primary_key_sql, Column, Kind};
use results::{ChangedRow, Key, KeyValue, SideValues, TableResult, TableStatus};
use table::{PlannedColumn, SidePlan, SqlSide, TableRef};
use target::{Db, Engine};

/// What is compared. (`--crud`, checking the changes the binlog carried, will be a third.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Row counts per key range: finds missing and extra keys, not changed values.
    Counts,
    /// Count and checksum per key range: finds missing, extra and changed rows.
    Checksum,
}

impl Mode {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Mode::Counts => "counts",
            Mode::Checksum => "checksum",
        }
    }
}

/// Column names that say when a row last changed, looked for when --min-age is given
/// without --updated-column.
pub(crate) const UPDATED_COLUMNS: [&str; 2] = ["last_updated", "updated_at"];

/// How a run compares, the same for every table.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    /// None: the cheapest both engines share.
    pub hash: Option<Hash>,
    pub factor: u32,
    pub threshold: u64,
    /// Key columns instead of the source's primary key.
    pub key: Option<Vec<String>>,
    pub min_age: Option<Duration>,
    pub updated_column: Option<String>,
    pub settle: Duration,
    /// How many keys of each kind to list.
    pub show: usize,
    /// `--delete-mode soft:...`: target rows so marked are deleted ones, left out of counts and
    /// checksums as the pipeline's own reader would.
    pub delete_mode: DeleteMode,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            mode: Mode::Checksum,
            hash: None,
            factor: 32,
            threshold: 1024,
            key: None,
            min_age: None,
            updated_column: None,
            settle: Duration::from_secs(2),
            show: 20,
            delete_mode: DeleteMode::Hard,
        }
    }
}

/// The two sessions of a run (their errors are already free of passwords).
pub struct Pair<'a> {
    pub source: &'a mut dyn Db,
    pub target: &'a mut dyn Db,
}

/// `pattern` with `{db}` and `{table}` filled in; without a schema part the source's
/// database is the schema.
pub(crate) fn target_table(pattern: Option<&str>, source: &TableRef) -> TableRef {
    let name = pattern
        .unwrap_or("{db}.{table}")
        .replace("{db}", &source.schema)
        .replace("{table}", &source.name);
    TableRef::parse(&name).unwrap_or(TableRef {
        schema: source.schema.clone(),
        name,
    })
}

/// Checks a `--target-table` value before anything runs: a name or `schema.name`, where each
/// part may use `{db}` and `{table}`, and no part is empty.
pub(crate) fn parse_target_pattern(pattern: &str) -> Result<String, TargetPatternError> {
    let filled = pattern.replace("{db}", "d").replace("{table}", "t");
    if let Some(at) = filled.find(['{', '}']) {
        let rest = &filled[at..];
        let token = rest.split_inclusive('}').next().unwrap_or(rest);
        return Err(TargetPatternError::Placeholder {
            token: token.to_string(),
        });
    }
    let trimmed = filled.trim();
    let well_formed = match trimmed.split_once('.') {
        Some(_) => TableRef::parse(trimmed).is_some(),
        None => !trimmed.is_empty(),
    };
    if !well_formed {
        return Err(TargetPatternError::NotATable {
            pattern: pattern.to_string(),
        });
    }
    Ok(pattern.trim().to_string())
}

/// The source's estimate of a table's rows (information_schema; free), for a progress bar.
pub(crate) fn estimate_rows(db: &mut dyn Db, table: &TableRef) -> Option<u64> {
    let e = db.engine();
    let sql = match e {
        Engine::MySql => format!(
            "SELECT table_rows FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            e.literal(&table.schema),
            e.literal(&table.name)
        ),
        Engine::PostgreSql | Engine::DataFusion => return None,
    };
    db.query(&sql).ok()?.scalar()??.parse().ok()
}

/// Compares one table. Never fails: what went wrong is the result's status and error.
pub fn validate_table(
    pair: &mut Pair<'_>,
    source_table: &TableRef,
    target_table: &TableRef,
    settings: &Settings,
    progress: &dyn Fn(u64),
) -> TableResult {
    let start = Instant::now();
    let mut result = TableResult::new(
        &source_table.to_string(),
        &target_table.to_string(),
        TableStatus::Match,
    );
    if let Err(e) = run_table(
        pair,
        source_table,
        target_table,
        settings,
        progress,
        &mut result,
    ) {
        // A table the target lacks is a finding about the copy, not a failure to compare.
        result.status = match e {
            ValidateError::NoTargetTable(_) => TableStatus::Missing,
            _ => TableStatus::Error,
        };
        result.error = Some(e.to_string());
    }
    result.seconds = start.elapsed().as_secs_f64();
    result
}

fn columns(db: &mut dyn Db, role: Role, t: &TableRef) -> Result<Vec<Column>, ValidateError> {
    let e = db.engine();
    let rows = db
        .query(&columns_sql(e, &t.schema, &t.name))
        .map_err(|err| {
            ValidateError::query(format!("reading the columns of the {role}'s {t}"), err)
        })?;
    Ok(parse_columns(e, &rows))
}

fn find<'c>(cols: &'c [Column], name: &str) -> Option<&'c Column> {
    cols.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

fn run_table(
    pair: &mut Pair<'_>,
    st: &TableRef,
    tt: &TableRef,
    settings: &Settings,
    progress: &dyn Fn(u64),
    result: &mut TableResult,
) -> Result<(), ValidateError> {
    let (se, te) = (pair.source.engine(), pair.target.engine());
    let scols = columns(pair.source, Role::Source, st)?;
    if scols.is_empty() {
        return Err(ValidateError::NoSourceTable(st.clone()));
    }
    let tcols = columns(pair.target, Role::Target, tt)?;
    if tcols.is_empty() {
        return Err(ValidateError::NoTargetTable(tt.clone()));
    }
    let key: Vec<String> = match &settings.key {
        Some(k) => k.clone(),
        None => pair
            .source
            .query(&primary_key_sql(se, &st.schema, &st.name))
            .map_err(|e| {
                ValidateError::query(format!("reading the primary key of the source's {st}"), e)
            })?
            .rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect(),
    };
    if key.is_empty() {
        return Err(ValidateError::NoPrimaryKey(st.clone()));
    }
    // Pair the columns by name; the key must be on both sides.
    let mut pairs: Vec<(&Column, &Column)> = Vec::new();
    for s in &scols {
        match find(&tcols, &s.name) {
            Some(t) => pairs.push((s, t)),
            None => result.notes.push(format!(
                "column {} is not on the target: not compared",
                s.name
            )),
        }
    }
    for t in &tcols {
        if find(&scols, &t.name).is_none() {
            result.notes.push(format!(
                "column {} is only on the target: not compared",
                t.name
            ));
        }
    }
    let mut key_pairs = Vec::new();
    for k in &key {
        let p = pairs
            .iter()
            .find(|(s, _)| s.name.eq_ignore_ascii_case(k))
            .ok_or_else(|| ValidateError::KeyNotOnBothSides { column: k.clone() })?;
        key_pairs.push(*p);
    }
    let integer_key = key_pairs[0].0.kind == Kind::Int && key_pairs[0].1.kind == Kind::Int;
    result.key = key_pairs.iter().map(|(s, _)| s.name.clone()).collect();

    let planned = |cols: &[(&Column, &Column)], source: bool| -> Vec<PlannedColumn> {
        cols.iter()
            .map(|(s, t)| {
                let (fs, ft) = common_form(s.kind, t.kind);
                let (own, form) = if source { (s.kind, fs) } else { (t.kind, ft) };
                PlannedColumn {
                    name: if source {
                        s.name.clone()
                    } else {
                        t.name.clone()
                    },
                    form,
                    nullable: s.nullable || t.nullable,
                    null_here: if source { s.nullable } else { t.nullable },
                    native: own == form
                        && (form != Kind::Text
                            || is_utf8(if source { &s.charset } else { &t.charset })),
                    // Storing at a lower precision, PostgreSQL rounds and MariaDB cuts off:
                    // the side that kept more digits is lowered the way the other stored it.
                    round_time: own != form
                        && matches!(form, Kind::DateTime(_))
                        && (if source { te } else { se }) == Engine::PostgreSql,
                    raw: se == te && s.kind == t.kind && s.charset == t.charset,
                }
            })
            .collect()
    };
    let value_pairs: Vec<(&Column, &Column)> = match settings.mode {
        Mode::Counts => Vec::new(),
        Mode::Checksum => pairs
            .iter()
            .filter(|(s, _)| !key.iter().any(|k| k.eq_ignore_ascii_case(&s.name)))
            .copied()
            .collect(),
    };
    // MySQL 9.6+ keeps MD5() in a component that is not installed by default.
    let md5 = has_md5(&mut *pair.source) && has_md5(&mut *pair.target);
    let digest = if md5 { Digest::Md5 } else { Digest::Sha256 };
    let hash = match settings.mode {
        Mode::Counts => None,
        Mode::Checksum => {
            let h = settings.hash.unwrap_or(Hash::best_for(se, te, md5));
            if !h.supported_by(se) || !h.supported_by(te) {
                return Err(ValidateError::HashNeedsMySql);
            }
            if h == Hash::Md5Sum && !md5 {
                return Err(ValidateError::NoMd5);
            }
            Some(h)
        }
    };

    // --min-age: which column says when a row changed, and the cutoff by the source's clock.
    let mut updated = (None, None);
    let mut cutoff = None;
    if let Some(age) = settings.min_age {
        let chosen = match &settings.updated_column {
            Some(c) => Some(
                find(&scols, c).ok_or_else(|| ValidateError::NoUpdatedColumn {
                    column: c.clone(),
                    table: st.clone(),
                })?,
            ),
            None => scols.iter().find(|c| {
                c.on_update
                    && UPDATED_COLUMNS
                        .iter()
                        .any(|n| c.name.eq_ignore_ascii_case(n))
            }),
        };
        match chosen {
            Some(c) => {
                updated = (
                    Some(c.name.clone()),
                    find(&tcols, &c.name).map(|t| t.name.clone()),
                );
                cutoff = Some(source_cutoff(pair.source, age)?);
            }
            None => result.notes.push(format!(
                "--min-age cannot apply: {st} has no last_updated / updated_at column ON UPDATE \
                 CURRENT_TIMESTAMP (name one with --updated-column)"
            )),
        }
    }

    // Soft deletes: the target's marked rows are gone, as its readers see it.
    let live = match &settings.delete_mode {
        DeleteMode::SoftEquals { column, .. } | DeleteMode::SoftNotNull { column } => {
            if find(&tcols, column).is_some() {
                live_predicate(te, &settings.delete_mode)
            } else {
                result.notes.push(format!(
                    "--delete-mode names {column}, which {tt} lacks: every target row counts"
                ));
                None
            }
        }
        DeleteMode::Hard => None,
    };
    // Lakeflow's SCD type 2: only each key's current version is a row of the copy.
    let scd2 = crud::counts::SCD2_COLUMNS
        .iter()
        .all(|c| find(&tcols, c).is_some());
    let live = if scd2 {
        result.notes.push(format!(
            "{tt} is SCD type 2: only current versions (__END_AT IS NULL) are compared"
        ));
        let current = crud::counts::scd2_predicate(te);
        Some(match live {
            Some(l) => format!("{l} AND {current}"),
            None => current,
        })
    } else {
        live
    };

    let splan = SidePlan {
        engine: se,
        table: st.clone(),
        key: planned(&key_pairs, true),
        values: planned(&value_pairs, true),
        updated: updated.0,
        hash,
        key_sum: true,
        hashed_key: !integer_key,
        digest,
        live: None,
    };
    let tplan = SidePlan {
        engine: te,
        table: tt.clone(),
        key: planned(&key_pairs, false),
        values: planned(&value_pairs, false),
        updated: updated.1,
        hash,
        key_sum: true,
        hashed_key: !integer_key,
        digest,
        live,
    };
    let mut sside = SqlSide {
        role: Role::Source,
        db: &mut *pair.source,
        plan: &splan,
    };
    let mut tside = SqlSide {
        role: Role::Target,
        db: &mut *pair.target,
        plan: &tplan,
    };
    let opts = Options {
        factor: settings.factor.max(2),
        threshold: settings.threshold,
        splittable: true,
    };
    let cutoff = cutoff.as_deref();
    let mut outcome = bisect::compare(&mut sside, &mut tside, opts, cutoff, progress)?;
    result.source_rows = Some(outcome.source_rows);
    result.target_rows = Some(outcome.target_rows);
    let mut skipped = outcome.skipped_recent;
    let first_look = outcome.leaves.iter().map(|l| l.diffs.len()).sum::<usize>();
    let diffs = if first_look == 0 {
        Vec::new()
    } else {
        std::thread::sleep(settings.settle);
        let leaves = std::mem::take(&mut outcome.leaves);
        let (still, skipped_again) =
            bisect::recheck(&mut sside, &mut tside, &leaves, cutoff, &mut outcome)?;
        skipped = skipped.max(skipped_again);
        still
    };
    result.rows_fetched = outcome.rows_fetched;
    result.segments_checked = outcome.segments_checked;
    result.skipped_recent = skipped;
    let value_names: Vec<String> = value_pairs.iter().map(|(s, _)| s.name.clone()).collect();
    fill(result, &diffs, &key_pairs, &value_names, settings.show);
    result.status = if !diffs.is_empty() {
        TableStatus::Differ
    } else if first_look > 0 {
        TableStatus::Lag
    } else {
        TableStatus::Match
    };
    note_counts_only(result, &outcome, settings.mode);
    Ok(())
}

fn note_counts_only(result: &mut TableResult, outcome: &Outcome, mode: Mode) {
    if mode == Mode::Counts && outcome.source_rows == outcome.target_rows {
        result
            .notes
            .push("counts only: changed values are not looked for (use --checksum)".into());
    }
}

/// Whether `db` computes MD5(): PostgreSQL, MariaDB and MySQL before 9.6 always do.
fn has_md5(db: &mut dyn Db) -> bool {
    match db.engine() {
        Engine::PostgreSql | Engine::DataFusion => true,
        Engine::MySql => db.query("SELECT MD5('')").is_ok(),
    }
}

/// The source's clock minus `age`, as normalised timestamp text (UTC session).
fn source_cutoff(db: &mut dyn Db, age: Duration) -> Result<String, ValidateError> {
    let micros = age.as_micros();
    let sql = match db.engine() {
        Engine::MySql => format!(
            "SELECT DATE_FORMAT(NOW(6) - INTERVAL {micros} MICROSECOND, '%Y-%m-%d %H:%i:%s.%f')"
        ),
        Engine::PostgreSql => format!(
            "SELECT to_char(now() - interval '{micros} microseconds', 'YYYY-MM-DD HH24:MI:SS.US')"
        ),
        Engine::DataFusion => format!(
            "SELECT to_char(now() - INTERVAL '{micros} microseconds', '%Y-%m-%d %H:%M:%S%.6f')"
        ),
    };
    db.query(&sql)
        .map_err(|e| ValidateError::query("reading the source clock", e))?
        .scalar()
        .flatten()
        .map(str::to_string)
        .ok_or(ValidateError::NoClock)
}

fn fill(
    result: &mut TableResult,
    diffs: &[Diff],
    key: &[(&Column, &Column)],
    values: &[String],
    show: usize,
) {
    let to_key = |d: &Diff| {
        Key(d
            .key
            .iter()
            .zip(key)
            .map(|(v, (s, _))| KeyValue::from_text(v, s.kind == Kind::Int))
            .collect())
    };
    for d in diffs {
        let (list, count) = match d.kind {
            DiffKind::Missing => (&mut result.missing, &mut result.missing_count),
            DiffKind::Extra => (&mut result.extra, &mut result.extra_count),
            DiffKind::Changed => (&mut result.changed, &mut result.changed_count),
        };
        *count += 1;
        if list.len() < show {
            list.push(to_key(d));
            if d.kind == DiffKind::Changed {
                result.diffs.push(ChangedRow {
                    key: to_key(d),
                    columns: d
                        .columns
                        .iter()
                        .map(|(i, source, target)| {
                            let name = values.get(*i).cloned().unwrap_or_else(|| format!("#{i}"));
                            let side = SideValues {
                                source: source.clone(),
                                target: target.clone(),
                            };
                            (name, side)
                        })
                        .collect(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_table_patterns() {
        let s = TableRef::parse("retail_db.orders").unwrap();
        assert_eq!(target_table(None, &s).to_string(), "retail_db.orders");
        assert_eq!(
            target_table(Some("bronze.{table}"), &s).to_string(),
            "bronze.orders"
        );
        assert_eq!(
            target_table(Some("{db}_copy.t_{table}"), &s).to_string(),
            "retail_db_copy.t_orders"
        );
        assert_eq!(
            target_table(Some("orders_v2"), &s).to_string(),
            "retail_db.orders_v2"
        );
        assert!(TableRef::parse("nodot").is_none());
    }

    #[test]
    fn target_patterns_are_checked_before_anything_runs() {
        for ok in [
            "bronze.{table}",
            "{db}_copy.t_{table}",
            "orders_v2",
            " bronze.orders ",
        ] {
            assert!(parse_target_pattern(ok).is_ok(), "{ok}");
        }
        let e = parse_target_pattern("{x}.{table}").unwrap_err().to_string();
        assert!(e.starts_with("\"{x}\" is not a placeholder"), "{e}");
        let e = parse_target_pattern("bronze.{tabel").unwrap_err();
        assert_eq!(
            e,
            TargetPatternError::Placeholder {
                token: "{tabel".into()
            }
        );
        for bad in ["bronze.", ".orders", "a.b.c", "", "  "] {
            assert!(parse_target_pattern(bad).is_err(), "{bad:?}");
        }
    }
}
