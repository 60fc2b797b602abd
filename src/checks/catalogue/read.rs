//! Reading typed values out of a located YAML tree. Every problem is noted with its line and
//! the reading goes on, so one load reports them all.

use serde::de::value::{Error as NameError, StrDeserializer};
use serde::de::DeserializeOwned;

use super::problems::{LoadError, LoadErrors};
use super::yaml::{Node, Value};

/// Reads one file, collecting its problems.
pub(crate) struct Reader<'f> {
    file: &'f str,
    pub(crate) problems: LoadErrors,
}

/// A mapping's entries by name, its unknown and repeated keys already reported.
pub(crate) struct Fields<'n> {
    pub(crate) line: usize,
    path: String,
    entries: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    pub(crate) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The path of one field, for problems: `checks[0].probe.sql`.
    pub(crate) fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The mapping's own path.
    pub(crate) fn at(&self) -> &str {
        &self.path
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'f> Reader<'f> {
    pub(crate) fn new(file: &'f str) -> Reader<'f> {
        Reader {
            file,
            problems: LoadErrors::default(),
        }
    }

    pub(crate) fn problem(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.problems
            .push(LoadError::new(self.file, Some(line), field, message));
    }

    /// `node` is not what `path` takes.
    pub(crate) fn not(&mut self, node: &Node, path: &str, wanted: &str) {
        self.problem(
            node.line,
            path,
            format!("must be {wanted}, not {}", node.kind()),
        );
    }

    /// How many problems so far: a part read without adding any is sound.
    pub(crate) fn count(&self) -> usize {
        self.problems.len()
    }

    /// A mapping of `known` fields; unknown and repeated ones are problems (and ignored).
    pub(crate) fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        known: &[&str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.not(node, path, "a mapping");
            return None;
        };
        let mut fields = Fields {
            line: node.line,
            path: path.to_string(),
            entries: Vec::with_capacity(entries.len()),
        };
        for (k, v) in entries {
            let name = k.as_text().unwrap_or_default();
            if !known.contains(&name) {
                self.problem(
                    k.line,
                    &join(path, name),
                    format!("unknown field `{name}` (known: {})", known.join(", ")),
                );
            } else if let Some(first) = fields.get(name) {
                self.problem(
                    k.line,
                    &join(path, name),
                    format!("`{name}` is given twice (first on line {})", first.line),
                );
            } else {
                fields.entries.push((name, v));
            }
        }
        Some(fields)
    }

    /// A field that must be there.
    pub(crate) fn required<'n>(&mut self, f: &Fields<'n>, key: &str) -> Option<&'n Node> {
        let found = f.get(key);
        if found.is_none() {
            self.problem(f.line, f.at(), format!("missing field `{key}`"));
        }
        found
    }

    /// Any scalar as text (YAML's `1` and `ON` alike).
    pub(crate) fn text(&mut self, node: &Node, path: &str) -> Option<String> {
        match node.as_text() {
            Some(t) => Some(t.to_string()),
            None => {
                self.not(node, path, "text");
                None
            }
        }
    }

    /// Text with something in it.
    pub(crate) fn words(&mut self, node: &Node, path: &str) -> Option<String> {
        let t = self.text(node, path)?;
        if t.trim().is_empty() {
            self.problem(node.line, path, "must not be empty");
            return None;
        }
        Some(t)
    }

    /// An optional text field.
    pub(crate) fn text_field(&mut self, f: &Fields, key: &str) -> Option<String> {
        f.get(key).and_then(|n| self.text(n, &f.path(key)))
    }

    /// A list of texts, each with its line.
    pub(crate) fn texts(&mut self, node: &Node, path: &str) -> Option<Vec<(String, usize)>> {
        let before = self.count();
        let out = self.each(node, path, |r, n, p| Some((r.text(n, p)?, n.line)))?;
        (self.count() == before).then(|| out.into_iter().flatten().collect())
    }

    /// A list, or one scalar standing for a list of one.
    pub(crate) fn one_or_more(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        if let Some(t) = node.as_text() {
            return Some(vec![t.to_string()]);
        }
        Some(
            self.texts(node, path)?
                .into_iter()
                .map(|(t, _)| t)
                .collect(),
        )
    }

    pub(crate) fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        let b = node.as_bool();
        if b.is_none() {
            self.problem(node.line, path, "must be true or false");
        }
        b
    }

    pub(crate) fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        let n = node.as_text().and_then(|t| t.trim().parse::<f64>().ok());
        if n.is_none() {
            self.problem(node.line, path, "must be a number");
        }
        n
    }

    /// One of an enum's names as the YAML spells them (`eq`, `mariadb`, `flink-cdc`); serde's
    /// derive knows the names, so a problem lists them without a hand-kept copy.
    pub(crate) fn name<T: DeserializeOwned>(&mut self, node: &Node, path: &str) -> Option<T> {
        let text = self.text(node, path)?;
        match T::deserialize(StrDeserializer::<NameError>::new(&text)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(node.line, path, e.to_string());
                None
            }
        }
    }

    /// A list of names (or one).
    pub(crate) fn names<T: DeserializeOwned>(&mut self, node: &Node, path: &str) -> Option<Vec<T>> {
        let items: Vec<Node> = match &node.value {
            Value::Seq(items) => items.clone(),
            _ => vec![node.clone()],
        };
        let before = self.count();
        let out: Vec<T> = items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.name(n, &format!("{path}[{i}]")))
            .collect();
        (self.count() == before).then_some(out)
    }

    /// Each item of a list read by `read` (with its path); None when `node` is not a list.
    pub(crate) fn each<T>(
        &mut self,
        node: &Node,
        path: &str,
        mut read: impl FnMut(&mut Self, &Node, &str) -> Option<T>,
    ) -> Option<Vec<Option<T>>> {
        let Value::Seq(items) = &node.value else {
            self.not(node, path, "a list");
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| read(self, n, &format!("{path}[{i}]")))
                .collect(),
        )
    }
}

/// A regex error on one line: the regex crate draws the pattern with a caret over lines.
pub(crate) fn regex_problem(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    format!("bad regex: {}", last.trim().trim_start_matches("error: "))
}
