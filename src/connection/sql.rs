//! The narrow interface checks use to ask a server questions. A live session implements it,
//! and so do recorded server answers in tests.

use std::fmt;

use super::redact::{Redacted, Redactor};

/// A result set with every value as text (NULL as None): checks compare text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    /// The index of a column by case-insensitive name.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// The first column of the first row, if any.
    pub(crate) fn scalar(&self) -> Option<Option<&str>> {
        self.rows
            .first()
            .and_then(|r| r.first())
            .map(|v| v.as_deref())
    }
}

/// A statement that failed. The message is the server's or the driver's, without the
/// session's password (sessions make these, knowing it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct SqlError {
    /// The server's error number (1045 access denied, 1227 missing privilege...), when it sent one.
    pub code: Option<u16>,
    pub(crate) message: Redacted,
    /// The session is gone (the server went away, the socket broke): a new one may work.
    pub connection_lost: bool,
}

impl SqlError {
    pub(crate) fn new(code: Option<u16>, message: Redacted) -> SqlError {
        SqlError {
            code,
            message,
            connection_lost: false,
        }
    }

    /// The error of a session that can no longer be used.
    pub(crate) fn lost(message: Redacted) -> SqlError {
        SqlError {
            connection_lost: true,
            ..SqlError::new(None, message)
        }
    }

    /// An error no session gave, so no password can be in it: recorded answers, fakes.
    pub fn recorded(code: Option<u16>, message: impl AsRef<str>) -> SqlError {
        SqlError::new(code, Redactor::default().redact(message.as_ref()))
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(c) => write!(f, "ERROR {c}: {}", self.message),
            None => f.write_str(self.message.as_str()),
        }
    }
}

pub trait Sql {
    fn query(&mut self, sql: &str) -> Result<Rows, SqlError>;
}

/// `text` as a MySQL/MariaDB string literal. The quote and the backslash are both doubled,
/// which is right with or without NO_BACKSLASH_ESCAPES. (Identifiers are quoted by
/// `validate::target::Engine::ident`.)
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_quotes_and_backslashes() {
        assert_eq!(literal("plain"), "'plain'");
        assert_eq!(literal(r"it's\"), r"'it''s\\'");
    }
}
