//! CHECK constraints on a `--table` canary row: read on MariaDB and MySQL alike, each clause
//! evaluated by the source itself (a SELECT, nothing written) with the row's values in place
//! of its columns, and values swapped for ones the clause accepts before anything is inserted.

use regex::Regex;

use super::generate::{ColumnInfo, Family, Literal};
use super::row_plan::{sql_value, Probe};
use crate::connection::sql::SqlError;
use crate::validate::error::ValidateError;
use crate::validate::table::TableRef;
use crate::validate::target::{Db, Engine};

/// The enforced CHECK clauses of `table`, as the server prints them ("`qty` > 0").
pub(crate) fn read(db: &mut dyn Db, table: &TableRef) -> Result<Vec<String>, ValidateError> {
    let e = Engine::MySql;
    let (schema, name) = (e.literal(&table.schema), e.literal(&table.name));
    // MariaDB names the table in CHECK_CONSTRAINTS itself.
    let mariadb = format!(
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = {schema} AND TABLE_NAME = {name}"
    );
    // MySQL's has no TABLE_NAME: the table comes from TABLE_CONSTRAINTS, which also says
    // whether the constraint is enforced.
    let mysql = format!(
        "SELECT cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.CHECK_CONSTRAINTS cc \
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.TABLE_SCHEMA = {schema} AND tc.TABLE_NAME = {name} \
           AND tc.CONSTRAINT_TYPE = 'CHECK' AND tc.ENFORCED = 'YES'"
    );
    let failed =
        |e: SqlError| ValidateError::query(format!("reading {table}'s CHECK constraints"), e);
    let (rows, mysql_escaped) = match db.query(&mariadb) {
        Ok(rows) => (rows, false),
        // 1054: unknown column TABLE_NAME, i.e. MySQL.
        Err(e) if e.code == Some(1054) => (db.query(&mysql).map_err(failed)?, true),
        Err(e) => return Err(failed(e)),
    };
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        // MySQL prints the clause's quotes escaped: (`s` in (_utf8mb4\'new\')).
        .map(|c| {
            if mysql_escaped {
                c.replace("\\'", "'")
            } else {
                c
            }
        })
        .collect())
}

/// Whether `clause` mentions `column` (as the server prints it, in backticks).
pub(crate) fn mentions(clause: &str, column: &str) -> bool {
    clause.to_ascii_lowercase().contains(&format!(
        "`{}`",
        column.replace('`', "``").to_ascii_lowercase()
    ))
}

/// Makes the insert (and the probe's updated value) pass every clause, asking the source
/// whether each does; swaps in values the clause itself names, or small numbers, where one
/// does not. Err names the clause no value cdc can make up satisfies.
pub(crate) fn satisfy(
    db: &mut dyn Db,
    table: &TableRef,
    clauses: &[String],
    columns: &[ColumnInfo],
    insert: &mut [(String, Literal)],
    probe: &mut Option<Probe>,
) -> Result<(), ValidateError> {
    for clause in clauses {
        if holds(db, clause, columns, insert)?
            && probe_update_holds(db, clause, columns, insert, probe)?
        {
            continue;
        }
        let mut fixed = false;
        let adjustable: Vec<usize> = insert
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| mentions(clause, name))
            .filter(|(_, (name, _))| {
                columns
                    .iter()
                    .any(|c| &c.name == name && !c.primary_key && !c.unique)
            })
            .map(|(i, _)| i)
            .collect();
        'columns: for i in adjustable {
            let column = columns.iter().find(|c| c.name == insert[i].0).cloned();
            let Some(column) = column else { continue };
            let is_probe = probe.as_ref().is_some_and(|p| p.column == column.name);
            let original = insert[i].1.clone();
            let mut passing = Vec::new();
            for candidate in candidates(clause, &column) {
                insert[i].1 = candidate.clone();
                if holds(db, clause, columns, insert)? {
                    passing.push(candidate);
                    // The probe needs two values, one after the insert, one after the update.
                    if !is_probe || passing.len() == 2 {
                        break;
                    }
                }
            }
            match (is_probe, passing.as_slice()) {
                (false, [value, ..]) => {
                    insert[i].1 = value.clone();
                    fixed = true;
                    break 'columns;
                }
                (true, [inserted, updated]) => {
                    insert[i].1 = inserted.clone();
                    if let Some(p) = probe.as_mut() {
                        p.inserted = inserted.clone();
                        p.updated = updated.clone();
                    }
                    fixed = true;
                    break 'columns;
                }
                _ => insert[i].1 = original,
            }
        }
        if !fixed {
            return Err(ValidateError::CheckUnsatisfiable {
                table: table.clone(),
                clause: clause.clone(),
            });
        }
    }
    Ok(())
}

/// The probe's updated value passes too (the update step writes it).
fn probe_update_holds(
    db: &mut dyn Db,
    clause: &str,
    columns: &[ColumnInfo],
    insert: &[(String, Literal)],
    probe: &Option<Probe>,
) -> Result<bool, ValidateError> {
    let Some(p) = probe else { return Ok(true) };
    if !mentions(clause, &p.column) {
        return Ok(true);
    }
    let mut updated = insert.to_vec();
    for (name, value) in updated.iter_mut() {
        if *name == p.column {
            *value = p.updated.clone();
        }
    }
    holds(db, clause, columns, &updated)
}

