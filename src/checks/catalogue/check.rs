//! Reading one check file into checks. Every problem is noted with its line and the reading
//! goes on, so a file with three mistakes shows three.

use std::collections::BTreeMap;

use super::probe::{probe_and_rules, Probed};
use super::read::{Fields, Reader};
use super::rule::{condition, rules, when};
use super::yaml::{self, Node, Value};
use crate::checks::result::Severity;
use crate::checks::spec::{CheckSpec, Fix, Origin, Probes, ProfileOverride, Rule};

const CHECK_FIELDS: &[&str] = &[
    "id", "title", "why", "applies", "requires", "probe", "expect", "expected", "severity",
    "profiles", "fixes", "playbook",
];
const PROFILE_FIELDS: &[&str] = &["severity", "expect", "expected", "applies"];
const FIX_FIELDS: &[&str] = &["when", "summary", "sql", "config", "restart"];

/// A check as read from its file, with the places the catalogue's own rules refer to.
pub(crate) struct Placed {
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) id_line: usize,
    /// Each `requires` entry with its line.
    pub(crate) requires: Vec<(String, usize)>,
    /// None when the check has problems (they are in the reader).
    pub(crate) spec: Option<CheckSpec>,
}

/// Every check of one file: those with problems as `spec: None`, so their ids still count for
/// duplicates and `requires`.
pub(crate) fn read_file(r: &mut Reader, text: &str, origin: &Origin) -> Vec<Placed> {
    let doc = match yaml::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            r.problem(e.line, "", e.message);
            return Vec::new();
        }
    };
    let Some(top) = r.fields(&doc, "", &["checks"]) else {
        return Vec::new();
    };
    let Some(list) = r.required(&top, "checks") else {
        return Vec::new();
    };
    let Value::Seq(items) = &list.value else {
        r.not(list, "checks", "a list");
        return Vec::new();
    };
    if items.is_empty() {
        r.problem(list.line, "checks", "a check file needs at least one check");
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, n)| check(r, n, &format!("checks[{i}]"), origin))
        .collect()
}

fn check(r: &mut Reader, node: &Node, path: &str, origin: &Origin) -> Option<Placed> {
    let f = r.fields(node, path, CHECK_FIELDS)?;
    let before = r.count();
    let id_node = r.required(&f, "id");
    let id = id_node.and_then(|n| r.text(n, &f.path("id")));
    if let (Some(id), Some(n)) = (&id, id_node) {
        if !is_id(id) {
            r.problem(
                n.line,
                &f.path("id"),
                format!("{id:?} must look like area.name (lowercase letters, digits, _)"),
            );
        }
    }
    let title = text(r, &f, "title");
    // What breaks without it: for the people who read the file; the tool does not show it.
    let _why = text(r, &f, "why");
    let playbook = text(r, &f, "playbook");
    if let (Some(p), Some(n)) = (&playbook, f.get("playbook")) {
        if !is_kebab(p) {
            r.problem(
                n.line,
                &f.path("playbook"),
                format!("{p:?} is not a playbook id (kebab-case, like binlog-format-not-row)"),
            );
        }
    }
    let applies = match f.get("applies") {
        Some(n) => r
            .each(n, &f.path("applies"), condition)
            .map(|c| c.into_iter().flatten().collect()),
        None => Some(Vec::new()),
    };
    let requires = match f.get("requires") {
        Some(n) => r.texts(n, &f.path("requires")).unwrap_or_default(),
        None => Vec::new(),
    };
    for (i, (dep, line)) in requires.iter().enumerate() {
        if Some(dep) == id.as_ref() {
            r.problem(
                *line,
                &format!("{}[{i}]", f.path("requires")),
                "a check cannot require itself",
            );
        }
    }
    let Probed {
        probe,
        variables: vars,
        expect,
    } = probe_and_rules(r, &f);
    if let (Some(p), Some(e)) = (&probe, &expect) {
        needs_rules(r, &f, p, e);
    }
    let expected = f
        .get("expected")
        .and_then(|n| r.words(n, &f.path("expected")));
    let severity = match f.get("severity") {
        Some(n) => r.name(n, &f.path("severity")),
        None => Some(Severity::Fail),
    };
    let profiles = f
        .get("profiles")
        .and_then(|n| profiles(r, n, &f.path("profiles"), &vars));
    let fixes = match r.required(&f, "fixes") {
        Some(n) => fixes(r, n, &f.path("fixes")),
        None => None,
    };
    let id = id?;
    let spec = (r.count() == before).then(|| CheckSpec {
        id: id.clone(),
        title: title.unwrap_or_default(),
        applies: applies.unwrap_or_default(),
        requires: requires.iter().map(|(d, _)| d.clone()).collect(),
        probe: probe.unwrap_or(Probes(Vec::new())),
        expect: expect.unwrap_or_default(),
        expected,
        severity: severity.unwrap_or(Severity::Fail),
        profiles: profiles.unwrap_or_default(),
        fixes: fixes.unwrap_or_default(),
        playbook: playbook.unwrap_or_default(),
        origin: origin.clone(),
    });
    Some(Placed {
        id,
        path: path.to_string(),
        id_line: id_node.map_or(f.line, |n| n.line),
        requires,
        spec,
    })
}

