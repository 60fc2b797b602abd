//! The command layer: argument structs, wiring, outcomes. `anyhow` lives here.

pub mod checklist;
pub mod cli;
pub mod diagnose;
pub mod doctor;
pub mod duration;
pub mod logging;
pub mod monitor;
pub mod outcome;
pub mod output;
pub mod playbook;
pub mod sandbox;
pub mod source;
pub mod stored;
pub mod tail;
pub mod validate;
pub mod watch;
