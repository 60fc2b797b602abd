//! One side of a table pattern: a name where `*` is any run of characters and `?` one
//! character, or a literal name (backquoted in the pattern, or without wildcards).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters, none included.
    Any,
    /// `?`: exactly one character.
    One,
}

/// A glob over one name. Matching is case-sensitive, as schema and table names are on Linux
/// servers (lower_case_table_names = 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob(Vec<Token>);

impl Glob {
    /// `*` and `?` are wildcards; every other character is literal.
    pub(crate) fn new(text: &str) -> Glob {
        Glob(
            text.chars()
                .map(|c| match c {
                    '*' => Token::Any,
                    '?' => Token::One,
                    c => Token::Char(c),
                })
                .collect(),
        )
    }

    /// A name taken as written: backquoted parts, where `*` and `?` are ordinary characters.
    pub(crate) fn literal(text: &str) -> Glob {
        Glob(text.chars().map(Token::Char).collect())
    }

    /// A pattern in SQL LIKE syntax as grants store it (`shop%`, `retail\_db`): `%` is any
    /// run, `_` one character, a backslash makes the next character literal.
    pub(crate) fn from_like(pattern: &str) -> Glob {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '\\' => Token::Char(chars.next().unwrap_or('\\')),
                '%' => Token::Any,
                '_' => Token::One,
                c => Token::Char(c),
            });
        }
        Glob(tokens)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `*` alone: matches every name.
    pub(crate) fn is_any(&self) -> bool {
        self.0 == [Token::Any]
    }

    /// The name itself when the glob has no wildcards.
    pub(crate) fn as_literal(&self) -> Option<String> {
        self.0
            .iter()
            .map(|t| match t {
                Token::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Iterative matching with one backtrack point: linear in practice, never recursive.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let pat = &self.0;
        let s: Vec<char> = name.chars().collect();
        let (mut p, mut i) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while i < s.len() {
            match pat.get(p) {
                Some(Token::One) => {
                    p += 1;
                    i += 1;
                }
                Some(Token::Char(c)) if *c == s[i] => {
                    p += 1;
                    i += 1;
                }
                Some(Token::Any) => {
                    star = Some((p, i));
                    p += 1;
                }
                _ => match star {
                    Some((sp, si)) => {
                        p = sp + 1;
                        i = si + 1;
                        star = Some((sp, si + 1));
                    }
                    None => return false,
                },
            }
        }
        pat[p..].iter().all(|t| *t == Token::Any)
    }

    /// The same glob as a SQL LIKE pattern (`%`, `_`, backslash escapes).
    pub(crate) fn to_like(&self) -> String {
        let mut out = String::new();
        for t in &self.0 {
            match t {
                Token::Any => out.push('%'),
                Token::One => out.push('_'),
                Token::Char(c @ ('%' | '_' | '\\')) => {
                    out.push('\\');
                    out.push(*c);
                }
                Token::Char(c) => out.push(*c),
            }
        }
        out
    }
}

/// As it would be written in a pattern: wildcards bare, a name needing it backquoted.
impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let literal_wildcard = self
            .0
            .iter()
            .any(|t| matches!(t, Token::Char('*' | '?' | '.' | '`' | ',')));
        if literal_wildcard && self.as_literal().is_some() {
            let name = self.as_literal().unwrap_or_default();
            return write!(f, "`{}`", name.replace('`', "``"));
        }
        for t in &self.0 {
            match t {
                Token::Any => f.write_str("*")?,
                Token::One => f.write_str("?")?,
                Token::Char(c) => write!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(Glob::new("shop_*").matches("shop_eu"));
        assert!(Glob::new("*").matches("anything"));
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("a*c*e").matches("abcde"));
        assert!(!Glob::new("a*c").matches("abd"));
        assert!(Glob::new("audit_?").matches("audit_1"));
        assert!(!Glob::new("audit_?").matches("audit_12"));
        assert!(Glob::new("s*p").matches("shop"));
        assert!(!Glob::new("Orders").matches("orders"), "case-sensitive");
        assert!(Glob::new("é?").matches("éa"), "characters, not bytes");
    }

    #[test]
    fn literal_names_keep_their_wildcard_characters() {
        let g = Glob::literal("a*b");
        assert!(g.matches("a*b"));
        assert!(!g.matches("axxb"));
        assert_eq!(g.as_literal().as_deref(), Some("a*b"));
        assert_eq!(g.to_string(), "`a*b`");
        assert_eq!(Glob::new("a*b").as_literal(), None);
    }

    #[test]
    fn like_patterns_translate_both_ways() {
        let g = Glob::from_like("retail\\_db");
        assert_eq!(g.as_literal().as_deref(), Some("retail_db"));
        assert!(Glob::from_like("shop%").matches("shop_eu"));
        assert!(Glob::from_like("a_c").matches("abc"));
        assert!(!Glob::from_like("a_c").matches("abbc"));
        assert_eq!(Glob::new("shop_*").to_like(), "shop\\_%");
        assert_eq!(Glob::new("a?%").to_like(), "a_\\%");
    }
}
