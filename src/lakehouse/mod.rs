//! Lakehouse targets: Delta Lake and Iceberg tables, read through delta-rs and iceberg-rust
//! and queried with DataFusion, so `cdc validate` compares them with the same SQL (in
//! DataFusion's dialect) as a database target.

mod catalog;
pub mod session;
mod udf;
pub mod url;

pub use session::LakeDb;
pub use url::{LakeUrl, LakeUrlError};
