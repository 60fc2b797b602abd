//! The row a canary writes: in the dedicated canary table, or a generated row in a real
//! captured table (`--table`), planned from information_schema.

use super::checks;
use super::generate::{probe_values, value_for, ColumnInfo, Context, Family, Literal};
use crate::connection::sql::SqlError;
use crate::validate::error::ValidateError;
use crate::validate::table::TableRef;
use crate::validate::target::{Db, Engine};

/// The probe column: its value after the insert and after the update tell the steps apart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Probe {
    pub(crate) column: String,
    pub(crate) inserted: Literal,
    pub(crate) updated: Literal,
}

/// One canary row: what the INSERT sets, how the row is found again, what the update changes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowPlan {
    pub(crate) table: TableRef,
    /// Columns and values the INSERT sets.
    pub(crate) insert: Vec<(String, Literal)>,
    /// The key: each column with its value; None until the insert tells it (AUTO_INCREMENT).
    pub(crate) key: Vec<(String, Option<String>)>,
    /// None: no column can change without touching a key; the update step cannot run.
    pub(crate) probe: Option<Probe>,
    /// The dedicated canary table: rows carry the run id, so leftovers are found by it.
    pub(crate) run_column: Option<String>,
    /// Columns holding values only this run writes (the run id, the probe before and after
    /// the update, text markers): a row is removed by its key only if these match too, so a
    /// real row that took the key meanwhile is never touched.
    pub(crate) markers: Vec<(String, Vec<Literal>)>,
}

impl RowPlan {
    /// The dedicated table `--init` creates: `id` AUTO_INCREMENT, the run id, a note.
    pub(crate) fn canary(table: &TableRef, run_id: &str) -> RowPlan {
        RowPlan {
            table: table.clone(),
            insert: vec![
                ("run_id".into(), Literal::Text(run_id.into())),
                ("note".into(), Literal::Text("inserted".into())),
            ],
            key: vec![("id".into(), None)],
            probe: Some(Probe {
                column: "note".into(),
                inserted: Literal::Text("inserted".into()),
                updated: Literal::Text("updated".into()),
            }),
            run_column: Some("run_id".into()),
            markers: vec![("run_id".into(), vec![Literal::Text(run_id.into())])],
        }
    }

    /// A generated row for a real table, planned from what the source says of its columns.
    pub(crate) fn for_table(
        db: &mut dyn Db,
        table: &TableRef,
        token: &str,
    ) -> Result<RowPlan, ValidateError> {
        let clauses = checks::read(db, table)?;
        let columns = describe(db, table, &clauses)?;
        if columns.is_empty() {
            return Err(ValidateError::NoCanaryTable(table.clone()));
        }
        if !columns.iter().any(|c| c.primary_key) {
            return Err(ValidateError::CanaryNoPrimaryKey(table.clone()));
        }
        let mut ctx = Context {
            now: scalar(db, "SELECT CAST(UTC_TIMESTAMP() AS CHAR)")?.unwrap_or_default(),
            uuid: scalar(db, "SELECT UUID()")?.unwrap_or_default(),
            max: None,
        };
        let probe_col = columns
            .iter()
            .filter_map(|c| c.probe_rank().map(|r| (r, c)))
            .min_by_key(|(r, _)| *r)
            .map(|(_, c)| c);
        let mut probe = probe_col.and_then(|c| {
            probe_values(c, token).map(|(inserted, updated)| Probe {
                column: c.name.clone(),
                inserted,
                updated,
            })
        });
        let mut insert = Vec::new();
        let mut key = Vec::new();
        for c in &columns {
            let value = if probe.as_ref().is_some_and(|p| p.column == c.name) {
                probe.as_ref().map(|p| p.inserted.clone())
            } else if c.needs_value() {
                let numeric = matches!(
                    c.family(),
                    Family::Integer { .. } | Family::Decimal | Family::Float
                );
                ctx.max = None;
                if numeric && (c.unique || c.primary_key) {
                    ctx.max = scalar(
                        db,
                        &format!(
                            "SELECT CAST(MAX({}) AS CHAR) FROM {}",
                            Engine::MySql.ident(&c.name),
                            table.quoted(Engine::MySql)
                        ),
                    )?;
                }
                Some(
                    value_for(c, token, &ctx).map_err(|error| ValidateError::Value {
                        table: table.clone(),
                        error,
                    })?,
                )
            } else {
                None
            };
            if c.primary_key {
                key.push((c.name.clone(), value.as_ref().map(|v| v.text().to_string())));
            }
            if let Some(v) = value {
                insert.push((c.name.clone(), v));
            }
        }
        checks::satisfy(db, table, &clauses, &columns, &mut insert, &mut probe)?;
        let mut markers: Vec<(String, Vec<Literal>)> = probe
            .iter()
            .map(|p| {
                (
                    p.column.clone(),
                    vec![p.inserted.clone(), p.updated.clone()],
                )
            })
            .collect();
        for (name, value) in &insert {
            let text = columns
                .iter()
                .any(|c| &c.name == name && !c.primary_key && c.family() == Family::Text);
            if text && !markers.iter().any(|(m, _)| m == name) {
                markers.push((name.clone(), vec![value.clone()]));
            }
        }
        Ok(RowPlan {
            table: table.clone(),
            insert,
            key,
            probe,
            run_column: None,
            markers,
        })
    }

