//! The command layer: argument structs, wiring, exit codes. `anyhow` lives here.

pub mod checklist;
pub mod diagnose;
pub mod doctor;
pub mod output;
pub mod playbook;
pub mod sandbox;
pub mod source;
pub mod tail;
pub mod validate;
