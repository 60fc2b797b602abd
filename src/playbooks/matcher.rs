//! Finding the playbooks that explain a piece of error text or a whole connector log.
//! Every pattern of every playbook is compiled into one `RegexSet`, so a line is scanned once
//! however many playbooks there are.

use std::io::{BufRead, ErrorKind};

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Serialize;

use super::load::Library;

/// The longest match looked for. Each set run covers the matches starting in one such span
/// (a window twice as long holds them whole), and a line cut between two pieces is carried
/// over by this much, so a match across the cut is still found.
const MAX_MATCH: usize = 4096;
/// Bytes of the line shown on each side of the match: logs carry megabyte-long stack traces
/// and payload dumps, and the excerpt only has to say where the error is.
const EXCERPT_CONTEXT: usize = 200;
const DEFAULT_WEIGHT: u32 = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub(crate) id: String,
    pub(crate) title: String,
    /// Sum of the weights of the distinct patterns that matched, plus one per further hit
    /// (capped), so a precise error code outranks a vague phrase seen many times.
    pub(crate) score: u32,
    /// Where the playbook's heaviest pattern matched: the line around the match, trimmed, at
    /// most a few hundred bytes, with `…` where the line was cut. Raw text: a renderer for a
    /// terminal escapes its control characters.
    pub(crate) line: String,
    /// 1-based line number of `line` in the input.
    #[serde(skip)]
    pub(crate) line_number: usize,
}

pub struct Matcher {
    /// All patterns as one alternation: finds candidate lines in big chunks at once, so the
    /// regex engine's literal prefilters do the work (the ripgrep approach).
    any: Regex,
    set: RegexSet,
    /// Each pattern on its own, to place the excerpt around the one that counted.
    singles: Vec<Regex>,
    /// For each pattern of the set: (playbook index, weight).
    owners: Vec<(usize, u32)>,
    titles: Vec<(String, String)>,
}

#[derive(Default, Clone)]
struct Tally {
    patterns: Vec<usize>,
    hits: u32,
    best: Option<(u32, usize, String)>,
}

/// The patterns already counted on one line: a line counts once per pattern, however many
/// windows (or pieces) it takes to scan it.
#[derive(Default)]
struct LineSeen {
    line: usize,
    patterns: Vec<usize>,
}

/// Input is read in pieces of about this size, cut at a line end.
const CHUNK: usize = 4 << 20;
/// How far past CHUNK a piece reaches for its line's end; a longer line is cut there and goes
/// on in the next piece. So a piece never holds more than CHUNK + LINE_CAP bytes, whatever the
/// input (`/dev/zero` has no line end at all).
const LINE_CAP: usize = 64 << 10;

