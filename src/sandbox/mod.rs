//! Local MariaDB/MySQL servers: the `cdc sandbox` and the test harness.
//!
//! [`LocalServer::start`] finds `mariadbd` (or `mysqld`), initialises a data dir, and
//! runs the server on 127.0.0.1 with a passwordless root. Without a `dir` everything
//! lives in a temp dir that goes away with the value; with a `dir` the data is kept and
//! [`LocalServer::detach`] leaves the server running for `cdc sandbox down` to stop.

pub mod binary;
mod client;
mod error;
mod launch;
mod options;
pub mod process;
mod replication;
pub mod seed;
mod server;
pub mod state;
mod template;

pub use binary::{InitTool, ServerBinary};
pub use client::root_query_value;
pub use error::SandboxError;
pub use launch::is_empty_dir;
pub use options::ServerOptions;
pub use replication::{replicate_from, wait_caught_up};
pub use seed::{create_canary, create_cdc_user, load_retail_db};
pub use server::LocalServer;
