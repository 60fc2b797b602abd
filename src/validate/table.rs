//! One table on one side as SQL: which columns, normalised how, in which key ranges; and
//! [`SqlSide`], the [`Side`] that runs that SQL on a live session.

use super::bisect::{KeyRange, Side, Summary};
use super::checksum::{aggregate, range_filter, segment_sql, Digest, Hash};
use super::diff::Row;
use super::error::{Role, ValidateError};
use super::normalize::{normalize, normalize_native, row_text, Kind, Nulls};
use super::target::{Db, Engine};
use crate::connection::sql::Rows;
use crate::tables::TablePattern;

/// A table's place: schema (MySQL database) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub(crate) schema: String,
    pub(crate) name: String,
}

impl TableRef {
    /// `db.table` naming exactly one table, in the grammar of [`TablePattern`] (backquote a
    /// name that holds a dot or a wildcard character).
    pub fn parse(s: &str) -> Option<TableRef> {
        let (schema, name) = TablePattern::parse(s).ok()?.exact()?;
        Some(TableRef { schema, name })
    }

    pub(crate) fn quoted(&self, engine: Engine) -> String {
        format!(
            "{}.{}",
            engine.ident(&self.schema),
            engine.ident(&self.name)
        )
    }
}

impl std::fmt::Display for TableRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A column compared on one side: its name and the common form it is lowered to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedColumn {
    pub(crate) name: String,
    pub(crate) form: Kind,
    /// NULL on either side: the row hash marks its NULLs.
    pub(crate) nullable: bool,
    /// NULL possible on this side (else the mark is a constant here).
    pub(crate) null_here: bool,
    /// This side's own type already is the common form (see `normalize_native`).
    pub(crate) native: bool,
    /// This side keeps more fractional-second digits than the other: round them away
    /// first, as either engine does when it stores a value at a lower precision.
    pub(crate) round_time: bool,
    /// Same engine, same type (and character set) on both sides: the value needs no
    /// normalising, the engine prints it alike on both (much cheaper for MySQL to MySQL).
    pub(crate) raw: bool,
}

/// Everything one side needs to summarise and fetch a table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SidePlan {
    pub(crate) engine: Engine,
    pub(crate) table: TableRef,
    pub(crate) key: Vec<PlannedColumn>,
    /// Non-key columns compared (empty for --counts).
    pub(crate) values: Vec<PlannedColumn>,
    /// The column telling when a row changed (for --min-age), if this side has it.
    pub(crate) updated: Option<String>,
    /// None: count only.
    pub(crate) hash: Option<Hash>,
    /// Without a hash, sum the (integer) leading key beside the count: nearly free, and a
    /// delete and an insert in one range no longer cancel out.
    pub(crate) key_sum: bool,
    /// The leading key is not an integer: ranges are of a 32-bit hash of the key's
    /// normalised text instead (alike on both engines), so such tables narrow down too.
    pub(crate) hashed_key: bool,
    /// The digest of that key hash (MD5 unless a side lacks it).
    pub(crate) digest: Digest,
    /// Only rows meeting this count (the target's live rows under a soft delete mode).
    pub(crate) live: Option<String>,
}

/// The hash ranges of a key that is not an integer cover `0..KEY_HASH_END`.
pub(crate) const KEY_HASH_END: i128 = 1 << 32;

impl SidePlan {
    /// A range filter cannot seek: on a hash of the key, or on a lakehouse table (files
    /// pruned by their statistics at best, and every query planned over the table's log).
    fn without_index(&self) -> bool {
        self.hashed_key || self.engine == Engine::DataFusion
    }

    fn leading_key(&self) -> String {
        self.engine.ident(&self.key[0].name)
    }