impl Matcher {
    pub fn new(library: &Library) -> Result<Matcher, regex::Error> {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (i, p) in library.playbooks.iter().enumerate() {
            for e in &p.errors {
                patterns.push(e.pattern.clone());
                owners.push((i, e.weight.map_or(DEFAULT_WEIGHT, u32::from)));
            }
        }
        // Multi-line: `^` is a line's start, wherever the line sits in a piece.
        let set = RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .multi_line(true)
            .size_limit(64 << 20)
            .build()?;
        let singles = patterns
            .iter()
            .map(|p| build(p))
            .collect::<Result<Vec<_>, _>>()?;
        let alternation = if patterns.is_empty() {
            // Matches nothing.
            "[^\\s\\S]".to_string()
        } else {
            patterns
                .iter()
                .map(|p| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|")
        };
        let titles = library
            .playbooks
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect();
        Ok(Matcher {
            any: build(&alternation)?,
            set,
            singles,
            owners,
            titles,
        })
    }

    /// Scans text in bounded pieces, however long its lines; best match first.
    pub fn scan(&self, input: impl BufRead) -> std::io::Result<Vec<Match>> {
        self.scan_with(input, |_, _| {})
    }

    /// Like [`Matcher::scan`], handing each piece and its offset in the input to `also`
    /// (pieces may overlap by a carried tail), so one read serves another search too.
    pub fn scan_with(
        &self,
        input: impl BufRead,
        mut also: impl FnMut(&[u8], u64),
    ) -> std::io::Result<Vec<Match>> {
        let mut tallies = vec![Tally::default(); self.titles.len()];
        let mut seen = LineSeen::default();
        let mut pieces = Pieces::new(input);
        while pieces.next()? {
            self.scan_piece(&pieces, &mut seen, &mut tallies);
            also(&pieces.buf, pieces.first_byte);
        }
        Ok(self.rank(tallies))
    }

    fn scan_piece<R>(&self, piece: &Pieces<R>, seen: &mut LineSeen, tallies: &mut [Tally]) {
        let buf = piece.buf.as_slice();
        let mut line_number = piece.first_line;
        // The line of the last candidate, [start, end) in `buf`; newlines before `counted_to`
        // are in `line_number`. Each byte is looked at a fixed number of times, however many
        // candidates a long line has.
        let mut line: Option<(usize, usize)> = None;
        let mut counted_to = 0;
        let mut at = 0;
        while at < buf.len() {
            let Some(m) = self.any.find_at(buf, at) else {
                break;
            };
            let (start, end) = match line {
                Some((s, e)) if m.start() < e => (s, e),
                _ => {
                    let before = &buf[counted_to..m.start()];
                    line_number += newlines(before);
                    let s = before
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(counted_to, |i| counted_to + i + 1);
                    let e = buf[m.start()..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(buf.len(), |i| m.start() + i);
                    counted_to = s;
                    line = Some((s, e));
                    (s, e)
                }
            };
            if seen.line != line_number {
                seen.line = line_number;
                seen.patterns.clear();
            }
            // Nothing matches between `at` and `m.start()` (the alternation finds the leftmost
            // match), so the window starts at the candidate; the text before it is context.
            let window_end = end.min(m.start() + 2 * MAX_MATCH);
            let haystack = &buf[..window_end];
            for pattern in self.set.matches_at(haystack, m.start()).iter() {
                if seen.patterns.contains(&pattern) {
                    continue;
                }
                seen.patterns.push(pattern);
                let (owner, weight) = self.owners[pattern];
                let t = &mut tallies[owner];
                t.hits += 1;
                if !t.patterns.contains(&pattern) {
                    t.patterns.push(pattern);
                }
                if t.best.as_ref().is_none_or(|(w, _, _)| weight > *w) {
                    let found = self.singles[pattern]
                        .find_at(haystack, m.start())
                        .map_or(m.range(), |f| f.range());
                    let cut = (start == 0 && piece.continued, end == buf.len() && piece.cut);
                    let text = excerpt(
                        &buf[start..end],
                        found.start - start,
                        found.end - start,
                        cut,
                    );
                    t.best = Some((weight, line_number, text));
                }
            }
            at = if window_end == end {
                // The line is done: the next candidate is on a later one.
                end + 1
            } else {
                m.start() + MAX_MATCH
            };
        }
    }

    fn rank(&self, tallies: Vec<Tally>) -> Vec<Match> {
        let mut matches: Vec<Match> = tallies
            .into_iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let (_, line_number, line) = t.best?;
                let weights: u32 = t.patterns.iter().map(|&p| self.owners[p].1).sum();
                let extra = (t.hits - t.patterns.len() as u32).min(5);
                Some(Match {
                    id: self.titles[i].0.clone(),
                    title: self.titles[i].1.clone(),
                    score: weights * 10 + extra,
                    line,
                    line_number,
                })
            })
            .collect();
        matches.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
        matches
    }
}

fn build(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .multi_line(true)
        .size_limit(64 << 20)
        .build()
}

/// The part of `line` around the match at [from, to): EXCERPT_CONTEXT bytes each side, the
/// match itself cut after 2 * EXCERPT_CONTEXT, `…` where anything was left out. `cut` says
/// the line goes on before / after `line` (in another piece).
fn excerpt(line: &[u8], from: usize, to: usize, cut: (bool, bool)) -> String {
    let mut start = from.saturating_sub(EXCERPT_CONTEXT);
    let mut end = line
        .len()
        .min(to.min(from + 2 * EXCERPT_CONTEXT) + EXCERPT_CONTEXT);
    // Cut between characters, not inside one (UTF-8 continuation bytes are 10xxxxxx).
    let inside = |i: usize| line.get(i).is_some_and(|&b| b & 0xC0 == 0x80);
    while start < from && inside(start) {
        start += 1;
    }
    while end > to && inside(end) {
        end -= 1;
    }
    let mut text = String::new();
    if start > 0 || cut.0 {
        text.push('…');
    }
    text.push_str(String::from_utf8_lossy(&line[start..end]).trim());
    if end < line.len() || cut.1 {
        text.push('…');
    }
    text
}

