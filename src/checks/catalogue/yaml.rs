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

/// Deeper lists and mappings are refused as they open: no check needs a tenth of it, and a
/// file of nothing but `[` then costs no more than its first 64 bytes.
pub(crate) const MAX_DEPTH: usize = 64;
/// About what a document may take in memory once read, aliases counted as the copies they
/// make (a few aliases of aliases would otherwise make billions of nodes, and an alias of a
/// long string copies it): each node as NODE_COST bytes, plus its text.
const MAX_EXPANDED: usize = 64 << 20;
const NODE_COST: usize = 64;

enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// The first (and only) document of `text`; an empty text is a null node.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut stack: Vec<Frame> = Vec::new();
    // Each anchored node with its node count, which an alias to it adds again.
    let mut anchors: BTreeMap<usize, (Node, usize)> = BTreeMap::new();
    let mut root: Option<Node> = None;
    let mut expanded = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| SyntaxError {
            line: e.marker().line(),
            // The scanner's own limit, met first when it looks ahead through a run of `[`.
            message: match e.info() {
                "recursion limit exceeded" => too_deep(),
                info => info.to_string(),
            },
        })?;
        let line = span.start.line();
        if let Event::SequenceStart(..) | Event::MappingStart(..) = event {
            if stack.len() >= MAX_DEPTH {
                return Err(SyntaxError {
                    line,
                    message: too_deep(),
                });
            }
        }
        let grown = match &event {
            Event::Alias(id) => anchors.get(id).map_or(0, |(_, n)| *n),
            Event::Scalar(text, ..) => NODE_COST + text.len(),
            Event::SequenceStart(..) | Event::MappingStart(..) => NODE_COST,
            _ => 0,
        };
        expanded = expanded.saturating_add(grown);
        if expanded > MAX_EXPANDED {
            return Err(SyntaxError {
                line,
                message: format!(
                    "aliases expand the file past {} MiB (each alias counts as a copy)",
                    MAX_EXPANDED >> 20
                ),
            });
        }
        let node = match event {
            Event::Scalar(text, style, anchor, tag) => {
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
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), size(&node)));
                }
                node
            }
            Event::Alias(id) => anchors
                .get(&id)
                .map(|(n, _)| n.clone())
                .ok_or(SyntaxError {
                    line,
                    message: "alias to an unknown anchor".into(),
                })?,
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    line,
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    line,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq {
                        line,
                        anchor,
                        items,
                    }) => (
                        Node {
                            line,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        line,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            line,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ),
                    None => continue,
                };
                if anchor > 0 {
                    anchors.insert(anchor, (node.clone(), size(&node)));
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

fn too_deep() -> String {
    format!("nested deeper than {MAX_DEPTH} lists and mappings")
}

/// What `node` weighs against MAX_EXPANDED, itself included.
fn size(node: &Node) -> usize {
    match &node.value {
        Value::Null => NODE_COST,
        Value::Scalar { text, .. } => NODE_COST + text.len(),
        Value::Seq(items) => NODE_COST + items.iter().map(size).sum::<usize>(),
        Value::Map(entries) => {
            NODE_COST
                + entries
                    .iter()
                    .map(|(k, v)| size(k) + size(v))
                    .sum::<usize>()
        }
    }
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

    #[test]
    fn deep_nesting_is_refused_where_it_goes_too_deep() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let e = parse(&format!("a:\n  b: {}", "[".repeat(MAX_DEPTH))).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        // 200 KB of `[`: refused at once, by the scanner or here.
        let e = parse(&"[".repeat(200_000)).unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        let e = parse(&"- ".repeat(100_000)).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
    }

    #[test]
    fn aliases_cannot_multiply_a_small_file() {
        // Each level holds ten of the one before: 10^9 values from 300 bytes.
        let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_string();
        for i in 1..10 {
            let p = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 10].join(", ")));
        }
        let e = parse(&text).unwrap_err();
        assert!(
            e.message.contains("aliases expand the file past 64 MiB"),
            "{e}"
        );
        // An alias copies its text too: a 100 KB string aliased a thousand times is 100 MB.
        let long = format!(
            "a: &s {}\nb: [{}]\n",
            "y".repeat(100_000),
            vec!["*s"; 1000].join(", ")
        );
        assert!(parse(&long).unwrap_err().message.contains("past 64 MiB"));
        // A few aliases are fine.
        assert!(parse("a: &x [1, 2]\nb: *x\nc: *x\n").is_ok());
    }
}
