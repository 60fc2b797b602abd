//! Reaching a source: URLs, TLS modes, sessions with bounded waits, server detection.

pub mod server;
