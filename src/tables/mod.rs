//! Naming tables: the one pattern grammar `doctor --tables`, `tail TABLE...` and
//! `validate --tables` share, and the globs it is made of.

pub(crate) mod glob;
mod list;
mod pattern;

pub(crate) use list::TablePatterns;
pub use pattern::BadTablePattern;
pub(crate) use pattern::TablePattern;
