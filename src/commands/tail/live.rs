//! `cdc tail` against a server: decide where and as whom to read, start the reader thread,
//! and show what it sends (the TUI on a terminal, else plain lines or jsonl).

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, Result};

use super::{panel, TailArgs, TailFormat};
use crate::binlog::table::ColumnInfo;
use crate::checks::run::read_server;
use crate::checks::scope::TableScope;
use crate::commands::outcome::{CouldNotRun, Outcome};
use crate::connection::binlogs::binary_logs;
use crate::connection::server::{Flavor, ServerInfo};
use crate::connection::session::Session;
use crate::connection::sql::{literal, Sql};
use crate::tables::{TablePattern, TablePatterns};
use crate::tail::feed::Feed;
use crate::tail::live::reader::{self, Plan};
use crate::tail::live::stream::Start;
use crate::tail::live::{server_id, skew, start};
use crate::tail::output::{JsonlWriter, PlainWriter};
use crate::tail::tui::{self, Badge, Header};

pub(crate) fn run(args: &TailArgs, filter: TablePatterns) -> Result<Outcome> {
    let source = args.source.config()?;
    let mut control = match Session::open(&source) {
        Ok(s) => s,
        Err(e) => {
            return Err(CouldNotRun::new(
                format!("cannot connect to {}: {e}", source.redacted()),
                "connection-failed",
            )
            .into())
        }
    };
    let sql: &mut dyn Sql = &mut control;
    let server = read_server(sql, &source.host).context("reading the server's variables")?;
    // Without the replica list (a privilege) the default range still keeps clear of
    // hand-picked ids.
    let (used, _) = server_id::ids_in_use(sql, &server);
    let id = match server_id::pick(args.server_id, &used, std::process::id()) {
        Ok(id) => id,
        Err(e) => {
            return Ok(Outcome::Problem {
                message: e.to_string(),
                playbook: Some("duplicate-server-id".into()),
            })
        }
    };
    let logs = match binary_logs(sql) {
        Ok(l) => l,
        Err(e) => {
            return Err(CouldNotRun::new(
                format!("cannot list the binary logs: {e}"),
                "replication-permissions",
            )
            .into())
        }
    };
    // A position inside a file is read from the file's start, so that the table map of the
    // change it names is seen again; what comes before it is not shown.
    let mut from_change = None;
    let begin = match start::resolve(&args.from, &logs) {
        Ok(Some((file, pos))) if pos > 4 && matches!(args.from, start::StartAt::Position(_)) => {
            from_change = Some((file.clone(), pos));
            Start::Position { file, pos: 4 }
        }
        Ok(Some((file, pos))) => Start::Position { file, pos },
        Ok(None) => match &args.from {
            start::StartAt::Gtid(set) => Start::Gtid(set.to_string()),
            _ => unreachable!("only GTID starts resolve to None"),
        },
        Err(e) => {
            return Ok(Outcome::Problem {
                message: e.to_string(),
                playbook: e.playbook().map(str::to_string),
            })
        }
    };
    let until = match args.until.as_deref() {
        Some(_) => Some(start::end_now(sql)?.context("the server lists no binary logs")?),
        None => None,
    };
    let full_metadata = server
        .variable("binlog_row_metadata")
        .is_some_and(|v| v.eq_ignore_ascii_case("FULL"));
    let columns = (!full_metadata).then(|| column_names(sql, &filter));
    let skew_secs = skew::measure(sql).unwrap_or(0.0);
    let mut header = header(&server, &source.redacted(), args, !full_metadata, skew_secs);
    header.key_columns = primary_key(sql, &args.tables);
    // Said at once rather than left to look like a quiet table.
    let unmatched = matches_nothing(sql, &filter);
    if let Some(warning) = &unmatched {
        eprintln!("warning: {warning}");
        header
            .badges
            .push(Badge::new("tables", "none match yet", false));
    }
    drop(control);

    let plan = Plan {
        source: source.clone(),
        flavor: server.flavor,
        filter,
        start: begin,
        server_id: id,
        until,
        columns,
        heartbeat: Duration::from_secs(1),
        max_attempts: 30,
        from_change,
    };
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::Builder::new()
        .name("binlog-reader".into())
        .spawn(move || reader::run(plan, tx))
        .context("starting the reader thread")?;
    let tui = args.format.is_none() && io::stdout().is_terminal();
    if args.panel() && !tui {
        eprintln!("note: the pipeline panel (--target, --offset) shows in the terminal UI only");
    }
    let panel =
        match (tui && args.panel()).then(|| panel::start(args, &source, args.source.platform)) {
            Some(started) => Some(started?),
            None => None,
        };
    let outcome = if tui {
        let (link, running) = match panel {
            Some((link, running)) => (Some(link), Some(running)),
            None => (None, None),
        };
        let shown = tui::run_with(header, rx, tui::DEFAULT_CAPACITY, link);
        if let Some(r) = running {
            r.stop();
        }
        match shown? {
            None => Outcome::Clean,
            Some(f) => Outcome::Problem {
                message: f.message,
                playbook: f.playbook,
            },
        }
    } else {
        print_lines(rx, args.format.unwrap_or(TailFormat::Plain))?
    };
    // The TUI's screen hid the warning: said again where it stays.
    if let (true, Some(warning)) = (tui, &unmatched) {
        eprintln!("warning: {warning}");
    }
    // The reader stops when it notices the receiver is gone; do not wait on a blocked read.
    drop(reader);
    Ok(outcome)
}

