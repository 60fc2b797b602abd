//! The SQL that summarises one key range of one table: `COUNT(*)` beside a checksum of the
//! rows, computed entirely in the database.
//!
//! - [`Hash::Md5Sum`] works across engines: each row's normalised text is hashed with MD5,
//!   its last 14 hex digits (56 bits) read as an integer, and the segment's checksum is the
//!   exact SUM of those (MySQL's SUM over BIGINT returns DECIMAL, PostgreSQL's returns
//!   numeric: no floating point, so the same rows give the same number on both).
//! - [`Hash::Sha256Sum`] is the same with SHA-256 (its last 14 hex digits), for MySQL 9.6+,
//!   whose MD5() is gone unless its legacy hashing component is installed.
//! - [`Hash::Crc32Xor`] is for MySQL/MariaDB on both sides: `BIT_XOR(CRC32(row))`, about 3x
//!   cheaper. XOR cancels pairs of identical rows, which is why the count is always compared
//!   beside it.

use super::target::Engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Hash {
    /// Exact sum of 56-bit MD5 slices: any pair of engines.
    Md5Sum,
    /// Exact sum of 56-bit SHA-256 slices: any pair of engines, MySQL 9.6+ without MD5() too.
    Sha256Sum,
    /// BIT_XOR of CRC32: MySQL/MariaDB on both sides only.
    Crc32Xor,
}

/// The digest both sides compute alike, for row checksums and the ranges of a key that is
/// not an integer. MD5 where every side has it (cheaper), SHA-256 where one does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    Md5,
    Sha256,
}

impl Digest {
    /// The lower-case hex digest of `text` on `engine`.
    pub(crate) fn hex(self, engine: Engine, text: &str) -> String {
        match (engine, self) {
            (Engine::MySql, Digest::Md5) => format!("MD5({text})"),
            (Engine::MySql, Digest::Sha256) => format!("SHA2({text}, 256)"),
            (Engine::PostgreSql, Digest::Md5) => format!("md5({text})"),
            (Engine::PostgreSql, Digest::Sha256) => {
                format!("encode(sha256(convert_to({text}, 'UTF8')), 'hex')")
            }
            (Engine::DataFusion, Digest::Md5) => format!("md5({text})"),
            (Engine::DataFusion, Digest::Sha256) => format!("encode(sha256({text}), 'hex')"),
        }
    }

    /// Hex digits in a digest.
    fn len(self) -> usize {
        match self {
            Digest::Md5 => 32,
            Digest::Sha256 => 64,
        }
    }
}

impl Hash {
    /// The cheapest hash both engines can compute alike; `md5` says whether both have MD5().
    pub(crate) fn best_for(source: Engine, target: Engine, md5: bool) -> Hash {
        match (source, target) {
            // DataFusion computes MySQL's CRC32 too (cdc_crc32): the cheapest there.
            (Engine::MySql | Engine::DataFusion, Engine::MySql | Engine::DataFusion) => {
                Hash::Crc32Xor
            }
            _ if md5 => Hash::Md5Sum,
            _ => Hash::Sha256Sum,
        }
    }

    pub(crate) fn supported_by(self, engine: Engine) -> bool {
        self != Hash::Crc32Xor || engine != Engine::PostgreSql
    }

    /// The digest a summed hash is made of.
    pub(crate) fn digest(self) -> Option<Digest> {
        match self {
            Hash::Md5Sum => Some(Digest::Md5),
            Hash::Sha256Sum => Some(Digest::Sha256),
            Hash::Crc32Xor => None,
        }
    }
}

/// The aggregate over `row` (a [`super::normalize::row_text`] expression).
pub(crate) fn aggregate(engine: Engine, hash: Hash, row: &str) -> String {
    let Some(digest) = hash.digest() else {
        return match engine {
            // MySQL's BIT_XOR of no rows is 0, DataFusion's NULL.
            Engine::DataFusion => format!("coalesce(bit_xor(cdc_crc32({row})), 0)"),
            _ => {
                assert_eq!(
                    engine,
                    Engine::MySql,
                    "CRC32 is only chosen when neither side is PostgreSQL"
                );
                format!("BIT_XOR(CRC32({row}))")
            }
        };
    };
    // The last 14 hex digits: 56 bits, summed exactly (DECIMAL / numeric).
    let from = digest.len() - 13;
    let hex = digest.hex(engine, row);
    match engine {
        Engine::MySql => format!("SUM(CAST(CONV(SUBSTRING({hex}, {from}), 16, 10) AS UNSIGNED))"),
        Engine::PostgreSql => format!("sum(('x' || substr({hex}, {from}))::bit(56)::bigint)"),
        Engine::DataFusion => {
            format!("sum(CAST(cdc_hex_int(substr({hex}, {from})) AS DECIMAL(38,0)))")
        }
    }
}

/// `WHERE` text for a half-open range of the leading key column `key` (empty when unbounded).
pub(crate) fn range_filter(key: &str, lo: Option<i128>, hi: Option<i128>) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!(" WHERE {key} >= {l} AND {key} < {h}"),
        (Some(l), None) => format!(" WHERE {key} >= {l}"),
        (None, Some(h)) => format!(" WHERE {key} < {h}"),
        (None, None) => String::new(),
    }
}

/// `SELECT COUNT(*)[, checksum] FROM table [WHERE range]`.
pub(crate) fn segment_sql(table: &str, filter: &str, aggregate: Option<&str>) -> String {
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
        assert_eq!(
            Hash::best_for(Engine::MySql, Engine::MySql, true),
            Hash::Crc32Xor
        );
        assert_eq!(
            Hash::best_for(Engine::MySql, Engine::PostgreSql, true),
            Hash::Md5Sum
        );
        // MySQL 9.6+ without MD5(): SHA-256, its last 56 bits.
        assert_eq!(
            Hash::best_for(Engine::MySql, Engine::PostgreSql, false),
            Hash::Sha256Sum
        );
        assert_eq!(
            aggregate(Engine::MySql, Hash::Sha256Sum, "r"),
            "SUM(CAST(CONV(SUBSTRING(SHA2(r, 256), 51), 16, 10) AS UNSIGNED))"
        );
        assert_eq!(
            aggregate(Engine::PostgreSql, Hash::Sha256Sum, "r"),
            "sum(('x' || substr(encode(sha256(convert_to(r, 'UTF8')), 'hex'), 51))::bit(56)::bigint)"
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
