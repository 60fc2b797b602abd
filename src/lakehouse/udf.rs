//! The functions DataFusion lacks for computing checksums exactly as MySQL does:
//! `cdc_crc32(text)` (MySQL's CRC32: IEEE CRC-32 of the UTF-8 bytes),
//! `cdc_hex_int(text)` (MySQL's `CONV(text, 16, 10)` for up to 15 hex digits),
//! `cdc_datetime(timestamp, digits)` (`DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f')` cut to
//! `digits` fractional digits; three times faster than `to_char`, the costliest part of a
//! row's text) and `cdc_row(marks, a, b, ...)` (a row's text as MySQL's CONCAT_WS builds
//! it, without a COALESCE and a CASE per column).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::cast::{as_int64_array, as_string_array};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// Which of the two functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Crc32,
    HexInt,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextToInt {
    op: Op,
    signature: Signature,
}

impl TextToInt {
    fn apply(self: &TextToInt, text: &str) -> Option<i64> {
        match self.op {
            Op::Crc32 => Some(i64::from(crc32fast::hash(text.as_bytes()))),
            // Longer input would not fit; the callers take at most 14 digits.
            Op::HexInt if text.len() <= 15 => i64::from_str_radix(text, 16).ok(),
            Op::HexInt => None,
        }
    }
}

impl ScalarUDFImpl for TextToInt {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.op {
            Op::Crc32 => "cdc_crc32",
            Op::HexInt => "cdc_hex_int",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let input = args.args[0].to_array(args.number_rows)?;
        // Utf8View and LargeUtf8 alike: one cast to plain Utf8.
        let text = cast(&input, &DataType::Utf8)?;
        let text = as_string_array(&text)?;
        let out: Int64Array = (0..text.len())
            .map(|i| {
                if text.is_null(i) {
                    None
                } else {
                    self.apply(text.value(i))
                }
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    }
}

fn udf(op: Op) -> ScalarUDF {
    ScalarUDF::new_from_impl(TextToInt {
        op,
        signature: Signature::string(1, Volatility::Immutable),
    })
}

/// `cdc_datetime(timestamp, digits)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DateTimeText {
    signature: Signature,
}

/// `micros` since the epoch as `YYYY-MM-DD HH:MM:SS[.f]` with `digits` (0 to 6) fractional
/// digits, truncated as MySQL's `LEFT(DATE_FORMAT(...), n)` truncates.
fn datetime_text(micros: i64, digits: usize, out: &mut String) {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    // Years outside 0..=9999 (outside MySQL's range) are signed, as chrono's %Y (and so
    // to_char) prints them.
    if year > 9999 {
        out.push('+');
        out.push_str(&year.to_string());
    } else if year < 0 {
        out.push('-');
        out.push_str(&format!("{:04}", -year));
    }
    let mut buf = *b"0000-00-00 00:00:00.000000";
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year.clamp(0, 9999));
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, day_secs / 3600);
    put(14, 2, day_secs / 60 % 60);
    put(17, 2, day_secs % 60);
    put(20, 6, frac);
    let len = if digits == 0 { 19 } else { 20 + digits.min(6) };
    let start = if (0..=9999).contains(&year) { 0 } else { 4 };
    // Only ASCII digits and separators were written.
    out.push_str(std::str::from_utf8(&buf[start..len]).unwrap_or_default());
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl ScalarUDFImpl for DateTimeText {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "cdc_datetime"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let digits = match &args.args[1] {
            ColumnarValue::Scalar(ScalarValue::Int64(Some(d))) if (0..=6).contains(d) => {
                *d as usize
            }
            other => return exec_err!("cdc_datetime: digits must be 0 to 6, not {other:?}"),
        };
        let input = args.args[0].to_array(args.number_rows)?;
        // Delta and Iceberg timestamps hold UTC instants (or zone-less wall times): the
        // raw value is the text MySQL prints in a UTC session.
        let per_micro = match input.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => (1_000_000, 1),
            DataType::Timestamp(TimeUnit::Millisecond, _) => (1_000, 1),
            DataType::Timestamp(TimeUnit::Microsecond, _) => (1, 1),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => (1, 1_000),
            other => return exec_err!("cdc_datetime: a timestamp is needed, not {other}"),
        };
        let raw = cast(&input, &DataType::Int64)?;
        let raw = as_int64_array(&raw)?;
        let mut out = StringBuilder::with_capacity(raw.len(), raw.len() * 26);
        let mut text = String::with_capacity(32);
        for i in 0..raw.len() {
            if raw.is_null(i) {
                out.append_null();
                continue;
            }
            let v = raw.value(i);
            let micros = v.saturating_mul(per_micro.0).div_euclid(per_micro.1);
            text.clear();
            datetime_text(micros, digits, &mut text);
            out.append_value(&text);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// `cdc_row(marks, a, b, ...)`: the row text MySQL builds with
/// `CONCAT_WS(CHAR(31), COALESCE(a, ''), ..., CONCAT(ISNULL(a), ...))`, in one pass: the
/// values joined by U+001F with NULL as '', then, when `marks` (one letter per value: `n`
/// never NULL, `h` NULL here, `e` NULL only on the other side) has any `h` or `e`, one more
/// part with '1' per NULL `h` value and '0' for each other `h` or `e`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RowText {
    signature: Signature,
}

