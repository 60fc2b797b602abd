//! Values for a generated canary row in a real table (`--table`): one that fits each column's
//! type, NOT NULL, uniqueness and length, told apart from real rows by a marker.

/// A column as information_schema describes it, and what the table's indexes say of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnInfo {
    pub(crate) name: String,
    /// DATA_TYPE, lower case: int, varchar, enum...
    pub(crate) data_type: String,
    /// COLUMN_TYPE: int(10) unsigned, enum('a','b'), tinyint(1)...
    pub(crate) column_type: String,
    pub(crate) nullable: bool,
    pub(crate) has_default: bool,
    pub(crate) auto_increment: bool,
    /// A generated (virtual/stored) column: never written.
    pub(crate) generated: bool,
    /// CHARACTER_MAXIMUM_LENGTH (characters for text, bytes for binary).
    pub(crate) max_length: Option<u64>,
    pub(crate) primary_key: bool,
    /// Part of a UNIQUE index (or the primary key).
    pub(crate) unique: bool,
    /// References another table: a made-up value would break the foreign key.
    pub(crate) foreign_key: bool,
    /// MariaDB's JSON is LONGTEXT with a json_valid() check.
    pub(crate) json_check: bool,
}

/// How a value is written and compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// A string literal (quoted when written).
    Text(String),
    /// A number written as is.
    Number(String),
}

impl Literal {
    /// The value as the target prints it (before engine differences).
    pub(crate) fn text(&self) -> &str {
        match self {
            Literal::Text(s) | Literal::Number(s) => s,
        }
    }

    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Literal::Number(_))
    }
}

/// What a column is, for generating values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Text,
    Binary,
    /// An integer with its range.
    Integer {
        min: i128,
        max: i128,
    },
    /// TINYINT(1): a boolean to most pipelines (PostgreSQL targets make it `boolean`).
    Flag,
    Decimal,
    Float,
    Date,
    DateTime,
    Time,
    Year,
    Enum,
    Set,
    Json,
    Bit,
    Uuid,
    Inet4,
    Inet6,
    /// Spatial, vector and anything else no sensible made-up value exists for.
    Unsupported,
}

impl ColumnInfo {
    pub(crate) fn family(&self) -> Family {
        let unsigned = self.column_type.contains("unsigned");
        let int = |bits: u32| {
            if unsigned {
                Family::Integer {
                    min: 0,
                    max: (1i128 << bits) - 1,
                }
            } else {
                Family::Integer {
                    min: -(1i128 << (bits - 1)),
                    max: (1i128 << (bits - 1)) - 1,
                }
            }
        };
        match self.data_type.as_str() {
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext"
                if self.json_check =>
            {
                Family::Json
            }
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => Family::Text,
            "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
                Family::Binary
            }
            "tinyint" if self.column_type.starts_with("tinyint(1)") => Family::Flag,
            "tinyint" => int(8),
            "smallint" => int(16),
            "mediumint" => int(24),
            "int" | "integer" => int(32),
            "bigint" => int(64),
            "decimal" | "numeric" => Family::Decimal,
            "float" | "double" | "real" => Family::Float,
            "date" => Family::Date,
            "datetime" | "timestamp" => Family::DateTime,
            "time" => Family::Time,
            "year" => Family::Year,
            "enum" => Family::Enum,
            "set" => Family::Set,
            "json" => Family::Json,
            "bit" => Family::Bit,
            "uuid" => Family::Uuid,
            "inet4" => Family::Inet4,
            "inet6" => Family::Inet6,
            _ => Family::Unsupported,
        }
    }

    /// The INSERT must set it: NOT NULL without a default, or part of the key.
    pub(crate) fn needs_value(&self) -> bool {
        !self.generated
            && !self.auto_increment
            && (self.primary_key || (!self.nullable && !self.has_default))
    }

    /// An ENUM's permitted values, from `enum('a','b')`.
    pub(crate) fn enum_values(&self) -> Vec<String> {
        let Some(inner) = self
            .column_type
            .split_once('(')
            .and_then(|(_, r)| r.rsplit_once(')'))
            .map(|(i, _)| i)
        else {
            return Vec::new();
        };
        let mut values = Vec::new();
        let mut cur = String::new();
        let mut in_quote = false;
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, in_quote) {
                ('\'', false) => in_quote = true,
                ('\'', true) if chars.peek() == Some(&'\'') => {
                    chars.next();
                    cur.push('\'');
                }
                ('\'', true) => {
                    in_quote = false;
                    values.push(std::mem::take(&mut cur));
                }
                (_, true) => cur.push(c),
                _ => {}
            }
        }
        values
    }

    /// May the update step change this column to tell the steps apart? Not a key, not
    /// unique, not referencing anything, and a type whose printed value is unambiguous.
    pub(crate) fn probe_rank(&self) -> Option<u8> {
        if self.generated || self.unique || self.foreign_key || self.auto_increment {
            return None;
        }
        match self.family() {
            Family::Text if self.max_length.unwrap_or(0) >= 8 => Some(0),
            Family::Integer { .. } => Some(1),
            Family::Decimal => Some(2),
            Family::Enum if self.enum_values().len() >= 2 => Some(3),
            Family::Flag => Some(4),
            _ => None,
        }
    }
}

