//! Reading the binlog from a live server as a replica: which server_id, where to start and
//! stop, how far behind, the server's clock.

pub mod positions;
pub mod reader;
pub mod server_id;
pub mod skew;
pub mod start;
pub mod stream;
