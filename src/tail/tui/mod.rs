//! The live terminal view of `cdc tail`, driven only by [`Feed`](crate::tail::feed::Feed) values:
//! `state` (plain data) ← `update` (feed, keys, ticks) → `draw` (reads only) on `terminal`, looped by `run`.

pub mod draw;
pub mod panel;
pub mod run;
pub mod state;
pub mod terminal;
pub mod text;
pub mod update;

pub use run::{run, run_with, run_with_capacity, PanelLink, DEFAULT_CAPACITY};
pub use state::{App, Badge, Header};
pub use update::{apply_feed, on_key, tick, Action};
