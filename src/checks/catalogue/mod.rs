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
pub(crate) const BUILTIN_FILES: [(&str, &str); 9] = [
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
    (
        "checks/connector.yaml",
        include_str!("../../../checks/connector.yaml"),
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
    /// Only the checks `ids` names and those they require, in catalogue order: a watcher
    /// that samples every few seconds runs what it shows, not the whole catalogue. Unknown
    /// ids are left out.
    pub fn only(&self, ids: &[&str]) -> Catalogue {
        let mut wanted: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        let mut i = 0;
        while i < wanted.len() {
            if let Some(spec) = self.specs.iter().find(|s| s.id == wanted[i]) {
                for dep in &spec.requires {
                    if !wanted.contains(dep) {
                        wanted.push(dep.clone());
                    }
                }
            }
            i += 1;
        }
        Catalogue {
            specs: self
                .specs
                .iter()
                .filter(|s| wanted.contains(&s.id))
                .cloned()
                .collect(),
        }
    }

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
        // Where each built-in's spec sits, for a file's check that replaces it.
        let mut slots: BTreeMap<String, usize> = BTreeMap::new();
        let mut dir_checks = 0;
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        // Every check read, sound or not, for `requires` (a broken check's id still exists).
        let mut placed: Vec<(String, Placed)> = Vec::new();
        for (name, text, origin) in &files {
            let mut r = Reader::new(name);
            let read = check::read_file(&mut r, text, origin);
            if !origin.is_built_in() {
                dir_checks += read.len();
                if dir_checks > MAX_DIR_CHECKS {
                    let dir = extra_dir.map_or(String::new(), |d| d.display().to_string());
                    problems.push(LoadError::new(
                        &dir,
                        None,
                        "",
                        format!(
                            "more than the {MAX_DIR_CHECKS} checks a checks directory may hold \
                             (passed at {name})"
                        ),
                    ));
                    // The unread files' ids would only add false dangling `requires`.
                    return Err(problems);
                }
            }
            for p in read {
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
                    match slots.get(&spec.id) {
                        Some(&slot) if replaces => specs[slot] = spec.clone(),
                        _ => {
                            if origin.is_built_in() {
                                slots.insert(spec.id.clone(), specs.len());
                            }
                            specs.push(spec.clone());
                        }
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

/// A check file larger than this is refused unread: the built-in ones are a few KiB each.
const MAX_FILE_BYTES: u64 = 1 << 20;
/// All the check files of a directory together, read before any is parsed.
const MAX_DIR_BYTES: u64 = 8 << 20;
/// The checks a `--checks-dir` may hold (and so its files, each holding one at least): the
/// built-in catalogue has about a hundred, and the load's cost grows with the count.
const MAX_DIR_CHECKS: usize = 2_000;

/// The `.yaml` / `.yml` files of `dir` by name, each read or a problem; a problem of the
/// directory as a whole ends the list.
fn read_dir(dir: &Path) -> Vec<Result<(String, String), LoadError>> {
    let shown = dir.display().to_string();
    let whole = |message: String| vec![Err(LoadError::new(&shown, None, "", message))];
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return whole(format!("cannot read directory: {e}")),
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => return whole(e.to_string()),
        }
    }
    paths.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    if paths.len() > MAX_DIR_CHECKS {
        return whole(format!(
            "{} check files, more than the {MAX_DIR_CHECKS} checks a checks directory may hold",
            paths.len()
        ));
    }
    paths.sort();
    // Every size first: a directory too big as a whole is refused before any file is read.
    let sized: Vec<_> = paths
        .into_iter()
        .map(|path| (regular_file_size(&path), path))
        .collect();
    let total: u64 = sized
        .iter()
        .filter_map(|(size, _)| size.as_ref().ok())
        .sum();
    if total > MAX_DIR_BYTES {
        return whole(format!(
            "its check files are {total} bytes together, more than the {MAX_DIR_BYTES} bytes \
             (8 MiB) a checks directory may hold"
        ));
    }
    sized
        .into_iter()
        .map(|(size, path)| {
            let name = path.display().to_string();
            size.and_then(|_| read_bounded(&path))
                .map(|text| (name.clone(), text))
                .map_err(|message| LoadError::new(&name, None, "", message))
        })
        .collect()
}

/// The size of the regular file at `path`, a symbolic link followed; anything else (a FIFO,
/// a device, a directory) is refused before it is opened, as reading one can block forever
/// or never end.
fn regular_file_size(path: &Path) -> Result<u64, String> {
    let cannot = |e: std::io::Error| format!("cannot read: {e}");
    let mut meta = std::fs::symlink_metadata(path).map_err(cannot)?;
    if meta.file_type().is_symlink() {
        meta = std::fs::metadata(path).map_err(cannot)?;
    }
    if !meta.is_file() {
        return Err(format!(
            "not a regular file ({}); a check file must be one",
            file_kind(&meta.file_type())
        ));
    }
    too_big(meta.len()).map_or(Ok(meta.len()), Err)
}

fn too_big(size: u64) -> Option<String> {
    (size > MAX_FILE_BYTES).then(|| {
        format!("{size} bytes, more than the {MAX_FILE_BYTES} bytes (1 MiB) a check file may have")
    })
}

/// At most MAX_FILE_BYTES of the file, however it changed since its size was looked at.
fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| format!("cannot read: {e}");
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut text = String::new();
    let read = file
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(cannot)?;
    too_big(read as u64).map_or(Ok(text), Err)
}

fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
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
