//! `cdc checklist`: the production deployment checklist as data. Items the server can answer
//! are doctor checks; the rest are attestations someone records in an answers file. Nothing
//! here prints: evaluation yields a `Report` for the doctor renderers.

pub mod answers;
pub mod evaluate;
pub mod spec;
