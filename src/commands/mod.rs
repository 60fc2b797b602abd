//! Command layer: parses nothing, prints results, turns failures into `anyhow` context.

pub mod sandbox;