/// Plain lines or jsonl, one transaction at a time.
fn print_lines(rx: mpsc::Receiver<Feed>, format: TailFormat) -> Result<Outcome> {
    let stdout = io::stdout().lock();
    let mut plain = PlainWriter::new(stdout);
    let mut jsonl = JsonlWriter::new(io::stdout());
    for feed in rx {
        let written = match feed {
            Feed::Transaction { changes, .. } => changes.iter().try_for_each(|c| match format {
                TailFormat::Plain => plain.write(&c.view()).and_then(|_| plain.flush()),
                TailFormat::Jsonl => jsonl.write(&c.view()).and_then(|_| jsonl.flush()),
            }),
            Feed::Reconnecting { attempt, reason } => {
                eprintln!("reconnecting (attempt {attempt}): {reason}");
                Ok(())
            }
            Feed::Failed { message, playbook } => {
                let _ = io::stdout().flush();
                return Ok(Outcome::Problem { message, playbook });
            }
            Feed::Finished => return Ok(Outcome::Clean),
            Feed::Heartbeat
            | Feed::Progress { .. }
            | Feed::Positions(_)
            | Feed::Pipeline(_)
            | Feed::Canary(_) => Ok(()),
        };
        written.context("writing the changes")?;
    }
    Ok(Outcome::Clean)
}

/// The primary key of the one table watched (the list shows it as the key); with several
/// tables or a pattern, the first column stands in.
fn primary_key(sql: &mut dyn Sql, tables: &[TablePattern]) -> Vec<String> {
    let [one] = tables else {
        return Vec::new();
    };
    let Some((db, table)) = one.exact() else {
        return Vec::new();
    };
    let q = format!(
        "SELECT column_name FROM information_schema.key_column_usage \
         WHERE constraint_name = 'PRIMARY' AND table_schema = {} AND table_name = {} \
         ORDER BY ordinal_position",
        literal(&db),
        literal(&table)
    );
    sql.query(&q)
        .map(|rows| {
            rows.rows
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .collect()
        })
        .unwrap_or_default()
}

/// When no existing table matches the patterns: what the schemas they name hold instead.
fn matches_nothing(sql: &mut dyn Sql, filter: &TablePatterns) -> Option<String> {
    if filter.is_empty() {
        return None;
    }
    let rows = sql
        .query(&format!(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE {} \
             ORDER BY table_schema, table_name",
            TableScope::default().predicate("table_schema", "table_name")
        ))
        .ok()?;
    let tables: Vec<(String, String)> = rows
        .rows
        .into_iter()
        .filter_map(|r| {
            let mut it = r.into_iter();
            Some((it.next()??, it.next()??))
        })
        .collect();
    if tables.iter().any(|(db, t)| filter.matches(db, t)) {
        return None;
    }
    let shown: Vec<String> = filter.iter().map(|p| p.to_string()).collect();
    let mut said = format!("no table matches {}", shown.join(", "));
    for schema in filter.named_schemas() {
        let held: Vec<&str> = tables
            .iter()
            .filter(|(db, _)| *db == schema)
            .map(|(_, t)| t.as_str())
            .collect();
        if held.is_empty() {
            said.push_str(&format!(
                "; there is no table in {schema} (or no database {schema})"
            ));
        } else {
            let more = held.len().saturating_sub(12);
            said.push_str(&format!(
                "; {schema} has {}",
                held[..held.len() - more].join(", ")
            ));
            if more > 0 {
                said.push_str(&format!(" and {more} more"));
            }
        }
    }
    said.push_str(" (a table created later still shows)");
    Some(said)
}

