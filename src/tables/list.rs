//! A list of table patterns, as `--tables a.b,c.*` or several TABLE arguments give it.

use super::pattern::{split_unquoted, BadTablePattern, TablePattern};

/// Any of the patterns; an empty list names nothing (callers decide what that means).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TablePatterns(Vec<TablePattern>);

impl TablePatterns {
    /// Comma-separated entries in each item (commas inside backquotes belong to the name);
    /// empty entries are skipped.
    pub(crate) fn parse<S: AsRef<str>>(items: &[S]) -> Result<TablePatterns, BadTablePattern> {
        let mut patterns = Vec::new();
        for item in items {
            let item = item.as_ref();
            let entries = split_unquoted(item, ',').map_err(|why| BadTablePattern {
                entry: item.to_string(),
                why,
            })?;
            for entry in entries.iter().filter(|e| !e.trim().is_empty()) {
                patterns.push(TablePattern::parse(entry)?);
            }
        }
        Ok(TablePatterns(patterns))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TablePattern> {
        self.0.iter()
    }

    pub(crate) fn matches(&self, schema: &str, table: &str) -> bool {
        self.0.iter().any(|p| p.matches(schema, table))
    }

    /// The schemas the patterns name outright (`app` of `app.t` or `app.*`), in order.
    pub(crate) fn named_schemas(&self) -> Vec<String> {
        let mut named: Vec<String> = Vec::new();
        for schema in self.0.iter().filter_map(|p| p.schema.as_literal()) {
            if !named.contains(&schema) {
                named.push(schema);
            }
        }
        named
    }

    /// Whether any pattern can match a table of `schema`.
    pub(crate) fn covers_schema(&self, schema: &str) -> bool {
        self.0.iter().any(|p| p.schema.matches(schema))
    }
}

/// A `--tables` value: `a.b,c.*`.
impl std::str::FromStr for TablePatterns {
    type Err = BadTablePattern;

    fn from_str(list: &str) -> Result<TablePatterns, BadTablePattern> {
        TablePatterns::parse(&[list])
    }
}

impl From<Vec<TablePattern>> for TablePatterns {
    fn from(patterns: Vec<TablePattern>) -> TablePatterns {
        TablePatterns(patterns)
    }
}

impl std::fmt::Display for TablePatterns {
    /// As `--tables` takes them: `db.t,db.*`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let items: Vec<String> = self.0.iter().map(|p| p.to_string()).collect();
        f.write_str(&items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_at_commas_outside_backquotes() {
        let l = TablePatterns::parse(&["shop.orders, crm.*", "`a,b`.t", ""]).unwrap();
        let shown: Vec<String> = l.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["shop.orders", "crm.*", "`a,b`.t"]);
        assert!(l.matches("crm", "x"));
        assert!(l.covers_schema("a,b"));
        assert_eq!(l.named_schemas(), ["shop", "crm", "a,b"]);
        assert!(!l.covers_schema("other"));
        assert!(TablePatterns::parse(&[" , "]).unwrap().is_empty());
        assert!(TablePatterns::parse(&["a.b.c"]).is_err());
    }
}
