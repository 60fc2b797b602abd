//! TLS to a PostgreSQL target with libpq's `sslmode` meanings, on the rustls stack the MySQL
//! driver already uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// libpq's `sslmode`. `allow` and `prefer` both encrypt when the server offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PgSslMode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl PgSslMode {
    pub fn parse(s: &str) -> Option<PgSslMode> {
        Some(match s.to_ascii_lowercase().as_str() {
            "disable" => PgSslMode::Disable,
            "allow" | "prefer" => PgSslMode::Prefer,
            "require" => PgSslMode::Require,
            "verify-ca" => PgSslMode::VerifyCa,
            "verify-full" => PgSslMode::VerifyFull,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            PgSslMode::Disable => "disable",
            PgSslMode::Prefer => "prefer",
            PgSslMode::Require => "require",
            PgSslMode::VerifyCa => "verify-ca",
            PgSslMode::VerifyFull => "verify-full",
        }
    }

    /// The driver's mode: it only knows whether TLS is off, tried or demanded; what is
    /// verified is the connector's business.
    pub(crate) fn driver_mode(self) -> postgres::config::SslMode {
        match self {
            PgSslMode::Disable => postgres::config::SslMode::Disable,
            PgSslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        }
    }
}

/// `sslrootcert=system` (libpq 16): the well-known public CAs (Mozilla's list, as the MySQL
/// driver uses for VERIFY_IDENTITY without ssl-ca), for servers with a publicly signed
/// certificate. It implies verify-full.
pub(crate) const SYSTEM_ROOTS: &str = "system";

/// The CA file: `sslrootcert`, else libpq's default `~/.postgresql/root.crt` if it exists.
pub(crate) fn root_cert_path(explicit: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| {
        let p = home?.join(".postgresql/root.crt");
        p.exists().then_some(p)
    })
}

/// Why no TLS configuration could be made for a PostgreSQL target.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsConfigError {
    #[error(
        "sslmode={} needs the CA certificate: add sslrootcert=/path/ca.pem to the URL \
         (or put it in ~/.postgresql/root.crt)",
        .mode.name()
    )]
    NoCaFile { mode: PgSslMode },
    #[error("cannot read sslrootcert {}: {error}", .path.display())]
    ReadCa {
        path: PathBuf,
        error: rustls::pki_types::pem::Error,
    },
    #[error("sslrootcert {} holds no usable PEM certificate", .path.display())]
    NoCertificate { path: PathBuf },
    #[error("cannot use the CA certificate: {0}")]
    BadCa(rustls::client::VerifierBuilderError),
    #[error("TLS setup: {0}")]
    Setup(rustls::Error),
}

/// The rustls configuration for `mode` with the CA file `root` (see [`root_cert_path`]). As
/// with libpq, `prefer` encrypts without checking the certificate, `require` checks the chain
/// only when there is a CA file, `verify-ca` checks the chain, `verify-full` the chain and the
/// host name.
pub(crate) fn client_config(
    mode: PgSslMode,
    root: Option<&Path>,
) -> Result<ClientConfig, TlsConfigError> {
    let provider = Arc::new(ring::default_provider());
    let roots = match (mode, root) {
        (PgSslMode::VerifyCa | PgSslMode::VerifyFull, None) => {
            return Err(TlsConfigError::NoCaFile { mode })
        }
        (PgSslMode::Disable | PgSslMode::Prefer, _) | (_, None) => None,
        (_, Some(path)) if path == Path::new(SYSTEM_ROOTS) => Some(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        (_, Some(path)) => Some(load_roots(path)?),
    };
    let inner = match roots {
        Some(roots) => Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(TlsConfigError::BadCa)?,
        ),
        None => None,
    };
    let verifier = Verifier {
        inner,
        check_name: mode == PgSslMode::VerifyFull,
        provider: provider.clone(),
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsConfigError::Setup)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

fn load_roots(path: &Path) -> Result<RootCertStore, TlsConfigError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect())
        .map_err(|error| TlsConfigError::ReadCa {
            path: path.to_path_buf(),
            error,
        })?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsConfigError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(roots)
}

/// Checks the chain (when there are roots) and the name (for verify-full); the handshake's
/// signatures are always checked, so even `require` talks to the holder of the key.
#[derive(Debug)]
struct Verifier {
    inner: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_libpq_names_them() {
        assert_eq!(PgSslMode::parse("allow"), Some(PgSslMode::Prefer));
        assert_eq!(PgSslMode::parse("VERIFY-FULL"), Some(PgSslMode::VerifyFull));
        assert_eq!(PgSslMode::parse("verify_ca"), None);
        assert_eq!(
            PgSslMode::Require.driver_mode(),
            postgres::config::SslMode::Require
        );
        assert_eq!(
            PgSslMode::Disable.driver_mode(),
            postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn verifying_without_a_ca_says_where_to_put_one() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(root_cert_path(None, Some(home.path())), None);
        let e = client_config(PgSslMode::VerifyFull, None).unwrap_err();
        assert!(
            matches!(
                e,
                TlsConfigError::NoCaFile {
                    mode: PgSslMode::VerifyFull
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().starts_with("sslmode=verify-full needs"),
            "{e}"
        );
        assert!(e.to_string().contains("sslrootcert="), "{e}");
        assert!(client_config(PgSslMode::Require, None).is_ok());

        // libpq's default file counts once it exists; an explicit one wins.
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(".postgresql/root.crt"), "").unwrap();
        assert_eq!(
            root_cert_path(None, Some(home.path())),
            Some(home.path().join(".postgresql/root.crt"))
        );
        assert_eq!(
            root_cert_path(Some(Path::new("/x/ca.pem")), Some(home.path())),
            Some(PathBuf::from("/x/ca.pem"))
        );
    }

    #[test]
    fn a_file_without_certificates_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = client_config(PgSslMode::VerifyCa, Some(&path)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "sslrootcert {} holds no usable PEM certificate",
                path.display()
            )
        );
        let missing = dir.path().join("nope.pem");
        let e = client_config(PgSslMode::VerifyCa, Some(&missing)).unwrap_err();
        assert!(matches!(e, TlsConfigError::ReadCa { .. }), "{e}");
        assert!(e.to_string().contains("nope.pem"), "{e}");
    }
}