/// The two probe values (after the insert, after the update).
pub(crate) fn probe_values(c: &ColumnInfo, token: &str) -> Option<(Literal, Literal)> {
    match c.family() {
        Family::Text => {
            let max = c.max_length.unwrap_or(0) as usize;
            Some((
                Literal::Text(truncate(&format!("cdc:i:{token}"), max)),
                Literal::Text(truncate(&format!("cdc:u:{token}"), max)),
            ))
        }
        Family::Integer { .. } | Family::Decimal => {
            Some((Literal::Number("0".into()), Literal::Number("1".into())))
        }
        Family::Flag => Some((Literal::Number("0".into()), Literal::Number("1".into()))),
        Family::Enum => {
            let v = c.enum_values();
            Some((Literal::Text(v[0].clone()), Literal::Text(v[1].clone())))
        }
        _ => None,
    }
}

/// What the server knows that a value may depend on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// UTC_TIMESTAMP() as "YYYY-MM-DD HH:MM:SS".
    pub(crate) now: String,
    /// The largest value of the column now (for integer and decimal keys), as text.
    pub(crate) max: Option<String>,
    /// A fresh UUID() from the server.
    pub(crate) uuid: String,
}

/// Why no value can be made up for a column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ValueError {
    #[error(
        "column {column} references another table: a generated row would break the foreign key"
    )]
    ForeignKey { column: String },
    /// MAX() of a numeric key came back as something else.
    #[error("column {column}: its largest value {value:?} is not a number")]
    NotANumber { column: String, value: String },
    #[error("column {column} is full: no value above the largest one fits {column_type}")]
    Full { column: String, column_type: String },
    #[error("column {column} ({column_type}) needs a value and a made-up one cannot be trusted")]
    Untrusted { column: String, column_type: String },
}

/// A value for a column the INSERT must set. Keys and unique columns get values no row
/// holds: the marker for text, above the current maximum for numbers.
pub(crate) fn value_for(c: &ColumnInfo, token: &str, ctx: &Context) -> Result<Literal, ValueError> {
    let unsupported = || ValueError::Untrusted {
        column: c.name.clone(),
        column_type: c.column_type.clone(),
    };
    if c.foreign_key {
        return Err(ValueError::ForeignKey {
            column: c.name.clone(),
        });
    }
    let distinct = c.unique || c.primary_key;
    let above_max = |min: i128, max: i128| -> Result<Literal, ValueError> {
        let current = match ctx.max.as_deref() {
            None => min.max(0),
            Some(m) => m
                .split('.')
                .next()
                .unwrap_or(m)
                .parse::<i128>()
                .map_err(|_| ValueError::NotANumber {
                    column: c.name.clone(),
                    value: m.to_string(),
                })?
                .saturating_add(1),
        };
        if current > max {
            return Err(ValueError::Full {
                column: c.name.clone(),
                column_type: c.column_type.clone(),
            });
        }
        Ok(Literal::Number(current.max(min).to_string()))
    };
    let text = |max: Option<u64>| {
        let max = max.unwrap_or(64) as usize;
        let marked = format!("cdc:i:{token}");
        if distinct && marked.chars().count() > max {
            // Too narrow for the marker: the token's tail, which differs between runs.
            let skip = token.chars().count().saturating_sub(max);
            return Literal::Text(token.chars().skip(skip).collect());
        }
        Literal::Text(truncate(&marked, max))
    };
    Ok(match c.family() {
        Family::Text | Family::Binary => text(c.max_length),
        Family::Integer { min, max } if distinct => above_max(min, max)?,
        Family::Decimal | Family::Float if distinct => above_max(i128::MIN, i128::MAX)?,
        Family::Integer { .. } | Family::Decimal | Family::Float | Family::Flag | Family::Bit => {
            Literal::Number("0".into())
        }
        Family::Date if !distinct => Literal::Text(ctx.now.chars().take(10).collect()),
        Family::DateTime if !distinct => Literal::Text(ctx.now.clone()),
        Family::Time if !distinct => Literal::Text("00:00:00".into()),
        Family::Year if !distinct => Literal::Number("2000".into()),
        Family::Enum if !distinct => {
            Literal::Text(c.enum_values().first().cloned().unwrap_or_default())
        }
        Family::Set if !distinct => Literal::Text(String::new()),
        Family::Json if !distinct => Literal::Text("{}".into()),
        Family::Uuid => Literal::Text(ctx.uuid.clone()),
        Family::Inet4 if !distinct => Literal::Text("0.0.0.0".into()),
        Family::Inet6 if !distinct => Literal::Text("::".into()),
        _ => return Err(unsupported()),
    })
}

