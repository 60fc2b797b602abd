//! Real local servers: the `LocalServer` harness, the retail_db seed, TLS, and the
//! `cdc sandbox` command end to end.

use crate::common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mysql::prelude::Queryable;

use cdc::sandbox::{create_cdc_user, load_retail_db, LocalServer, SandboxError, ServerOptions};
use common::{retail_server, server, tls_certs, CDC_PASSWORD};

fn port_open(port: u16) -> bool {
    let addr = ([127, 0, 0, 1], port).into();
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

#[test]
fn cdc_ready_server_with_retail_db_and_a_binlogless_twin() {
    let cdc = retail_server(&[]);
    let plain = server(&["--skip-log-bin"]);
    assert_ne!(cdc.port(), plain.port());

    // cdc_user reaches the data over TCP with only the '%' account.
    let mut conn = cdc.connect("cdc_user", CDC_PASSWORD).unwrap();
    let orders: Option<u64> = conn
        .query_first("SELECT COUNT(*) FROM retail_db.orders")
        .unwrap();
    assert_eq!(orders, Some(3));
    let customers: Option<u64> = conn
        .query_first("SELECT COUNT(*) FROM retail_db.customers")
        .unwrap();
    assert_eq!(customers, Some(3));
    let format: Option<String> = conn.query_first("SELECT @@binlog_format").unwrap();
    assert_eq!(format.as_deref(), Some("ROW"));
    let log_bin: Option<u8> = conn.query_first("SELECT @@log_bin").unwrap();
    assert_eq!(log_bin, Some(1));
    let image: Option<String> = conn.query_first("SELECT @@binlog_row_image").unwrap();
    assert_eq!(image.as_deref(), Some("FULL"));
    // The grants a connector needs: reading binlog coordinates must work.
    conn.query_drop("SHOW MASTER STATUS").unwrap();
    assert!(cdc.connect("cdc_user", "wrong").is_err());

    assert_eq!(
        plain.query_value("SELECT @@log_bin").unwrap().as_deref(),
        Some("0")
    );

    // Dropping removes the temp dir and the listener.
    let (dir, port) = (cdc.data_dir().to_path_buf(), cdc.port());
    assert!(dir.exists());
    drop(cdc);
    assert!(!dir.exists(), "{} survived the drop", dir.display());
    assert!(!port_open(port), "port {port} still accepts connections");
    assert!(port_open(plain.port()), "the other server went down too");
}

#[test]
fn seed_and_user_are_idempotent_and_exec_reports_late_errors() {
    let s = retail_server(&[]);
    load_retail_db(&s).unwrap();
    create_cdc_user(&s, "new_pw").unwrap();
    assert_eq!(
        s.query_value("SELECT COUNT(*) FROM retail_db.products")
            .unwrap()
            .as_deref(),
        Some("3")
    );
    assert!(s.connect("cdc_user", "new_pw").is_ok());
    assert!(s.connect("cdc_user", CDC_PASSWORD).is_err());

    // An error in the second statement must not be swallowed.
    let err = s.exec("SELECT 1; SELECT * FROM no_such_db.t").unwrap_err();
    assert!(err.to_string().contains("no_such_db"), "{err}");
    assert!(s
        .url("a b", "p@ss")
        .starts_with("mysql://a%20b:p%40ss@127.0.0.1:"));
}

#[test]
fn bad_option_fails_fast_with_the_error_log() {
    let err = LocalServer::start(ServerOptions::default().arg("--no-such-option-xyz")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("no-such-option-xyz"), "{msg}");
}

#[test]
fn a_taken_fixed_port_is_a_typed_error() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let err = LocalServer::start(ServerOptions::default().port(port)).unwrap_err();
    assert!(
        matches!(err, SandboxError::PortInUse { port: p } if p == port),
        "{err}"
    );
}

#[test]
fn kept_dir_survives_stop_and_restarts_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let s = LocalServer::start(ServerOptions::cdc_ready().dir(dir.path())).unwrap();
    s.exec("CREATE DATABASE kept").unwrap();
    s.stop();
    assert!(dir.path().join("data").exists());
    let s = LocalServer::start(ServerOptions::cdc_ready().dir(dir.path())).unwrap();
    assert_eq!(
        s.query_value(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'kept'"
        )
        .unwrap()
        .as_deref(),
        Some("1")
    );
}

