//! The SQL that summarises one key range of one table: `COUNT(*)` beside a checksum of the
//! rows, computed entirely in the database.
//!
//! - [`Hash::Md5Sum`] works across engines: each row's normalised text is hashed with MD5,
//!   its last 14 hex digits (56 bits) read as an integer, and the segment's checksum is the
//!   exact SUM of those (MySQL's SUM over BIGINT returns DECIMAL, PostgreSQL's returns
//!   numeric: no floating point, so the same rows give the same number on both).
//! - [`Hash::Crc32Xor`] is for MySQL/MariaDB on both sides: `BIT_XOR(CRC32(row))`, about 3x
//!   cheaper. XOR cancels pairs of identical rows, which is why the count is always compared
//!   beside it.

use super::target::Engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Hash {
    /// Exact sum of 56-bit MD5 slices: any pair of engines.
    Md5Sum,
    /// BIT_XOR of CRC32: MySQL/MariaDB on both sides only.
    Crc32Xor,
}

impl Hash {
    /// The cheapest hash both engines can compute alike.
    pub fn best_for(source: Engine, target: Engine) -> Hash {
        if source == Engine::MySql && target == Engine::MySql {
            Hash::Crc32Xor
        } else {
            Hash::Md5Sum
        }
    }

    pub fn supported_by(self, engine: Engine) -> bool {
        self == Hash::Md5Sum || engine == Engine::MySql
    }
}

/// The aggregate over `row` (a [`super::normalize::row_text`] expression).
pub fn aggregate(engine: Engine, hash: Hash, row: &str) -> String {
    match (engine, hash) {
        (Engine::MySql, Hash::Md5Sum) => {
            format!("SUM(CAST(CONV(SUBSTRING(MD5({row}), 19), 16, 10) AS UNSIGNED))")
        }
        (Engine::PostgreSql, Hash::Md5Sum) => {
            format!("sum(('x' || substr(md5({row}), 19))::bit(56)::bigint)")
        }
        (Engine::MySql, Hash::Crc32Xor) => format!("BIT_XOR(CRC32({row}))"),
        (Engine::PostgreSql, Hash::Crc32Xor) => {
            unreachable!("CRC32 is only chosen when both sides are MySQL/MariaDB")
        }
    }
}

/// `WHERE` text for a half-open range of the leading key column `key` (empty when unbounded).
pub fn range_filter(key: &str, lo: Option<i128>, hi: Option<i128>) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!(" WHERE {key} >= {l} AND {key} < {h}"),
        (Some(l), None) => format!(" WHERE {key} >= {l}"),
        (None, Some(h)) => format!(" WHERE {key} < {h}"),
        (None, None) => String::new(),
    }
}

/// `SELECT COUNT(*)[, checksum] FROM table [WHERE range]`.
pub fn segment_sql(table: &str, filter: &str, aggregate: Option<&str>) -> String {
    match aggregate {
        Some(a) => format!("SELECT COUNT(*), {a} FROM {table}{filter}"),
        None => format!("SELECT COUNT(*) FROM {table}{filter}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_exact_integer_sums_or_crc_xor() {
        assert_eq!(
            aggregate(Engine::MySql, Hash::Md5Sum, "r"),
            "SUM(CAST(CONV(SUBSTRING(MD5(r), 19), 16, 10) AS UNSIGNED))"
        );
        assert_eq!(
            aggregate(Engine::PostgreSql, Hash::Md5Sum, "r"),
            "sum(('x' || substr(md5(r), 19))::bit(56)::bigint)"
        );
        assert_eq!(
            aggregate(Engine::MySql, Hash::Crc32Xor, "r"),
            "BIT_XOR(CRC32(r))"
        );
        assert_eq!(Hash::best_for(Engine::MySql, Engine::MySql), Hash::Crc32Xor);
        assert_eq!(
            Hash::best_for(Engine::MySql, Engine::PostgreSql),
            Hash::Md5Sum
        );
    }

    #[test]
    fn segments_are_half_open() {
        assert_eq!(
            segment_sql(
                "`d`.`t`",
                &range_filter("`id`", Some(1), Some(33)),
                Some("X")
            ),
            "SELECT COUNT(*), X FROM `d`.`t` WHERE `id` >= 1 AND `id` < 33"
        );
        assert_eq!(
            segment_sql("t", &range_filter("k", None, None), None),
            "SELECT COUNT(*) FROM t"
        );
    }
}
