//! `grants`: does the account hold the privileges CDC needs, directly or through active roles?

use std::collections::{BTreeMap, BTreeSet};

use super::Unreadable;
use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::connection::account::Account;
use crate::connection::server::Flavor;
use crate::connection::sql::Sql;
use crate::tables::glob::Glob;

/// Privileges as SHOW GRANTS lists them, by level.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Grants {
    pub(crate) global: BTreeSet<String>,
    /// Schema name (or LIKE pattern as granted) → privileges.
    pub(crate) schemas: BTreeMap<String, BTreeSet<String>>,
    /// Roles granted to the account (active or not).
    pub(crate) roles: Vec<String>,
}

impl Grants {
    pub(crate) fn holds_global(&self, privilege: &str) -> bool {
        self.global.contains("ALL PRIVILEGES") || self.global.contains(privilege)
    }

    pub(crate) fn holds_on_schema(&self, privilege: &str, schema: &str) -> bool {
        self.holds_global(privilege)
            || self.schemas.iter().any(|(pattern, privs)| {
                like_match(pattern, schema)
                    && (privs.contains(privilege) || privs.contains("ALL PRIVILEGES"))
            })
    }

    /// Every line of a SHOW GRANTS answer.
    fn absorb_rows(&mut self, rows: &crate::connection::sql::Rows) {
        for line in rows
            .rows
            .iter()
            .filter_map(|r| r.first().cloned().flatten())
        {
            self.absorb(&line);
        }
    }

    fn absorb(&mut self, line: &str) {
        let Some(parsed) = parse_line(line) else {
            return;
        };
        match parsed {
            Line::Roles(roles) => self.roles.extend(roles),
            Line::Privileges { privileges, object } => match object {
                Object::Global => self.global.extend(privileges),
                Object::Schema(s) => self.schemas.entry(s).or_default().extend(privileges),
                Object::Other => {}
            },
        }
    }
}

/// What a `grants` probe asks of the account (its `args`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs {
    /// Global privileges, each with its alternatives (`REPLICATION CLIENT|BINLOG MONITOR`).
    pub(crate) global: Vec<Vec<String>>,
    /// Privileges needed on every captured schema.
    pub(crate) per_schema: Vec<String>,
    /// Globs of global privileges more than CDC needs (`SUPER`, `*_ADMIN`).
    pub(crate) superfluous: Vec<String>,
    /// Globs of roles more than CDC needs (`rds_superuser_role`).
    pub(crate) superfluous_roles: Vec<String>,
}

impl Needs {
    pub(crate) const ARGS: &'static [&'static str] =
        &["global", "per_schema", "superfluous", "superfluous_roles"];
}