#[test]
fn tls_certs_are_accepted_by_the_server() {
    let certs_dir = tempfile::tempdir().unwrap();
    let tls = tls_certs(certs_dir.path(), 10);
    let args = tls.server_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let s = server(&args);
    assert_eq!(
        s.query_value("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = 'HAVE_SSL'")
            .unwrap()
            .as_deref(),
        Some("YES")
    );
    // A client trusting only our CA can complete a verified handshake (its TLS on the
    // provider cdc installs: two are compiled in).
    cdc::connection::tls::install_crypto_provider();
    let ssl = mysql::SslOpts::default().with_root_cert_path(Some(tls.ca.clone()));
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some("127.0.0.1"))
        .tcp_port(s.port())
        .user(Some("root"))
        // Else the driver hops to the unix socket for 127.0.0.1 and drops TLS.
        .prefer_socket(false)
        .ssl_opts(ssl);
    let mut conn = mysql::Conn::new(opts).unwrap();
    let cipher: Option<(String, String)> = conn
        .query_first("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .unwrap();
    assert!(!cipher.unwrap().1.is_empty());
}

fn cdc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdc"))
        .arg("sandbox")
        .args(args)
        .env("CDC_SANDBOX_DIR", dir)
        .output()
        .unwrap()
}

/// Stops a sandbox a failed assertion left running.
struct Down<'a>(&'a Path);
impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = cdc(self.0, &["down", "--purge"]);
    }
}

#[test]
fn sandbox_command_up_status_url_down() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sbx");
    let _guard = Down(&dir);

    let before = cdc(&dir, &["status"]);
    assert_eq!(before.status.code(), Some(1));

    let up = cdc(&dir, &["up"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let url = String::from_utf8(up.stdout).unwrap().trim().to_string();
    assert!(
        url.starts_with("mysql://cdc_user:") && url.ends_with("/retail_db"),
        "{url}"
    );
    assert_eq!(url.lines().count(), 1);
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).unwrap();
    let orders: Option<u64> = conn.query_first("SELECT COUNT(*) FROM orders").unwrap();
    assert_eq!(orders, Some(3));
    drop(conn);

    let again = cdc(&dir, &["up"]);
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8(again.stdout).unwrap().trim(),
        url,
        "up is not idempotent"
    );
    let printed = cdc(&dir, &["url"]);
    assert_eq!(String::from_utf8(printed.stdout).unwrap().trim(), url);

    let status = cdc(&dir, &["status"]);
    assert_eq!(status.status.code(), Some(0));
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(
        text.contains("running") && text.contains("cdc_user:***@"),
        "{text}"
    );
    let password = url["mysql://cdc_user:".len()..].split('@').next().unwrap();
    assert!(
        !text.contains(password),
        "status leaked the password: {text}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.join("state.json"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let down = cdc(&dir, &["down"]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    assert_eq!(cdc(&dir, &["status"]).status.code(), Some(1));
    assert!(mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).is_err());

    // A restart keeps the port and password, so a saved URL keeps working.
    let restarted = cdc(&dir, &["up"]);
    assert!(
        restarted.status.success(),
        "{}",
        String::from_utf8_lossy(&restarted.stderr)
    );
    assert_eq!(String::from_utf8(restarted.stdout).unwrap().trim(), url);
    let dir_mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&dir).unwrap().permissions());
    assert_eq!(dir_mode & 0o777, 0o700);

    assert!(cdc(&dir, &["down", "--purge"]).status.success());
    assert!(mysql::Conn::new(mysql::Opts::from_url(&url).unwrap()).is_err());
    assert!(!dir.exists());
}

#[test]
fn query_value_takes_the_first_column_of_wide_rows() {
    let server =
        cdc::sandbox::LocalServer::start(cdc::sandbox::ServerOptions::cdc_ready()).unwrap();
    let file = server.query_value("SHOW MASTER STATUS").unwrap().unwrap();
    assert!(file.contains(".0000"), "{file}");
    assert_eq!(server.query_value("SELECT NULL, 1").unwrap(), None);
    assert_eq!(
        server
            .query_value("SELECT 1 FROM DUAL WHERE 1 = 0")
            .unwrap(),
        None
    );
}
