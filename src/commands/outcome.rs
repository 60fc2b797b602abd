//! What a command ends with. Commands return one of these, or an error when they could not do
//! their job; `main` alone turns them into the exit code (0, 1, 2) and prints the error line.

/// A command that ran to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong in what it checked: exit 0.
    Clean,
    /// It found problems, and its report (already written) says which: exit 1.
    Found,
    /// It found one problem, told in one line on stderr with the playbook that explains it:
    /// exit 1 (a tail whose position was purged, a server_id in use).
    Problem {
        message: String,
        playbook: Option<String>,
    },
    /// It could not do all of its job, and its report (already written) says where: exit 2
    /// (a table that could not be compared, a canary that could not be written).
    Incomplete,
}

impl Outcome {
    /// `Found` when `problems`, else `Clean`.
    pub(crate) fn found_if(problems: bool) -> Outcome {
        if problems {
            Outcome::Found
        } else {
            Outcome::Clean
        }
    }
}

/// The tool could not do its job (exit 2), with the playbook that explains the likely cause:
/// a source that cannot be reached, a privilege missing for the statements it needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CouldNotRun {
    pub(crate) message: String,
    pub playbook: Option<&'static str>,
}

impl CouldNotRun {
    pub(crate) fn new(message: impl Into<String>, playbook: &'static str) -> CouldNotRun {
        CouldNotRun {
            message: message.into(),
            playbook: Some(playbook),
        }
    }
}

/// A problem's or an error's line: the message, and where a playbook explains it, the
/// command that shows it.
pub fn line(message: &str, playbook: Option<&str>) -> String {
    match playbook {
        Some(p) => format!("{message} (see: {})", crate::playbooks::show_command(p)),
        None => message.to_string(),
    }
}

/// Is this error, at any depth, stdout closed under us (`cdc ... | head`)? That is the
/// reader's choice, not a failure.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn a_closed_pipe_is_found_under_context_and_other_errors_are_not() {
        let pipe: anyhow::Result<()> =
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());
        assert!(is_closed_pipe(
            &pipe.context("writing the report").unwrap_err()
        ));
        let other = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(!is_closed_pipe(&other.context("reading the state")));
    }

    #[test]
    fn hints_name_the_playbook_command() {
        assert_eq!(
            line("gone", Some("binlog-position-purged")),
            "gone (see: cdc playbook binlog-position-purged)"
        );
        assert_eq!(line("gone", None), "gone");
    }
}
