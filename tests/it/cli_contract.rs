//! What every command promises: the exit codes (0 nothing wrong, 1 a problem found in what
//! was checked, 2 the tool could not do its job; bad arguments are 2 before anything runs,
//! an unreachable source is a finding for doctor and checklist and "could not run" for tail
//! and validate), a closed pipe is success and never a panic, and `-v` / `RUST_LOG` debug
//! logs on stderr that never show a password.

use crate::common;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cdc;

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_positions_are_refused_before_anything_runs() {
    // A source that would make a run take the connect timeout: a refusal is immediate.
    let url = format!("mysql://u:hunter2@127.0.0.1:{}", closed_port());
    let cases: [(&[&str], &str); 5] = [
        (&["doctor", "--position", "junk"], "is not FILE:POS"),
        (
            &["doctor", "--position", "bin.000001:-3"],
            "is not a number",
        ),
        (&["doctor", "--gtid-set", "junk"], "is not a GTID set"),
        (
            &["tail", "db.t", "--from", "bin.000001:4294967296"],
            "past the largest binlog position",
        ),
        (&["tail", "db.t", "--from", "gtid:0-1"], "is not a GTID set"),
    ];
    for (args, why) in cases {
        let mut args = args.to_vec();
        args.extend(["--source", &url, "--connect-timeout", "10s"]);
        let started = Instant::now();
        let out = cdc(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(out.stdout.is_empty(), "{args:?} ran");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?} waited"
        );
    }
}