    /// What key ranges are ranges of: the integer leading key, or the key text's hash (the
    /// first 32 bits of its digest, as an integer on both engines).
    fn range_expr(&self) -> String {
        if !self.hashed_key {
            return self.leading_key();
        }
        let cols: Vec<(String, Nulls)> = self
            .key
            .iter()
            .map(|c| (self.norm(c), self.nulls(c)))
            .collect();
        let hex = self.digest.hex(self.engine, &row_text(self.engine, &cols));
        match self.engine {
            Engine::MySql => format!("CAST(CONV(SUBSTRING({hex}, 1, 8), 16, 10) AS SIGNED)"),
            Engine::PostgreSql => format!("('x' || substr({hex}, 1, 8))::bit(32)::bigint"),
            Engine::DataFusion => format!("cdc_hex_int(substr({hex}, 1, 8))"),
        }
    }

    /// The summary aggregate beside `COUNT(*)`, if any.
    fn aggregate(&self) -> Option<String> {
        match self.hash {
            Some(h) => Some(aggregate(self.engine, h, &self.row_text())),
            None if self.key_sum => Some(format!("SUM({})", self.range_expr())),
            None => None,
        }
    }

    /// Count and aggregate of `parts` consecutive ranges of `step` hashes from `lo` up to
    /// `hi`, in one scan: `(bucket, count, aggregate)` rows, bucket 0 for the first range.
    pub(crate) fn parts_sql(&self, lo: i128, hi: i128, step: i128) -> String {
        let h = self.range_expr();
        let bucket = match self.engine {
            Engine::MySql => format!("({h} - {lo}) DIV {step}"),
            Engine::PostgreSql | Engine::DataFusion => format!("({h} - {lo}) / {step}"),
        };
        let filter = if self.hashed_key && lo <= 0 && hi >= KEY_HASH_END {
            self.only_live(String::new())
        } else {
            self.only_live(range_filter(&h, Some(lo), Some(hi)))
        };
        let agg = self
            .aggregate()
            .map(|a| format!(", {a}"))
            .unwrap_or_default();
        format!(
            "SELECT {bucket}, COUNT(*){agg} FROM {}{filter} GROUP BY 1",
            self.table.quoted(self.engine)
        )
    }

    /// `filter` (" WHERE ..." or empty) narrowed to the live rows.
    fn only_live(&self, filter: String) -> String {
        match (&self.live, filter.is_empty()) {
            (None, _) => filter,
            (Some(live), true) => format!(" WHERE {live}"),
            (Some(live), false) => format!("{filter} AND {live}"),
        }
    }

    fn nulls(&self, c: &PlannedColumn) -> Nulls {
        match (c.nullable, c.null_here) {
            (false, _) => Nulls::Never,
            (true, true) => Nulls::Here(self.engine.ident(&c.name)),
            (true, false) => Nulls::Elsewhere,
        }
    }

    fn norm(&self, c: &PlannedColumn) -> String {
        let mut expr = self.engine.ident(&c.name);
        if c.raw {
            return expr;
        }
        if c.native {
            if let Some(cheap) = normalize_native(self.engine, c.form, &expr) {
                return cheap;
            }
        }
        if let (true, Kind::DateTime(p)) = (c.round_time, c.form) {
            // Half a unit of the lower precision added, then cut off by the normalisation:
            // rounding half up, as PostgreSQL does (MariaDB's CAST would truncate).
            let half = 5 * 10u64.pow(5 - p.min(5));
            expr = match self.engine {
                Engine::MySql => format!("({expr} + INTERVAL {half} MICROSECOND)"),
                Engine::PostgreSql => format!("({expr})::timestamp({p})"),
                Engine::DataFusion => {
                    format!("({expr} + INTERVAL '{half} microseconds')")
                }
            };
        }
        normalize(self.engine, c.form, &expr)
    }

    /// The row text every column (key first) goes into.
    pub(crate) fn row_text(&self) -> String {
        let cols: Vec<(String, Nulls)> = self
            .key
            .iter()
            .chain(&self.values)
            .map(|c| (self.norm(c), self.nulls(c)))
            .collect();
        row_text(self.engine, &cols)
    }

    pub(crate) fn bounds_sql(&self) -> String {
        let k = self.leading_key();
        format!(
            "SELECT MIN({k}), MAX({k}) FROM {}{}",
            self.table.quoted(self.engine),
            self.only_live(String::new())
        )
    }

