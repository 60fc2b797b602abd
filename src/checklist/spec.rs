//! The checklist item format (`checks/checklist/*.yaml`) and the built-in list.

use serde::Deserialize;

/// The production checklist, compiled into the binary.
pub(crate) const PRODUCTION: (&str, &str) = (
    "checks/checklist/production.yaml",
    include_str!("../../checks/checklist/production.yaml"),
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemFile {
    pub(crate) items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    /// `checklist.<name>`: the id answers files and reports use.
    pub(crate) id: String,
    pub(crate) title: String,
    /// The checklist line this item comes from, as written there.
    pub(crate) seed: String,
    /// Answered by the server: these doctor checks.
    #[serde(default)]
    pub(crate) checks: Option<Vec<String>>,
    /// Answered by people, in the answers file.
    #[serde(default)]
    pub(crate) attest: Option<Attest>,
    /// Only for these profiles' pipelines (Unity Catalog items: lakeflow); absent, for all.
    #[serde(default)]
    pub(crate) profiles: Option<Vec<crate::checks::profile::Profile>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Attest {
    /// What whoever confirms the item should have in hand.
    pub(crate) evidence: String,
}

/// How an item is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind<'a> {
    Checks(&'a [String]),
    Attest(&'a Attest),
}

impl Item {
    pub(crate) fn kind(&self) -> Kind<'_> {
        match (&self.checks, &self.attest) {
            (Some(ids), _) => Kind::Checks(ids),
            (None, Some(a)) => Kind::Attest(a),
            // parse() rejects items with neither.
            (None, None) => Kind::Checks(&[]),
        }
    }

    /// Whether a run under `profile` asks for this item: the generic profile, which knows no
    /// pipeline, asks for all.
    pub(crate) fn applies_to(&self, profile: crate::checks::profile::Profile) -> bool {
        profile == crate::checks::profile::Profile::Generic
            || self
                .profiles
                .as_ref()
                .is_none_or(|ps| ps.contains(&profile))
    }

    pub(crate) fn is_attestation(&self) -> bool {
        matches!(self.kind(), Kind::Attest(_))
    }
}

/// An item file that cannot be used; the text names the file and the item.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ItemFileError {
    /// Not YAML of the item file's shape.
    #[error("{file}: {error}")]
    Yaml {
        file: String,
        error: serde_yaml::Error,
    },
    #[error("{file}: item {id}: id must start with checklist.")]
    IdPrefix { file: String, id: String },
    #[error("{file}: item {id}: duplicate id")]
    DuplicateId { file: String, id: String },
    /// The item names a check the catalogue does not have.
    #[error("{file}: item {id}: no doctor check has id {check:?}")]
    UnknownCheck {
        file: String,
        id: String,
        check: String,
    },
    /// Both or neither of `checks` and `attest` (or an empty `checks`).
    #[error("{file}: item {id}: needs exactly one of checks: [ids] or attest: {{evidence}}")]
    Kind { file: String, id: String },
}

/// Parses and validates an item file: ids unique and `checklist.*`, exactly one of
/// `checks` / `attest`, every check id in `known_checks`.
pub(crate) fn parse(
    name: &str,
    text: &str,
    known_checks: &[&str],
) -> Result<Vec<Item>, ItemFileError> {
    let file: ItemFile = serde_yaml::from_str(text).map_err(|error| ItemFileError::Yaml {
        file: name.to_string(),
        error,
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for item in &file.items {
        let (file, id) = (name.to_string(), item.id.clone());
        if !item.id.starts_with("checklist.") {
            return Err(ItemFileError::IdPrefix { file, id });
        }
        if !seen.insert(item.id.as_str()) {
            return Err(ItemFileError::DuplicateId { file, id });
        }
        match (&item.checks, &item.attest) {
            (Some(ids), None) if !ids.is_empty() => {
                if let Some(unknown) = ids.iter().find(|c| !known_checks.contains(&c.as_str())) {
                    let check = unknown.clone();
                    return Err(ItemFileError::UnknownCheck { file, id, check });
                }
            }
            (None, Some(_)) => {}
            _ => return Err(ItemFileError::Kind { file, id }),
        }
    }
    Ok(file.items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::catalogue::Catalogue;

    #[test]
    fn the_production_list_covers_the_sixteen_seed_lines_and_known_checks() {
        let catalogue = Catalogue::load(None).unwrap();
        let ids: Vec<&str> = catalogue.specs.iter().map(|s| s.id.as_str()).collect();
        let items = parse(PRODUCTION.0, PRODUCTION.1, &ids).unwrap();
        assert_eq!(items.len(), 16);
        let seeds: std::collections::BTreeSet<&str> =
            items.iter().map(|i| i.seed.as_str()).collect();
        assert_eq!(seeds.len(), 16, "each seed line once");
        for id in [
            "checklist.binlog_config",
            "checklist.dr_plan",
            "checklist.binlog_retention",
        ] {
            assert!(items.iter().any(|i| i.id == id), "{id}");
        }
        assert_eq!(items.iter().filter(|i| i.is_attestation()).count(), 11);
    }

    #[test]
    fn an_item_needs_exactly_one_kind_and_known_checks() {
        let both = "items:\n  - {id: checklist.a, title: t, seed: s, checks: [x.y], attest: {evidence: e}}\n";
        let e = parse("f", both, &["x.y"]).unwrap_err();
        assert!(matches!(e, ItemFileError::Kind { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "f: item checklist.a: needs exactly one of checks: [ids] or attest: {evidence}"
        );
        let unknown = "items:\n  - {id: checklist.a, title: t, seed: s, checks: [x.z]}\n";
        assert_eq!(
            parse("f", unknown, &["x.y"]).unwrap_err().to_string(),
            "f: item checklist.a: no doctor check has id \"x.z\""
        );
        let dup = "items:\n  - {id: checklist.a, title: t, seed: s, checks: [x.y]}\n  - {id: checklist.a, title: t, seed: s, checks: [x.y]}\n";
        assert_eq!(
            parse("f", dup, &["x.y"]).unwrap_err().to_string(),
            "f: item checklist.a: duplicate id"
        );
        let prefix = "items:\n  - {id: a, title: t, seed: s, checks: [x.y]}\n";
        assert!(matches!(
            parse("f", prefix, &["x.y"]),
            Err(ItemFileError::IdPrefix { .. })
        ));
        let e = parse("f", "items: 3\n", &["x.y"]).unwrap_err();
        assert!(e.to_string().starts_with("f: items: invalid type"), "{e}");
    }
}
