//! Reading binary logs: files and live streams, into row changes.

pub mod change;