    pub(crate) fn summary_sql(&self, r: KeyRange) -> String {
        segment_sql(
            &self.table.quoted(self.engine),
            &self.only_live(range_filter(&self.range_expr(), r.lo, r.hi)),
            self.aggregate().as_deref(),
        )
    }

    /// Key columns, then the updated column (or NULL), then the values, all normalised.
    pub(crate) fn fetch_sql(&self, r: KeyRange) -> String {
        let mut cols: Vec<String> = self.key.iter().map(|c| self.norm(c)).collect();
        cols.push(match &self.updated {
            Some(u) => normalize(self.engine, Kind::DateTime(6), &self.engine.ident(u)),
            None => "NULL".to_string(),
        });
        cols.extend(self.values.iter().map(|c| self.norm(c)));
        format!(
            "SELECT {} FROM {}{}",
            cols.join(", "),
            self.table.quoted(self.engine),
            self.only_live(range_filter(&self.range_expr(), r.lo, r.hi))
        )
    }
}

/// The common width of `parts` if each starts where the one before ended and all but the
/// last are that wide (as [`KeyRange::split`] makes them).
fn equal_steps(parts: &[KeyRange]) -> Option<i128> {
    let first = parts.first()?;
    let step = first.hi? - first.lo?;
    let lo = first.lo?;
    parts
        .iter()
        .enumerate()
        .all(|(i, p)| {
            p.lo == Some(lo + i as i128 * step)
                && (i + 1 == parts.len() || p.hi == Some(lo + (i as i128 + 1) * step))
        })
        .then_some(step)
}

/// A [`SidePlan`] on a live session.
pub(crate) struct SqlSide<'a> {
    pub(crate) role: Role,
    pub(crate) db: &'a mut dyn Db,
    pub(crate) plan: &'a SidePlan,
}

impl SqlSide<'_> {
    fn run(&mut self, sql: &str) -> Result<Rows, ValidateError> {
        self.db.query(sql).map_err(|e| ValidateError::Side {
            role: self.role,
            table: self.plan.table.clone(),
            engine: self.plan.engine,
            error: e,
        })
    }
}

