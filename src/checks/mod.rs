//! The declarative check engine: specs loaded from YAML, probes run against a server,
//! results that renderers read. Nothing here prints.

pub mod builtin;
pub mod catalogue;
pub mod condition;
pub mod context;
pub mod engine;
pub mod fix;
pub mod fixplan;
pub mod observed;
pub mod probe;
pub mod profile;
pub mod result;
pub mod rules;
pub mod run;
pub mod scope;
pub mod spec;
