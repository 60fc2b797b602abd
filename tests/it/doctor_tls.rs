//! connect.tls against real MariaDB 10.11 and MySQL 9.7 servers with certificates made by the
//! tests.

use crate::common;

use serde_json::Value;

use common::check;

fn doctor(url: &str) -> (i32, Value) {
    common::cdc_json(&["doctor", "--source", url, "--format", "json"])
}

/// A retail server with TLS from a fresh CA; the certificate is valid for `days`.
/// The temporary directory holding the PEM files lives as long as the returned guard.
fn tls_server(
    kind: common::Kind,
    days: u32,
) -> (
    tempfile::TempDir,
    common::TlsFiles,
    cdc::sandbox::LocalServer,
) {
    let dir = tempfile::tempdir().unwrap();
    let tls = common::tls_certs(dir.path(), days);
    let args: Vec<String> = tls.server_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = common::retail_server_on(kind, &args);
    (dir, tls, server)
}

fn a_server_that_requires_tls_refuses_plain_sessions_and_accepts_encrypted_ones(
    kind: common::Kind,
) {
    let (_dir, tls, server) = tls_server(kind, 365);
    // Set after start-up: the harness itself loads the sample over a plain root session.
    server
        .exec("SET GLOBAL require_secure_transport = ON")
        .unwrap();
    let base = server.url("cdc_user", common::CDC_PASSWORD);

    let (code, report) = doctor(&format!("{base}?ssl-mode=DISABLED"));
    assert_eq!(code, 1);
    assert_eq!(
        check(&report, "connect.auth")["status"],
        "fail",
        "{report:#}"
    );
    let tls_check = check(&report, "connect.tls");
    assert_eq!(
        tls_check["status"],
        "fail",
        "{:#}",
        check(&report, "connect.auth")
    );
    assert!(
        tls_check["message"]
            .as_str()
            .unwrap()
            .contains("requires TLS"),
        "{tls_check}"
    );

    let (code, report) = doctor(&format!("{base}?ssl-mode=REQUIRED"));
    let tls_check = check(&report, "connect.tls");
    assert_eq!(tls_check["status"], "pass", "{tls_check}");
    assert!(
        tls_check["observed"].as_str().unwrap().starts_with("TLSv1"),
        "{tls_check}"
    );
    assert!(
        tls_check["observed"]
            .as_str()
            .unwrap()
            .contains("not verified"),
        "{tls_check}"
    );
    assert_eq!(code, 0, "{report:#}");

    let ca = tls.ca.display().to_string();
    let (code, report) = doctor(&format!("{base}?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"));
    let tls_check = check(&report, "connect.tls");
    assert_eq!(tls_check["status"], "pass", "{tls_check}");
    assert!(
        tls_check["observed"]
            .as_str()
            .unwrap()
            .contains(", verified"),
        "{tls_check}"
    );
    assert_eq!(code, 0);
}

fn verification_against_the_wrong_ca_fails(kind: common::Kind) {
    let (_dir, _tls, server) = tls_server(kind, 365);
    let other = tempfile::tempdir().unwrap();
    let stranger = common::tls_certs(other.path(), 365);
    let url = format!(
        "{}?ssl-mode=VERIFY_CA&ssl-ca={}",
        server.url("cdc_user", common::CDC_PASSWORD),
        stranger.ca.display()
    );
    let (code, report) = doctor(&url);
    assert_eq!(code, 1);
    let tls_check = check(&report, "connect.tls");
    assert_eq!(
        tls_check["status"],
        "fail",
        "{:#}",
        check(&report, "connect.auth")
    );
    assert_eq!(tls_check["observed"], "handshake failed");
}

fn a_certificate_expiring_within_30_days_warns(kind: common::Kind) {
    let (_dir, _tls, server) = tls_server(kind, 10);
    let url = format!(
        "{}?ssl-mode=REQUIRED",
        server.url("cdc_user", common::CDC_PASSWORD)
    );
    let (code, report) = doctor(&url);
    let tls_check = check(&report, "connect.tls");
    assert_eq!(tls_check["status"], "warn", "{tls_check}");
    assert!(
        tls_check["observed"]
            .as_str()
            .unwrap()
            .contains("expires in 10 days")
            || tls_check["observed"]
                .as_str()
                .unwrap()
                .contains("expires in 9 days"),
        "{tls_check}"
    );
    assert_eq!(code, 0, "a warning alone does not fail the run");
}

on_each_server!(
    a_server_that_requires_tls_refuses_plain_sessions_and_accepts_encrypted_ones,
    verification_against_the_wrong_ca_fails,
    a_certificate_expiring_within_30_days_warns,
);
