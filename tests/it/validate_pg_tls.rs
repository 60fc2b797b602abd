//! TLS to a PostgreSQL target with libpq's sslmode meanings, against a PostgreSQL server the
//! test starts with a CA of its own.

use crate::common;

use std::os::unix::fs::PermissionsExt;

use cdc::connection::error::ConnectError;
use cdc::validate::target::{Db, TargetConfig};
use common::pg::PgServer;
use common::tls_certs;

fn open(url: &str) -> Result<Box<dyn Db>, ConnectError> {
    TargetConfig::parse(url).unwrap().open()
}

/// Whether the session `db` runs over TLS, as the server sees it.
fn encrypted(db: &mut dyn Db) -> bool {
    let rows = db
        .query("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .unwrap();
    rows.rows[0][0].as_deref() == Some("true")
}

#[test]
fn sslmodes_encrypt_and_verify_as_libpq_does() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = tls_certs(certs_dir.path(), 30);
    std::fs::set_permissions(&certs.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other_ca = tls_certs(other_dir.path(), 30).ca;

    // The certificate names 127.0.0.1 and localhost; 127.0.0.2 reaches the same server
    // under a name it does not carry.
    let server = PgServer::start(
        "'127.0.0.1,127.0.0.2'",
        &[
            ("ssl", "on".into()),
            ("ssl_cert_file", certs.cert.display().to_string()),
            ("ssl_key_file", certs.key.display().to_string()),
        ],
        &[certs_dir.path()],
    );
    let url = |host: &str, params: &str| {
        format!(
            "postgres://postgres:pg-secret@{host}:{}/postgres?{params}",
            server.port
        )
    };
    let ca = certs.ca.display().to_string();

    let mut plain = open(&url("127.0.0.1", "sslmode=disable")).unwrap();
    assert!(!encrypted(plain.as_mut()));
    for mode in ["sslmode=prefer", "sslmode=require", "sslmode=allow", ""] {
        let mut db = open(&url("127.0.0.1", mode)).unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(encrypted(db.as_mut()), "{mode} did not encrypt");
    }
    let full = format!("sslmode=verify-full&sslrootcert={ca}");
    assert!(encrypted(open(&url("127.0.0.1", &full)).unwrap().as_mut()));
    assert!(encrypted(open(&url("localhost", &full)).unwrap().as_mut()));

    // A name the certificate does not carry: verify-full refuses, verify-ca accepts.
    let refused = open(&url("127.0.0.2", &full))
        .err()
        .expect("verify-full accepted 127.0.0.2");
    let text = refused.to_string();
    assert!(matches!(refused, ConnectError::Tls(_)), "{text}");
    assert!(
        text.contains("verify-full") && text.contains("not valid for name"),
        "{text}"
    );
    let verify_ca = format!("sslmode=verify-ca&sslrootcert={ca}");
    assert!(encrypted(
        open(&url("127.0.0.2", &verify_ca)).unwrap().as_mut()
    ));

    // A CA that did not sign the server's certificate: the chain is refused, by verify-ca and
    // by require given that CA (libpq's rule), never by plain require.
    for mode in ["verify-ca", "require"] {
        let params = format!("sslmode={mode}&sslrootcert={}", other_ca.display());
        let refused = open(&url("127.0.0.1", &params)).err().expect(mode);
        let text = refused.to_string();
        // Both CAs are named alike, so the chain fails on the signature.
        assert!(text.contains("invalid peer certificate"), "{mode}: {text}");
        assert!(matches!(refused, ConnectError::Tls(_)), "{text}");
        assert!(!text.contains("pg-secret"), "{text}");
    }

    // The public CAs (sslrootcert=system, verify-full implied) do not know the test CA.
    let refused = open(&url("127.0.0.1", "sslrootcert=system"))
        .err()
        .expect("the public CAs accepted a private certificate");
    let text = refused.to_string();
    assert!(
        text.contains("UnknownIssuer") && text.contains("verify-full"),
        "{text}"
    );

    // End to end: validate compares a table over verify-full.
    let source = common::server(&[]);
    source
        .exec(
            "CREATE DATABASE vt; CREATE TABLE vt.t (id INT PRIMARY KEY, v VARCHAR(10)); \
             INSERT INTO vt.t SELECT seq, CONCAT('v', seq) FROM vt.seq_1_to_100",
        )
        .unwrap();
    let mut pg = open(&url("127.0.0.1", "sslmode=disable")).unwrap();
    pg.query(
        "CREATE SCHEMA vt; CREATE TABLE vt.t (id integer PRIMARY KEY, v varchar(10)); \
         INSERT INTO vt.t SELECT g, 'v' || g FROM generate_series(1, 100) g",
    )
    .unwrap();
    let target = url("127.0.0.1", &full);
    let (code, doc) = common::cdc_json(&[
        "validate",
        "--checksum",
        "--tables",
        "vt.t",
        "--format",
        "json",
        "--settle",
        "0",
        "--source",
        &source.root_url(),
        "--target",
        &target,
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["tables"][0]["status"], "match");
    let target = url("127.0.0.2", &full);
    let out = common::cdc(&[
        "validate",
        "--checksum",
        "--tables",
        "vt.t",
        "--source",
        &source.root_url(),
        "--target",
        &target,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not valid for name"), "{stderr}");
    assert!(!stderr.contains("pg-secret"), "{stderr}");
}