/// The input as a series of pieces in one reused buffer: about CHUNK bytes cut at a line end,
/// or at CHUNK + LINE_CAP inside a longer line, whose last MAX_MATCH bytes then start the next
/// piece again.
struct Pieces<R> {
    input: R,
    buf: Vec<u8>,
    /// 1-based line number of the first byte of `buf`.
    first_line: usize,
    /// Offset in the input of the first byte of `buf`.
    first_byte: u64,
    /// The first line of `buf` started in the piece before.
    continued: bool,
    /// The last line of `buf` goes on in the next piece.
    cut: bool,
    eof: bool,
}

impl<R: BufRead> Pieces<R> {
    fn new(input: R) -> Pieces<R> {
        Pieces {
            input,
            buf: Vec::new(),
            first_line: 1,
            first_byte: 0,
            continued: false,
            cut: false,
            eof: false,
        }
    }

    /// Reads the next piece into `buf`; false when the input has no more.
    fn next(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // The carried tail holds no line end: the line count moves past all of `buf`.
        self.first_line += newlines(&self.buf);
        let carried = if self.cut {
            let tail = self.buf.len().saturating_sub(MAX_MATCH);
            let keep = self.buf[tail..]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(tail, |i| tail + i + 1);
            self.first_byte += keep as u64;
            self.buf.drain(..keep);
            self.buf.len()
        } else {
            self.first_byte += self.buf.len() as u64;
            self.buf.clear();
            0
        };
        self.continued = carried > 0;
        self.eof = fill(&mut self.input, &mut self.buf)?;
        self.cut = !self.eof && self.buf.last().is_some_and(|&b| b != b'\n');
        // Only the carried tail at the end: it was scanned whole in the piece before.
        Ok(self.buf.len() > carried)
    }
}

/// Reads about CHUNK bytes, then up to the end of the line but at most LINE_CAP more; true at
/// end of input.
fn fill(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    while buf.len() < CHUNK {
        let Some(available) = more(input)? else {
            return Ok(true);
        };
        let take = available.len().min(CHUNK - buf.len());
        buf.extend_from_slice(&available[..take]);
        input.consume(take);
    }
    let limit = CHUNK + LINE_CAP;
    while buf.len() < limit && buf.last() != Some(&b'\n') {
        let Some(available) = more(input)? else {
            return Ok(true);
        };
        let room = &available[..available.len().min(limit - buf.len())];
        let take = room
            .iter()
            .position(|&b| b == b'\n')
            .map_or(room.len(), |i| i + 1);
        buf.extend_from_slice(&room[..take]);
        input.consume(take);
    }
    Ok(false)
}

