//! `cdc playbook` and `cdc diagnose` as users run them.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn cdc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(args)
        .env_remove("CDC_SOURCE")
        .env_remove("MYSQL_HOST")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_list_and_one_playbook() {
    let out = cdc(&["playbook"], None);
    assert_eq!(out.status.code(), Some(0));
    let list = stdout(&out);
    assert!(list.lines().count() > 40, "{list}");
    assert!(list.contains("binlog-position-purged"), "{list}");

    let out = cdc(&["playbook", "binlog-position-purged"], None);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    for section in [
        "Symptoms",
        "Root causes",
        "Diagnostics",
        "Resolution",
        "Verify",
    ] {
        assert!(page.contains(section), "{section} missing:\n{page}");
    }
    assert!(
        page.contains("Could not find first log file name"),
        "{page}"
    );

    let out = cdc(&["playbook", "no-such-playbook"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no playbook"));
}

#[test]
fn run_marks_each_diagnostic_healthy_or_not() {
    let bad = common::retail_server(&["--binlog-format=MIXED"]);
    let out = cdc(
        &[
            "playbook",
            "binlog-format-not-row",
            "--run",
            "--source",
            &bad.url("cdc_user", common::CDC_PASSWORD),
        ],
        None,
    );
    let page = stdout(&out);
    assert!(page.contains("UNHEALTHY"), "{page}");
    assert!(page.contains("answer: MIXED"), "{page}");
    assert_eq!(out.status.code(), Some(1), "{page}");

    let good = common::retail_server(&[]);
    let out = cdc(
        &[
            "playbook",
            "binlog-format-not-row",
            "--run",
            "--source",
            &good.url("cdc_user", common::CDC_PASSWORD),
        ],
        None,
    );
    let page = stdout(&out);
    assert!(
        page.contains("HEALTHY") && !page.contains("UNHEALTHY"),
        "{page}"
    );
    assert_eq!(out.status.code(), Some(0), "{page}");
}

#[test]
fn diagnose_reads_text_logs_and_stdin_best_first() {
    let debezium = "The database server is not configured to use a ROW binlog_format, which is required for this connector to work properly. Change the database configuration to use a binlog_format=ROW and restart the connector.";
    let out = cdc(&["diagnose", "--format", "json", debezium], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["id"], "binlog-format-not-row", "{v}");
    assert_eq!(out.status.code(), Some(1));

    // A long connector log: the one error line among thousands is found and shown.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("connect.log");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "2026-11-22 INFO WorkerSourceTask committing offsets {i}\n"
        ));
    }
    text.push_str("2026-11-22 ERROR io.debezium.DebeziumException: Got error 1236 from source when reading data from binary log: 'Could not find first log file name in binary log index file'\n");
    std::fs::write(&log, &text).unwrap();
    let out = cdc(&["diagnose", "--log", log.to_str().unwrap()], None);
    let human = stdout(&out);
    assert!(human.starts_with("1. binlog-position-purged"), "{human}");
    assert!(human.contains("line 20001:"), "{human}");

    let out = cdc(
        &["diagnose", "--format", "json"],
        Some("Connection refused\n"),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["id"], "connection-failed", "{v}");

    let out = cdc(&["diagnose", "--format", "json", "all quiet"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"].as_array().unwrap().len(), 0);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn diagnose_streams_stdin_and_finds_an_error_late_in_it() {
    // 40 MB of noise, more than one read piece, then the error on its last line.
    let mut text = "2026-11-22 INFO WorkerSourceTask committing offsets\n".repeat(800_000);
    text.push_str("2026-11-22 ERROR Got error 1236 from source: 'Could not find first log file name in binary log index file'\n");
    let out = cdc(&["diagnose", "--format", "json"], Some(&text));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["id"], "binlog-position-purged", "{v}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn diagnose_finds_an_error_kilobytes_into_a_megabyte_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("dump.log");
    for before in [4_200, 9_800] {
        let mut text = "2026-11-22 INFO start\n".to_string();
        text.push_str(&"p".repeat(before));
        text.push_str(" Got error 1236 from source: 'Could not find first log file name in binary log index file' ");
        text.push_str(&"q".repeat(1 << 20));
        text.push('\n');
        std::fs::write(&log, &text).unwrap();
        let out = cdc(&["diagnose", "--log", log.to_str().unwrap()], None);
        let human = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{human}");
        assert!(human.starts_with("1. binlog-position-purged"), "{human}");
        // Fitted to the width at words: the excerpt's run of p's may start the next line.
        assert!(
            human.contains("line 2:") && human.contains("…ppp"),
            "{human}"
        );
        // The excerpt, not the megabyte.
        assert!(human.len() < 2_000, "{}", human.len());
    }
}

#[test]
fn diagnose_prints_escape_sequences_of_a_log_escaped() {
    let out = cdc(
        &["diagnose"],
        Some("\x1b[31mjava.net.ConnectException: Connection refused\x1b]0;owned\x07\n"),
    );
    let human = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{human}");
    assert!(
        human.contains("\\x1b[31mjava.net.ConnectException: Connection refused\\x1b]0;owned\\x07"),
        "{human}"
    );
    assert!(
        !human.contains('\x1b') && !human.contains('\x07'),
        "{human:?}"
    );

    let out = cdc(
        &["diagnose", "--format", "json"],
        Some("\x1b[31mConnection refused\n"),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["line"], "\x1b[31mConnection refused", "{v}");
}

#[test]
fn diagnose_with_a_source_runs_the_diagnostics_of_what_it_found() {
    let server = common::retail_server(&["--binlog-format=STATEMENT"]);
    let out = cdc(
        &[
            "diagnose",
            "--source",
            &server.url("cdc_user", common::CDC_PASSWORD),
            "binlog_format must be set to 'ROW', currently STATEMENT",
        ],
        None,
    );
    let page = stdout(&out);
    assert!(page.contains("1. binlog-format-not-row"), "{page}");
    assert!(
        page.contains("UNHEALTHY") && page.contains("answer: STATEMENT"),
        "{page}"
    );
}

/// The position a Debezium log names is checked against the source without copying it out,
/// and `--position` is taken when given (it was once asked for and refused).
#[test]
fn diagnose_checks_the_position_the_log_names() {
    let kind = common::Kind::Mariadb1011;
    let server = common::retail_server(&[]);
    let current = common::purge_all_but_the_current_binlog(kind, &server);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let log = "2026-12-01 ERROR Error during binlog processing. Last offset stored = null, \
               binlog reader near position = cdc-bin.000001/4\n\
               2026-12-01 ERROR Got error 1236 from source: 'Could not find first log file \
               name in binary log index file'\n";
    let out = cdc(&["diagnose", "--source", &url], Some(log));
    let page = stdout(&out);
    assert!(page.contains("1. binlog-position-purged"), "{page}");
    assert!(
        page.contains("Stored position named in the log: cdc-bin.000001:4"),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "cdc-bin.000001 was purged (oldest kept: {current})"
        )),
        "{page}"
    );
    assert!(!page.contains("no stored position given"), "{page}");
    // SHOW BINARY LOGS' answer: the name and its size side by side, not "name.size".
    assert!(page.contains(&format!("{current} ")), "{page}");
    assert!(!page.contains(&format!("{current}.")), "{page}");

    // Given by hand, it wins over the log's and is judged the same way: here, still there.
    let out = cdc(
        &[
            "diagnose",
            "--source",
            &url,
            "--position",
            &format!("{current}:4"),
        ],
        Some(log),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let page = stdout(&out);
    assert!(!page.contains("Stored position named in the log"), "{page}");
    assert!(
        page.contains(&format!("{current}:4 is on the server")),
        "{page}"
    );
}