/// A text column of any of Arrow's three string layouts.
enum Texts {
    Plain(ArrayRef),
    View(ArrayRef),
    Large(ArrayRef),
}

impl Texts {
    fn new(a: ArrayRef) -> Result<Texts> {
        Ok(match a.data_type() {
            DataType::Utf8 => Texts::Plain(a),
            DataType::Utf8View => Texts::View(a),
            DataType::LargeUtf8 => Texts::Large(a),
            _ => Texts::Plain(cast(&a, &DataType::Utf8)?),
        })
    }

    fn get(&self, i: usize) -> Option<&str> {
        let a = match self {
            Texts::Plain(a) | Texts::View(a) | Texts::Large(a) => a,
        };
        if a.is_null(i) {
            return None;
        }
        Some(match self {
            Texts::Plain(a) => a.as_string::<i32>().value(i),
            Texts::View(a) => a.as_string_view().value(i),
            Texts::Large(a) => a.as_string::<i64>().value(i),
        })
    }
}

impl ScalarUDFImpl for RowText {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "cdc_row"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let marks: Vec<u8> = match args.args.first() {
            Some(ColumnarValue::Scalar(
                ScalarValue::Utf8(Some(m)) | ScalarValue::Utf8View(Some(m)),
            )) if m.len() + 1 == args.args.len() => m.bytes().collect(),
            _ => return exec_err!("cdc_row: a marks literal with one letter per value first"),
        };
        let n = args.number_rows;
        let values = args.args[1..]
            .iter()
            .map(|a| Texts::new(a.to_array(n)?))
            .collect::<Result<Vec<Texts>>>()?;
        let marked = marks.iter().any(|m| *m != b'n');
        let mut out = StringBuilder::with_capacity(n, n * 16 * values.len());
        let (mut text, mut tail) = (String::with_capacity(256), String::new());
        for row in 0..n {
            text.clear();
            tail.clear();
            for (i, (v, mark)) in values.iter().zip(&marks).enumerate() {
                if i > 0 {
                    text.push('\u{1f}');
                }
                let value = v.get(row);
                text.push_str(value.unwrap_or(""));
                match mark {
                    b'h' if value.is_none() => tail.push('1'),
                    b'h' | b'e' => tail.push('0'),
                    _ => {}
                }
            }
            if marked {
                text.push('\u{1f}');
                text.push_str(&tail);
            }
            out.append_value(&text);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// Every function, for registering in a session.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    vec![
        udf(Op::Crc32),
        udf(Op::HexInt),
        ScalarUDF::new_from_impl(DateTimeText {
            signature: Signature::any(2, Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(RowText {
            signature: Signature::variadic_any(Volatility::Immutable),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_mysql() {
        let crc = TextToInt {
            op: Op::Crc32,
            signature: Signature::string(1, Volatility::Immutable),
        };
        // SELECT CRC32('MySQL') on MySQL: 3259397556.
        assert_eq!(crc.apply("MySQL"), Some(3259397556));
        let hex = TextToInt {
            op: Op::HexInt,
            signature: Signature::string(1, Volatility::Immutable),
        };
        assert_eq!(hex.apply("ff"), Some(255));
        assert_eq!(hex.apply("FFFFFFFFFFFFFF"), Some(72057594037927935));
        assert_eq!(hex.apply("zz"), None);
    }

    fn text(micros: i64, digits: usize) -> String {
        let mut s = String::new();
        datetime_text(micros, digits, &mut s);
        s
    }

    #[test]
    fn datetimes_print_as_mysql_prints_them() {
        // SELECT UNIX_TIMESTAMP('2024-02-29 23:59:58.123456') in a UTC session.
        let leap = 1_709_251_198_123_456;
        assert_eq!(text(leap, 6), "2024-02-29 23:59:58.123456");
        assert_eq!(text(leap, 3), "2024-02-29 23:59:58.123");
        assert_eq!(text(leap, 0), "2024-02-29 23:59:58");
        assert_eq!(text(0, 1), "1970-01-01 00:00:00.0");
        // Before the epoch: the fraction counts forward from the earlier second.
        assert_eq!(text(-1, 6), "1969-12-31 23:59:59.999999");
        assert_eq!(text(-30_610_224_000_000_000, 0), "1000-01-01 00:00:00");
        assert_eq!(
            text(253_402_300_799_999_999, 6),
            "9999-12-31 23:59:59.999999"
        );
        // Every day of four centuries agrees with chrono.
        for day in (-146_097 * 2..146_097 * 2).step_by(13) {
            let micros = day * 86_400_000_000 + 45_296_000_007;
            let want = chrono::DateTime::from_timestamp_micros(micros)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S%.6f")
                .to_string();
            assert_eq!(text(micros, 6), want, "day {day}");
        }
    }

    /// `sql` run in a session with these functions.
    fn run(sql: &str) -> Result<Vec<datafusion::arrow::record_batch::RecordBatch>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let ctx = datafusion::execution::context::SessionContext::new();
            for f in functions() {
                ctx.register_udf(f);
            }
            ctx.sql(sql).await?.collect().await
        })
    }

    /// `sql`'s one text value.
    fn one(sql: &str) -> Option<String> {
        let batches = run(sql).unwrap();
        let col = cast(batches[0].column(0), &DataType::Utf8).unwrap();
        let col = col.as_string::<i32>();
        (!col.is_null(0)).then(|| col.value(0).to_string())
    }

    #[test]
    fn row_text_is_mysqls_concat_ws() {
        // MySQL, for marks h n e h: CONCAT_WS(CHAR(31), COALESCE('a', ''), 'b', 'c',
        //   COALESCE(NULL, ''), CONCAT(ISNULL('a'), '0', ISNULL(NULL))).
        assert_eq!(
            one("SELECT cdc_row('hneh', 'a', 'b', 'c', CAST(NULL AS VARCHAR))").as_deref(),
            Some("a\u{1f}b\u{1f}c\u{1f}\u{1f}001")
        );
        // No mark: no trailing part.
        assert_eq!(
            one("SELECT cdc_row('nn', 'x', arrow_cast('y', 'LargeUtf8'))").as_deref(),
            Some("x\u{1f}y")
        );
        let wrong = run("SELECT cdc_row('h', 'a', 'b')").expect_err("a marks literal too short");
        assert!(
            wrong.to_string().contains("cdc_row: a marks literal"),
            "{wrong}"
        );
    }

    #[test]
    fn datetime_reads_every_unit() {
        let sql = |unit: &str, digits: u32| {
            format!(
                "SELECT cdc_datetime(arrow_cast(TIMESTAMP '2024-02-29 23:59:58.123456', \
                 'Timestamp({unit}, None)'), {digits})"
            )
        };
        assert_eq!(
            one(&sql("Second", 0)).as_deref(),
            Some("2024-02-29 23:59:58")
        );
        assert_eq!(
            one(&sql("Millisecond", 3)).as_deref(),
            Some("2024-02-29 23:59:58.123")
        );
        assert_eq!(
            one(&sql("Nanosecond", 6)).as_deref(),
            Some("2024-02-29 23:59:58.123456")
        );
        assert_eq!(one("SELECT cdc_datetime(CAST(NULL AS TIMESTAMP), 6)"), None);
    }
}