impl Side for SqlSide<'_> {
    fn bounds(&mut self) -> Result<Option<(i128, i128)>, ValidateError> {
        if self.plan.hashed_key {
            return Ok(Some((0, KEY_HASH_END - 1)));
        }
        let rows = self.run(&self.plan.bounds_sql())?;
        let row = rows.rows.first();
        let num = |i: usize| -> Result<Option<i128>, ValidateError> {
            match row.and_then(|r| r.get(i)).cloned().flatten() {
                None => Ok(None),
                Some(t) => match t.parse::<i128>() {
                    Ok(n) => Ok(Some(n)),
                    Err(_) => Err(ValidateError::NotAnInteger { value: t }),
                },
            }
        };
        Ok(match (num(0)?, num(1)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    fn summarize(&mut self, range: KeyRange) -> Result<Summary, ValidateError> {
        let rows = self.run(&self.plan.summary_sql(range))?;
        let row = rows.rows.into_iter().next().unwrap_or_default();
        let count = row
            .first()
            .cloned()
            .flatten()
            .and_then(|c| c.parse::<u64>().ok())
            .ok_or(ValidateError::NoCount)?;
        Ok(Summary {
            count,
            checksum: row.get(1).cloned().flatten(),
        })
    }

    /// Where no index narrows a range, the ranges are summarised in one grouped scan: one
    /// query per range would read the table `parts` times.
    fn summarize_parts(&mut self, parts: &[KeyRange]) -> Result<Vec<Summary>, ValidateError> {
        let Some(step) = equal_steps(parts).filter(|_| self.plan.without_index()) else {
            return parts.iter().map(|&r| self.summarize(r)).collect();
        };
        let (lo, hi) = (
            parts[0].lo.unwrap_or(0),
            parts[parts.len() - 1].hi.unwrap_or(0),
        );
        let rows = self.run(&self.plan.parts_sql(lo, hi, step))?;
        let mut out = vec![Summary::default(); parts.len()];
        for row in rows.rows {
            let cell = |i: usize| row.get(i).cloned().flatten();
            let bucket = cell(0)
                .and_then(|b| b.parse::<usize>().ok())
                .filter(|&b| b < parts.len())
                .ok_or(ValidateError::BucketOutOfRange)?;
            out[bucket] = Summary {
                count: cell(1)
                    .and_then(|c| c.parse().ok())
                    .ok_or(ValidateError::NoCount)?,
                checksum: cell(2),
            };
        }
        Ok(out)
    }

    fn fetch(&mut self, range: KeyRange) -> Result<Vec<Row>, ValidateError> {
        let n = self.plan.key.len();
        let rows = self.run(&self.plan.fetch_sql(range))?;
        Ok(rows
            .rows
            .into_iter()
            .map(|mut r| {
                let values = r.split_off(n + 1);
                let updated = r.pop().flatten();
                Row {
                    key: r.into_iter().map(Option::unwrap_or_default).collect(),
                    values,
                    updated,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(engine: Engine) -> SidePlan {
        SidePlan {
            engine,
            table: TableRef::parse("d.t").unwrap(),
            key: vec![PlannedColumn {
                name: "k".into(),
                form: Kind::Text,
                nullable: false,
                null_here: false,
                native: true,
                round_time: false,
                raw: true,
            }],
            values: Vec::new(),
            updated: None,
            hash: None,
            key_sum: true,
            hashed_key: true,
            digest: Digest::Md5,
            live: None,
        }
    }

    #[test]
    fn a_text_key_is_ranged_by_its_hash_one_grouped_scan_per_level() {
        let top = KeyRange {
            lo: Some(0),
            hi: Some(KEY_HASH_END),
        }
        .split(32);
        let step = equal_steps(&top).unwrap();
        assert_eq!(step, KEY_HASH_END / 32);
        let soft = SidePlan {
            live: Some("`gone` IS NULL".into()),
            ..plan(Engine::MySql)
        };
        // Every statement of a side reads only its live rows.
        assert!(soft
            .parts_sql(0, KEY_HASH_END, step)
            .contains(" WHERE `gone` IS NULL GROUP BY 1"));
        assert!(soft
            .parts_sql(0, 64, 2)
            .contains(" < 64 AND `gone` IS NULL GROUP BY 1"));
        assert!(soft.bounds_sql().ends_with(" WHERE `gone` IS NULL"));
        let r = KeyRange {
            lo: Some(1),
            hi: Some(9),
        };
        assert!(soft.summary_sql(r).ends_with(" < 9 AND `gone` IS NULL"));
        assert!(soft.fetch_sql(r).ends_with(" < 9 AND `gone` IS NULL"));
        let mysql = plan(Engine::MySql).parts_sql(0, KEY_HASH_END, step);
        assert!(
            mysql.starts_with(&format!(
                "SELECT (CAST(CONV(SUBSTRING(MD5(CONCAT_WS(CHAR(31 USING utf8mb4), `k`)), 1, 8), 16, 10) AS SIGNED) - 0) DIV {step}, COUNT(*), SUM("
            )),
            "{mysql}"
        );
        assert!(
            mysql.ends_with("FROM `d`.`t` GROUP BY 1"),
            "the top level reads all rows once: {mysql}"
        );
        let pg = plan(Engine::PostgreSql).parts_sql(64, 128, 2);
        assert!(pg.contains("::bit(32)::bigint - 64) / 2, COUNT(*)"), "{pg}");
        assert!(
            pg.contains(" WHERE ") && pg.ends_with(" < 128 GROUP BY 1"),
            "{pg}"
        );
    }

    #[test]
    fn only_ranges_split_evenly_are_grouped() {
        let r = |lo, hi| KeyRange {
            lo: Some(lo),
            hi: Some(hi),
        };
        assert_eq!(equal_steps(&[r(0, 4), r(4, 8), r(8, 10)]), Some(4));
        assert_eq!(equal_steps(&[r(0, 4), r(5, 8)]), None);
        assert_eq!(equal_steps(&[KeyRange::ALL]), None);
    }
}
