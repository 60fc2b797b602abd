//! The pipeline panel's data: what a watcher of the source, the target and the stored
//! position sends through the tail's channel (samples, canary steps), and what the TUI asks
//! of it. The watcher thread itself is not written yet (issue 15).

pub mod view;

pub use view::{CanaryEvent, E2e, PanelCommand, PipelineView, StoredView};
