//! connect.tcp, connect.auth, connect.tls: how reaching the server went.

use crate::calendar::Date;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::connection::error::ConnectError;
use crate::connection::tls::SslMode;

pub(crate) fn tcp(ctx: &Context) -> Outcome {
    match &ctx.link.tcp {
        Ok(took) => Outcome::verdict(
            Level::Ok,
            format!(
                "{} reachable ({:.1} ms)",
                ctx.link.endpoint,
                took.as_secs_f64() * 1e3
            ),
            "",
        ),
        // A name that does not resolve, or a port nothing listens on, is not a firewall or
        // bind-address matter: the check's fixes would send the reader to the wrong place.
        Err(e @ ConnectError::Resolve { host, .. }) => Outcome::verdict(
            Level::Violation,
            "host name does not resolve",
            format!(
                "{e}: check the spelling of {host} and that its DNS (a private zone, a VPN) \
                 answers where cdc runs"
            ),
        )
        .without_check_fixes(),
        Err(e @ ConnectError::Tcp { reason, .. }) if refused(reason.as_str()) => Outcome::verdict(
            Level::Violation,
            "connection refused",
            format!(
                "{e}: the host answers but nothing listens on {}: is the port right (the \
                     server's `port` variable) and is the server running?",
                ctx.link.endpoint
            ),
        )
        .without_check_fixes(),
        Err(e) => Outcome::verdict(
            Level::Violation,
            "unreachable",
            format!("{e}: check host, port, firewall / security group rules"),
        ),
    }
}

/// The OS's "connection refused" (ECONNREFUSED), as io::Error words it.
fn refused(reason: &str) -> bool {
    reason.to_ascii_lowercase().contains("refused")
}

pub(crate) fn auth(ctx: &Context) -> Outcome {
    match &ctx.link.login {
        None => Outcome::Skip("skipped: connect.tcp did not pass".into()),
        Some(Ok(_)) => Outcome::verdict(
            Level::Ok,
            format!(
                "logged in as {}",
                ctx.account.as_deref().unwrap_or("(unknown account)")
            ),
            "",
        ),
        Some(Err(ConnectError::Auth(e)))
            if ctx.link.tls_required || requires_tls(e.code, e.message.as_str()) =>
        {
            Outcome::verdict(
                Level::Violation,
                e.to_string(),
                "the server requires TLS: connect with ssl-mode=REQUIRED or stricter",
            )
        }
        // The server never got as far as judging credentials: the account's fixes do not apply.
        Some(Err(e @ ConnectError::Stalled { .. })) => Outcome::verdict(
            Level::Violation,
            "no handshake",
            format!("{e}: is this port a MySQL/MariaDB server (not a proxy or another service)? \
                     A hung or overloaded server (max_connections reached, disk full) also \
                     stops answering: see its error log"),
        )
        .without_check_fixes(),
        Some(Err(e @ ConnectError::Tcp { .. })) => Outcome::verdict(
            Level::Violation,
            "connection lost during login",
            format!("{e}: the server (or something between) closed the connection before login finished"),
        )
        .without_check_fixes(),
        Some(Err(e)) => Outcome::verdict(Level::Violation, "login failed", e.to_string()),
    }
}

pub(crate) fn tls(warn_days: f64, ctx: &Context) -> Outcome {
    let state = match &ctx.link.login {
        None => return Outcome::Skip("skipped: connect.tcp did not pass".into()),
        Some(Err(ConnectError::Tls(e))) => {
            return Outcome::verdict(Level::Fail, "handshake failed", e.to_string())
        }
        Some(Err(ConnectError::Auth(e))) if ctx.link.tls_required || requires_tls(e.code, e.message.as_str()) => {
            return Outcome::verdict(
                Level::Fail,
                format!("not encrypted (ssl-mode={})", ctx.link.ssl_mode),
                "the server requires TLS and this session did not use it: set ssl-mode=REQUIRED or VERIFY_IDENTITY",
            )
        }
        Some(Err(_)) => return Outcome::Skip("skipped: login failed".into()),
        Some(Ok(state)) => state,
    };
    let Some(version) = &state.version else {
        let why = match (ctx.link.ssl_mode, &state.fallback_reason) {
            (SslMode::Disabled, _) => "ssl-mode=DISABLED".to_string(),
            (_, Some(reason)) => reason.clone(),
            _ => "TLS was not negotiated".to_string(),
        };
        if ctx.link.loopback {
            return Outcome::verdict(
                Level::Ok,
                "not encrypted (loopback connection)",
                format!("{why}; acceptable on loopback only"),
            );
        }
        return Outcome::verdict(
            Level::Violation,
            "not encrypted",
            format!("{why}: credentials and row data cross the network in clear"),
        );
    };
    let mut observed = version.clone();
    if let Some(c) = &state.cipher {
        observed.push_str(&format!(" {c}"));
    }
    observed.push_str(if state.verified {
        ", verified"
    } else {
        ", not verified"
    });
    let days_left = state
        .server_not_after
        .as_deref()
        .and_then(parse_openssl_time)
        .map(|t| (t - ctx.options.now.unwrap_or_else(now_secs)) as f64 / 86400.0);
    if let Some(days) = days_left {
        observed.push_str(&format!(", certificate expires in {days:.0} days"));
        if days < 0.0 {
            return Outcome::verdict(
                Level::Violation,
                observed,
                "the server certificate has expired",
            );
        }
        if days < warn_days {
            return Outcome::verdict(
                Level::Warn,
                observed,
                format!("the server certificate expires within {warn_days:.0} days: renew it before readers start failing"),
            );
        }
    }
    if !state.verified && !ctx.link.loopback {
        return Outcome::verdict(
            Level::Warn,
            observed,
            format!(
                "ssl-mode={} encrypts but does not verify the certificate: use VERIFY_IDENTITY with ssl-ca",
                ctx.link.ssl_mode
            ),
        );
    }
    Outcome::verdict(Level::Ok, observed, "")
}

/// MySQL says ER_SECURE_TRANSPORT_REQUIRED (3159); MariaDB words it in the message.
fn requires_tls(code: Option<u16>, message: &str) -> bool {
    code == Some(3159) || message.to_ascii_lowercase().contains("insecure transport")
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses OpenSSL's "Nov 22 02:28:35 2027 GMT" (as in Ssl_server_not_after) to Unix seconds.
pub(crate) fn parse_openssl_time(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [mon, day, time, year, ..] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == mon)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    let date = Date {
        year,
        month: month as u32,
        day: u32::try_from(day).ok()?,
    };
    Some(date.days() * 86400 + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_certificate_expiry_as_servers_print_it() {
        assert_eq!(parse_openssl_time("Jan  1 00:00:00 1970 GMT"), Some(0));
        assert_eq!(
            parse_openssl_time("Nov 22 02:28:35 2026 GMT"),
            Some(1_795_314_515)
        );
        assert_eq!(parse_openssl_time(""), None);
        assert_eq!(parse_openssl_time("Foo 1 00:00:00 2020 GMT"), None);
    }

    #[test]
    fn recognises_the_tls_required_refusal() {
        assert!(requires_tls(Some(3159), "Connections using insecure transport are prohibited while --require_secure_transport=ON."));
        assert!(requires_tls(
            Some(1045),
            "Connections using insecure transport are prohibited"
        ));
        assert!(!requires_tls(
            Some(1045),
            "Access denied for user 'x'@'h' (using password: YES)"
        ));
    }
}
