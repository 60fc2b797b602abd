//! The recorded MySQL 8.0 / 8.4 / RDS / Aurora answers (tests/fixtures/servers) kept honest
//! against a real MySQL 9.7: each recording's account is re-created on 9.7 from its own
//! SHOW GRANTS lines, the whole catalogue runs there as that account, and every recorded
//! answer 9.7 can also give must have 9.7's shape: the same error code, the same columns,
//! the same grant lines. An answer (or variable) that differs carries the MySQL or AWS
//! documentation that says why, beside it in the recording.

use crate::common;

use std::time::Duration;

use mysql::prelude::Queryable;

use crate::common::recorded::{Answer, Recorded};
use cdc::checks::catalogue::Catalogue;
use cdc::checks::context::{Link, RunOptions};
use cdc::checks::run::inspect;
use cdc::connection::mysql_url::SourceConfig;
use cdc::connection::session::Session;
use cdc::connection::sql::{Rows, Sql, SqlError};
use cdc::connection::tls::SslMode;
use cdc::sandbox::LocalServer;
use common::recorded;

const RECORDINGS: [&str; 4] = [
    "mysql-8.0-self-managed",
    "mysql-8.0-rds",
    "mysql-8.4-misconfigured",
    "aurora-mysql-3-reader",
];

const PASSWORD: &str = "recorded_pw";

/// A live session that keeps every statement it was sent and what came back.
struct Tap {
    inner: Session,
    seen: Vec<(String, Result<Rows, SqlError>)>,
}

impl Sql for Tap {
    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        let result = self.inner.query(sql);
        self.seen.push((sql.to_string(), result.clone()));
        result
    }
}

/// The answer a recording gives for `sql` (its first `sql`-column row).
fn recorded_rows(rec: &Recorded, sql_prefix: &str) -> Option<Vec<String>> {
    rec.queries
        .iter()
        .find(|a| a.sql.as_deref().is_some_and(|s| s.starts_with(sql_prefix)))
        .map(|a| {
            a.rows
                .iter()
                .filter_map(|r| r.first().cloned().flatten())
                .collect()
        })
}

/// `user@host` of the recording's CURRENT_USER() answer, as `'user'@'host'`.
fn account(rec: &Recorded) -> (String, String) {
    let current = recorded_rows(rec, "SELECT CURRENT_USER()")
        .and_then(|r| r.into_iter().next())
        .expect("a recorded CURRENT_USER()");
    let (user, host) = current.split_once('@').expect("user@host");
    (user.to_string(), host.to_string())
}

/// Creates the recording's account on 9.7 from the recording's own grant lines; privileges
/// shown through an active role are granted to that role.
fn recreate_account(server: &LocalServer, rec: &Recorded) {
    let (user, host) = account(rec);
    let quoted = format!("`{user}`@`{host}`");
    let role = recorded_rows(rec, "SELECT CURRENT_ROLE()")
        .and_then(|r| r.into_iter().next())
        .filter(|r| r != "NONE");
    let mut sql = vec![
        format!("DROP USER IF EXISTS {quoted}"),
        format!("CREATE USER {quoted} IDENTIFIED BY '{PASSWORD}'"),
    ];
    if let Some(role) = &role {
        sql.insert(1, format!("DROP ROLE IF EXISTS {role}"));
        sql.push(format!("CREATE ROLE {role}"));
    }
    let lines = recorded_rows(rec, "SHOW GRANTS").unwrap_or_default();
    for line in &lines {
        let is_role_line = !line.contains(" ON ");
        match &role {
            Some(role) if !is_role_line => sql.push(line.replace(&quoted, role)),
            _ => sql.push(line.clone()),
        }
    }
    if let Some(role) = &role {
        sql.push(format!("SET DEFAULT ROLE {role} TO {quoted}"));
    }
    for statement in sql {
        server
            .exec(&statement)
            .unwrap_or_else(|e| panic!("{}: {statement}: {e}", rec.server));
    }
}

fn session_as(server: &LocalServer, rec: &Recorded) -> Session {
    let (user, _) = account(rec);
    let url = format!(
        "mysql://{user}:{PASSWORD}@127.0.0.1:{}?ssl-mode=REQUIRED",
        server.port()
    );
    Session::open(&SourceConfig::parse(&url).unwrap()).unwrap()
}

