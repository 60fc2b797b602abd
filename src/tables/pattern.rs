//! One table pattern as doctor, tail and validate read it: `db.table`, `db.*`, `*.*`, a bare
//! `db` (every table of it), each side a glob with `*` and `?`, or a backquoted name that
//! may hold a dot or a wildcard character (`` `my.db`.orders ``).

use std::fmt;

use super::glob::Glob;
use crate::connection::sql::literal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TablePattern {
    pub(crate) schema: Glob,
    pub(crate) table: Glob,
}

/// An entry that is not a table pattern, with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table {entry:?} is not db.table, db.*, *.* or a database: {why}")]
pub struct BadTablePattern {
    pub(crate) entry: String,
    pub(crate) why: &'static str,
}

impl TablePattern {
    pub(crate) fn parse(entry: &str) -> Result<TablePattern, BadTablePattern> {
        let bad = |why| BadTablePattern {
            entry: entry.to_string(),
            why,
        };
        let mut parts = split_unquoted(entry.trim(), '.').map_err(bad)?;
        if parts.len() > 2 {
            return Err(bad(
                "it has more than one dot (backquote a name that holds one: `my.db`.t)",
            ));
        }
        let table = match parts.len() {
            2 => parts.pop().unwrap_or_default(),
            _ => "*".to_string(),
        };
        let schema = parts.pop().unwrap_or_default();
        let schema = part(&schema).map_err(bad)?;
        let table = part(&table).map_err(bad)?;
        if schema.is_empty() {
            return Err(bad("the database name is empty"));
        }
        if table.is_empty() {
            return Err(bad("the table name is empty"));
        }
        Ok(TablePattern { schema, table })
    }

    pub(crate) fn matches(&self, schema: &str, table: &str) -> bool {
        self.schema.matches(schema) && self.table.matches(table)
    }

    /// Schema and table when the pattern names exactly one table.
    pub(crate) fn exact(&self) -> Option<(String, String)> {
        Some((self.schema.as_literal()?, self.table.as_literal()?))
    }

    /// A MySQL predicate on the given schema and table expressions selecting what the pattern
    /// matches; `None` when it matches every table.
    pub(crate) fn predicate(&self, schema: &str, table: &str) -> Option<String> {
        let parts: Vec<String> = [(schema, &self.schema), (table, &self.table)]
            .into_iter()
            .filter(|(_, g)| !g.is_any())
            .map(|(expr, g)| match g.as_literal() {
                Some(name) => format!("{expr} = {}", literal(&name)),
                None => format!("{expr} LIKE {}", literal(&g.to_like())),
            })
            .collect();
        (!parts.is_empty()).then(|| format!("({})", parts.join(" AND ")))
    }
}

impl fmt::Display for TablePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// Splits at `sep` outside backquotes, keeping the backquotes for [`part`].
pub(crate) fn split_unquoted(text: &str, sep: char) -> Result<Vec<String>, &'static str> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if quoted && chars.peek() == Some(&'`') => {
                chars.next();
                current.push_str("``");
            }
            '`' => {
                quoted = !quoted;
                current.push('`');
            }
            c if c == sep && !quoted => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    if quoted {
        return Err("a backquote is not closed");
    }
    Ok(parts)
}

/// One side: a backquoted name taken literally, or a glob.
fn part(text: &str) -> Result<Glob, &'static str> {
    let text = text.trim();
    match text.strip_prefix('`') {
        Some(rest) => {
            let inner = rest
                .strip_suffix('`')
                .filter(|i| !i.replace("``", "").contains('`'))
                .ok_or("write a backquoted name whole: `name`")?;
            Ok(Glob::literal(&inner.replace("``", "`")))
        }
        None if text.contains('`') => Err("write a backquoted name whole: `name`"),
        None => Ok(Glob::new(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> TablePattern {
        TablePattern::parse(s).unwrap()
    }

    #[test]
    fn the_forms_of_a_pattern() {
        assert_eq!(
            p("shop.orders").exact(),
            Some(("shop".into(), "orders".into()))
        );
        assert!(p("crm.*").matches("crm", "anything"));
        assert!(!p("crm.*").matches("crm2", "anything"));
        assert!(p("*.*").matches("a", "b"));
        assert!(p("*.audit_?").matches("x", "audit_1"));
        assert!(!p("*.audit_?").matches("x", "audit_12"));
        assert_eq!(
            p("retail_db"),
            p("retail_db.*"),
            "a bare db is every table of it"
        );
        assert_eq!(p(" shop . orders ").to_string(), "shop.orders");
    }

    #[test]
    fn backquotes_hold_dots_and_wildcard_characters() {
        let q = p("`my.db`.`or*ders`");
        assert_eq!(q.exact(), Some(("my.db".into(), "or*ders".into())));
        assert!(!q.matches("my.db", "orXders"));
        assert_eq!(q.to_string(), "`my.db`.`or*ders`");
        assert_eq!(p("`a``b`.t").exact(), Some(("a`b".into(), "t".into())));
    }

    #[test]
    fn what_is_not_a_pattern_says_why() {
        for (entry, why) in [
            ("a.b.c", "more than one dot"),
            ("db.", "table name is empty"),
            (".t", "database name is empty"),
            ("", "database name is empty"),
            ("`db.t", "not closed"),
            ("x`db`.t", "backquoted name whole"),
        ] {
            let e = TablePattern::parse(entry).unwrap_err();
            assert!(e.to_string().contains(why), "{entry}: {e}");
            assert!(e.to_string().contains(&format!("{entry:?}")), "{e}");
        }
    }

    #[test]
    fn predicates_quote_and_escape() {
        assert_eq!(
            p("retail_db.orders").predicate("s", "t").unwrap(),
            "(s = 'retail_db' AND t = 'orders')"
        );
        assert_eq!(
            p("shop_*").predicate("s", "t").unwrap(),
            "(s LIKE 'shop\\\\_%')"
        );
        assert_eq!(p("o'neil").predicate("s", "t").unwrap(), "(s = 'o''neil')");
        assert_eq!(p("*.*").predicate("s", "t"), None);
    }
}
