//! TABLE patterns: which tables `cdc tail` shows (`db.t`, `db.*`, `*.*`, globs with `*`, `?`).

/// One `db.table` pattern, each side a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    db: String,
    table: String,
}

/// TABLE arguments `cdc tail` cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FilterError {
    #[error("name at least one TABLE (db.table, db.* or *.*)")]
    NoTables,
    /// Not `db.table` with both sides non-empty.
    #[error("bad TABLE {0:?}: write db.table, db.* or *.* (globs with * and ? allowed)")]
    BadPattern(String),
}

/// The tables to show: a change is shown when any pattern matches its db and table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableFilter {
    patterns: Vec<Pattern>,
}

impl TableFilter {
    /// Parses `db.table` patterns. The database and table parts are globs (`*` any run of
    /// characters, `?` one character), matched case-sensitively, as Linux servers name tables.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<TableFilter, FilterError> {
        if patterns.is_empty() {
            return Err(FilterError::NoTables);
        }
        let patterns = patterns
            .iter()
            .map(|p| {
                let p = p.as_ref();
                match p.split_once('.') {
                    Some((db, table)) if !db.is_empty() && !table.is_empty() => Ok(Pattern {
                        db: db.to_string(),
                        table: table.to_string(),
                    }),
                    _ => Err(FilterError::BadPattern(p.to_string())),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(TableFilter { patterns })
    }

    pub(crate) fn matches(&self, db: &str, table: &str) -> bool {
        self.patterns.iter().any(|p| {
            glob(p.db.as_bytes(), db.as_bytes()) && glob(p.table.as_bytes(), table.as_bytes())
        })
    }
}

/// `*` and `?` glob matching, iterative with one backtrack point.
fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == s[i]) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if let Some((sp, si)) = star {
            p = sp + 1;
            i = si + 1;
            star = Some((sp, si + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let f = TableFilter::parse(&["shop.orders", "crm.*", "*.audit_?"]).unwrap();
        assert!(f.matches("shop", "orders"));
        assert!(!f.matches("shop", "orders2"));
        assert!(f.matches("crm", "anything"));
        assert!(f.matches("x", "audit_1"));
        assert!(!f.matches("x", "audit_12"));
        let all = TableFilter::parse(&["*.*"]).unwrap();
        assert!(all.matches("a", "b"));
        assert_eq!(
            TableFilter::parse(&["orders"]).unwrap_err().to_string(),
            "bad TABLE \"orders\": write db.table, db.* or *.* (globs with * and ? allowed)"
        );
        assert_eq!(
            TableFilter::parse(&["db."]),
            Err(FilterError::BadPattern("db.".into()))
        );
        let empty: [&str; 0] = [];
        assert_eq!(TableFilter::parse(&empty), Err(FilterError::NoTables));
        assert!(TableFilter::parse(&["s*p.o*s"])
            .unwrap()
            .matches("shop", "orders"));
    }
}
