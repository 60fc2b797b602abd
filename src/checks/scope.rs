//! Which tables the run is about: `--tables db.t,db.*`, by default every non-system schema.

use crate::connection::sql::literal;

pub(crate) const SYSTEM_SCHEMAS: [&str; 4] =
    ["mysql", "sys", "information_schema", "performance_schema"];

/// One `--tables` entry: schema and table, each a name or a `*` glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TablePattern {
    pub(crate) schema: String,
    pub(crate) table: String,
}

/// A `--tables` entry that is not a table pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table {0:?} is not db.table, db.* or *.*")]
pub struct BadTablePattern(pub String);

/// A `$CAPTURED(...)` in a probe's SQL that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapturedError {
    #[error("unclosed $CAPTURED( in probe SQL")]
    Unclosed,
    /// Not the two expressions, schema and table, it takes.
    #[error("$CAPTURED takes (schema_expr, table_expr)")]
    Arguments,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableScope {
    pub(crate) patterns: Vec<TablePattern>,
}

impl TableScope {
    /// Parses "db.t,db.*,*.*"; a bare "db" means every table of db.
    pub(crate) fn parse(list: &str) -> Result<TableScope, BadTablePattern> {
        let mut patterns = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (schema, table) = item.split_once('.').unwrap_or((item, "*"));
            if schema.is_empty() || table.is_empty() || table.contains('.') {
                return Err(BadTablePattern(item.to_string()));
            }
            patterns.push(TablePattern {
                schema: schema.trim_matches('`').to_string(),
                table: table.trim_matches('`').to_string(),
            });
        }
        Ok(TableScope { patterns })
    }

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
            .map(|p| {
                let mut parts = Vec::new();
                if p.schema != "*" {
                    parts.push(matcher(schema, &p.schema));
                }
                if p.table != "*" {
                    parts.push(matcher(table, &p.table));
                }
                if parts.is_empty() {
                    "1=1".to_string()
                } else {
                    format!("({})", parts.join(" AND "))
                }
            })
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
        self.patterns.is_empty() || self.patterns.iter().any(|p| glob_match(&p.schema, schema))
    }
}

fn matcher(expr: &str, pattern: &str) -> String {
    if pattern.contains('*') {
        let like = pattern
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
            .replace('*', "%");
        format!("{expr} LIKE {}", literal(&like))
    } else {
        format!("{expr} = {}", literal(pattern))
    }
}

/// `*` matches any run of characters; everything else literally (case-sensitive like schema names).
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
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
        let s = TableScope::parse("retail_db.orders, shop_*.*, o'neil").unwrap();
        let p = s.predicate("s", "t");
        assert!(p.contains("(s = 'retail_db' AND t = 'orders')"), "{p}");
        assert!(p.contains("s LIKE 'shop\\\\_%'"), "{p}");
        assert!(p.contains("s = 'o''neil'"), "{p}");
        assert!(s.covers_schema("shop_eu"));
        assert!(!s.covers_schema("other"));
        assert_eq!(
            TableScope::parse("a.b.c").unwrap_err().to_string(),
            "table \"a.b.c\" is not db.table, db.* or *.*"
        );
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

    #[test]
    fn globs() {
        assert!(glob_match("shop_*", "shop_eu"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c", "abd"));
    }
}
