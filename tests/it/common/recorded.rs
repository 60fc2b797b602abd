//! Recorded server answers: a server's variables and the replies to the queries checks send,
//! kept as YAML. Lets tests cover servers that cannot run here (MySQL 8.x/9.x, RDS, Aurora).
//! Test support only: it lives here, not in the crate, so the release binary does not carry it.

use std::collections::BTreeMap;

use serde::Deserialize;

use cdc::connection::server::ServerInfo;
use cdc::connection::sql::{Rows, Sql, SqlError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// What the recording is of, e.g. "MySQL 8.4.3 on Amazon RDS".
    pub server: String,
    /// The host the recording was dialled at (platform detection looks at it).
    #[serde(default)]
    pub host: String,
    /// `CURRENT_USER()`.
    #[serde(default)]
    pub account: Option<String>,
    pub variables: BTreeMap<String, String>,
    /// Recorded variables MySQL 9.7 does not have, each with the documentation that says
    /// why (tests/it/recordings_match_mysql.rs checks every other name against a real 9.7).
    #[serde(default)]
    pub variables_unlike_9_7: BTreeMap<String, String>,
    #[serde(default)]
    pub queries: Vec<Answer>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The statement, compared ignoring case and runs of white space...
    #[serde(default)]
    pub sql: Option<String>,
    /// ...or a fragment it contains (for long generated statements).
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub rows: Vec<Vec<Option<String>>>,
    #[serde(default)]
    pub error: Option<RecordedError>,
    /// Why this answer differs from what MySQL 9.7 answers, citing MySQL's or AWS's
    /// documentation. Answers without it are checked against a real 9.7's shape.
    #[serde(default)]
    pub unlike_9_7: Option<String>,
    /// The statement MySQL 9.7 answers the same way (SHOW BINARY LOG STATUS for 8.0's SHOW
    /// MASTER STATUS): the shape test asks that one instead of skipping the answer.
    #[serde(default)]
    pub on_9_7: Option<String>,
}

impl Answer {
    /// Whether this answer is the one recorded for `sql`.
    pub fn matches(&self, sql: &str) -> bool {
        let wanted = normalise(sql);
        self.sql.as_deref().is_some_and(|s| normalise(s) == wanted)
            || self
                .contains
                .as_deref()
                .is_some_and(|c| wanted.contains(&normalise(c)))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedError {
    pub code: u16,
    pub message: String,
}

impl Recorded {
    pub fn parse(text: &str) -> Result<Recorded, serde_yaml::Error> {
        serde_yaml::from_str(text)
    }

    pub fn server_info(&self) -> ServerInfo {
        let vars = self
            .variables
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        ServerInfo::from_variables(vars, &self.host)
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

impl Sql for Recorded {
    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        let wanted = normalise(sql);
        if wanted == "show global variables" {
            return Ok(Rows {
                columns: vec!["Variable_name".into(), "Value".into()],
                rows: self
                    .variables
                    .iter()
                    .map(|(k, v)| vec![Some(k.clone()), Some(v.clone())])
                    .collect(),
            });
        }
        let answer = self.queries.iter().find(|a| a.matches(sql));
        match answer {
            Some(Answer { error: Some(e), .. }) => {
                Err(SqlError::recorded(Some(e.code), e.message.clone()))
            }
            Some(a) => Ok(Rows {
                columns: a.columns.clone(),
                rows: a.rows.clone(),
            }),
            None => Err(SqlError::recorded(None, format!("not recorded: {sql}"))),
        }
    }
}
