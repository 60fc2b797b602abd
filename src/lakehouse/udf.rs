//! The two functions DataFusion lacks for computing checksums exactly as MySQL does:
//! `cdc_crc32(text)` (MySQL's CRC32: IEEE CRC-32 of the UTF-8 bytes) and
//! `cdc_hex_int(text)` (MySQL's `CONV(text, 16, 10)` for up to 15 hex digits).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::cast::as_string_array;
use datafusion::common::Result;
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

/// Both functions, for registering in a session.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    vec![udf(Op::Crc32), udf(Op::HexInt)]
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
}