pub(crate) fn run(needs: &Needs, ctx: &mut Context) -> Outcome {
    let flavor = ctx
        .server
        .as_ref()
        .map(|s| s.flavor)
        .unwrap_or(Flavor::Mysql);
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    let judged = ctx.options.account.clone();
    let grants = match &judged {
        Some(account) => read_grants_of(sql, flavor, account),
        None => read_grants(sql, flavor),
    };
    let grants = match grants {
        Ok(g) => g,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let mut missing = Vec::new();
    for alternatives in &needs.global {
        if !alternatives.iter().any(|p| grants.holds_global(p)) {
            missing.push(format!("{} on *.*", alternatives.join(" or ")));
        }
    }
    // An account with no privilege on any schema sees none, which must not read as "holds
    // what every captured schema needs".
    if ctx.schemas.is_empty() {
        for need in needs.per_schema.iter().filter(|n| !grants.holds_global(n)) {
            missing.push(format!(
                "{need} on any captured schema (the account sees none; name them with --tables)"
            ));
        }
    }
    for need in &needs.per_schema {
        let lacking: Vec<&str> = ctx
            .schemas
            .iter()
            .filter(|s| !grants.holds_on_schema(need, s))
            .map(String::as_str)
            .collect();
        if !lacking.is_empty() {
            missing.push(format!("{need} on {}", lacking.join(", ")));
        }
    }
    let account = judged
        .map(|a| a.to_string())
        .or_else(|| ctx.account.clone())
        .unwrap_or_else(|| "this account".into());
    if !missing.is_empty() {
        return Outcome::verdict(
            Level::Violation,
            format!("missing {}", missing.join("; ")),
            format!("{account} lacks {}", missing.join("; ")),
        );
    }
    let extra = superfluous(&grants, needs);
    let held = summary(&grants);
    if !extra.is_empty() {
        return Outcome::verdict(
            Level::Warn,
            held,
            format!(
                "{account} holds {}: more than CDC needs (least privilege)",
                capped(&extra, 6)
            ),
        );
    }
    Outcome::verdict(Level::Ok, held, "")
}

/// Whether the session's account holds `privilege` globally (directly, through ALL
/// PRIVILEGES or its active roles); None when its grants cannot be read.
pub(crate) fn holds_global(sql: &mut dyn Sql, flavor: Flavor, privilege: &str) -> Option<bool> {
    read_grants(sql, flavor)
        .ok()
        .map(|g| g.holds_global(privilege))
}

/// What the account holds that the check's `superfluous` globs (`SUPER`, `*_ADMIN`...) or
/// `superfluous_roles` (`rds_superuser_role`) name: administrative power a CDC reader never
/// needs. MySQL 8 lists an admin's privileges one by one, dynamic ones included, so "ALL
/// PRIVILEGES" alone would miss it.
fn superfluous(grants: &Grants, needs: &Needs) -> Vec<String> {
    let patterns = &needs.superfluous;
    let mut found: Vec<String> = grants
        .global
        .iter()
        .filter(|p| patterns.iter().any(|g| Glob::new(g).matches(p)))
        .map(|p| format!("{p} on *.*"))
        .collect();
    let role_patterns = &needs.superfluous_roles;
    found.extend(
        grants
            .roles
            .iter()
            .filter(|r| role_patterns.iter().any(|g| Glob::new(g).matches(r)))
            .map(|r| format!("the role {r}")),
    );
    found
}

/// "a, b, c and 12 more": long privilege lists (an admin holds 80) stay readable.
fn capped<S: AsRef<str>>(items: &[S], at: usize) -> String {
    let shown: Vec<&str> = items.iter().take(at).map(AsRef::as_ref).collect();
    match items.len().saturating_sub(at) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn summary(g: &Grants) -> String {
    let mut parts = Vec::new();
    let global: Vec<&str> = g
        .global
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "USAGE")
        .collect();
    if !global.is_empty() {
        parts.push(format!("{} on *.*", capped(&global, 12)));
    }
    for (schema, privs) in &g.schemas {
        let p: Vec<&str> = privs.iter().map(String::as_str).collect();
        parts.push(format!("{} on {schema}", p.join(", ")));
    }
    if parts.is_empty() {
        "no privileges".into()
    } else {
        parts.join("; ")
    }
}

/// SHOW GRANTS for the session's account plus its active roles.
fn read_grants(sql: &mut dyn Sql, flavor: Flavor) -> Result<Grants, Unreadable> {
    let mut grants = Grants::default();
    let active = sql
        .query("SELECT CURRENT_ROLE()")
        .ok()
        .and_then(|r| r.scalar().flatten().map(str::to_string))
        .filter(|r| !r.eq_ignore_ascii_case("NONE") && !r.is_empty());
    let first = match (&active, flavor) {
        (Some(roles), Flavor::Mysql) => format!("SHOW GRANTS FOR CURRENT_USER() USING {roles}"),
        _ => "SHOW GRANTS".to_string(),
    };
    let rows = sql.query(&first).map_err(Unreadable::Grants)?;
    grants.absorb_rows(&rows);
    if flavor == Flavor::Mariadb {
        absorb_mariadb_roles(sql, &mut grants, active.into_iter().collect());
    }
    Ok(grants)
}

/// MariaDB shows a role's privileges only when asked for that role; roles can nest.
fn absorb_mariadb_roles(sql: &mut dyn Sql, grants: &mut Grants, mut queue: Vec<String>) {
    let mut seen = BTreeSet::new();
    while let Some(role) = queue.pop() {
        if !seen.insert(role.clone()) {
            continue;
        }
        let before = grants.roles.len();
        if let Ok(rows) = sql.query(&format!("SHOW GRANTS FOR `{}`", role.replace('`', "``"))) {
            grants.absorb_rows(&rows);
        }
        queue.extend(grants.roles[before..].iter().cloned());
    }
}

/// Another account's grants (`--account`), read by an admin: SHOW GRANTS FOR it, with the
/// privileges of every role granted to it (which of them its sessions activate is up to
/// mysql.default_roles / activate_all_roles_on_login; counting all may over-state).
fn read_grants_of(
    sql: &mut dyn Sql,
    flavor: Flavor,
    account: &Account,
) -> Result<Grants, Unreadable> {
    let mut grants = Grants::default();
    let rows = sql
        .query(&format!("SHOW GRANTS FOR {account}"))
        .map_err(Unreadable::Grants)?;
    grants.absorb_rows(&rows);
    let granted = grants.roles.clone();
    match flavor {
        Flavor::Mysql if !granted.is_empty() => {
            let roles = granted
                .iter()
                .map(|r| format!("`{}`", r.replace('`', "``")))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = sql
                .query(&format!("SHOW GRANTS FOR {account} USING {roles}"))
                .map_err(Unreadable::Grants)?;
            grants.absorb_rows(&rows);
        }
        Flavor::Mariadb => absorb_mariadb_roles(sql, &mut grants, granted),
        Flavor::Mysql => {}
    }
    Ok(grants)
}

enum Line {
    Roles(Vec<String>),
    Privileges {
        privileges: Vec<String>,
        object: Object,
    },
}

enum Object {
    Global,
    Schema(String),
    Other,
}

fn parse_line(line: &str) -> Option<Line> {
    let body = line.trim().strip_prefix("GRANT ")?;
    let on = find_top_level(body, " ON ");
    let to = find_top_level(body, " TO ")?;
    match on {
        Some(on) if on < to => {
            let mut privileges: Vec<String> = split_top_level(&body[..on])
                .into_iter()
                .map(|p| {
                    let p = p.split('(').next().unwrap_or("").trim();
                    p.to_ascii_uppercase()
                })
                .filter(|p| !p.is_empty())
                .collect();
            // Admin power of its own: the account can hand its privileges on.
            if body[to..].trim_end().ends_with("WITH GRANT OPTION") {
                privileges.push("GRANT OPTION".to_string());
            }
            let object = parse_object(body[on + 4..to].trim());
            Some(Line::Privileges { privileges, object })
        }
        _ => {
            let roles = split_top_level(&body[..to])
                .into_iter()
                .map(|r| {
                    r.split('@')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['`', '\''])
                        .to_string()
                })
                .filter(|r| !r.is_empty())
                .collect();
            Some(Line::Roles(roles))
        }
    }
}

