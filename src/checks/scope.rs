//! Which tables the run is about: `--tables db.t,db.*`, by default every non-system schema.

use crate::connection::sql::literal;
use crate::tables::TablePatterns;

pub(crate) const SYSTEM_SCHEMAS: [&str; 4] =
    ["mysql", "sys", "information_schema", "performance_schema"];

/// A `$CAPTURED(...)` in a probe's SQL that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapturedError {
    #[error("unclosed $CAPTURED( in probe SQL")]
    Unclosed,
    /// Not the two expressions, schema and table, it takes.
    #[error("$CAPTURED takes (schema_expr, table_expr)")]
    Arguments,
}

/// Every non-system table, or those the patterns match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableScope {
    pub(crate) patterns: TablePatterns,
}

impl TableScope {
    /// A SQL predicate selecting the tables in scope, given the schema and table expressions.
    pub(crate) fn predicate(&self, schema: &str, table: &str) -> String {
        let not_system = format!(
            "{schema} NOT IN ({})",
            SYSTEM_SCHEMAS
                .iter()
                .map(|s| literal(s))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if self.patterns.is_empty() {
            return not_system;
        }
        let alternatives: Vec<String> = self
            .patterns
            .iter()
            .map(|p| p.predicate(schema, table).unwrap_or_else(|| "1=1".into()))
            .collect();
        format!("({not_system} AND ({}))", alternatives.join(" OR "))
    }

    /// Expands every `$CAPTURED(schema_expr, table_expr)` in a probe's SQL.
    pub fn expand(&self, sql: &str) -> Result<String, CapturedError> {
        let mut out = String::new();
        let mut rest = sql;
        while let Some(start) = rest.find("$CAPTURED(") {
            out.push_str(&rest[..start]);
            let after = &rest[start + "$CAPTURED(".len()..];
            let end = after.find(')').ok_or(CapturedError::Unclosed)?;
            let (schema, table) = after[..end]
                .split_once(',')
                .ok_or(CapturedError::Arguments)?;
            out.push_str(&self.predicate(schema.trim(), table.trim()));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Whether a schema is named by the scope (globs included).
    pub(crate) fn covers_schema(&self, schema: &str) -> bool {
        if SYSTEM_SCHEMAS.contains(&schema.to_ascii_lowercase().as_str()) {
            return false;
        }
        self.patterns.is_empty() || self.patterns.covers_schema(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scope_excludes_system_schemas() {
        let s = TableScope::default();
        assert_eq!(
            s.expand("WHERE $CAPTURED(t.table_schema, t.table_name)").unwrap(),
            "WHERE t.table_schema NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema')"
        );
        assert!(s.covers_schema("retail_db"));
        assert!(!s.covers_schema("mysql"));
    }

    #[test]
    fn patterns_become_predicates() {
        let s = TableScope {
            patterns: "retail_db.orders, shop_*.*, o'neil".parse().unwrap(),
        };
        let p = s.predicate("s", "t");
        assert!(p.contains("(s = 'retail_db' AND t = 'orders')"), "{p}");
        assert!(p.contains("s LIKE 'shop\\\\_%'"), "{p}");
        assert!(p.contains("s = 'o''neil'"), "{p}");
        assert!(s.covers_schema("shop_eu"));
        assert!(!s.covers_schema("other"));
    }

    #[test]
    fn captured_needs_both_expressions_and_its_parenthesis() {
        let s = TableScope::default();
        assert_eq!(
            s.expand("WHERE $CAPTURED(t.table_schema"),
            Err(CapturedError::Unclosed)
        );
        assert_eq!(
            s.expand("WHERE $CAPTURED(t.table_schema)"),
            Err(CapturedError::Arguments)
        );
    }
}