/// Column names and signedness from information_schema, for servers whose table maps carry
/// none (binlog_row_metadata MINIMAL / NO_LOG).
fn column_names(
    sql: &mut dyn Sql,
    filter: &TablePatterns,
) -> HashMap<(String, String), ColumnInfo> {
    let mut out: HashMap<(String, String), ColumnInfo> = HashMap::new();
    let q = "SELECT table_schema, table_name, column_name, column_type FROM information_schema.columns \
             WHERE table_schema NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') \
             ORDER BY table_schema, table_name, ordinal_position";
    let Ok(rows) = sql.query(q) else {
        return out;
    };
    for row in rows.rows {
        let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        let (db, table) = (cell(0), cell(1));
        if !filter.matches(&db, &table) {
            continue;
        }
        let info = out.entry((db, table)).or_insert_with(|| ColumnInfo {
            names: Vec::new(),
            unsigned: Vec::new(),
        });
        info.names.push(cell(2));
        info.unsigned
            .push(cell(3).to_ascii_lowercase().contains("unsigned"));
    }
    out
}

fn header(
    server: &ServerInfo,
    url: &str,
    args: &TailArgs,
    names_from_schema: bool,
    skew: f64,
) -> Header {
    let var = |n: &str| server.variable(n).unwrap_or("?").to_string();
    let is = |n: &str, want: &[&str]| want.iter().any(|w| var(n).eq_ignore_ascii_case(w));
    let mut badges = vec![
        Badge::new(
            "format",
            var("binlog_format"),
            is("binlog_format", &["ROW"]),
        ),
        Badge::new(
            "row image",
            var("binlog_row_image"),
            is("binlog_row_image", &["FULL"]),
        ),
    ];
    if server.variable("binlog_row_metadata").is_some() {
        badges.push(Badge::new(
            "row metadata",
            var("binlog_row_metadata"),
            is("binlog_row_metadata", &["FULL"]),
        ));
    }
    let compression = ["binlog_transaction_compression", "log_bin_compress"]
        .iter()
        .find_map(|n| server.variable(n).map(str::to_string));
    if let Some(c) = compression {
        let off = c.eq_ignore_ascii_case("OFF") || c == "0";
        badges.push(Badge::new("compression", c, off));
    }
    match server.flavor {
        Flavor::Mysql => badges.push(Badge::new(
            "GTID",
            var("gtid_mode"),
            is("gtid_mode", &["ON"]),
        )),
        Flavor::Mariadb => badges.push(Badge::new(
            "GTID",
            format!("domain {}", var("gtid_domain_id")),
            true,
        )),
    }
    Header {
        server: url.to_string(),
        flavor: match server.flavor {
            Flavor::Mysql => "MySQL".into(),
            Flavor::Mariadb => "MariaDB".into(),
        },
        version: server.version_string.clone(),
        table: args
            .tables
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        badges,
        names_from_information_schema: names_from_schema,
        key_columns: Vec::new(),
        skew_secs: skew.round() as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::sql::{Rows, SqlError};

    /// Answers the key query for retail_db.orders only.
    struct Keys;
    impl Sql for Keys {
        fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
            assert!(sql.contains("table_schema = 'retail_db'"), "{sql}");
            Ok(Rows {
                columns: vec!["column_name".into()],
                rows: vec![vec![Some("order_id".into())]],
            })
        }
    }

    #[test]
    fn one_named_table_gets_its_primary_key() {
        let p = |s: &str| TablePattern::parse(s).unwrap();
        assert_eq!(
            primary_key(&mut Keys, &[p("retail_db.orders")]),
            ["order_id"]
        );
        // Patterns and several tables have no single key: the first column stands in.
        assert!(primary_key(&mut Keys, &[p("retail_db.*")]).is_empty());
        assert!(primary_key(&mut Keys, &[p("retail_db.orders"), p("x.y")]).is_empty());
    }
}
