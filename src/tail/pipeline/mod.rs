//! The pipeline panel's data: a watcher thread samples the source, the target and the stored
//! position, runs a canary when asked, and sends what it saw through the tail's channel.

pub mod view;
// watch: the sampling thread (next)

pub use view::{CanaryEvent, E2e, PanelCommand, PipelineView, StoredView, TableCount};
