//! PostgreSQL URLs: `postgres://user:pass@host:port/db?sslmode=...&sslrootcert=...` (or
//! `postgresql://`), and the redacted form that is the only one ever shown.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tls::{self, PgSslMode};
use crate::connection::redact::Redactor;
use crate::connection::secret::Secret;
use crate::connection::url::{after_scheme, redacted_base, ShapeError, UrlParts};

const DEFAULT_PORT: u16 = 5432;

/// A PostgreSQL URL: `postgres://user:pass@host:port/db` (or `postgresql://`).
#[derive(Debug, Clone, PartialEq)]
pub struct PgConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) database: Option<String>,
    pub(crate) connect_timeout: Duration,
    /// `?sslmode=` as libpq reads it (default prefer).
    pub(crate) ssl_mode: PgSslMode,
    /// `?sslrootcert=/path/ca.pem`.
    pub(crate) ssl_root_cert: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PgUrlError {
    #[error("PostgreSQL URL must start with postgres:// or postgresql://")]
    Scheme,
    #[error("PostgreSQL URL {0}")]
    Shape(#[from] ShapeError),
    #[error("PostgreSQL URL parameter {0:?} is not supported (sslmode and sslrootcert are)")]
    Param(String),
    #[error(
        "PostgreSQL URL: sslmode={0} may not be used with sslrootcert=system (use verify-full)"
    )]
    WeakSystemRoots(&'static str),
    #[error("PostgreSQL URL sslmode={0:?} is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    SslMode(String),
}

impl PgConfig {
    pub fn parse(url: &str) -> Result<PgConfig, PgUrlError> {
        let rest = after_scheme(url, &["postgres", "postgresql"]).ok_or(PgUrlError::Scheme)?;
        let parts = UrlParts::parse(rest)?;
        let (mut ssl_mode, mut ssl_root_cert) = (None, None);
        for (k, v) in parts.params {
            match k.as_str() {
                "sslmode" => {
                    ssl_mode = Some(PgSslMode::parse(&v).ok_or(PgUrlError::SslMode(v))?);
                }
                "sslrootcert" => ssl_root_cert = Some(PathBuf::from(v)),
                _ => return Err(PgUrlError::Param(k)),
            }
        }
        // As libpq 16: the public CAs only make sense with the host name checked.
        let system = ssl_root_cert.as_deref() == Some(Path::new(tls::SYSTEM_ROOTS));
        let ssl_mode = match ssl_mode {
            None if system => PgSslMode::VerifyFull,
            Some(m) if system && m != PgSslMode::VerifyFull => {
                return Err(PgUrlError::WeakSystemRoots(m.name()))
            }
            m => m.unwrap_or_default(),
        };
        Ok(PgConfig {
            host: parts.host,
            port: parts.port.unwrap_or(DEFAULT_PORT),
            user: parts.user,
            password: parts.password,
            database: parts.database,
            connect_timeout: Duration::from_secs(5),
            ssl_mode,
            ssl_root_cert,
        })
    }

    /// The URL with the password replaced: the only form that is ever printed.
    pub(crate) fn redacted(&self) -> String {
        redacted_base(
            "postgres",
            &self.user,
            self.password.is_some(),
            &self.host,
            self.port,
            self.database.as_deref(),
        )
    }

    /// What takes this password out of the text of errors (see `redact`).
    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::new(self.password.as_ref())
    }
}

impl fmt::Display for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_parse_and_never_show_the_password() {
        let c = PgConfig::parse("postgresql://loader:s%40cret@pg.example.com:6543/lake").unwrap();
        assert_eq!(c.host, "pg.example.com");
        assert_eq!(c.port, 6543);
        assert_eq!(c.user, "loader");
        assert_eq!(c.password.as_ref().unwrap().expose(), "s@cret");
        assert_eq!(c.database.as_deref(), Some("lake"));
        let shown = format!("{c} {c:?} {}", c.redacted());
        assert!(
            !shown.contains("s@cret") && !shown.contains("s%40cret"),
            "{shown}"
        );
        assert_eq!(
            c.redacted(),
            "postgres://loader:***@pg.example.com:6543/lake"
        );
        assert_eq!(
            c.redactor().redact("password s@cret rejected").as_str(),
            "password *** rejected"
        );
        let d = PgConfig::parse("postgres://u@[::1]").unwrap();
        assert_eq!((d.host.as_str(), d.port), ("::1", 5432));
        assert_eq!(d.redacted(), "postgres://u@[::1]:5432");
    }

    #[test]
    fn bad_postgres_urls_say_why() {
        assert_eq!(PgConfig::parse("mysql://x@h"), Err(PgUrlError::Scheme));
        assert_eq!(
            PgConfig::parse("postgres://u@h:0/db"),
            Err(PgUrlError::Shape(ShapeError::Port("0".into())))
        );
        assert_eq!(
            PgConfig::parse("postgres://u@h/db?sslmode=verify_full"),
            Err(PgUrlError::SslMode("verify_full".into()))
        );
        assert_eq!(
            PgConfig::parse("postgres://u@h/db?sslcert=/c.pem"),
            Err(PgUrlError::Param("sslcert".into()))
        );
        assert_eq!(
            PgConfig::parse("postgres://u@:5432/db")
                .unwrap_err()
                .to_string(),
            "PostgreSQL URL has no host"
        );
    }

    /// Issue 13: an '@' and a '/' in the password made "Secret" the host.
    #[test]
    fn passwords_with_url_characters_parse_and_never_leak() {
        let c = PgConfig::parse("postgres://u:Pg@Secret/1@host").unwrap();
        assert_eq!(c.password.as_ref().unwrap().expose(), "Pg@Secret/1");
        assert_eq!(
            (c.host.as_str(), c.port, &c.database),
            ("host", 5432, &None)
        );
        let c = PgConfig::parse("postgres://u:Pg@Secret/1@host:6543/lake?sslmode=require").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("host", 6543));
        assert_eq!(c.database.as_deref(), Some("lake"));
        assert_eq!(c.ssl_mode, PgSslMode::Require);
        let shown = format!("{c} {c:?}");
        assert!(!shown.contains("Secret"), "{shown}");
        for url in [
            "postgres://u:Pg@Secret/1@",
            "postgres://u:Pg@Secret/1@host:x",
            "postgres://u:Pg@Secret/1@host?sslmode=sometimes",
            "postgres://u:Pg%@Secret/1@host",
        ] {
            let e = PgConfig::parse(url).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("Secret"), "{url}: {shown}");
        }
    }

    #[test]
    fn postgres_urls_carry_libpq_tls_settings() {
        let c = PgConfig::parse("postgres://u@h/db").unwrap();
        assert_eq!((c.ssl_mode, c.ssl_root_cert), (PgSslMode::Prefer, None));
        let c =
            PgConfig::parse("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem")
                .unwrap();
        assert_eq!(c.ssl_mode, PgSslMode::VerifyFull);
        assert_eq!(c.ssl_root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let c = PgConfig::parse("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(c.ssl_mode, PgSslMode::Disable);
        let c = PgConfig::parse("postgres://u@h/db?sslrootcert=system").unwrap();
        assert_eq!(c.ssl_mode, PgSslMode::VerifyFull);
        assert_eq!(
            PgConfig::parse("postgres://u@h/db?sslrootcert=system&sslmode=require"),
            Err(PgUrlError::WeakSystemRoots("require"))
        );
    }
}