/// The reader's next bytes, None at end of input; an interrupted read is tried again.
fn more(input: &mut impl BufRead) -> std::io::Result<Option<&[u8]>> {
    loop {
        match input.fill_buf() {
            Ok([]) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    // Borrowed again: returning the first borrow from inside the loop does not pass the
    // borrow checker yet.
    input.fill_buf().map(Some)
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbooks::load::parse_file;
    use std::io::{BufReader, Read};

    fn library() -> Library {
        let a = "id: purged\ntitle: Purged\nsummary: s\nsymptoms: [x]\ncauses: [x]\nresolution: [{title: t}]\nverify: [v]\nerrors:\n  - {pattern: 'error 1236', example: 'Got error 1236', origin: server, weight: 9}\n  - {pattern: 'first log file name', example: 'Could not find first log file name', origin: server, weight: 9}\n";
        let b = "id: network\ntitle: Network\nsummary: s\nsymptoms: [x]\ncauses: [x]\nresolution: [{title: t}]\nverify: [v]\nerrors:\n  - {pattern: 'connection refused', example: 'Connection refused', origin: os, weight: 3}\n";
        Library {
            playbooks: vec![
                parse_file("playbooks/purged.yaml", a).unwrap(),
                parse_file("playbooks/network.yaml", b).unwrap(),
            ],
        }
    }

    #[test]
    fn precise_patterns_outrank_repeated_vague_ones() {
        let m = Matcher::new(&library()).unwrap();
        let log = "INFO start\nWARN Connection refused\nWARN connection refused\nERROR Got error 1236 from source: 'Could not find first log file name in binary log index file'\n";
        let found = m.scan(log.as_bytes()).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "purged");
        assert_eq!(found[0].line_number, 4);
        assert!(found[0].line.starts_with("ERROR Got error 1236"));
        assert_eq!(found[0].score, 180);
        assert_eq!(found[1].id, "network");
        assert_eq!(found[1].score, 31);
    }

    #[test]
    fn line_numbers_hold_without_a_final_newline_and_across_many_lines() {
        let m = Matcher::new(&library()).unwrap();
        let mut log = "noise\n".repeat(10_000);
        log.push_str("connection refused\n");
        log.push_str(&"noise\n".repeat(5));
        log.push_str("Got error 1236");
        let found = m.scan(log.as_bytes()).unwrap();
        assert_eq!(found[0].id, "purged");
        assert_eq!(found[0].line_number, 10_007);
        assert_eq!(found[1].line_number, 10_001);
    }

    #[test]
    fn an_error_deep_in_a_long_line_is_found_and_shown_in_a_short_excerpt() {
        let m = Matcher::new(&library()).unwrap();
        for before in [4_100, 6_000, 9_999] {
            let mut log = "noise\n".to_string();
            log.push_str(&"a".repeat(before));
            log.push_str("Got error 1236");
            log.push_str(&"b".repeat(1 << 20));
            log.push_str("\nend\n");
            let found = m.scan(log.as_bytes()).unwrap();
            assert_eq!(found.len(), 1, "{before}");
            assert_eq!(found[0].id, "purged");
            assert_eq!(found[0].line_number, 2);
            let line = &found[0].line;
            assert!(line.starts_with('…') && line.ends_with('…'), "{line}");
            assert!(line.contains("Got error 1236"), "{line}");
            assert!(line.len() < 4 * EXCERPT_CONTEXT, "{}", line.len());
        }
    }

    #[test]
    fn a_short_line_is_shown_whole_and_anchors_hold_on_any_line() {
        let a = "id: oom\ntitle: Oom\nsummary: s\nsymptoms: [x]\ncauses: [x]\nresolution: [{title: t}]\nverify: [v]\nerrors:\n  - {pattern: '^MemoryError', example: 'MemoryError', origin: client}\n";
        let library = Library {
            playbooks: vec![parse_file("playbooks/oom.yaml", a).unwrap()],
        };
        let m = Matcher::new(&library).unwrap();
        let found = m.scan("ok\nMemoryError: big\n".as_bytes()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].line_number, found[0].line.as_str()),
            (2, "MemoryError: big")
        );
        assert!(m
            .scan("ok\nno MemoryError here\n".as_bytes())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_line_without_end_is_read_in_bounded_pieces() {
        let total = 50 << 20;
        let mut pieces = Pieces::new(BufReader::new(std::io::repeat(b'x').take(total)));
        let mut new_bytes = 0;
        let mut count = 0;
        while pieces.next().unwrap() {
            assert!(pieces.buf.len() <= CHUNK + LINE_CAP, "{}", pieces.buf.len());
            let carried = if pieces.continued { MAX_MATCH } else { 0 };
            new_bytes += pieces.buf.len() - carried;
            assert_eq!(pieces.first_line, 1);
            count += 1;
        }
        assert_eq!(new_bytes as u64, total);
        assert!(count > 10, "{count}");
    }

    #[test]
    fn a_match_across_a_piece_cut_is_found_once_and_line_numbers_go_on() {
        let m = Matcher::new(&library()).unwrap();
        // The first piece of an endless line ends at CHUNK + LINE_CAP: put the match across it.
        let cut = CHUNK + LINE_CAP - 5;
        let input = std::io::repeat(b'x')
            .take(cut as u64)
            .chain("Got error 1236".as_bytes())
            .chain(std::io::repeat(b'y').take(20 << 20))
            .chain("\nConnection refused\n".as_bytes());
        let found = m.scan(BufReader::new(input)).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].id.as_str(), found[0].line_number), ("purged", 1));
        assert_eq!(found[0].score, 90, "one hit, not one per piece");
        assert!(
            found[0].line.contains("xGot error 1236y"),
            "{}",
            found[0].line
        );
        assert_eq!((found[1].id.as_str(), found[1].line_number), ("network", 2));

        let nothing = std::io::repeat(0).take(30 << 20);
        assert!(m.scan(BufReader::new(nothing)).unwrap().is_empty());
    }

    #[test]
    fn a_repeated_error_in_one_long_line_counts_once() {
        let m = Matcher::new(&library()).unwrap();
        let log = "connection refused ".repeat(100_000);
        let found = m.scan(log.as_bytes()).unwrap();
        assert_eq!((found[0].score, found[0].line_number), (30, 1));
    }

    #[test]
    fn nothing_matches_nothing() {
        let m = Matcher::new(&library()).unwrap();
        assert!(m.scan("all good\n".as_bytes()).unwrap().is_empty());
        assert!(m.scan("".as_bytes()).unwrap().is_empty());
    }
}
