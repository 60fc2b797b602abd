//! Source URLs: `mysql://user:pass@host:port[/db]?ssl-mode=...&ssl-ca=...`, the environment
//! fallbacks, and the redacted form that is the only one ever shown.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::secret::Secret;
use super::tls::SslMode;

pub(crate) const DEFAULT_PORT: u16 = 3306;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UrlError {
    #[error("source URL must start with mysql:// (or mariadb://)")]
    Scheme,
    #[error("source URL has no host")]
    NoHost,
    #[error("source URL port {0:?} is not a number from 1 to 65535")]
    Port(String),
    #[error("source URL parameter {0:?} is not known (use ssl-mode, ssl-ca)")]
    Param(String),
    #[error(
        "ssl-mode {0:?} is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
    )]
    SslMode(String),
    #[error("source URL has a bad percent-escape")]
    Escape,
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
        let rest = url
            .strip_prefix("mysql://")
            .or_else(|| url.strip_prefix("mariadb://"))
            .ok_or(UrlError::Scheme)?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        // The password may itself contain '@' when not escaped: the last '@' ends the userinfo.
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (String::new(), None),
            Some(u) => match u.split_once(':') {
                Some((name, pass)) => (decode(name)?, Some(Secret::new(decode(pass)?))),
                None => (decode(u)?, None),
            },
        };
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        let database = Some(decode(path)?).filter(|d| !d.is_empty());
        let mut cfg = SourceConfig {
            host,
            port,
            user,
            password,
            database,
            ssl_mode: SslMode::Preferred,
            ssl_ca: None,
            connect_timeout: Duration::from_secs(5),
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v)?;
            match k.to_ascii_lowercase().replace('_', "-").as_str() {
                "ssl-mode" | "sslmode" => {
                    cfg.ssl_mode = SslMode::parse(&v).ok_or(UrlError::SslMode(v.clone()))?
                }
                "ssl-ca" | "sslca" => cfg.ssl_ca = Some(PathBuf::from(v)),
                _ => return Err(UrlError::Param(k.to_string())),
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

    /// Removes the password from text that may have picked it up (driver errors, server messages).
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) if !p.expose().is_empty() => text.replace(p.expose(), "***"),
            _ => text.to_string(),
        }
    }
}

impl fmt::Display for SourceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn split_host_port(s: &str) -> Result<(String, u16), UrlError> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(UrlError::NoHost)?;
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(UrlError::Port(after.to_string())),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Ok((decode(h)?, parse_port(p)?)),
        None => Ok((decode(s)?, DEFAULT_PORT)),
    }
}

fn parse_port(p: &str) -> Result<u16, UrlError> {
    port_number(p).ok_or_else(|| UrlError::Port(p.to_string()))
}

fn decode(s: &str) -> Result<String, UrlError> {
    percent_decode(s).ok_or(UrlError::Escape)
}

/// A TCP port from 1 to 65535.
pub(crate) fn port_number(p: &str) -> Option<u16> {
    p.parse::<u16>().ok().filter(|&n| n > 0)
}

/// Undoes %XX escapes; None for a broken escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `scheme://user:***@host:port/db`: a URL with the password masked, for any engine.
pub(crate) fn redacted_base(
    scheme: &str,
    user: &str,
    has_password: bool,
    host: &str,
    port: u16,
    database: Option<&str>,
) -> String {
    let mut s = format!("{scheme}://");
    if !user.is_empty() {
        s.push_str(&percent_encode(user));
        if has_password {
            s.push_str(":***");
        }
        s.push('@');
    }
    if host.contains(':') {
        s.push_str(&format!("[{host}]"));
    } else {
        s.push_str(host);
    }
    s.push_str(&format!(":{port}"));
    if let Some(db) = database {
        s.push('/');
        s.push_str(&percent_encode(db));
    }
    s
}

/// Percent-encodes everything but RFC 3986's unreserved characters: user names, passwords and
/// database names put into a URL (the one encoder; `percent_decode` undoes it).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_percent_encoded_and_decodes_back() {
        for (raw, encoded) in [
            ("cdc_user", "cdc_user"),
            ("p@ss:w/rd", "p%40ss%3Aw%2Frd"),
            ("a b%", "a%20b%25"),
            ("é", "%C3%A9"),
        ] {
            assert_eq!(percent_encode(raw), encoded);
            assert_eq!(percent_decode(encoded).as_deref(), Some(raw));
        }
    }

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
        assert_eq!(
            SourceConfig::parse("mysql://u@h:99999"),
            Err(UrlError::Port("99999".into()))
        );
        assert_eq!(
            SourceConfig::parse("mysql://u@h?ssl-mode=SOMETIMES"),
            Err(UrlError::SslMode("SOMETIMES".into()))
        );
        assert_eq!(
            SourceConfig::parse("mysql://u@h?colour=red"),
            Err(UrlError::Param("colour".into()))
        );
    }

    #[test]
    fn redaction_never_shows_the_password() {
        let c = SourceConfig::parse("mysql://u:hunter2@h:1/db?ssl-mode=REQUIRED").unwrap();
        let shown = format!("{c} {c:?} {}", c.redacted());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(c.redacted(), "mysql://u:***@h:1/db?ssl-mode=REQUIRED");
        assert_eq!(
            c.scrub("error for hunter2 at h"),
            "error for *** at h".to_string()
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