#[test]
fn durations_too_long_to_wait_are_refused_not_a_panic() {
    let url = format!("mysql://u:hunter2@127.0.0.1:{}", closed_port());
    let target = format!("mysql://u@127.0.0.1:{}", closed_port());
    let cases: [&[&str]; 8] = [
        &["doctor", "--connect-timeout", "1e300"],
        &["doctor", "--connect-timeout", "99999999999999999999"],
        &["doctor", "--max-downtime", "1e17w"],
        &["checklist", "--max-age", "1e300d"],
        &[
            "validate", "--counts", "--tables", "a.b", "--settle", "1e300",
        ],
        &[
            "validate",
            "--counts",
            "--tables",
            "a.b",
            "--min-age",
            "1e300",
        ],
        &["validate", "--crud", "--timeout", "1e300"],
        &["tail", "a.b", "--connect-timeout", "1e12"],
    ];
    for args in cases {
        let mut args = args.to_vec();
        args.extend(["--source", &url]);
        if args[0] == "validate" {
            args.extend(["--target", &target]);
        }
        let out = cdc(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("longer than any duration"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} ran");
    }
}

#[test]
fn one_table_grammar_refuses_alike_before_anything_runs() {
    let url = format!("mysql://u:hunter2@127.0.0.1:{}", closed_port());
    let pg = format!("postgres://u@127.0.0.1:{}/d", closed_port());
    for bad in ["shop.orders.x", "shop.", "`shop.orders"] {
        let runs: [Vec<&str>; 3] = [
            vec!["doctor", "--tables", bad],
            vec!["tail", bad],
            vec!["validate", "--counts", "--tables", bad, "--target", &pg],
        ];
        let mut reasons = Vec::new();
        for mut args in runs {
            args.extend(["--source", &url, "--connect-timeout", "10s"]);
            let out = cdc(&args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(out.stdout.is_empty(), "{args:?} ran");
            let reason = err
                .lines()
                .find_map(|l| l.split_once(" is not db.table, db.*, *.* or a database: "))
                .map(|(_, why)| why.to_string());
            reasons.push(reason.unwrap_or_else(|| panic!("{args:?}: {err}")));
        }
        assert!(
            reasons.windows(2).all(|w| w[0] == w[1]),
            "{bad}: {reasons:?}"
        );
    }
}

#[test]
fn an_unreachable_source_is_could_not_run_for_tail_and_validate() {
    let url = format!("mysql://u:hunter2@127.0.0.1:{}", closed_port());
    let target = format!("mysql://u:hunter2@127.0.0.1:{}", closed_port());
    let runs: [&[&str]; 2] = [
        &["tail", "db.t", "--format", "jsonl"],
        &[
            "validate",
            "--crud",
            "--canary",
            "db.cdc_canary",
            "--target",
            &target,
        ],
    ];
    for args in runs {
        let mut args = args.to_vec();
        args.extend(["--source", &url, "--connect-timeout", "2s"]);
        let out = cdc(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("127.0.0.1"), "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    // tail names the playbook with a command that runs.
    let out = cdc(&["tail", "db.t", "--source", &url, "--connect-timeout", "2s"]);
    assert!(
        stderr(&out).contains("(see: cdc playbook connection-failed)"),
        "{}",
        stderr(&out)
    );
}

/// Issue 13: a password holding '/', '?' or '@' unescaped. The URL parses as meant (the last
/// '@' ends the userinfo) and shows redacted; a URL that does not parse is refused without
/// any of its userinfo.
#[test]
fn passwords_holding_url_characters_never_show() {
    let port = closed_port();
    let fragments = ["cretLEAK", "Zq9se", "1234?", "Secret"];
    let shows_none = |out: &std::process::Output| {
        let all = common::all_output(out);
        for f in fragments {
            assert!(!all.contains(f), "{f:?} shown: {all}");
        }
        all
    };
    for url in [
        format!("mysql://lp:Zq9se/cretLEAKme@127.0.0.1:{port}"),
        format!("mysql://lp:1234?cretLEAK@127.0.0.1:{port}"),
    ] {
        for format in ["human", "json"] {
            let out = cdc(&[
                "doctor",
                "--source",
                &url,
                "--connect-timeout",
                "2s",
                "--format",
                format,
            ]);
            let all = shows_none(&out);
            assert_eq!(out.status.code(), Some(1), "{all}");
            assert!(
                all.contains(&format!("mysql://lp:***@127.0.0.1:{port}")),
                "{all}"
            );
        }
    }
    let source = format!("mysql://u:pw@127.0.0.1:{port}");
    let validate = |target: &str| {
        cdc(&[
            "validate",
            "--source",
            &source,
            "--target",
            target,
            "--tables",
            "a.b",
            "--checksum",
            "--connect-timeout",
            "2s",
        ])
    };
    let runs = [
        cdc(&[
            "doctor",
            "--source",
            "mysql://lp:Zq9se/cretLEAKme@127.0.0.1:x",
        ]),
        cdc(&["doctor", "--source", "mysql://lp:Zq9se/cretLEAKme"]),
        cdc(&[
            "doctor",
            "--source",
            "mysql://lp:1234?cretLEAK@127.0.0.1?colour=red",
        ]),
        cdc(&["doctor", "--source", "mysql://lp:12%4?cretLEAK@127.0.0.1"]),
        validate("postgres://u:Pg@Secret/1@"),
        validate("postgres://u:Pg@Secret/1@127.0.0.1:x/db"),
        validate("postgres://u:Pg@Secret/1@127.0.0.1/db?sslmode=sometimes"),
        validate("mysql://lp:1234?cretLEAK@127.0.0.1?colour=red"),
    ];
    for out in runs {
        let all = shows_none(&out);
        assert_eq!(out.status.code(), Some(2), "{all}");
        assert!(all.contains("URL"), "{all}");
    }
}

#[test]
fn an_unreachable_source_is_a_finding_for_doctor_and_checklist() {
    let url = format!("mysql://u:pw@127.0.0.1:{}", closed_port());
    for command in ["doctor", "checklist"] {
        let out = cdc(&[
            command,
            "--source",
            &url,
            "--connect-timeout",
            "2s",
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1), "{command}: {}", stderr(&out));
        assert!(!out.stdout.is_empty(), "{command} printed no report");
    }
}

/// Runs `cdc args` with stdout a pipe whose reading end is already closed.
fn into_closed_pipe(args: &[&str], env: &[(&str, &std::path::Path)]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdc"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_closed_pipe_is_success_and_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("CDC_SANDBOX_DIR", dir.path())];
    let runs: [(&[&str], i32); 4] = [
        // No sandbox there: status reports it (1), even to nobody.
        (&["sandbox", "status"], 1),
        (&["playbook"], 0),
        (&["doctor", "--list"], 0),
        (&["tail", "*.*", "--format", "jsonl", "--file"], 0),
    ];
    let binlog = common::fixture_path("mariadb-bin.000001");
    for (args, code) in runs {
        let mut args = args.to_vec();
        if args[0] == "tail" {
            args.push(binlog.to_str().unwrap());
        }
        let out = into_closed_pipe(&args, &env);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    }
}

#[test]
fn debug_logs_only_when_asked_and_never_the_password() {
    let server = common::retail_server_on(common::Kind::Mariadb1011, &[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let quiet = cdc(&["doctor", "--source", &url, "--format", "json"]);
    assert!(!stderr(&quiet).contains("DEBUG"), "{}", stderr(&quiet));

    let loud = cdc(&["-v", "doctor", "--source", &url, "--format", "json"]);
    let err = stderr(&loud);
    assert_eq!(loud.status.code(), quiet.status.code(), "{err}");
    // Logs go to stderr only: the report is still one JSON document.
    serde_json::from_slice::<serde_json::Value>(&loud.stdout).expect("a JSON report");
    for line in [
        "[DEBUG cdc::connection::session] connecting to mysql://cdc_user:***@127.0.0.1:",
        "[DEBUG cdc::connection::session] sql: SHOW GLOBAL VARIABLES",
        "[DEBUG cdc::checks::engine] check binlog.format: Pass",
    ] {
        assert!(err.contains(line), "no {line:?} in:\n{err}");
    }
    assert!(!err.contains(common::CDC_PASSWORD), "{err}");

    // RUST_LOG picks modules: the decoder's decisions, not the connection's.
    let log = common::fixture_path("mariadb-bin.000001");
    let out = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["tail", "*.*", "--format", "jsonl", "--file"])
        .arg(&log)
        .env("RUST_LOG", "cdc::binlog=debug")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("[DEBUG cdc::binlog::decode]"), "{err}");
    assert!(err.contains("format description: server"), "{err}");
    assert!(err.contains("table map"), "{err}");
    assert!(!err.contains("cdc::connection"), "{err}");
}
