//! Typed errors of `cdc validate`: a caller tells a table the target lacks (a finding) from
//! one that could not be compared, a refusal from a statement that failed (and its server
//! error code). The texts are what the reports print.
//!
//! A server error is part of the message, not a `source()`: the command layer prints error
//! chains whole, and would say it twice.

use crate::connection::sql::SqlError;

use super::crud::generate::ValueError;
use super::table::TableRef;
use super::target::Engine;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ValidateError {
    /// A statement of the comparison failed on one side (the session already took the
    /// password out of the server's text).
    #[error("the {role}'s {table} ({}): {error}", .engine.name())]
    Side {
        role: Role,
        table: TableRef,
        engine: Engine,
        error: SqlError,
    },

    /// A statement failed while `doing` something ("reading the columns of db.t").
    #[error("{doing}: {error}")]
    Query { doing: String, error: SqlError },

    /// A key bound came back as something other than an integer.
    #[error("key value {value:?} is not an integer")]
    NotAnInteger { value: String },

    #[error("COUNT(*) gave no number")]
    NoCount,

    #[error("a hash bucket out of range")]
    BucketOutOfRange,

    #[error("the source clock gave no answer")]
    NoClock,

    #[error("no table {0} on the source")]
    NoSourceTable(TableRef),

    /// Not a failure to compare: the target is missing the table.
    #[error("no table {0} on the target")]
    NoTargetTable(TableRef),

    #[error("{0} has no primary key: name the key columns with --key")]
    NoPrimaryKey(TableRef),

    #[error("key column {column} is not on both sides")]
    KeyNotOnBothSides { column: String },

    #[error("--updated-column {column} is not a column of {table}")]
    NoUpdatedColumn { column: String, table: TableRef },

    #[error("--hash crc32-xor needs MySQL/MariaDB, Delta Lake or Iceberg on both sides (PostgreSQL has no CRC32: use md5-sum)")]
    HashNeedsMySql,

    /// MySQL 9.6+ keeps MD5() in a component that is not installed by default.
    #[error(
        "--hash md5-sum: this MySQL has no MD5() (MySQL 9.6+ moved it into a \
         component: INSTALL COMPONENT 'file://component_classic_hashing'); use --hash sha256-sum"
    )]
    NoMd5,

    #[error("--tables {pattern}: no table on the source matches")]
    NoMatch { pattern: String },

    /// A soft delete mode names a column the existing target table does not have.
    #[error("--delete-mode names column {column}, which the target table {table} lacks: {error}")]
    NoDeleteColumn {
        column: String,
        table: TableRef,
        error: SqlError,
    },

    #[error("{0} does not exist on the source")]
    NoCanaryTable(TableRef),

    #[error("{0} has no primary key: the canary row could not be found again on the target")]
    CanaryNoPrimaryKey(TableRef),

    /// No value cdc can make up fits a column of the canary's table.
    #[error("{table}: {error}")]
    Value { table: TableRef, error: ValueError },

    #[error(
        "{table}: CHECK ({clause}) accepts none of the values cdc can make up; use --canary (a \
         dedicated table) for this pipeline"
    )]
    CheckUnsatisfiable { table: TableRef, clause: String },

    #[error(
        "every column of {0} is part of a key, unique, generated or of a type that cannot be \
         compared: nothing to update"
    )]
    NothingToUpdate(TableRef),

    /// A canary step's statement failed on the source; `hint` (empty or starting with a
    /// space) says what to do about the usual causes.
    #[error("on the source: {error}{hint}")]
    Step { error: SqlError, hint: String },

    #[error("a worker thread panicked")]
    WorkerPanicked,
}

/// Which side of a comparison: both may be the same engine, so the engine alone does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Source,
    Target,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Source => "source",
            Role::Target => "target",
        })
    }
}

impl ValidateError {
    /// A statement that failed while `doing` something.
    pub(crate) fn query(doing: impl Into<String>, error: SqlError) -> ValidateError {
        ValidateError::Query {
            doing: doing.into(),
            error,
        }
    }
}

/// Why a `--target-table` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TargetPatternError {
    #[error("{token:?} is not a placeholder: use {{db}} and {{table}}, e.g. bronze.{{table}}")]
    Placeholder { token: String },
    #[error(
        "{pattern:?} is not a table name or schema.table (each part may use {{db}} and {{table}})"
    )]
    NotATable { pattern: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_failures_keep_the_server_error_and_read_as_before() {
        let table = TableRef::parse("shop.orders").unwrap();
        let e = ValidateError::Side {
            role: Role::Target,
            table: table.clone(),
            engine: Engine::PostgreSql,
            error: SqlError::recorded(None, "42P01: relation does not exist"),
        };
        assert_eq!(
            e.to_string(),
            "the target's shop.orders (PostgreSQL): 42P01: relation does not exist"
        );
        let e = ValidateError::query(
            format!("reading the columns of {table}"),
            SqlError::recorded(Some(1142), "SELECT command denied"),
        );
        assert!(matches!(&e, ValidateError::Query { error, .. } if error.code == Some(1142)));
        assert_eq!(
            e.to_string(),
            "reading the columns of shop.orders: ERROR 1142: SELECT command denied"
        );
        assert_eq!(
            ValidateError::NoMd5.to_string(),
            "--hash md5-sum: this MySQL has no MD5() (MySQL 9.6+ moved it into a component: \
             INSTALL COMPONENT 'file://component_classic_hashing'); use --hash sha256-sum"
        );
    }
}
