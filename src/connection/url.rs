//! The shape every database URL shares, `scheme://user:password@host:port/path?key=value&...`,
//! cut into its parts; each engine gives the parts and parameters their meaning
//! (`mysql_url`, `postgres::url`). Also the one percent-encoder and the redacted form.

use super::secret::Secret;

/// A URL cut into its parts, every part but the parameter names percent-decoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UrlParts {
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) host: String,
    /// None: the engine's default port.
    pub(crate) port: Option<u16>,
    /// The path without its '/', None when empty.
    pub(crate) database: Option<String>,
    /// `?key=value` pairs in order, keys as written.
    pub(crate) params: Vec<(String, String)>,
}

/// Why a URL could not be cut into parts. No variant carries text from the userinfo: what
/// one quotes comes from after the userinfo's '@'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("has no host")]
    NoHost,
    /// Digits, but not a port number.
    #[error("port {0:?} is not a number from 1 to 65535")]
    Port(String),
    /// Not digits: not quoted, as it is most often a password whose `@host` is missing.
    #[error("port is not a number from 1 to 65535")]
    PortNotNumber,
    #[error("has a bad percent-escape")]
    Escape,
}

/// What follows `scheme://` when the URL starts with one of `schemes`.
pub(crate) fn after_scheme<'a>(url: &'a str, schemes: &[&str]) -> Option<&'a str> {
    schemes
        .iter()
        .find_map(|s| url.strip_prefix(s)?.strip_prefix("://"))
}

impl UrlParts {
    /// Cuts what follows `scheme://`. A password may hold '/', '?', '#' and '@' unescaped, so
    /// the userinfo ends at the last '@' of all: only what follows it is host, path and query
    /// (an '@' there must be written %40).
    pub(crate) fn parse(rest: &str) -> Result<UrlParts, ShapeError> {
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((u, r)) => (Some(u), r),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (String::new(), None),
            Some(u) => match u.split_once(':') {
                Some((name, pass)) => (decode(name)?, Some(Secret::new(decode(pass)?))),
                None => (decode(u)?, None),
            },
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(ShapeError::NoHost);
        }
        let mut params = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((k.to_string(), decode(v)?));
        }
        Ok(UrlParts {
            user,
            password,
            host,
            port,
            database: Some(decode(path)?).filter(|d| !d.is_empty()),
            params,
        })
    }
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), ShapeError> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(ShapeError::NoHost)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return Err(ShapeError::PortNotNumber),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Ok((decode(h)?, Some(parse_port(p)?))),
        None => Ok((decode(s)?, None)),
    }
}

/// A port number, or why `p` is none (quoted only when it is digits).
pub(crate) fn parse_port(p: &str) -> Result<u16, ShapeError> {
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Err(ShapeError::Port(p.to_string()))
        }
        _ => Err(ShapeError::PortNotNumber),
    }
}

fn decode(s: &str) -> Result<String, ShapeError> {
    percent_decode(s).ok_or(ShapeError::Escape)
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

    #[test]
    fn cuts_every_part() {
        let p = UrlParts::parse("u%20x:p%40w@[::1]:7/d%2Fb?a=1&&b=%2Fx&flag").unwrap();
        assert_eq!(p.user, "u x");
        assert_eq!(p.password.unwrap().expose(), "p@w");
        assert_eq!((p.host.as_str(), p.port), ("::1", Some(7)));
        assert_eq!(p.database.as_deref(), Some("d/b"));
        let params: Vec<(&str, &str)> = p
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(params, [("a", "1"), ("b", "/x"), ("flag", "")]);
        let p = UrlParts::parse("h").unwrap();
        assert_eq!((p.user.as_str(), p.password, p.port), ("", None, None));
        assert_eq!(
            after_scheme("mariadb://h", &["mysql", "mariadb"]),
            Some("h")
        );
        assert_eq!(after_scheme("mysql:/h", &["mysql"]), None);
    }

    /// Issue 13: the last '@' ends the userinfo, whatever the password holds.
    #[test]
    fn passwords_may_hold_slashes_question_marks_hashes_and_ats() {
        for (rest, password) in [
            ("lp:Zq9se/cretLEAKme@host", "Zq9se/cretLEAKme"),
            ("lp:1234?cretLEAK@host", "1234?cretLEAK"),
            ("u:Pg@Secret/1@host", "Pg@Secret/1"),
            ("u:a#b@host", "a#b"),
        ] {
            let p = UrlParts::parse(rest).unwrap();
            assert_eq!(p.password.as_ref().map(Secret::expose), Some(password));
            assert_eq!(
                (p.host.as_str(), p.port, &p.database),
                ("host", None, &None)
            );
            assert!(p.params.is_empty(), "{rest}");
        }
    }

    #[test]
    fn errors_quote_only_what_follows_the_userinfo() {
        assert_eq!(
            UrlParts::parse("u@h:99999"),
            Err(ShapeError::Port("99999".into()))
        );
        for (rest, error) in [
            ("lp:Zq9se/cretLEAKme@", ShapeError::NoHost),
            ("lp:Zq9se/cretLEAKme@h:x", ShapeError::PortNotNumber),
            ("lp:Zq9%zzcretLEAKme@h", ShapeError::Escape),
            // No '@': the password is read as a port, and not quoted.
            ("lp:Zq9se/cretLEAKme", ShapeError::PortNotNumber),
            ("[::1]cretLEAK", ShapeError::PortNotNumber),
        ] {
            let e = UrlParts::parse(rest).unwrap_err();
            assert_eq!(e, error, "{rest}");
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("cretLEAK"), "{shown}");
        }
    }
}
