//! Finding the playbooks that explain a piece of error text or a whole connector log.
//! Every pattern of every playbook is compiled into one `RegexSet`, so a line is scanned once
//! however many playbooks there are.

use std::io::BufRead;

use regex::{RegexSet, RegexSetBuilder};
use serde::Serialize;

use super::load::Library;

/// Lines longer than this are cut before matching and showing: logs carry megabyte-long
/// stack traces and payload dumps, and error messages sit at their start.
const MAX_LINE: usize = 4096;
const DEFAULT_WEIGHT: u32 = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: String,
    pub title: String,
    /// Sum of the weights of the distinct patterns that matched, plus one per further hit
    /// (capped), so a precise error code outranks a vague phrase seen many times.
    pub score: u32,
    /// The line that matched the playbook's heaviest pattern, trimmed.
    pub line: String,
    /// 1-based line number of `line` in the input.
    #[serde(skip)]
    pub line_number: usize,
}

pub struct Matcher {
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
        let titles = library
            .playbooks
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect();
        Ok(Matcher {
            set,
            owners,
            titles,
        })
    }

    /// Scans text line by line; best match first.
    pub fn scan(&self, input: impl BufRead) -> std::io::Result<Vec<Match>> {
        let mut tallies = vec![Tally::default(); self.titles.len()];
        let mut buf = Vec::new();
        let mut input = input;
        let mut number = 0;
        loop {
            buf.clear();
            if input.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            number += 1;
            let cut = &buf[..buf.len().min(MAX_LINE)];
            let line = String::from_utf8_lossy(cut);
            let hits = self.set.matches(&line);
            if !hits.matched_any() {
                continue;
            }
            for pattern in hits.iter() {
                let (owner, weight) = self.owners[pattern];
                let t = &mut tallies[owner];
                t.hits += 1;
                if !t.patterns.contains(&pattern) {
                    t.patterns.push(pattern);
                }
                if t.best.as_ref().is_none_or(|(w, _, _)| weight > *w) {
                    t.best = Some((weight, number, line.trim().to_string()));
                }
            }
        }
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
        Ok(matches)
    }
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
    fn nothing_matches_nothing() {
        let m = Matcher::new(&library()).unwrap();
        assert!(m.scan("all good\n".as_bytes()).unwrap().is_empty());
        assert!(m.scan("".as_bytes()).unwrap().is_empty());
    }
}
