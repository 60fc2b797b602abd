//! Renderers: one per output format, all reading the same `Report`.
