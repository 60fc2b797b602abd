//! `cdc diagnose` output: the playbooks that explain the text, best first.

use crate::playbooks::show_command;
use std::fmt::Write as _;

use serde::Serialize;

use super::{paint, terminal_safe, Tone};
use crate::playbooks::matcher::Match;

#[derive(Serialize)]
struct Matches<'a> {
    matches: &'a [Match],
}

/// `{"matches":[{"id","title","score","line"}]}`, best first.
pub(crate) fn render_json(matches: &[Match]) -> String {
    let mut s = serde_json::to_string_pretty(&Matches { matches }).expect("plain data serializes");
    s.push('\n');
    s
}

pub(crate) fn render_human(matches: &[Match], color: bool) -> String {
    let mut out = String::new();
    if matches.is_empty() {
        let _ = writeln!(
            out,
            "No playbook matches this text. List them all: cdc playbook"
        );
        return out;
    }
    for (i, m) in matches.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. {}  {}  {}",
            i + 1,
            paint(&m.id, Tone::Bold, color),
            m.title,
            paint(&format!("(score {})", m.score), Tone::Dim, color)
        );
        // The excerpt is already short; what it may not do is drive the terminal.
        let _ = writeln!(
            out,
            "   line {}: {}",
            m.line_number,
            paint(&terminal_safe(&m.line), Tone::Yellow, color)
        );
        let _ = writeln!(out, "   {}", show_command(&m.id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_documented_shape() {
        let m = vec![Match {
            id: "binlog-position-purged".into(),
            title: "Binlog position purged".into(),
            score: 180,
            line: "ERROR 1236".into(),
            line_number: 7,
        }];
        let v: serde_json::Value = serde_json::from_str(&render_json(&m)).unwrap();
        let first = &v["matches"][0];
        let mut keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, ["id", "line", "score", "title"]);
        assert_eq!(first["score"], 180);
    }

    #[test]
    fn a_log_line_cannot_drive_the_terminal() {
        let m = vec![Match {
            id: "connection-failed".into(),
            title: "Connection failed".into(),
            score: 30,
            line: "\x1b[31mConnection refused\x1b[2J".into(),
            line_number: 3,
        }];
        for color in [false, true] {
            let out = render_human(&m, color);
            assert!(
                out.contains("\\x1b[31mConnection refused\\x1b[2J"),
                "{out:?}"
            );
            // Only the renderer's own colour codes remain.
            assert!(!out.contains("\x1b[31m"), "{out:?}");
            assert!(!out.contains("\x1b[2J"), "{out:?}");
        }
    }
}
