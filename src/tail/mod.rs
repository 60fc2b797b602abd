//! `cdc tail`: a live view of a table's binlog changes beside the reader's lag.

pub mod feed;
pub mod live;
pub mod output;
pub mod pipeline;
pub mod tui;
