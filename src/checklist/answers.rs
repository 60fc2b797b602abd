//! The answers file: who confirmed each attestation, and when.
//!
//! ```yaml
//! answers:
//!   checklist.dr_plan: { by: "Jane Doe", on: 2026-11-02, note: "runbook DR-12" }
//!   checklist.monitoring: { by: "ops team", on: 2026-10-20, link: "https://..." }
//!   checklist.benchmarks: { not_applicable: "a 10-row reference table, no load to speak of" }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::checks::catalogue::LoadError;
use serde_yaml::Value;

use super::spec::Item;
use crate::calendar::Date;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub(crate) by: String,
    pub(crate) on: Date,
    pub(crate) note: Option<String>,
    pub(crate) link: Option<String>,
}

/// Answers by item id.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Answers {
    pub(crate) by_id: BTreeMap<String, Answer>,
    /// Items said not to apply to this pipeline, with why.
    pub(crate) not_applicable: BTreeMap<String, String>,
}

impl Answers {
    pub(crate) fn get(&self, id: &str) -> Option<&Answer> {
        self.by_id.get(id)
    }

    pub(crate) fn not_applicable(&self, id: &str) -> Option<&str> {
        self.not_applicable.get(id).map(String::as_str)
    }
}

/// Why an answers file cannot be used: the same shape as an invalid check file.
pub(crate) type AnswersError = LoadError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    answers: Option<BTreeMap<String, RawAnswer>>,
}

// Everything optional here so that a missing field is reported with its line, like a bad one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    not_applicable: Option<String>,
    by: Option<String>,
    on: Option<Value>,
    note: Option<String>,
    link: Option<String>,
}

/// Parses `text` (read from `file`); every id must be an attestation among `items`.
pub(crate) fn parse(file: &str, text: &str, items: &[Item]) -> Result<Answers, AnswersError> {
    let err = |line, field: String, message: String| AnswersError {
        file: file.to_string(),
        line,
        field,
        message,
    };
    let raw: RawFile = if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    }) {
        RawFile { answers: None }
    } else {
        serde_yaml::from_str(text).map_err(|e| LoadError::from_yaml(file, &e))?
    };
    let mut by_id = BTreeMap::new();
    let mut not_applicable = BTreeMap::new();
    for (id, a) in raw.answers.unwrap_or_default() {
        let at = |field: &str, message: String| {
            let name = if field.is_empty() {
                format!("answers.{id}")
            } else {
                format!("answers.{id}.{field}")
            };
            err(line_of(text, &id, field), name, message)
        };
        match items.iter().find(|i| i.id == id) {
            None => {
                return Err(at(
                    "",
                    format!("unknown checklist item {id:?} (cdc checklist --template lists them)"),
                ))
            }
            Some(item) if !item.is_attestation() => {
                return Err(at(
                    "",
                    format!("{id} is checked on the server, not attested: remove it"),
                ))
            }
            Some(_) => {}
        }
        if let Some(why) = &a.not_applicable {
            if why.trim().is_empty() {
                return Err(at(
                    "not_applicable",
                    "empty: say why the item does not apply to this pipeline".into(),
                ));
            }
            not_applicable.insert(id, why.trim().to_string());
            continue;
        }
        let by =
            a.by.filter(|b| !b.trim().is_empty())
                .ok_or_else(|| at("by", "missing: who confirmed it (a person or team)".into()))?;
        let on = match &a.on {
            None => {
                return Err(at(
                    "on",
                    "missing: the day it was confirmed, like 2026-11-02".into(),
                ))
            }
            Some(v) => {
                let shown = scalar_text(v);
                Date::parse(&shown)
                    .ok_or_else(|| at("on", format!("{shown:?} is not a date like 2026-11-02")))?
            }
        };
        let answer = Answer {
            by,
            on,
            note: a.note.filter(|n| !n.trim().is_empty()),
            link: a.link.filter(|l| !l.trim().is_empty()),
        };
        by_id.insert(id, answer);
    }
    Ok(Answers {
        by_id,
        not_applicable,
    })
}

/// A YAML scalar as text: `on: 2026-11-02` is a string, but a date written oddly may be read
/// as a number.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The line (1-based) of `field` in the answer for `id`, else of the id itself. Answers are
/// written one per line (flow style) or as a block under the id; both are found.
fn line_of(text: &str, id: &str, field: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let start = lines.iter().position(|l| {
        let t = l.trim_start().trim_start_matches(['"', '\'']);
        t.strip_prefix(id)
            .is_some_and(|rest| rest.trim_start_matches(['"', '\'']).starts_with(':'))
    })?;
    if field.is_empty() {
        return Some(start + 1);
    }
    let key = format!("{field}:");
    let has_key = |l: &str| {
        l.match_indices(&key)
            .any(|(i, _)| i == 0 || matches!(l.as_bytes()[i - 1], b' ' | b'{' | b',' | b'\t'))
    };
    let after_id = &lines[start][lines[start].find(':').unwrap_or(0)..];
    if has_key(after_id) {
        return Some(start + 1);
    }
    let found = lines[start + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > indent(lines[start]))
        .position(|l| has_key(l));
    Some(found.map_or(start, |i| start + 1 + i) + 1)
}