/// cdc_user has no PROCESS: the process list shows it only its own sessions, so "0 sessions
/// still logging statements" would be a guess; it says it could not see, and root answers.
#[test]
fn a_process_list_diagnostic_without_process_says_it_could_not_see() {
    let server = common::retail_server(&[]);
    let run = |url: &str| {
        let out = cdc(
            &[
                "playbook",
                "binlog-format-not-row",
                "--run",
                "--source",
                url,
            ],
            None,
        );
        stdout(&out)
    };
    let page = run(&server.url("cdc_user", common::CDC_PASSWORD));
    assert!(page.contains("could not see other sessions"), "{page}");
    let page = run(&server.root_url());
    assert!(!page.contains("could not see other sessions"), "{page}");
}

/// At 80 columns a playbook fits, broken at words: "pur/ged" never happens.
#[test]
fn a_playbook_fits_the_width_at_word_boundaries() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["playbook", "binlog-position-purged"])
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    for line in page.lines() {
        // Only a single word wider than the page may pass it.
        assert!(
            line.chars().count() <= 80 || !line.trim().contains(' '),
            "{line:?}"
        );
    }
    assert!(page.contains("already purged"), "{page}");
}

#[test]
fn a_rendered_playbook_reads_well() {
    let library = cdc::playbooks::load::Library::load().unwrap();
    let p = library.get("binlog-position-purged").unwrap();
    insta::assert_snapshot!(cdc::report::playbook::render(p, None, false));
}