/// Asks the source: does `clause` hold for a row of `values` (NULL where unset)?
fn holds(
    db: &mut dyn Db,
    clause: &str,
    columns: &[ColumnInfo],
    values: &[(String, Literal)],
) -> Result<bool, ValidateError> {
    let mut expr = clause.to_string();
    for c in columns.iter().filter(|c| mentions(clause, &c.name)) {
        let value = match values.iter().find(|(n, _)| *n == c.name) {
            Some((_, v)) => sql_value(Engine::MySql, v),
            // A column the INSERT leaves to its default cannot be judged here.
            None if c.has_default => return Ok(true),
            None => "NULL".to_string(),
        };
        expr = replace_column(&expr, &c.name, &value);
    }
    // A CHECK rejects only FALSE: NULL (unknown) passes, as on the server.
    let sql = format!("SELECT ({expr}) IS NOT FALSE");
    let rows = db
        .query(&sql)
        .map_err(|e| ValidateError::query(format!("evaluating CHECK ({clause})"), e))?;
    Ok(rows.scalar().flatten() == Some("1"))
}

/// `clause` with every `` `column` `` (any case) replaced by `value`, outside string literals.
fn replace_column(clause: &str, column: &str, value: &str) -> String {
    let quoted = format!("`{}`", column.replace('`', "``"));
    let mut out = String::with_capacity(clause.len());
    let mut rest = clause;
    let mut in_string = false;
    while !rest.is_empty() {
        if !in_string
            && rest.len() >= quoted.len()
            && rest[..quoted.len()].eq_ignore_ascii_case(&quoted)
        {
            out.push_str(value);
            rest = &rest[quoted.len()..];
            continue;
        }
        let ch = rest.chars().next().expect("not empty");
        if ch == '\\' && in_string {
            let n = rest.chars().nth(1).map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&rest[..n]);
            rest = &rest[n..];
            continue;
        }
        if ch == '\'' {
            in_string = !in_string;
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// Values to try for `column` against `clause`: the literals the clause names (an IN list, a
/// bound), then small numbers or a few texts of growing length.
fn candidates(clause: &str, column: &ColumnInfo) -> Vec<Literal> {
    let strings = Regex::new(r"'((?:[^'\\]|\\.|'')*)'").expect("a valid pattern");
    let numbers = Regex::new(r"(?:^|[^\w.`])(-?\d+(?:\.\d+)?)").expect("a valid pattern");
    let mut out = Vec::new();
    let mut push = |l: Literal| {
        if !out.contains(&l) {
            out.push(l);
        }
    };
    match column.family() {
        Family::Integer { .. } | Family::Decimal | Family::Float | Family::Flag | Family::Year => {
            for m in numbers.captures_iter(clause) {
                if let Ok(n) = m[1].parse::<f64>() {
                    for v in [n, n + 1.0, n - 1.0] {
                        push(Literal::Number(number_text(v)));
                    }
                }
            }
            for n in ["1", "2", "10", "100", "1000", "1000000", "-1"] {
                push(Literal::Number(n.into()));
            }
        }
        Family::Text | Family::Enum | Family::Set => {
            for m in strings.captures_iter(clause) {
                push(Literal::Text(m[1].replace("''", "'").replace("\\'", "'")));
            }
            let max = column.max_length.unwrap_or(64).max(1) as usize;
            for len in [1usize, 3, 8, 16, 32] {
                push(Literal::Text("c".repeat(len.min(max))));
            }
        }
        _ => {}
    }
    out
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_replaced_outside_strings_only() {
        assert_eq!(replace_column("(`qty` > 0)", "qty", "5"), "(5 > 0)");
        assert_eq!(
            replace_column("`a` = '`a`' AND `A` < 3", "a", "NULL"),
            "NULL = '`a`' AND NULL < 3"
        );
        assert!(mentions("(`Price` > 0)", "price"));
        assert!(!mentions("(`price2` > 0)", "price"));
    }

    #[test]
    fn candidates_start_with_what_the_clause_names() {
        let status = ColumnInfo {
            name: "status".into(),
            data_type: "varchar".into(),
            column_type: "varchar(10)".into(),
            max_length: Some(10),
            ..ColumnInfo::default()
        };
        let c = candidates("(`status` in (_utf8mb4'new',_utf8mb4'paid'))", &status);
        assert_eq!(c[0], Literal::Text("new".into()));
        assert_eq!(c[1], Literal::Text("paid".into()));
        let qty = ColumnInfo {
            name: "qty".into(),
            data_type: "int".into(),
            column_type: "int".into(),
            ..ColumnInfo::default()
        };
        let c = candidates("(`qty` > 5000)", &qty);
        assert_eq!(
            c[..2],
            [
                Literal::Number("5000".into()),
                Literal::Number("5001".into())
            ]
        );
    }
}
