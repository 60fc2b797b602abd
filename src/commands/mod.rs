//! The command layer: argument structs, wiring, exit codes. `anyhow` lives here.

pub mod checklist;
pub mod doctor;
pub mod output;
pub mod sandbox;
