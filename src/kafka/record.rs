//! One record read from a topic, with where it was found.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: Vec<u8>,
    /// None is a tombstone: the key was deleted (for Connect offsets: the offsets reset).
    pub value: Option<Vec<u8>>,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
}