/// At most `max` characters.
fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, data_type: &str, column_type: &str) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            ..ColumnInfo::default()
        }
    }

    #[test]
    fn families_follow_the_column_type() {
        assert_eq!(
            col("a", "tinyint", "tinyint(3) unsigned").family(),
            Family::Integer { min: 0, max: 255 }
        );
        assert_eq!(
            col("a", "int", "int(11)").family(),
            Family::Integer {
                min: -2147483648,
                max: 2147483647
            }
        );
        assert_eq!(col("a", "tinyint", "tinyint(1)").family(), Family::Flag);
        let mut json = col("doc", "longtext", "longtext");
        json.json_check = true;
        assert_eq!(json.family(), Family::Json);
        assert_eq!(col("g", "point", "point").family(), Family::Unsupported);
    }

    #[test]
    fn enum_values_unquote_and_unescape() {
        let c = col("s", "enum", "enum('new','it''s','a,b')");
        assert_eq!(c.enum_values(), ["new", "it's", "a,b"]);
    }

    #[test]
    fn keys_go_above_the_largest_value_and_refuse_when_full() {
        let key = ColumnInfo {
            primary_key: true,
            ..col("id", "tinyint", "tinyint(4)")
        };
        let ctx = |max: Option<&str>| Context {
            max: max.map(str::to_string),
            ..Context::default()
        };
        assert_eq!(
            value_for(&key, "t", &ctx(Some("41"))),
            Ok(Literal::Number("42".into()))
        );
        assert_eq!(
            value_for(&key, "t", &ctx(None)),
            Ok(Literal::Number("0".into()))
        );
        assert_eq!(
            value_for(&key, "t", &ctx(Some("127"))),
            Err(ValueError::Full {
                column: "id".into(),
                column_type: "tinyint(4)".into()
            })
        );
        let dec = ColumnInfo {
            primary_key: true,
            ..col("k", "decimal", "decimal(10,2)")
        };
        assert_eq!(
            value_for(&dec, "t", &ctx(Some("9.50"))),
            Ok(Literal::Number("10".into()))
        );
    }

    #[test]
    fn text_values_carry_the_marker_within_the_length() {
        let c = ColumnInfo {
            max_length: Some(10),
            ..col("code", "varchar", "varchar(10)")
        };
        assert_eq!(
            value_for(&c, "abcdef123456", &Context::default()),
            Ok(Literal::Text("cdc:i:abcd".into()))
        );
        let key = ColumnInfo {
            primary_key: true,
            ..c.clone()
        };
        assert_eq!(
            value_for(&key, "abcdef123456", &Context::default()),
            Ok(Literal::Text("cdef123456".into())),
            "a narrow key keeps the token's changing tail"
        );
        let (i, u) = probe_values(&c, "abcdef123456").unwrap();
        assert_ne!(i, u, "the update changes the probe");
    }

    #[test]
    fn what_cannot_be_made_up_is_refused_by_name() {
        let fk = ColumnInfo {
            foreign_key: true,
            ..col("customer_id", "int", "int(11)")
        };
        assert!(value_for(&fk, "t", &Context::default())
            .unwrap_err()
            .to_string()
            .contains("customer_id references another table"));
        let geo = col("where", "point", "point");
        assert!(value_for(&geo, "t", &Context::default())
            .unwrap_err()
            .to_string()
            .contains("column where (point)"));
    }

    #[test]
    fn probes_prefer_text_and_skip_keys_and_unique_columns() {
        let text = ColumnInfo {
            max_length: Some(40),
            ..col("note", "varchar", "varchar(40)")
        };
        let short = ColumnInfo {
            max_length: Some(3),
            ..col("cc", "char", "char(3)")
        };
        let unique = ColumnInfo {
            unique: true,
            max_length: Some(40),
            ..col("email", "varchar", "varchar(40)")
        };
        assert_eq!(text.probe_rank(), Some(0));
        assert_eq!(short.probe_rank(), None);
        assert_eq!(unique.probe_rank(), None);
        assert!(col("qty", "int", "int(11)").probe_rank() > text.probe_rank());
    }
}
