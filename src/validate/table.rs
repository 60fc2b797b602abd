//! One table on one side as SQL: which columns, normalised how, in which key ranges; and
//! [`SqlSide`], the [`Side`] that runs that SQL on a live session.

use super::bisect::{KeyRange, Side, Summary};
use super::checksum::{aggregate, range_filter, segment_sql, Hash};
use super::diff::Row;
use super::normalize::{normalize, row_text, Kind};
use super::target::{Db, Engine};

/// A table's place: schema (MySQL database) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub schema: String,
    pub name: String,
}

impl TableRef {
    /// `db.table` (the name may not contain a dot; quoting is not needed here).
    pub fn parse(s: &str) -> Option<TableRef> {
        let (schema, name) = s.trim().split_once('.')?;
        (!schema.is_empty() && !name.is_empty() && !name.contains('.')).then(|| TableRef {
            schema: schema.to_string(),
            name: name.to_string(),
        })
    }

    pub fn quoted(&self, engine: Engine) -> String {
        format!(
            "{}.{}",
            engine.quote(&self.schema),
            engine.quote(&self.name)
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
pub struct PlannedColumn {
    pub name: String,
    pub form: Kind,
    /// NULL on either side: the row hash marks its NULLs.
    pub nullable: bool,
    /// This side keeps more fractional-second digits than the other: round them away
    /// first, as either engine does when it stores a value at a lower precision.
    pub round_time: bool,
    /// Same engine, same type (and character set) on both sides: the value needs no
    /// normalising, the engine prints it alike on both (much cheaper for MySQL to MySQL).
    pub raw: bool,
}

/// Everything one side needs to summarise and fetch a table.
#[derive(Debug, Clone, PartialEq)]
pub struct SidePlan {
    pub engine: Engine,
    pub table: TableRef,
    pub key: Vec<PlannedColumn>,
    /// Non-key columns compared (empty for --counts).
    pub values: Vec<PlannedColumn>,
    /// The column telling when a row changed (for --min-age), if this side has it.
    pub updated: Option<String>,
    /// None: count only.
    pub hash: Option<Hash>,
    /// Without a hash, sum the (integer) leading key beside the count: nearly free, and a
    /// delete and an insert in one range no longer cancel out.
    pub key_sum: bool,
}

impl SidePlan {
    fn leading_key(&self) -> String {
        self.engine.quote(&self.key[0].name)
    }

    fn norm(&self, c: &PlannedColumn) -> String {
        let mut expr = self.engine.quote(&c.name);
        if c.raw {
            return expr;
        }
        if let (true, Kind::DateTime(p)) = (c.round_time, c.form) {
            // Half a unit of the lower precision added, then cut off by the normalisation:
            // rounding half up, as PostgreSQL does (MariaDB's CAST would truncate).
            let half = 5 * 10u64.pow(5 - p.min(5));
            expr = match self.engine {
                Engine::MySql => format!("({expr} + INTERVAL {half} MICROSECOND)"),
                Engine::PostgreSql => format!("({expr})::timestamp({p})"),
            };
        }
        normalize(self.engine, c.form, &expr)
    }

    /// The row text every column (key first) goes into.
    pub fn row_text(&self) -> String {
        let cols: Vec<(String, String, bool)> = self
            .key
            .iter()
            .chain(&self.values)
            .map(|c| (self.norm(c), self.engine.quote(&c.name), c.nullable))
            .collect();
        row_text(self.engine, &cols)
    }

    pub fn bounds_sql(&self) -> String {
        let k = self.leading_key();
        format!(
            "SELECT MIN({k}), MAX({k}) FROM {}",
            self.table.quoted(self.engine)
        )
    }

    pub fn summary_sql(&self, r: KeyRange) -> String {
        let agg = match self.hash {
            Some(h) => Some(aggregate(self.engine, h, &self.row_text())),
            None if self.key_sum => Some(format!("SUM({})", self.leading_key())),
            None => None,
        };
        segment_sql(
            &self.table.quoted(self.engine),
            &range_filter(&self.leading_key(), r.lo, r.hi),
            agg.as_deref(),
        )
    }

    /// Key columns, then the updated column (or NULL), then the values, all normalised.
    pub fn fetch_sql(&self, r: KeyRange) -> String {
        let mut cols: Vec<String> = self.key.iter().map(|c| self.norm(c)).collect();
        cols.push(match &self.updated {
            Some(u) => normalize(self.engine, Kind::DateTime(6), &self.engine.quote(u)),
            None => "NULL".to_string(),
        });
        cols.extend(self.values.iter().map(|c| self.norm(c)));
        format!(
            "SELECT {} FROM {}{}",
            cols.join(", "),
            self.table.quoted(self.engine),
            range_filter(&self.leading_key(), r.lo, r.hi)
        )
    }
}

/// A [`SidePlan`] on a live session.
pub struct SqlSide<'a> {
    pub db: &'a mut dyn Db,
    pub plan: &'a SidePlan,
    /// Redacts what the server says (a password could appear in an error).
    pub scrub: &'a (dyn Fn(&str) -> String + Sync),
}

impl SqlSide<'_> {
    fn run(&mut self, sql: &str) -> Result<crate::connection::sql::Rows, String> {
        self.db.query(sql).map_err(|e| {
            (self.scrub)(&format!(
                "{} ({}): {e}",
                self.plan.table,
                self.plan.engine.name()
            ))
        })
    }
}

impl Side for SqlSide<'_> {
    fn bounds(&mut self) -> Result<Option<(i128, i128)>, String> {
        let rows = self.run(&self.plan.bounds_sql())?;
        let row = rows.rows.first();
        let num = |i: usize| -> Result<Option<i128>, String> {
            match row.and_then(|r| r.get(i)).cloned().flatten() {
                None => Ok(None),
                Some(t) => t
                    .parse::<i128>()
                    .map(Some)
                    .map_err(|_| format!("key value {t:?} is not an integer")),
            }
        };
        Ok(match (num(0)?, num(1)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    fn summarize(&mut self, range: KeyRange) -> Result<Summary, String> {
        let rows = self.run(&self.plan.summary_sql(range))?;
        let row = rows.rows.into_iter().next().unwrap_or_default();
        let count = row
            .first()
            .cloned()
            .flatten()
            .and_then(|c| c.parse::<u64>().ok())
            .ok_or("COUNT(*) gave no number")?;
        Ok(Summary {
            count,
            checksum: row.get(1).cloned().flatten(),
        })
    }

    fn fetch(&mut self, range: KeyRange) -> Result<Vec<Row>, String> {
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
