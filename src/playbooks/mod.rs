//! Playbooks: the troubleshooting guide as data that `cdc playbook` renders and runs and
//! `cdc diagnose` matches error text against.

pub mod diagnostics;
pub mod load;
pub mod log_position;
pub mod matcher;
pub mod spec;

/// The command that shows a playbook: every hint the tool prints names it this way.
pub(crate) fn show_command(id: &str) -> String {
    format!("cdc playbook {id}")
}
