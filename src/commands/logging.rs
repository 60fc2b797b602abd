//! Debug logs on stderr, off unless asked for: `-v` (debug), `-vv` (trace), or `RUST_LOG`
//! (`debug`, `cdc::tail=trace`, `warn,cdc::connection=debug`). The code logs through the
//! `log` crate's macros; this is the one place that decides what is shown.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// `target=level` rules; the longest matching target wins, a bare level is the default.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Filter {
    default: LevelFilter,
    rules: Vec<(String, LevelFilter)>,
}

impl Filter {
    /// `RUST_LOG`'s common forms. Parts that are not a level are ignored rather than fatal:
    /// a typo in an environment variable should not stop a command.
    fn parse(spec: &str) -> Filter {
        let mut f = Filter {
            default: LevelFilter::Off,
            rules: Vec::new(),
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((target, level)) => {
                    if let Ok(level) = level.trim().parse() {
                        f.rules.push((target.trim().to_string(), level));
                    }
                }
                None => match part.parse() {
                    Ok(level) => f.default = level,
                    // A bare target means everything it logs.
                    Err(_) => f.rules.push((part.to_string(), LevelFilter::Trace)),
                },
            }
        }
        f
    }

    fn level_for(&self, target: &str) -> LevelFilter {
        self.rules
            .iter()
            .filter(|(t, _)| target == t || target.starts_with(&format!("{t}::")))
            .max_by_key(|(t, _)| t.len())
            .map_or(self.default, |(_, l)| *l)
    }

    fn max(&self) -> LevelFilter {
        self.rules
            .iter()
            .map(|(_, l)| *l)
            .chain([self.default])
            .max()
            .unwrap_or(LevelFilter::Off)
    }
}

struct Stderr {
    filter: Filter,
}

impl Log for Stderr {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.level() <= self.filter.level_for(m.target())
    }

    fn log(&self, r: &Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let level = match r.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        // One write per line, so lines from the reader thread and the main one do not mix.
        let line = format!("[{level} {}] {}\n", r.target(), r.args());
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// Installs the logger: `verbose` counts `-v` flags; without any, `RUST_LOG` decides.
pub fn init(verbose: u8) {
    let filter = match verbose {
        0 => Filter::parse(&std::env::var("RUST_LOG").unwrap_or_default()),
        1 => Filter::parse("cdc=debug"),
        _ => Filter::parse("cdc=trace"),
    };
    log::set_max_level(filter.max());
    let _ = log::set_boxed_logger(Box::new(Stderr { filter }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_shown_unless_asked_for() {
        let f = Filter::parse("");
        assert_eq!(f.max(), LevelFilter::Off);
        assert_eq!(f.level_for("cdc::connection::session"), LevelFilter::Off);
    }

    #[test]
    fn the_longest_matching_target_wins() {
        let f = Filter::parse("warn, cdc=debug, cdc::tail=trace, junk=loud, mysql");
        assert_eq!(f.level_for("cdc::tail::live::reader"), LevelFilter::Trace);
        assert_eq!(f.level_for("cdc::connection"), LevelFilter::Debug);
        assert_eq!(f.level_for("cdcx"), LevelFilter::Warn);
        assert_eq!(f.level_for("rustls::client"), LevelFilter::Warn);
        assert_eq!(f.level_for("mysql::conn"), LevelFilter::Trace);
        assert_eq!(f.max(), LevelFilter::Trace);
    }
}
