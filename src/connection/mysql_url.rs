//! MySQL/MariaDB URLs: `mysql://user:pass@host:port[/db]?ssl-mode=...&ssl-ca=...`, the
//! environment fallbacks, and the redacted form that is the only one ever shown.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::redact::Redactor;
use super::secret::Secret;
use super::tls::SslMode;
use super::url::{after_scheme, parse_port, redacted_base, ShapeError, UrlParts};

pub(crate) const DEFAULT_PORT: u16 = 3306;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UrlError {
    #[error("source URL must start with mysql:// (or mariadb://)")]
    Scheme,
    #[error("source URL {0}")]
    Shape(#[from] ShapeError),
    #[error("source URL parameter {0:?} is not known (use ssl-mode, ssl-ca)")]
    Param(String),
    #[error(
        "ssl-mode {0:?} is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
    )]
    SslMode(String),
    #[error("no source given: pass --source URL, or set CDC_SOURCE, or MYSQL_HOST (with MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD)")]
    Missing,
}

/// Everything needed to reach a source. `Debug` and `Display` never show the password.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub(crate) host: String,
    pub port: u16,
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) database: Option<String>,
    pub(crate) ssl_mode: SslMode,
    pub(crate) ssl_ca: Option<PathBuf>,
    pub(crate) connect_timeout: Duration,
}

impl SourceConfig {
    pub fn parse(url: &str) -> Result<SourceConfig, UrlError> {
        let rest = after_scheme(url, &["mysql", "mariadb"]).ok_or(UrlError::Scheme)?;
        let parts = UrlParts::parse(rest)?;
        let mut cfg = SourceConfig {
            host: parts.host,
            port: parts.port.unwrap_or(DEFAULT_PORT),
            user: parts.user,
            password: parts.password,
            database: parts.database,
            ssl_mode: SslMode::Preferred,
            ssl_ca: None,
            connect_timeout: Duration::from_secs(5),
        };
        for (k, v) in parts.params {
            match k.to_ascii_lowercase().replace('_', "-").as_str() {
                "ssl-mode" | "sslmode" => {
                    cfg.ssl_mode = SslMode::parse(&v).ok_or(UrlError::SslMode(v))?
                }
                "ssl-ca" | "sslca" => cfg.ssl_ca = Some(PathBuf::from(v)),
                _ => return Err(UrlError::Param(k)),
            }
        }
        Ok(cfg)
    }

    /// Resolves the source from, in order: the URL given (flag or CDC_SOURCE, which clap
    /// already merged), then MYSQL_HOST / MYSQL_PORT / MYSQL_USER. The password comes from
    /// the URL, else MYSQL_PWD, else MYSQL_PASSWORD.
    pub(crate) fn resolve(
        url: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<SourceConfig, UrlError> {
        let mut cfg = match url.filter(|u| !u.trim().is_empty()) {
            Some(u) => SourceConfig::parse(u.trim())?,
            None => {
                let host = env("MYSQL_HOST").ok_or(UrlError::Missing)?;
                let port = match env("MYSQL_PORT") {
                    Some(p) => parse_port(&p)?,
                    None => DEFAULT_PORT,
                };
                SourceConfig {
                    host,
                    port,
                    user: env("MYSQL_USER").unwrap_or_default(),
                    password: None,
                    database: env("MYSQL_DATABASE").filter(|d| !d.is_empty()),
                    ssl_mode: SslMode::Preferred,
                    ssl_ca: None,
                    connect_timeout: Duration::from_secs(5),
                }
            }
        };
        if cfg.password.is_none() {
            cfg.password = env("MYSQL_PWD")
                .or_else(|| env("MYSQL_PASSWORD"))
                .map(Secret::new);
        }
        Ok(cfg)
    }

    /// The same source with another connect timeout (`--connect-timeout`).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> SourceConfig {
        self.connect_timeout = timeout;
        self
    }

    /// The URL with the password replaced: the only form that is ever printed.
    pub(crate) fn redacted(&self) -> String {
        let mut s = redacted_base(
            "mysql",
            &self.user,
            self.password.is_some(),
            &self.host,
            self.port,
            self.database.as_deref(),
        );
        let mut params = Vec::new();
        if self.ssl_mode != SslMode::Preferred {
            params.push(format!("ssl-mode={}", self.ssl_mode));
        }
        if let Some(ca) = &self.ssl_ca {
            params.push(format!("ssl-ca={}", ca.display()));
        }
        if !params.is_empty() {
            s.push('?');
            s.push_str(&params.join("&"));
        }
        s
    }

    /// What takes this password out of the text of errors (see `redact`).
    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::new(self.password.as_ref())
    }
}

