//! The live terminal view of `cdc tail`: state, update, draw, terminal, loop.

pub mod draw;
pub mod state;
pub mod text;
pub mod update;

pub use state::{App, Badge, Header};
pub use update::{apply_feed, on_key, tick, Action};
