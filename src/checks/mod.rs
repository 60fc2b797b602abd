//! The declarative check engine: specs loaded from YAML, probes run against a server,
//! results that renderers read.

pub mod profile;
pub mod result;
pub mod spec;
