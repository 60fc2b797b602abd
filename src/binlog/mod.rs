//! Reading binary logs: files and live streams, into row changes.

pub mod change;
pub mod compressed;
pub mod decode;
pub(crate) mod event_type;
pub mod file;
pub mod gtid;
pub mod json_text;
pub mod payload;
pub mod position;
pub mod row;
pub mod short_copy;
pub mod table;
pub mod text_out;

pub use decode::{ChangeSink, DecodeError, Decoder, Stats};
pub use table::{ColumnInfo, ColumnProvider};
