//! A Kafka target URL: `kafka://HOST:PORT[,HOST:PORT]?OPTION=VALUE&...`, the brokers as
//! [`Bootstrap`] takes them and the security options under the names Kafka clients give
//! them (`security.protocol`, `sasl.mechanism`, `sasl.username`, `sasl.password`,
//! `ssl.ca.location`), so a client's properties can be copied across.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::connection::redact::Redactor;
use crate::connection::secret::Secret;
use crate::connection::url::{percent_decode, percent_encode};

use super::bootstrap::Bootstrap;
use super::error::KafkaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecurityProtocol {
    #[default]
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    pub fn name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    fn tls(self) -> bool {
        matches!(self, SecurityProtocol::Ssl | SecurityProtocol::SaslSsl)
    }

    fn sasl(self) -> bool {
        matches!(
            self,
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    Plain,
    ScramSha256,
    ScramSha512,
}

impl SaslMechanism {
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// SASL credentials; the password is a [`Secret`], so Debug shows `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sasl {
    pub mechanism: SaslMechanism,
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Security {
    pub protocol: SecurityProtocol,
    pub sasl: Option<Sasl>,
    /// The CA file (PEM) for SSL / SASL_SSL; None: the well-known public CAs.
    pub ca_location: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaUrl {
    pub bootstrap: Bootstrap,
    pub security: Security,
}

impl KafkaUrl {
    /// `kafka://` is optional, as in `bootstrap.servers`. Errors never quote a password.
    pub fn parse(url: &str) -> Result<KafkaUrl, KafkaError> {
        let url = url.trim();
        let url = url.strip_prefix("kafka://").unwrap_or(url);
        let (hosts, query) = match url.split_once('?') {
            Some((h, q)) => (h, Some(q)),
            None => (url, None),
        };
        let bootstrap = Bootstrap::parse(hosts)?;
        let security = match query {
            Some(q) => security(q)?,
            None => Security::default(),
        };
        Ok(KafkaUrl {
            bootstrap,
            security,
        })
    }

    /// The URL as given, the password as `***`: for reports and errors.
    pub fn redacted(&self) -> String {
        let s = &self.security;
        let mut opts = Vec::new();
        if s.protocol != SecurityProtocol::Plaintext {
            opts.push(format!("security.protocol={}", s.protocol.name()));
        }
        if let Some(sasl) = &s.sasl {
            opts.push(format!("sasl.mechanism={}", sasl.mechanism.name()));
            opts.push(format!("sasl.username={}", percent_encode(&sasl.username)));
            opts.push("sasl.password=***".into());
        }
        if let Some(ca) = &s.ca_location {
            opts.push(format!("ssl.ca.location={}", ca.display()));
        }
        let mut out = format!("kafka://{}", self.bootstrap);
        if !opts.is_empty() {
            out.push('?');
            out.push_str(&opts.join("&"));
        }
        out
    }

    /// Takes the SASL password out of text a client or broker gave.
    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::new(self.security.sasl.as_ref().map(|s| &s.password))
    }

    /// rskafka's TLS configuration: None for PLAINTEXT / SASL_PLAINTEXT. The chain and the
    /// host name are checked, as Kafka clients do by default.
    pub(crate) fn tls_config(&self) -> Result<Option<Arc<rustls::ClientConfig>>, KafkaError> {
        if !self.security.protocol.tls() {
            return Ok(None);
        }
        let roots = match &self.security.ca_location {
            None => rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
            Some(path) => load_roots(path)?,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| KafkaError::BadBroker(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Some(Arc::new(config)))
    }

    /// rskafka's SASL configuration, for SASL_PLAINTEXT / SASL_SSL.
    pub(crate) fn sasl_config(&self) -> Option<rskafka::client::SaslConfig> {
        use rskafka::client::{Credentials, SaslConfig};
        let sasl = self.security.sasl.as_ref()?;
        let credentials = Credentials::new(sasl.username.clone(), sasl.password.expose().into());
        Some(match sasl.mechanism {
            SaslMechanism::Plain => SaslConfig::Plain(credentials),
            SaslMechanism::ScramSha256 => SaslConfig::ScramSha256(credentials),
            SaslMechanism::ScramSha512 => SaslConfig::ScramSha512(credentials),
        })
    }
}

impl fmt::Display for KafkaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn load_roots(path: &std::path::Path) -> Result<rustls::RootCertStore, KafkaError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad =
        |why: String| KafkaError::BadBroker(format!("ssl.ca.location {}: {why}", path.display()));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect())
        .map_err(|e| bad(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(bad("holds no usable PEM certificate".into()));
    }
    Ok(roots)
}

const OPTIONS: &str =
    "security.protocol, sasl.mechanism, sasl.username, sasl.password, ssl.ca.location";

fn security(query: &str) -> Result<Security, KafkaError> {
    let bad = |why: String| KafkaError::BadBroker(format!("Kafka URL: {why}"));
    let mut protocol = None;
    let mut mechanism = None;
    let mut username = None;
    let mut password = None;
    let mut ca = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        // The key alone is quoted back: the value may be the password.
        let value =
            percent_decode(raw).ok_or_else(|| bad(format!("{key} has a bad percent-escape")))?;
        match key {
            "security.protocol" => {
                protocol = Some(match value.to_ascii_uppercase().as_str() {
                    "PLAINTEXT" => SecurityProtocol::Plaintext,
                    "SSL" => SecurityProtocol::Ssl,
                    "SASL_PLAINTEXT" => SecurityProtocol::SaslPlaintext,
                    "SASL_SSL" => SecurityProtocol::SaslSsl,
                    _ => {
                        return Err(bad(format!(
                            "security.protocol={value:?} is not PLAINTEXT, SSL, SASL_PLAINTEXT \
                             or SASL_SSL"
                        )))
                    }
                })
            }
            // librdkafka spells it in the plural.
            "sasl.mechanism" | "sasl.mechanisms" => {
                mechanism = Some(match value.to_ascii_uppercase().as_str() {
                    "PLAIN" => SaslMechanism::Plain,
                    "SCRAM-SHA-256" => SaslMechanism::ScramSha256,
                    "SCRAM-SHA-512" => SaslMechanism::ScramSha512,
                    _ => {
                        return Err(bad(format!(
                            "sasl.mechanism={value:?} is not supported: PLAIN, SCRAM-SHA-256 \
                             or SCRAM-SHA-512"
                        )))
                    }
                })
            }
            "sasl.username" => username = Some(value),
            "sasl.password" => password = Some(Secret::new(value)),
            "ssl.ca.location" => ca = Some(PathBuf::from(value)),
            _ => {
                return Err(bad(format!(
                    "unknown option {key:?}: the options are {OPTIONS}"
                )))
            }
        }
    }
    let protocol = protocol.unwrap_or_default();
    let sasl = if protocol.sasl() {
        let Some(mechanism) = mechanism else {
            return Err(bad(format!(
                "security.protocol={} needs sasl.mechanism: PLAIN, SCRAM-SHA-256 or \
                 SCRAM-SHA-512",
                protocol.name()
            )));
        };
        let (Some(username), Some(password)) = (username, password) else {
            return Err(bad(format!(
                "sasl.mechanism={} needs sasl.username and sasl.password",
                mechanism.name()
            )));
        };
        Some(Sasl {
            mechanism,
            username,
            password,
        })
    } else {
        if mechanism.is_some() || username.is_some() || password.is_some() {
            return Err(bad(format!(
                "sasl.* options need security.protocol=SASL_SSL or SASL_PLAINTEXT (it is {})",
                protocol.name()
            )));
        }
        None
    };
    if ca.is_some() && !protocol.tls() {
        return Err(bad(format!(
            "ssl.ca.location needs security.protocol=SSL or SASL_SSL (it is {})",
            protocol.name()
        )));
    }
    Ok(Security {
        protocol,
        sasl,
        ca_location: ca,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        KafkaUrl::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn brokers_alone_are_plaintext() {
        let u = KafkaUrl::parse("kafka://a:1,b:2").unwrap();
        assert_eq!(u.bootstrap.brokers(), ["a:1", "b:2"]);
        assert_eq!(u.security, Security::default());
        assert_eq!(u.redacted(), "kafka://a:1,b:2");
        assert!(u.tls_config().unwrap().is_none());
        assert!(u.sasl_config().is_none());
    }

    #[test]
    fn sasl_ssl_with_scram_as_clients_name_it() {
        let u = KafkaUrl::parse(
            "kafka://h:9093?security.protocol=SASL_SSL&sasl.mechanism=SCRAM-SHA-256\
             &sasl.username=u&sasl.password=p%26ss&ssl.ca.location=/etc/ca.pem",
        )
        .unwrap();
        let s = &u.security;
        assert_eq!(s.protocol, SecurityProtocol::SaslSsl);
        let sasl = s.sasl.as_ref().unwrap();
        assert_eq!(sasl.mechanism, SaslMechanism::ScramSha256);
        assert_eq!(sasl.username, "u");
        assert_eq!(sasl.password.expose(), "p&ss");
        assert_eq!(
            s.ca_location.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert!(matches!(
            u.sasl_config(),
            Some(rskafka::client::SaslConfig::ScramSha256(_))
        ));
        for (protocol, mechanism) in [("SASL_PLAINTEXT", "PLAIN"), ("sasl_ssl", "scram-sha-512")] {
            let u = KafkaUrl::parse(&format!(
                "h?security.protocol={protocol}&sasl.mechanisms={mechanism}\
                 &sasl.username=u&sasl.password=p"
            ))
            .unwrap();
            assert!(u.security.sasl.is_some(), "{protocol} {mechanism}");
        }
        let u = KafkaUrl::parse("h?security.protocol=SSL").unwrap();
        assert!(u.tls_config().unwrap().is_some(), "public CAs by default");
    }

    #[test]
    fn the_password_is_never_shown() {
        let u = KafkaUrl::parse(
            "kafka://h:9093?security.protocol=SASL_PLAINTEXT&sasl.mechanism=PLAIN\
             &sasl.username=alice&sasl.password=S3cret-pw",
        )
        .unwrap();
        let shown = [u.redacted(), u.to_string(), format!("{u:?}")].join("\n");
        assert!(!shown.contains("S3cret-pw"), "{shown}");
        assert!(shown.contains("sasl.password=***"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
        assert_eq!(
            u.redactor().redact("auth failed for S3cret-pw").to_string(),
            "auth failed for ***"
        );
        // Refusals name the option, never its value.
        for url in [
            "h?sasl.password=S3cret-pw",
            "h?security.protocol=SASL_SSL&sasl.mechanism=PLAIN&sasl.password=S3cret-pw",
            "h?security.protocol=SASL_SSL&sasl.mechanism=GSSAPI&sasl.password=S3cret-pw",
            "h?sasl.password=S3cret-pw%zz",
            "h?sasl.pasword=S3cret-pw",
        ] {
            let e = err(url);
            assert!(!e.contains("S3cret-pw"), "{url}: {e}");
        }
    }

    #[test]
    fn refused_clearly() {
        assert!(err("h?security.protocol=TLS").contains("not PLAINTEXT, SSL"));
        assert!(err("h?security.protocol=SASL_SSL").contains("needs sasl.mechanism"));
        assert!(err("h?security.protocol=SASL_SSL&sasl.mechanism=PLAIN")
            .contains("needs sasl.username and sasl.password"));
        assert!(err("h?sasl.mechanism=GSSAPI").contains("PLAIN, SCRAM-SHA-256"));
        assert!(err("h?sasl.username=u&sasl.password=p").contains("need security.protocol"));
        assert!(err("h?ssl.ca.location=/ca.pem").contains("needs security.protocol=SSL"));
        let e = err("h?acks=all");
        assert!(
            e.contains("unknown option \"acks\"") && e.contains(OPTIONS),
            "{e}"
        );
        assert!(err("h:x?security.protocol=SSL").contains("port"));
        // The file is read when connecting, and named when it cannot be.
        let u =
            KafkaUrl::parse("h?security.protocol=SSL&ssl.ca.location=/nonexistent/ca.pem").unwrap();
        let e = u.tls_config().unwrap_err().to_string();
        assert!(e.contains("ssl.ca.location /nonexistent/ca.pem"), "{e}");
    }
}
