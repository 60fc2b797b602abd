//! What is wrong with a file the tool reads (checks, playbooks, answers), each problem
//! pointing at the place to fix: file, line and field.

use std::fmt;

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LoadError {
    pub(crate) file: String,
    pub(crate) line: Option<usize>,
    /// The YAML path, e.g. `checks[2].probe.sql`; empty for the file as a whole.
    pub(crate) field: String,
    pub(crate) message: String,
}

impl LoadError {
    pub(crate) fn new(
        file: &str,
        line: Option<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> LoadError {
        LoadError {
            file: file.to_string(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A YAML syntax or shape error: serde_yaml names the field path, its location gives the line.
    pub(crate) fn from_yaml(file: &str, e: &serde_yaml::Error) -> LoadError {
        LoadError::new(
            file,
            e.location().map(|l| l.line()),
            "",
            strip_location(&e.to_string()),
        )
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", OneLine(&self.file))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", OneLine(&self.field))?;
        }
        write!(f, ": {}", OneLine(&self.message))
    }
}

/// Text from the file (a key, a value quoted back) with its control characters escaped: a
/// key holding a newline must not start what reads as another problem, nor move the cursor.
struct OneLine<'a>(&'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// Every problem a load found, so one run shows them all. Shown one per line.
#[derive(Debug, Clone, Default, PartialEq, thiserror::Error)]
pub struct LoadErrors(pub(crate) Vec<LoadError>);

impl LoadErrors {
    pub(crate) fn push(&mut self, e: LoadError) {
        self.0.push(e);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Ok when nothing was found.
    pub(crate) fn into_result<T>(self, value: T) -> Result<T, LoadErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &LoadError> {
        self.0.iter()
    }
}

impl From<LoadError> for LoadErrors {
    fn from(e: LoadError) -> LoadErrors {
        LoadErrors(vec![e])
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            all => {
                write!(f, "{} problems:", all.len())?;
                for e in all {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_problem_per_line() {
        let mut all = LoadErrors::default();
        all.push(LoadError::new("a.yaml", Some(3), "checks[0].id", "bad"));
        assert_eq!(all.to_string(), "a.yaml:3: checks[0].id: bad");
        all.push(LoadError::new("b.yaml", None, "", "cannot read: gone"));
        assert_eq!(
            all.to_string(),
            "2 problems:\n  a.yaml:3: checks[0].id: bad\n  b.yaml: cannot read: gone"
        );
    }

    #[test]
    fn text_from_the_file_stays_on_the_problem_s_line() {
        let e = LoadError::new(
            "a.yaml",
            Some(2),
            "checks[0].x\ny",
            "unknown field `x\ny\u{1b}`",
        );
        assert_eq!(
            e.to_string(),
            "a.yaml:2: checks[0].x\\ny: unknown field `x\\ny\\u{1b}`"
        );
    }
}