impl fmt::Display for SourceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn parses_a_full_url() {
        let c = SourceConfig::parse(
            "mysql://cdc_user:s%40cret@db.example.com:3307/retail_db?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem",
        )
        .unwrap();
        assert_eq!(c.host, "db.example.com");
        assert_eq!(c.port, 3307);
        assert_eq!(c.user, "cdc_user");
        assert_eq!(c.password.as_ref().unwrap().expose(), "s@cret");
        assert_eq!(c.database.as_deref(), Some("retail_db"));
        assert_eq!(c.ssl_mode, SslMode::VerifyCa);
        assert_eq!(c.ssl_ca, Some(PathBuf::from("/etc/ca.pem")));
        let c = SourceConfig::parse("mariadb://u@h?SSL_MODE=required&sslca=%2Fca%40x.pem").unwrap();
        assert_eq!(c.ssl_mode, SslMode::Required);
        assert_eq!(c.ssl_ca, Some(PathBuf::from("/ca@x.pem")));
    }

    #[test]
    fn defaults_port_and_accepts_ipv6() {
        let c = SourceConfig::parse("mysql://root@[::1]").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("::1", 3306));
        assert_eq!(c.redacted(), "mysql://root@[::1]:3306");
    }

    #[test]
    fn rejects_bad_urls_with_a_reason() {
        assert_eq!(SourceConfig::parse("postgres://x@h"), Err(UrlError::Scheme));
        let e = SourceConfig::parse("mysql://u@h:99999").unwrap_err();
        assert_eq!(e, UrlError::Shape(ShapeError::Port("99999".into())));
        assert_eq!(
            e.to_string(),
            "source URL port \"99999\" is not a number from 1 to 65535"
        );
        assert_eq!(
            SourceConfig::parse("mysql://u@h?ssl-mode=SOMETIMES"),
            Err(UrlError::SslMode("SOMETIMES".into()))
        );
        assert_eq!(
            SourceConfig::parse("mysql://u@h?colour=red"),
            Err(UrlError::Param("colour".into()))
        );
        assert_eq!(
            SourceConfig::parse("mysql://u@/db")
                .unwrap_err()
                .to_string(),
            "source URL has no host"
        );
    }

    /// Issue 13: the URLs that leaked a piece of the password now parse as meant, and one
    /// that cannot parse says so without any of it.
    #[test]
    fn passwords_with_url_characters_parse_and_never_leak() {
        for (url, password) in [
            ("mysql://lp:Zq9se/cretLEAKme@host", "Zq9se/cretLEAKme"),
            ("mysql://lp:1234?cretLEAK@host", "1234?cretLEAK"),
        ] {
            let c = SourceConfig::parse(url).unwrap();
            assert_eq!(c.password.as_ref().unwrap().expose(), password);
            assert_eq!(
                (c.host.as_str(), c.port, &c.database),
                ("host", 3306, &None)
            );
            let shown = format!("{c} {c:?}");
            assert!(!shown.contains("cret"), "{shown}");
        }
        for url in [
            "mysql://lp:Zq9se/cretLEAKme@host:x",
            "mysql://lp:Zq9se/cretLEAKme",
            "mysql://lp:1234?cretLEAK@host?colour=red",
            "mysql://lp:1234?cretLEAK@",
            "mysql://lp:12%4?cretLEAK@host",
        ] {
            let e = SourceConfig::parse(url).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("cret"), "{url}: {shown}");
        }
    }

    #[test]
    fn redaction_never_shows_the_password() {
        let c = SourceConfig::parse("mysql://u:hunter2@h:1/db?ssl-mode=REQUIRED").unwrap();
        let shown = format!("{c} {c:?} {}", c.redacted());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(c.redacted(), "mysql://u:***@h:1/db?ssl-mode=REQUIRED");
        assert_eq!(
            c.redactor().redact("error for hunter2 at h").as_str(),
            "error for *** at h"
        );
    }

    #[test]
    fn falls_back_to_mysql_environment_variables() {
        let env = |k: &str| match k {
            "MYSQL_HOST" => Some("envhost".to_string()),
            "MYSQL_PORT" => Some("3310".to_string()),
            "MYSQL_USER" => Some("envuser".to_string()),
            "MYSQL_PASSWORD" => Some("pw1".to_string()),
            "MYSQL_PWD" => Some("pw2".to_string()),
            _ => None,
        };
        let c = SourceConfig::resolve(None, env).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str()),
            ("envhost", 3310, "envuser")
        );
        // MYSQL_PWD is the mysql client's own variable: it wins over MYSQL_PASSWORD.
        assert_eq!(c.password.unwrap().expose(), "pw2");
        // A URL beats the variables, but a URL without a password takes MYSQL_PWD.
        let c = SourceConfig::resolve(Some("mysql://u@h"), env).unwrap();
        assert_eq!(c.host, "h");
        assert_eq!(c.password.unwrap().expose(), "pw2");
        assert_eq!(SourceConfig::resolve(None, no_env), Err(UrlError::Missing));
    }
}
