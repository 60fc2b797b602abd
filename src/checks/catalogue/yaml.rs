//! YAML as a tree that remembers the line of every node, so a problem found anywhere in a
//! check file can name its place. serde_yaml keeps positions only for its first error.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// 1-based line where the node starts.
    pub(crate) line: usize,
    pub(crate) value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `~`, `null`, or nothing written.
    Null,
    /// `plain` when unquoted: only then can `true` be a boolean.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries as written; keys are scalars (the parser refuses others).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A scalar's text; None for lists, mappings and null.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A YAML boolean: unquoted `true` or `false` (any case YAML allows).
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// What the node is, for "must be text, not a list" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Scalar { .. } => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Text that is not YAML, or YAML this loader does not take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        /// The tree's size when the list began: its own size is what was added since.
        start: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        start: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// The most nodes plus scalar bytes a file may hold once its aliases are expanded. Each alias
/// is a copy, so a few hundred bytes of nested aliases would otherwise make billions of nodes;
/// the largest built-in file is about 45,000.
const MAX_SIZE: usize = 1_000_000;

fn too_big(size: usize, line: usize) -> Result<(), SyntaxError> {
    match size > MAX_SIZE {
        true => Err(SyntaxError {
            line,
            message: format!("aliases expand the file past {MAX_SIZE} values and characters"),
        }),
        false => Ok(()),
    }
}

/// The first (and only) document of `text`; an empty text is a null node.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut stack: Vec<Frame> = Vec::new();
    // Each anchored node with its size, which an alias to it adds again.
    let mut anchors: BTreeMap<usize, (Node, usize)> = BTreeMap::new();
    let mut size = 0usize;
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| SyntaxError {
            line: e.marker().line(),
            message: e.info().to_string(),
        })?;
        let line = span.start.line();
        too_big(size, line)?;
        let node = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let node_size = 1 + text.len();
                let quoted = style != ScalarStyle::Plain || tag.is_some_and(|t| t.suffix == "str");
                let null = !quoted && matches!(&*text, "" | "~" | "null" | "Null" | "NULL");
                let value = if null {
                    Value::Null
                } else {
                    Value::Scalar {
                        text: text.into_owned(),
                        plain: !quoted,
                    }
                };
                let node = Node { line, value };
                size += node_size;
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), node_size));
                }
                node
            }
            Event::Alias(id) => {
                let (node, node_size) = anchors.get(&id).ok_or(SyntaxError {
                    line,
                    message: "alias to an unknown anchor".into(),
                })?;
                size += node_size;
                too_big(size, line)?;
                node.clone()
            }
            Event::SequenceStart(anchor, _) => {
                size += 1;
                stack.push(Frame::Seq {
                    line,
                    anchor,
                    start: size - 1,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                size += 1;
                stack.push(Frame::Map {
                    line,
                    anchor,
                    start: size - 1,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, start) = match stack.pop() {
                    Some(Frame::Seq {
                        line,
                        anchor,
                        start,
                        items,
                    }) => (
                        Node {
                            line,
                            value: Value::Seq(items),
                        },
                        anchor,
                        start,
                    ),
                    Some(Frame::Map {
                        line,
                        anchor,
                        start,
                        entries,
                        ..
                    }) => (
                        Node {
                            line,
                            value: Value::Map(entries),
                        },
                        anchor,
                        start,
                    ),
                    None => continue,
                };
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), size - start));
                }
                node
            }
            Event::DocumentStart(_) if root.is_some() => {
                return Err(SyntaxError {
                    line,
                    message: "one YAML document per file (remove the second `---`)".into(),
                })
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None if matches!(node.value, Value::Scalar { .. }) => *key = Some(node),
                None => {
                    return Err(SyntaxError {
                        line: node.line,
                        message: "a mapping key must be a name, not a list or mapping".into(),
                    })
                }
            },
        }
    }
    Ok(root.unwrap_or(Node {
        line: 1,
        value: Value::Null,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(line: usize, text: &str) -> Node {
        Node {
            line,
            value: Value::Scalar {
                text: text.into(),
                plain: true,
            },
        }
    }

    #[test]
    fn every_node_knows_its_line() {
        let doc =
            parse("checks:\n  - id: a.b\n    probe: { sql: 'SELECT 1' }\n    requires: [x, y]\n")
                .unwrap();
        let Value::Map(top) = &doc.value else {
            panic!("{doc:?}")
        };
        let Value::Seq(checks) = &top[0].1.value else {
            panic!()
        };
        let Value::Map(check) = &checks[0].value else {
            panic!()
        };
        assert_eq!(check[0], (scalar(2, "id"), scalar(2, "a.b")));
        let Value::Map(probe) = &check[1].1.value else {
            panic!()
        };
        assert_eq!(probe[0].1.line, 3);
        assert_eq!(
            probe[0].1.value,
            Value::Scalar {
                text: "SELECT 1".into(),
                plain: false
            }
        );
        assert_eq!(check[2].1.line, 4);
    }

    #[test]
    fn nulls_aliases_and_errors() {
        let doc = parse("a: ~\nb: &x [1]\nc: *x\nd: 'null'\n").unwrap();
        let Value::Map(m) = doc.value else { panic!() };
        assert_eq!(m[0].1.value, Value::Null);
        assert_eq!(m[2].1.value, m[1].1.value);
        assert_eq!(m[3].1.as_text(), Some("null"));
        let e = parse("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert_eq!(parse("").unwrap().value, Value::Null);
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert_eq!(parse("? [a]\n: 1\n").unwrap_err().line, 1);
    }

    /// Aliases below the bound still expand (the bomb above it: catalogue tests).
    #[test]
    fn aliases_expand_to_copies() {
        let small = parse("a: &a [1, 2]\nb: [*a, *a]\n").unwrap();
        let Value::Map(m) = small.value else { panic!() };
        assert_eq!(
            m[1].1,
            Node {
                line: 2,
                value: Value::Seq(vec![m[0].1.clone(); 2])
            }
        );
    }
}
