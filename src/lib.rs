//! `cdc`: preflight checks, live binlog tail and pipeline validation for MySQL/MariaDB CDC.

pub mod binlog;
pub mod calendar;
pub mod checklist;
pub mod checks;
pub mod commands;
pub mod connection;
pub mod kafka;
#[cfg(feature = "lakehouse")]
pub mod lakehouse;
pub mod monitor;
pub mod pipeline;
pub mod playbooks;
pub mod report;
pub mod sandbox;
pub mod tables;
pub mod tail;
pub mod validate;