/// A required field with words in it.
fn text(r: &mut Reader, f: &Fields, key: &str) -> Option<String> {
    let n = r.required(f, key)?;
    r.words(n, &f.path(key))
}

/// Variable and SQL probes give a value, which only rules can judge.
fn needs_rules(r: &mut Reader, f: &Fields, probe: &Probes, expect: &[Rule]) {
    if expect.is_empty() && !probe.judges_itself() {
        let line = f
            .get("expect")
            .or(f.get("probe"))
            .map_or(f.line, |n| n.line);
        r.problem(
            line,
            &f.path("expect"),
            "needs at least one rule: only builtins that judge themselves go without",
        );
    }
}

fn profiles(
    r: &mut Reader,
    node: &Node,
    path: &str,
    variables: &[String],
) -> Option<BTreeMap<crate::checks::profile::Profile, ProfileOverride>> {
    let Value::Map(entries) = &node.value else {
        r.not(node, path, "a mapping of profiles");
        return None;
    };
    let before = r.count();
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let name = k.as_text().unwrap_or_default();
        let p = super::read::join(path, name);
        let Some(profile) = r.name(k, &p) else {
            continue;
        };
        let Some(f) = r.fields(v, &p, PROFILE_FIELDS) else {
            continue;
        };
        let severity = f
            .get("severity")
            .and_then(|n| r.name(n, &f.path("severity")));
        let expect = f
            .get("expect")
            .and_then(|n| rules(r, n, &f.path("expect"), variables));
        let applies = f.get("applies").and_then(|n| r.bool(n, &f.path("applies")));
        let expected = f
            .get("expected")
            .and_then(|n| r.words(n, &f.path("expected")));
        out.insert(
            profile,
            ProfileOverride {
                severity,
                expect,
                expected,
                applies,
            },
        );
    }
    (r.count() == before).then_some(out)
}

fn fixes(r: &mut Reader, node: &Node, path: &str) -> Option<Vec<Fix>> {
    let before = r.count();
    let list = r.each(node, path, fix)?;
    if list.is_empty() {
        r.problem(node.line, path, "needs at least one fix");
    }
    if let (Some(Some(last)), Value::Seq(items)) = (list.last(), &node.value) {
        if last.when.is_some() {
            let line = items.last().map_or(node.line, |n| n.line);
            r.problem(
                line,
                &format!("{path}[{}].when", list.len() - 1),
                "the last fix is the fallback: it must not have a `when`",
            );
        }
    }
    (r.count() == before).then(|| list.into_iter().flatten().collect())
}

fn fix(r: &mut Reader, node: &Node, path: &str) -> Option<Fix> {
    let f = r.fields(node, path, FIX_FIELDS)?;
    let before = r.count();
    let when = when(r, f.get("when"), &f.path("when"));
    let summary = text(r, &f, "summary");
    if let (Some(s), Some(n)) = (&summary, f.get("summary")) {
        if s.trim().contains('\n') {
            r.problem(n.line, &f.path("summary"), "must be one line");
        }
    }
    let mut lines = |key: &str| -> Vec<String> {
        f.get(key)
            .and_then(|n| r.texts(n, &f.path(key)))
            .map(|l| l.into_iter().map(|(t, _)| t).collect())
            .unwrap_or_default()
    };
    let sql = lines("sql");
    let config = lines("config");
    let restart = f
        .get("restart")
        .and_then(|n| r.bool(n, &f.path("restart")))
        .unwrap_or(false);
    (r.count() == before).then(|| Fix {
        when: when.flatten(),
        summary: summary.unwrap_or_default(),
        sql,
        config,
        restart,
    })
}

/// `area.name`: lowercase letters, digits and `_` on each side of one dot.
fn is_id(id: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    id.split_once('.').is_some_and(|(a, b)| word(a) && word(b))
}

/// `binlog-format-not-row`: lowercase words joined by single dashes.
pub(crate) fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}
