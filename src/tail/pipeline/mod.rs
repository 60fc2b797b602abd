//! The pipeline panel's data and its watcher: what the watcher thread sends through the
//! tail's channel (samples, canary steps), and what the TUI asks of it.

pub mod view;
pub mod watch;

pub use view::{CanaryEvent, E2e, PanelCommand, PipelineView, StoredView};
pub use watch::{view_of, CanaryConfig, Watcher};
