//! One doctor run over an established (or failed) connection: gather what every check
//! shares, then run the catalogue. Works the same on a live session and on recorded answers.

use super::catalogue::Catalogue;
use super::context::{Context, Link, RunOptions};
use super::engine;
use super::result::{Report, SourceSummary};
use super::scope::TableScope;
use crate::connection::error::ConnectError;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::{Platform, ServerInfo};
use crate::connection::session::{self, Session, StatementLimit};
use crate::connection::sql::Sql;
use crate::connection::tls::SslMode;

/// Reaches the source step by step (TCP, login, TLS) and keeps what happened for connect.*.
/// The session is read-only: doctor never writes, whatever a probe from `--checks-dir` says.
pub(crate) fn connect(source: &SourceConfig) -> (Link, Option<Session>) {
    let tcp = session::probe_tcp(source);
    let mut opened = None;
    let login = tcp.as_ref().ok().map(|_| {
        Session::open_read_only(source, StatementLimit::UnderReadTimeout).map(|s| {
            let tls = s.tls.clone();
            opened = Some(s);
            tls
        })
    });
    let plain_refused = matches!(&login, Some(Err(ConnectError::Auth(e))) if e.code == Some(1045));
    let tls_required = plain_refused
        && matches!(source.ssl_mode, SslMode::Disabled | SslMode::Preferred)
        && session::refused_only_without_tls(source);
    // Looked up again only once TCP worked: an unresolvable host then costs one timeout, not two.
    let addresses = match &tcp {
        Ok(_) => session::resolve(source)
            .map(|addrs| addrs.iter().map(|a| a.ip()).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let link = Link {
        endpoint: format!("{}:{}", source.host, source.port),
        addresses,
        loopback: is_loopback(&source.host),
        ssl_mode: source.ssl_mode,
        tcp,
        login,
        tls_required,
    };
    (link, opened)
}

/// Gathers what every check and diagnostic shares: server facts, account, captured schemas.
pub(crate) fn context<'a>(
    host: &str,
    link: Link,
    mut sql: Option<&'a mut dyn Sql>,
    options: &'a RunOptions,
    platform: Option<Platform>,
) -> Context<'a> {
    let mut server = None;
    let mut account = None;
    let mut schemas = Vec::new();
    if let Some(s) = sql.as_deref_mut() {
        server = read_server(s, host).map(|mut info| {
            if let Some(p) = platform {
                info.platform = p;
            }
            info
        });
        account = read_account(s);
        schemas = read_schemas(s, &options.tables);
    }
    Context {
        options,
        link,
        server,
        sql,
        schemas,
        account,
        attached: Default::default(),
    }
}

/// Runs every check. `url` is the redacted URL shown in the report; `host` is what was
/// dialled (platform detection reads it); `platform` overrides detection.
pub fn inspect<'a>(
    catalogue: &Catalogue,
    url: String,
    host: &str,
    link: Link,
    sql: Option<&'a mut dyn Sql>,
    options: &'a RunOptions,
    platform: Option<Platform>,
) -> Report {
    let mut ctx = context(host, link, sql, options, platform);
    let server = ctx.server.as_ref();
    let summary = SourceSummary {
        url,
        flavor: server.map(|s| s.flavor.to_string()),
        version: server.map(|s| s.version_string.clone()),
        platform: server.map(|s| s.platform.to_string()),
    };
    let results = engine::run_all(&catalogue.specs, &mut ctx);
    Report::new(summary, options.profile.to_string(), results)
}

pub(crate) fn read_server(sql: &mut dyn Sql, host: &str) -> Option<ServerInfo> {
    let rows = sql.query("SHOW GLOBAL VARIABLES").ok()?;
    let vars = rows
        .rows
        .into_iter()
        .filter_map(|r| {
            let mut it = r.into_iter();
            let name = it.next()??;
            let value = it.next().flatten().unwrap_or_default();
            Some((name.to_ascii_lowercase(), value))
        })
        .collect();
    Some(ServerInfo::from_variables(vars, host))
}

/// `CURRENT_USER()` as 'user'@'host', the form GRANT statements take.
fn read_account(sql: &mut dyn Sql) -> Option<String> {
    let rows = sql.query("SELECT CURRENT_USER()").ok()?;
    let v = rows.scalar().flatten()?.to_string();
    let (user, host) = v.rsplit_once('@').unwrap_or((&v, "%"));
    Some(format!("'{user}'@'{host}'"))
}

/// The schemas in scope: those the account can see, and those `--tables` names outright even
/// when it cannot (an account without privileges on a schema does not see it, and must not
/// pass for holding them).
fn read_schemas(sql: &mut dyn Sql, scope: &TableScope) -> Vec<String> {
    let mut schemas: Vec<String> = sql
        .query("SELECT schema_name FROM information_schema.schemata ORDER BY schema_name")
        .map(|rows| {
            rows.rows
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .filter(|s| scope.covers_schema(s))
                .collect()
        })
        .unwrap_or_default();
    for named in scope.patterns.named_schemas() {
        if !schemas.contains(&named) && scope.covers_schema(&named) {
            schemas.push(named);
        }
    }
    schemas
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("db.example.com"));
    }
}
