//! The check catalogue: the built-in files compiled into the binary, then `--checks-dir`,
//! read into validated checks. A load reports every problem at once, each with its file,
//! line and field; any problem stops the run.

pub(crate) mod check;
pub(crate) mod guard;
pub(crate) mod probe;
pub(crate) mod problems;
pub(crate) mod read;
pub(crate) mod rule;
pub(crate) mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use problems::{LoadError, LoadErrors};

use super::spec::{CheckSpec, Origin};
use check::Placed;
use read::Reader;

/// The built-in check files, in the order doctor shows them.
pub(crate) const BUILTIN_FILES: [(&str, &str); 8] = [
    (
        "checks/connect.yaml",
        include_str!("../../../checks/connect.yaml"),
    ),
    (
        "checks/server.yaml",
        include_str!("../../../checks/server.yaml"),
    ),
    (
        "checks/binlog.yaml",
        include_str!("../../../checks/binlog.yaml"),
    ),
    (
        "checks/gtid.yaml",
        include_str!("../../../checks/gtid.yaml"),
    ),
    (
        "checks/replica.yaml",
        include_str!("../../../checks/replica.yaml"),
    ),
    (
        "checks/grants.yaml",
        include_str!("../../../checks/grants.yaml"),
    ),
    (
        "checks/tables.yaml",
        include_str!("../../../checks/tables.yaml"),
    ),
    (
        "checks/position.yaml",
        include_str!("../../../checks/position.yaml"),
    ),
];

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub specs: Vec<CheckSpec>,
}

/// Where a check id was first seen, for the problem about its duplicate.
struct Seen {
    file: String,
    line: usize,
    built_in: bool,
}

impl Catalogue {
    /// The built-in checks, plus those of `extra_dir` (a check with a built-in's id replaces it
    /// in place; new ids come after the built-ins).
    pub fn load(extra_dir: Option<&Path>) -> Result<Catalogue, LoadErrors> {
        let mut problems = LoadErrors::default();
        let mut files: Vec<(String, String, Origin)> = BUILTIN_FILES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string(), Origin::BuiltIn))
            .collect();
        if let Some(dir) = extra_dir {
            for found in read_dir(dir) {
                match found {
                    Ok((name, text)) => files.push((name.clone(), text, Origin::File(name))),
                    Err(e) => problems.push(e),
                }
            }
        }
        let mut specs: Vec<CheckSpec> = Vec::new();
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        // Every check read, sound or not, for `requires` (a broken check's id still exists).
        let mut placed: Vec<(String, Placed)> = Vec::new();
        for (name, text, origin) in &files {
            let mut r = Reader::new(name);
            for p in check::read_file(&mut r, text, origin) {
                let replaces = match seen.get(&p.id) {
                    Some(first) if first.built_in && !origin.is_built_in() => true,
                    Some(first) => {
                        r.problem(
                            p.id_line,
                            &format!("{}.id", p.path),
                            format!(
                                "duplicate id {} (first at {}:{})",
                                p.id, first.file, first.line
                            ),
                        );
                        // Its other problems (a dangling `requires`) are still worth fixing.
                        placed.push((name.clone(), Placed { spec: None, ..p }));
                        continue;
                    }
                    None => false,
                };
                seen.insert(
                    p.id.clone(),
                    Seen {
                        file: name.clone(),
                        line: p.id_line,
                        built_in: origin.is_built_in(),
                    },
                );
                if let Some(spec) = &p.spec {
                    match specs.iter_mut().find(|s| s.id == spec.id) {
                        Some(slot) if replaces => *slot = spec.clone(),
                        _ => specs.push(spec.clone()),
                    }
                }
                placed.push((name.clone(), p));
            }
            // In the order of the file, as a reader fixes them.
            r.problems.0.sort_by_key(|e| e.line);
            problems.0.extend(r.problems.0);
        }
        let ids: BTreeSet<&str> = seen.keys().map(String::as_str).collect();
        for (file, p) in &placed {
            for (i, (dep, line)) in p.requires.iter().enumerate() {
                if !ids.contains(dep.as_str()) && dep != &p.id {
                    problems.push(LoadError::new(
                        file,
                        Some(*line),
                        format!("{}.requires[{i}]", p.path),
                        format!("no check has id {dep:?}"),
                    ));
                }
            }
        }
        problems.into_result(Catalogue { specs })
    }

    #[cfg(test)]
    fn get(&self, id: &str) -> Option<&CheckSpec> {
        self.specs.iter().find(|s| s.id == id)
    }
}

/// The `.yaml` / `.yml` files of `dir` by name, each read or a problem.
fn read_dir(dir: &Path) -> Vec<Result<(String, String), LoadError>> {
    let shown = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return vec![Err(LoadError::new(
                &shown,
                None,
                "",
                format!("cannot read directory: {e}"),
            ))]
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => return vec![Err(LoadError::new(&shown, None, "", e.to_string()))],
        }
    }
    paths.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.display().to_string();
            std::fs::read_to_string(&path)
                .map(|text| (name.clone(), text))
                .map_err(|e| LoadError::new(&name, None, "", format!("cannot read: {e}")))
        })
        .collect()
}

/// Reads one check file on its own (the catalogue's cross-file rules aside): the tests' and
/// the fuzz target's entry point.
pub fn parse_file(name: &str, text: &str) -> Result<Vec<CheckSpec>, LoadErrors> {
    let mut r = Reader::new(name);
    let placed = check::read_file(&mut r, text, &Origin::File(name.to_string()));
    let specs = placed.into_iter().filter_map(|p| p.spec).collect();
    r.problems.0.sort_by_key(|e| e.line);
    r.problems.into_result(specs)
}

/// Rules from YAML text, for tests of their evaluation; `of` may name any variable.
#[cfg(test)]
pub(crate) fn rules_for_tests(text: &str) -> Vec<super::spec::Rule> {
    let node = yaml::parse(text).expect("yaml");
    let mut r = Reader::new("test");
    let vars = ["gtid_mode", "enforce_gtid_consistency"].map(String::from);
    let rules = rule::rules(&mut r, &node, "expect", &vars);
    assert!(r.problems.is_empty(), "{}", r.problems);
    rules.unwrap_or_default()
}

#[cfg(test)]
mod tests;