fn parse_object(o: &str) -> Object {
    if o == "*.*" {
        return Object::Global;
    }
    if let Some(schema) = o.strip_suffix(".*") {
        let schema = schema.trim_matches('`').replace("``", "`");
        return Object::Schema(schema);
    }
    Object::Other
}

/// Position of `needle` outside backticks, quotes and parentheses.
fn find_top_level(s: &str, needle: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let (mut depth, mut quote) = (0i32, None::<u8>);
    for i in 0..bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => continue,
            None => match b {
                b'`' | b'\'' | b'"' => quote = Some(b),
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ if depth == 0 && s[i..].starts_with(needle) => return Some(i),
                _ => {}
            },
        }
    }
    None
}

fn split_top_level(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(at) = find_top_level(rest, ",") {
        parts.push(rest[..at].trim().to_string());
        rest = &rest[at + 1..];
    }
    parts.push(rest.trim().to_string());
    parts
}

/// A schema-level grant's name is a LIKE pattern (`retail\_db`, `shop%`).
fn like_match(pattern: &str, name: &str) -> bool {
    Glob::from_like(pattern).matches(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::sql::{Rows, SqlError};

    fn grants(lines: &[&str]) -> Grants {
        let mut g = Grants::default();
        for l in lines {
            g.absorb(l);
        }
        g
    }

    #[test]
    fn parses_mariadb_and_mysql_grant_lines() {
        let g = grants(&[
            "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc_user`@`%` IDENTIFIED BY PASSWORD '*ABC'",
            "GRANT SELECT, LOCK TABLES ON `retail\\_db`.* TO `cdc_user`@`%`",
            "GRANT SELECT (`a`, `b`), INSERT ON `db`.`t` TO `cdc_user`@`%`",
            "GRANT `r_cdc`@`%`,`r_two`@`%` TO `cdc_user`@`%`",
        ]);
        assert!(g.holds_global("REPLICATION SLAVE"));
        assert!(g.holds_global("BINLOG MONITOR"));
        assert!(!g.holds_global("SELECT"));
        assert!(g.holds_on_schema("SELECT", "retail_db"));
        assert!(
            !g.holds_on_schema("SELECT", "retailxdb"),
            "\\_ is a literal underscore"
        );
        assert!(
            !g.holds_on_schema("SELECT", "db"),
            "a table grant is not a schema grant"
        );
        assert_eq!(g.roles, vec!["r_cdc", "r_two"]);
    }

    fn least_privilege_args() -> Needs {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        Needs {
            superfluous: list(&[
                "SUPER",
                "ALL PRIVILEGES",
                "GRANT OPTION",
                "*_ADMIN",
                "* ADMIN",
                "SYSTEM_USER",
            ]),
            superfluous_roles: list(&["rds_superuser_role"]),
            ..Needs::default()
        }
    }

    #[test]
    fn admins_without_super_are_found() {
        let args = least_privilege_args();
        // MySQL 8+ root: static privileges one by one, then the dynamic ones.
        let root = grants(&[
            "GRANT SELECT, INSERT, RELOAD, SHUTDOWN ON *.* TO `root`@`localhost` WITH GRANT OPTION",
            "GRANT BINLOG_ADMIN,SYSTEM_VARIABLES_ADMIN,SYSTEM_USER ON *.* TO `root`@`localhost` WITH GRANT OPTION",
        ]);
        let found = superfluous(&root, &args);
        assert!(
            found.contains(&"BINLOG_ADMIN on *.*".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"GRANT OPTION on *.*".to_string()),
            "{found:?}"
        );
        // The RDS master user: no SUPER, a role instead.
        let rds = grants(&["GRANT `rds_superuser_role`@`%` TO `admin`@`%`"]);
        assert_eq!(superfluous(&rds, &args), ["the role rds_superuser_role"]);
        // MariaDB 10.5+ split SUPER into "... ADMIN" privileges.
        let maria = grants(&["GRANT READ_ONLY ADMIN, BINLOG ADMIN ON *.* TO `ops`@`%`"]);
        assert_eq!(superfluous(&maria, &args).len(), 2);
        // A scoped CDC account holds none of them.
        let cdc = grants(&[
            "GRANT RELOAD, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO `cdc`@`%`",
            "GRANT SELECT ON `shop`.* TO `cdc`@`%`",
        ]);
        assert!(superfluous(&cdc, &args).is_empty());
    }

    #[test]
    fn long_lists_are_capped() {
        let items: Vec<String> = (1..=9).map(|i| format!("P{i}")).collect();
        assert_eq!(capped(&items, 3), "P1, P2, P3 and 6 more");
        assert_eq!(capped(&items[..2], 3), "P1, P2");
    }

    #[test]
    fn all_privileges_cover_everything() {
        let g = grants(&["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]);
        assert!(g.holds_global("REPLICATION CLIENT"));
        assert!(g.holds_on_schema("SELECT", "anything"));
        let g = grants(&["GRANT ALL PRIVILEGES ON `shop%`.* TO `u`@`%`"]);
        assert!(g.holds_on_schema("LOCK TABLES", "shop_eu"));
        assert!(!g.holds_global("RELOAD"));
    }

    /// Answers recorded from a MySQL 8.0 server where the privileges come through a role.
    struct MysqlWithRole;
    impl Sql for MysqlWithRole {
        fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
            let one = |v: &str| Rows {
                columns: vec!["x".into()],
                rows: vec![vec![Some(v.to_string())]],
            };
            match sql {
                "SELECT CURRENT_ROLE()" => Ok(one("`cdc_role`@`%`")),
                "SHOW GRANTS FOR CURRENT_USER() USING `cdc_role`@`%`" => Ok(Rows {
                    columns: vec!["Grants for cdc@%".into()],
                    rows: vec![
                        vec![Some("GRANT RELOAD, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`".into())],
                        vec![Some("GRANT `cdc_role`@`%` TO `cdc`@`%`".into())],
                    ],
                }),
                other => Err(SqlError::recorded(Some(1064), format!("not recorded: {other}"))),
            }
        }
    }

    #[test]
    fn mysql_roles_count_through_show_grants_using() {
        let g = read_grants(&mut MysqlWithRole, Flavor::Mysql).unwrap();
        assert!(g.holds_global("REPLICATION SLAVE"));
        assert!(g.holds_global("RELOAD"));
    }

    #[test]
    fn unreadable_grants_keep_the_server_error() {
        // As MariaDB it is asked plain SHOW GRANTS, which these recorded answers refuse.
        let e = read_grants(&mut MysqlWithRole, Flavor::Mariadb).unwrap_err();
        assert!(
            matches!(&e, Unreadable::Grants(sql) if sql.code == Some(1064)),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "cannot read grants: ERROR 1064: not recorded: SHOW GRANTS"
        );
    }
}