    /// `INSERT INTO t (...) VALUES (...)` on the source.
    pub(crate) fn insert_sql(&self) -> String {
        let e = Engine::MySql;
        let cols: Vec<String> = self.insert.iter().map(|(c, _)| e.ident(c)).collect();
        let vals: Vec<String> = self.insert.iter().map(|(_, v)| sql_value(e, v)).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.table.quoted(e),
            cols.join(", "),
            vals.join(", ")
        )
    }

    /// `col = value AND ...` finding the row on `engine`; None while a key part is unknown.
    pub(crate) fn key_predicate(&self, engine: Engine) -> Option<String> {
        let parts: Option<Vec<String>> = self
            .key
            .iter()
            .map(|(c, v)| {
                v.as_ref()
                    .map(|v| format!("{} = {}", engine.ident(c), engine.literal(v)))
            })
            .collect();
        parts.map(|p| p.join(" AND "))
    }

    /// The key predicate and the markers: this run's row and no other.
    pub(crate) fn ours_predicate(&self, engine: Engine) -> Option<String> {
        let mut parts = vec![self.key_predicate(engine)?];
        parts.extend(self.markers.iter().map(|(c, values)| {
            let list: Vec<String> = values.iter().map(|v| sql_value(engine, v)).collect();
            format!("{} IN ({})", engine.ident(c), list.join(", "))
        }));
        Some(parts.join(" AND "))
    }

    /// Fills in the AUTO_INCREMENT key part from LAST_INSERT_ID().
    pub(crate) fn set_generated_key(&mut self, id: &str) {
        for (_, v) in self.key.iter_mut().filter(|(_, v)| v.is_none()) {
            *v = Some(id.to_string());
        }
    }

    pub(crate) fn key_known(&self) -> bool {
        self.key.iter().all(|(_, v)| v.is_some())
    }
}

/// A value as SQL of `engine`.
pub(crate) fn sql_value(engine: Engine, v: &Literal) -> String {
    match v {
        Literal::Number(n) => n.clone(),
        Literal::Text(t) => engine.literal(t),
    }
}

fn scalar(db: &mut dyn Db, sql: &str) -> Result<Option<String>, ValidateError> {
    db.query(sql)
        .map(|r| r.scalar().flatten().map(str::to_string))
        .map_err(|e| ValidateError::query("reading the source", e))
}

/// The table's columns, with what its keys, unique indexes, foreign keys and (MariaDB)
/// json_valid checks say of each.
fn describe(
    db: &mut dyn Db,
    table: &TableRef,
    checks: &[String],
) -> Result<Vec<ColumnInfo>, ValidateError> {
    let e = Engine::MySql;
    let filter = format!(
        "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
        e.literal(&table.schema),
        e.literal(&table.name)
    );
    let err = |e: SqlError| ValidateError::query(format!("reading {table}'s columns"), e);
    let rows = db
        .query(&format!(
            "SELECT COLUMN_NAME, LOWER(DATA_TYPE), LOWER(COLUMN_TYPE), IS_NULLABLE, \
             COLUMN_DEFAULT IS NOT NULL, LOWER(EXTRA), CHARACTER_MAXIMUM_LENGTH \
             FROM information_schema.COLUMNS WHERE {filter} ORDER BY ORDINAL_POSITION"
        ))
        .map_err(err)?;
    let indexes = db
        .query(&format!(
            "SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS \
             WHERE {filter}"
        ))
        .map_err(err)?;
    let foreign = db
        .query(&format!(
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
             WHERE {filter} AND REFERENCED_TABLE_NAME IS NOT NULL"
        ))
        .map_err(err)?;
    let text = |row: &[Option<String>], i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let mut columns = Vec::new();
    for r in &rows.rows {
        let name = text(r, 0);
        let extra = text(r, 5);
        let in_index = |unique_only: bool, primary: bool| {
            indexes.rows.iter().any(|i| {
                text(i, 1) == name
                    && (!unique_only || text(i, 2) == "0")
                    && (!primary || text(i, 0) == "PRIMARY")
            })
        };
        let json_call = format!("json_valid(`{name}`)");
        columns.push(ColumnInfo {
            data_type: text(r, 1),
            column_type: text(r, 2),
            nullable: text(r, 3) == "YES",
            has_default: text(r, 4) == "1",
            auto_increment: extra.contains("auto_increment"),
            generated: (extra.contains("generated") && !extra.contains("default_generated"))
                || extra.contains("virtual")
                || extra.contains("persistent")
                || extra.contains("stored"),
            max_length: text(r, 6).parse().ok(),
            primary_key: in_index(true, true),
            unique: in_index(true, false),
            foreign_key: foreign.rows.iter().any(|f| text(f, 0) == name),
            // MariaDB's JSON is LONGTEXT checked by json_valid(); MySQL's is a type.
            json_check: checks.iter().any(|c| {
                c.to_ascii_lowercase()
                    .contains(&json_call.to_ascii_lowercase())
            }),
            name,
        });
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_predicate_waits_for_the_generated_id_and_quotes_per_engine() {
        let t = TableRef::parse("retail_db.cdc_canary").unwrap();
        let mut plan = RowPlan::canary(&t, "cdc-1-2");
        assert_eq!(plan.key_predicate(Engine::MySql), None);
        plan.set_generated_key("17");
        assert_eq!(
            plan.key_predicate(Engine::PostgreSql).as_deref(),
            Some("\"id\" = '17'")
        );
        assert_eq!(
            plan.ours_predicate(Engine::MySql).as_deref(),
            Some("`id` = '17' AND `run_id` IN ('cdc-1-2')")
        );
        assert_eq!(
            plan.insert_sql(),
            "INSERT INTO `retail_db`.`cdc_canary` (`run_id`, `note`) VALUES ('cdc-1-2', 'inserted')"
        );
    }
}