/// Runs the whole catalogue on 9.7 through a tap: the statements checks really send.
fn catalogue_run(server: &LocalServer, rec: &Recorded) -> Vec<(String, Result<Rows, SqlError>)> {
    let inner = session_as(server, rec);
    let tls = inner.tls.clone();
    let mut tap = Tap {
        inner,
        seen: Vec::new(),
    };
    let catalogue = Catalogue::load(None).unwrap();
    let options = RunOptions::default();
    let link = Link {
        endpoint: format!("127.0.0.1:{}", server.port()),
        addresses: vec!["127.0.0.1".parse().unwrap()],
        loopback: true,
        ssl_mode: SslMode::Required,
        tcp: Ok(Duration::from_millis(1)),
        login: Some(Ok(tls)),
        tls_required: false,
    };
    let _ = inspect(
        &catalogue,
        "mysql://recorded".into(),
        "127.0.0.1",
        link,
        Some(&mut tap),
        &options,
        None,
    );
    tap.seen
}

/// What is wrong with `answer` against 9.7's `real` answer, if anything.
fn compare(answer: &Answer, real: &Result<Rows, SqlError>) -> Option<String> {
    match (&answer.error, real) {
        (Some(e), Err(r)) if r.code == Some(e.code) => None,
        (Some(e), Err(r)) => Some(format!("recorded error {}, 9.7 answers {r}", e.code)),
        (Some(e), Ok(_)) => Some(format!("recorded error {}, 9.7 answers rows", e.code)),
        (None, Err(r)) => Some(format!("recorded rows, 9.7 answers {r}")),
        (None, Ok(rows)) if rows.columns != answer.columns => Some(format!(
            "recorded columns {:?}, 9.7's are {:?}",
            answer.columns, rows.columns
        )),
        (None, Ok(rows)) => {
            let is_grants = answer
                .sql
                .as_deref()
                .is_some_and(|s| s.starts_with("SHOW GRANTS"));
            if !is_grants {
                return None;
            }
            let mut want: Vec<Option<String>> = answer.rows.iter().map(|r| r[0].clone()).collect();
            let mut got: Vec<Option<String>> = rows.rows.iter().map(|r| r[0].clone()).collect();
            want.sort();
            got.sort();
            (want != got).then(|| format!("recorded grant lines {want:?}, 9.7's are {got:?}"))
        }
    }
}

#[test]
fn recorded_answers_have_mysql_9_7_shapes() {
    let server = common::retail_server_on(common::Kind::Mysql97, &[]);
    let real_variables: Vec<String> = server
        .connect("root", "")
        .unwrap()
        .query_map("SHOW GLOBAL VARIABLES", |(name, _): (String, String)| name)
        .unwrap();
    let mut problems = Vec::new();
    let mut compared = 0;
    for name in RECORDINGS {
        let rec = recorded(name);
        for (variable, why) in &rec.variables_unlike_9_7 {
            assert!(why.len() > 20, "{name}: {variable}: cite the documentation");
        }
        for variable in rec.variables.keys() {
            let known = real_variables
                .iter()
                .any(|v| v.eq_ignore_ascii_case(variable));
            let cited = rec.variables_unlike_9_7.contains_key(variable);
            if known == cited {
                problems.push(format!(
                    "{name}: variable {variable}: {}",
                    if known {
                        "9.7 has it, yet it is cited as unlike 9.7"
                    } else {
                        "9.7 has no such variable; cite the documentation in variables_unlike_9_7"
                    }
                ));
            }
        }

        recreate_account(&server, &rec);
        let seen = catalogue_run(&server, &rec);
        let mut direct = session_as(&server, &rec);
        for answer in &rec.queries {
            let what = answer
                .sql
                .clone()
                .or_else(|| answer.contains.as_ref().map(|c| format!("... {c} ...")))
                .unwrap_or_default();
            if let Some(why) = &answer.unlike_9_7 {
                assert!(why.len() > 20, "{name}: {what}: cite the documentation");
            }
            if answer.unlike_9_7.is_some() && answer.on_9_7.is_none() {
                continue;
            }
            // An exact statement is asked of 9.7 as it is (or under its 9.7 name); a fragment
            // must still be part of a statement the checks send.
            let real = match answer.on_9_7.as_ref().or(answer.sql.as_ref()) {
                Some(sql) => direct.query(sql),
                None => match seen.iter().find(|(sql, _)| answer.matches(sql)) {
                    Some((_, r)) => r.clone(),
                    None => {
                        problems.push(format!(
                            "{name}: {what}: no statement a 9.7 run sends matches (stale recording)"
                        ));
                        continue;
                    }
                },
            };
            compared += 1;
            if let Some(p) = compare(answer, &real) {
                problems.push(format!("{name}: {what}: {p}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "recordings unlike MySQL 9.7:\n{}",
        problems.join("\n")
    );
    assert!(compared > 15, "only {compared} answers compared");
}
