//! Fitting prose to a width: lines too long are broken at spaces, never inside a word (an id,
//! a file name, a URL stays whole even when it alone is wider), continued under the text of a
//! list item rather than under its bullet. Escape sequences take no room.

/// `text` with every line no wider than `width` where a space allows.
pub(crate) fn fit(text: &str, width: u16) -> String {
    let width = usize::from(width.max(20));
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        fit_line(body, width, &mut out);
        out.push_str(newline);
    }
    out
}

fn fit_line(line: &str, width: usize, out: &mut String) {
    if visible(line) <= width {
        out.push_str(line);
        return;
    }
    let hang = " ".repeat(hanging_indent(line).min(width / 2));
    let indent = line.len() - line.trim_start_matches(' ').len();
    out.push_str(&line[..indent]);
    let mut used = indent;
    let mut first = true;
    for word in line[indent..].split(' ').filter(|w| !w.is_empty()) {
        let w = visible(word);
        if !first && used + 1 + w > width {
            out.push('\n');
            out.push_str(&hang);
            used = hang.len();
        } else if !first {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += w;
        first = false;
    }
}

/// Where a continuation line starts: under the text after "- " or "12. ", else under the
/// line's own indent.
fn hanging_indent(line: &str) -> usize {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    if rest.starts_with("- ") {
        return indent + 2;
    }
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && rest[digits..].starts_with(". ") {
        return indent + digits + 2;
    }
    indent
}

/// Characters a terminal shows: ANSI escape sequences (ESC [ ... letter) take no room.
fn visible(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_at_spaces_under_their_text() {
        let text =
            "  - the binlog file mysql-bin.000042 was purged before the connector resumed\nshort\n";
        let fitted = fit(text, 40);
        assert_eq!(
            fitted,
            "  - the binlog file mysql-bin.000042 was\n    purged before the connector resumed\nshort\n"
        );
        assert!(fitted.lines().all(|l| l.chars().count() <= 40));
        let numbered = fit("  12. Raise binlog_expire_logs_seconds and re-snapshot", 30);
        assert_eq!(
            numbered,
            "  12. Raise\n      binlog_expire_logs_seconds\n      and re-snapshot"
        );
    }

    #[test]
    fn fitting_keeps_every_word_in_order() {
        let text = "  - Got error 1236 from source when reading data from binary log: 'Could not find first log file name in binary log index file' (MySQL server)\n";
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        for width in [20, 33, 60, 100] {
            assert_eq!(words(&fit(text, width)), words(text), "width {width}");
        }
    }

    #[test]
    fn words_are_never_split_and_escapes_take_no_room() {
        let long_id = "replica.preserve_commit_order_is_a_long_identifier";
        let fitted = fit(&format!("see {long_id} now"), 20);
        assert!(fitted.lines().any(|l| l == long_id), "{fitted}");
        let red = "\u{1b}[31mUNHEALTHY\u{1b}[0m";
        assert_eq!(fit(&format!("{red} ok"), 20), format!("{red} ok"));
    }
}
