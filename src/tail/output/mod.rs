//! Writers of row-change streams: `plain` (Flink-style `+I[...]` lines) and `jsonl`.
//! Both are `ChangeSink`s, so the decoder writes straight into them without copies.

pub mod jsonl;
pub mod plain;

pub use jsonl::JsonlWriter;
pub use plain::PlainWriter;