/// A file to start from: every attestation commented out, with the evidence it asks for.
pub(crate) fn template(items: &[Item]) -> String {
    let mut out = String::from(
        "# cdc checklist answers: who confirmed each item the server cannot answer, and when.\n\
         # Uncomment an item's line once it is done. `by` and `on` (YYYY-MM-DD) are required;\n\
         # `note` and `link` are optional; `not_applicable: \"why\"` instead says it does not\n\
         # apply to this pipeline. Use: cdc checklist --answers cdc-checklist.yaml\n\
         answers:\n",
    );
    for item in items {
        let super::spec::Kind::Attest(attest) = item.kind() else {
            continue;
        };
        out.push_str(&format!("\n  # {}\n", item.title));
        out.push_str(&format!("  #   evidence: {}\n", attest.evidence.trim()));
        out.push_str(&format!(
            "  # {}: {{ by: \"\", on: YYYY-MM-DD, note: \"\", link: \"\" }}\n",
            item.id
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::spec::{Attest, Item};

    fn items() -> Vec<Item> {
        let attest = |id: &str| Item {
            id: id.into(),
            title: format!("{id} title"),
            seed: "seed".into(),
            checks: None,
            attest: Some(Attest {
                evidence: "proof".into(),
            }),
            profiles: None,
        };
        let mut v = vec![attest("checklist.dr_plan"), attest("checklist.monitoring")];
        v.push(Item {
            id: "checklist.gtid".into(),
            title: "GTID".into(),
            seed: "s".into(),
            checks: Some(vec!["gtid.mode".into()]),
            attest: None,
            profiles: None,
        });
        v
    }

    #[test]
    fn not_applicable_needs_a_reason_and_nothing_else() {
        let text =
            "answers:\n  checklist.dr_plan: { not_applicable: \"a throwaway staging pipeline\" }\n";
        let a = parse("a.yaml", text, &items()).unwrap();
        assert_eq!(
            a.not_applicable("checklist.dr_plan"),
            Some("a throwaway staging pipeline")
        );
        assert!(a.get("checklist.dr_plan").is_none());
        let e = parse(
            "a.yaml",
            "answers:\n  checklist.dr_plan: { not_applicable: \" \" }\n",
            &items(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not_applicable"), "{e}");
    }

    #[test]
    fn a_good_file_parses_in_both_styles() {
        let text = "answers:\n  checklist.dr_plan: { by: \"Jane Doe\", on: 2026-11-02, note: \"runbook DR-12\" }\n  checklist.monitoring:\n    by: ops team\n    on: \"2026-10-20\"\n    link: https://wiki.example/alerts\n";
        let a = parse("a.yaml", text, &items()).unwrap();
        let dr = a.get("checklist.dr_plan").unwrap();
        assert_eq!(dr.by, "Jane Doe");
        assert_eq!(dr.on.to_string(), "2026-11-02");
        assert_eq!(dr.note.as_deref(), Some("runbook DR-12"));
        let m = a.get("checklist.monitoring").unwrap();
        assert_eq!(m.link.as_deref(), Some("https://wiki.example/alerts"));
        assert_eq!(m.note, None);
    }

    #[test]
    fn an_empty_or_all_commented_file_has_no_answers() {
        assert!(parse("a", "", &items()).unwrap().by_id.is_empty());
        assert!(parse("a", &template(&items()), &items())
            .unwrap()
            .by_id
            .is_empty());
    }

    #[test]
    fn a_bad_date_names_file_line_and_field() {
        let text = "answers:\n  checklist.monitoring: { by: ops, on: 2026-10-20 }\n  checklist.dr_plan: { by: Jane, on: 2026-13-02 }\n";
        let e = parse("cdc-checklist.yaml", text, &items()).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.field, "answers.checklist.dr_plan.on");
        assert!(
            e.to_string()
                .starts_with("cdc-checklist.yaml:3: answers.checklist.dr_plan.on: \"2026-13-02\""),
            "{e}"
        );
    }

    #[test]
    fn a_missing_by_names_its_line_in_block_style() {
        let text = "answers:\n  checklist.dr_plan:\n    on: 2026-11-02\n    note: x\n";
        let e = parse("f.yaml", text, &items()).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(2), "answers.checklist.dr_plan.by")
        );
        let text = "answers:\n  checklist.dr_plan:\n    by: ''\n    on: 2026-11-02\n";
        let e = parse("f.yaml", text, &items()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn unknown_and_server_item_ids_are_rejected_by_name() {
        let text = "answers:\n  checklist.dr_plan: { by: a, on: 2026-01-01 }\n  checklist.dr_plna: { by: a, on: 2026-01-01 }\n";
        let e = parse("f.yaml", text, &items()).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.to_string()
                .contains("unknown checklist item \"checklist.dr_plna\""),
            "{e}"
        );
        let text = "answers:\n  checklist.gtid: { by: a, on: 2026-01-01 }\n";
        let e = parse("f.yaml", text, &items()).unwrap_err();
        assert!(e.message.contains("checked on the server"), "{e}");
    }

    #[test]
    fn unknown_fields_and_broken_yaml_carry_a_line() {
        let text = "answers:\n  checklist.dr_plan: { by: a, on: 2026-01-01, whom: b }\n";
        let e = parse("f.yaml", text, &items()).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("whom"), "{e}");
        let e = parse("f.yaml", "answers:\n  - [unclosed\n", &items()).unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn the_template_lists_every_attestation_and_no_server_item() {
        let t = template(&items());
        assert!(t.contains("# checklist.dr_plan: {"));
        assert!(t.contains("# checklist.monitoring: {"));
        assert!(!t.contains("checklist.gtid"));
    }
}
