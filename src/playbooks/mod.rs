//! Playbooks: the troubleshooting guide as data that `cdc playbook` renders and runs and
//! `cdc diagnose` matches error text against.

pub mod diagnostics;
pub mod load;
pub mod matcher;
pub mod spec;
