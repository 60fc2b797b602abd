//! TLS modes as the mysql client names them, mapped onto the driver's options.

use std::fmt;
use std::path::Path;

use mysql::SslOpts;

/// Makes ring the process's rustls provider. The mysql driver builds its TLS configuration
/// from the process default, which rustls cannot pick once a second provider is compiled in
/// (the object store clients of the lakehouse targets bring aws-lc-rs): it would panic.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err: a provider is installed already, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

impl SslMode {
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s.to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" => SslMode::Disabled,
            "PREFERRED" => SslMode::Preferred,
            "REQUIRED" => SslMode::Required,
            "VERIFY_CA" => SslMode::VerifyCa,
            "VERIFY_IDENTITY" => SslMode::VerifyIdentity,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            SslMode::Disabled => "DISABLED",
            SslMode::Preferred => "PREFERRED",
            SslMode::Required => "REQUIRED",
            SslMode::VerifyCa => "VERIFY_CA",
            SslMode::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }

    /// Whether the certificate chain is checked against a CA.
    pub(crate) fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyIdentity)
    }

    /// The driver's TLS options for this mode; None = plain connection.
    /// PREFERRED and REQUIRED encrypt without verifying, as the mysql client does.
    pub(crate) fn driver_opts(self, ca: Option<&Path>) -> Option<SslOpts> {
        let base = SslOpts::default().with_root_cert_path(ca.map(|p| p.to_path_buf()));
        match self {
            SslMode::Disabled => None,
            SslMode::Preferred | SslMode::Required => Some(
                base.with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            ),
            SslMode::VerifyCa => Some(base.with_danger_skip_domain_validation(true)),
            SslMode::VerifyIdentity => Some(base),
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
