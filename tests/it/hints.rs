//! Every hint the tool prints names something that exists: each `cdc ...` command written in
//! the source parses with the real command line, and each playbook id the code names is in
//! the library. Read from the source, so a new hint is checked without a new test.

use std::path::{Path, PathBuf};

use cdc::commands::cli::Cli;
use cdc::playbooks::load::Library;
use clap::CommandFactory;
use regex::Regex;

/// The non-test code of every file under src/: files named tests.rs and everything from a
/// file's `#[cfg(test)]` on are left out (test fixtures name made-up things on purpose).
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap().to_string();
                out.push((path, code));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    assert!(out.len() > 50, "read only {} files", out.len());
    out
}

#[test]
fn every_command_a_hint_names_parses() {
    let cli = Cli::command();
    let library = Library::load().unwrap();
    let cdc =
        Regex::new(r"(^\x22|`|\$\()?\bcdc ([a-z][a-z-]*)(?: ([A-Za-z{][^ `'\\)]*))?").unwrap();
    // String literals only: `cdc` in a comment or an identifier is not a hint.
    let literals = Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap();
    let mut seen = 0;
    for (path, code) in sources() {
        for literal in literals.find_iter(&code) {
            for m in cdc.captures_iter(literal.as_str()) {
                seen += 1;
                let next = m
                    .get(3)
                    .map(|n| n.as_str().trim_end_matches(['.', ',', ':', ';']));
                let sub = &m[2];
                let where_ = format!("{}: {:?}", path.display(), &m[0]);
                // Quoted as a command (`cdc x`, $(cdc x), a literal that starts with it) it
                // must be one; in a sentence ("values cdc can make up") only a known word is.
                let quoted = m.get(1).is_some();
                let Some(sub_cmd) = cli.find_subcommand(sub) else {
                    assert!(!quoted, "{where_}: cdc has no command {sub:?}");
                    continue;
                };
                let placeholder =
                    |w: &str| w.starts_with('{') || w.chars().all(|c| c.is_ascii_uppercase());
                match next {
                    Some(w) if sub == "playbook" && !placeholder(w) => {
                        assert!(library.get(w).is_some(), "{where_}: no playbook {w:?}")
                    }
                    Some(w) if sub_cmd.has_subcommands() && !placeholder(w) => assert!(
                        sub_cmd.find_subcommand(w).is_some(),
                        "{where_}: cdc {sub} has no command {w:?}"
                    ),
                    _ => {}
                }
            }
        }
    }
    assert!(
        seen > 10,
        "found only {seen} hints: is the pattern still right?"
    );
}

#[test]
fn every_playbook_id_the_code_names_is_in_the_library() {
    let library = Library::load().unwrap();
    let id = Regex::new(r#""([a-z0-9]+(?:-[a-z0-9]+)+)""#).unwrap();
    let mut seen = 0;
    for (path, code) in sources() {
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            // A playbook id sits on a line that says playbook, in a CouldNotRun (whose
            // arguments may run over the next lines), or in a `fn playbook` mapping.
            let context = lines[i.saturating_sub(4)..=i].join("\n");
            let named = line.to_lowercase().contains("playbook")
                || context.contains("CouldNotRun::new(")
                || in_fn_playbook(&lines, i);
            if !named {
                continue;
            }
            for m in id.captures_iter(line) {
                seen += 1;
                assert!(
                    library.get(&m[1]).is_some(),
                    "{}:{}: no playbook {:?}",
                    path.display(),
                    i + 1,
                    &m[1]
                );
            }
        }
    }
    assert!(
        seen > 10,
        "found only {seen} playbook ids: is the pattern still right?"
    );
}

/// Is line `i` inside a function named `playbook` (a match from a refusal to its playbook)?
fn in_fn_playbook(lines: &[&str], i: usize) -> bool {
    let is_fn = |l: &str| {
        let l = l.trim_start();
        let l = l
            .strip_prefix("pub(crate) ")
            .or_else(|| l.strip_prefix("pub "))
            .unwrap_or(l);
        l.starts_with("fn ")
    };
    lines[..=i]
        .iter()
        .rev()
        .find(|l| is_fn(l))
        .is_some_and(|l| l.contains("fn playbook("))
}
