//! Finding the playbooks that explain a piece of error text or a whole connector log.
//! Every pattern of every playbook is compiled into one `RegexSet`, so a line is scanned once
//! however many playbooks there are.

use std::io::BufRead;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Serialize;

use super::load::Library;

/// Lines longer than this are cut before matching and showing: logs carry megabyte-long
/// stack traces and payload dumps, and error messages sit at their start.
const MAX_LINE: usize = 4096;
const DEFAULT_WEIGHT: u32 = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub(crate) id: String,
    pub(crate) title: String,
    /// Sum of the weights of the distinct patterns that matched, plus one per further hit
    /// (capped), so a precise error code outranks a vague phrase seen many times.
    pub(crate) score: u32,
    /// The line that matched the playbook's heaviest pattern, trimmed.
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

/// Input is read in chunks of about this size, cut at a line end.
const CHUNK: usize = 4 << 20;

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
        let set = RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()?;
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
        let any = RegexBuilder::new(&alternation)
            .case_insensitive(true)
            .size_limit(64 << 20)
            .build()?;
        let titles = library
            .playbooks
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect();
        Ok(Matcher {
            any,
            set,
            owners,
            titles,
        })
    }

    /// Scans text; best match first.
    pub fn scan(&self, mut input: impl BufRead) -> std::io::Result<Vec<Match>> {
        let mut tallies = vec![Tally::default(); self.titles.len()];
        let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
        // Line number of the first line of `chunk`.
        let mut first_line = 1;
        loop {
            chunk.clear();
            let eof = fill_chunk(&mut input, &mut chunk)?;
            if chunk.is_empty() {
                break;
            }
            self.scan_chunk(&chunk, first_line, &mut tallies);
            first_line += memchr_count(&chunk);
            if eof {
                break;
            }
        }
        Ok(self.rank(tallies))
    }

    fn scan_chunk(&self, chunk: &[u8], first_line: usize, tallies: &mut [Tally]) {
        let mut counted_to = 0;
        let mut line_number = first_line;
        let mut next_search = 0;
        while let Some(m) = self.any.find_at(chunk, next_search) {
            let start = chunk[..m.start()]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let end = chunk[m.start()..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(chunk.len(), |i| m.start() + i);
            line_number += memchr_count(&chunk[counted_to..start]);
            counted_to = start;
            let raw = &chunk[start..end.min(start + MAX_LINE)];
            let line = String::from_utf8_lossy(raw);
            for pattern in self.set.matches(raw).iter() {
                let (owner, weight) = self.owners[pattern];
                let t = &mut tallies[owner];
                t.hits += 1;
                if !t.patterns.contains(&pattern) {
                    t.patterns.push(pattern);
                }
                if t.best.as_ref().is_none_or(|(w, _, _)| weight > *w) {
                    t.best = Some((weight, line_number, line.trim().to_string()));
                }
            }
            // Each line counts once: continue after it.
            next_search = end + 1;
            if next_search >= chunk.len() {
                break;
            }
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

/// Reads about CHUNK bytes, then up to the end of the line; true at end of input.
fn fill_chunk(input: &mut impl BufRead, chunk: &mut Vec<u8>) -> std::io::Result<bool> {
    while chunk.len() < CHUNK {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(true);
        }
        let take = buf.len().min(CHUNK - chunk.len());
        chunk.extend_from_slice(&buf[..take]);
        input.consume(take);
    }
    let n = input.read_until(b'\n', chunk)?;
    Ok(n == 0)
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbooks::load::parse_file;

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
    fn nothing_matches_nothing() {
        let m = Matcher::new(&library()).unwrap();
        assert!(m.scan("all good\n".as_bytes()).unwrap().is_empty());
        assert!(m.scan("".as_bytes()).unwrap().is_empty());
    }
}
