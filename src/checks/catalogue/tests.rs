use std::collections::BTreeSet;

use super::*;
use crate::checks::spec::{Probe, Test};

/// A check file with one check; `rest` replaces everything after `why`.
fn one(rest: &str) -> String {
    format!("checks:\n  - id: x.y\n    title: t\n    why: w\n{rest}")
}

const TAIL: &str = "    fixes: [{summary: s}]\n    playbook: p\n";

fn problems(text: &str) -> Vec<String> {
    match parse_file("mine.yaml", text) {
        Ok(_) => panic!("loaded:\n{text}"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn builtin_catalogue_loads_and_lists_every_file() {
    let c = Catalogue::load(None).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.get("binlog.format").is_some());
    assert!(c.specs.iter().all(|s| s.origin.is_built_in()));
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/checks"))
            .unwrap()
            .map(|e| format!("checks/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".yaml"))
            .collect();
    let compiled: BTreeSet<String> = BUILTIN_FILES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, compiled, "every checks/*.yaml must be compiled in");
}

#[test]
fn the_documented_check_ids_exist() {
    // These ids are an interface: scripts match on them in JSON and JUnit output.
    let c = Catalogue::load(None).unwrap();
    for id in [
        "connect.tcp",
        "connect.auth",
        "connect.tls",
        "connect.private",
        "server.version",
        "binlog.enabled",
        "binlog.format",
        "binlog.row_image",
        "binlog.row_metadata",
        "binlog.row_value_options",
        "binlog.compression",
        "binlog.retention",
        "binlog.position",
        "binlog.filters",
        "gtid.mode",
        "server.id",
        "replica.log_updates",
        "grants.replication",
        "grants.snapshot",
        "tables.primary_key",
        "tables.engine",
        "server.time_zone",
        "server.timeouts",
        "position.available",
    ] {
        assert!(c.get(id).is_some(), "check {id} is missing");
    }
}

#[test]
fn connection_checks_are_those_whose_builtins_need_no_session() {
    let c = Catalogue::load(None).unwrap();
    let sessionless: Vec<&str> = c
        .specs
        .iter()
        .filter(|s| !s.probe.needs_session())
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        sessionless,
        [
            "connect.tcp",
            "connect.auth",
            "connect.tls",
            "connect.private"
        ]
    );
}

#[test]
fn time_zone_rule_accepts_zones_and_rejects_abbreviations() {
    let c = Catalogue::load(None).unwrap();
    let spec = c.get("server.time_zone").expect("server.time_zone");
    let Test::Regex(re) = &spec.expect[0].test else {
        panic!("server.time_zone's first rule is a regex")
    };
    for ok in [
        "UTC",
        "+00:00",
        "-05:00",
        "+5:30",
        "Europe/Berlin",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+3",
    ] {
        assert!(re.is_match(ok), "{ok} should pass");
    }
    for bad in ["CEST", "CST", "IST", "EDT", "SYSTEM", ""] {
        assert!(!re.is_match(bad), "{bad} should fail");
    }
}

#[test]
fn a_sound_file_reads_into_typed_probes_and_rules() {
    let specs = parse_file(
        "mine.yaml",
        &one(&format!(
            "    probe:\n      - {{ when: {{ flavor: mysql }}, builtin: connect.tls, args: {{ expiry_warn_days: 10 }} }}\n      - {{ sql: 'SHOW MASTER STATUS', rows: list }}\n    expect: [{{ op: in, value: [ON, 1, true] }}]\n{TAIL}"
        )),
    )
    .unwrap();
    let spec = &specs[0];
    assert_eq!(spec.origin, Origin::File("mine.yaml".into()));
    let probes = &spec.probe.0;
    assert!(matches!(
        probes[0].probe,
        Probe::Builtin(crate::checks::builtin::Builtin::ConnectTls { expiry_warn_days }) if expiry_warn_days == 10.0
    ));
    assert!(matches!(
        &probes[1].probe,
        Probe::Sql {
            read: crate::checks::spec::SqlRead::List,
            ..
        }
    ));
    let Test::In(list) = &spec.expect[0].test else {
        panic!()
    };
    let texts: Vec<&str> = list.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["ON", "1", "ON"]);
    assert_eq!(list[1].number, Some(1.0));
}

#[test]
fn several_problems_in_one_file_are_reported_together() {
    let text = "checks:\n  - id: Bad-Id\n    title: ''\n    why: w\n    probe: {variable: v}\n    expect: [{op: gte, value: lots}]\n    fixes: [{summary: s}]\n    playbook: p\n  - id: x.z\n    title: t\n    why: w\n    probe: {sql: 'DELETE FROM t'}\n    expect: [{op: empty}]\n    playbook: p\n";
    let all = problems(text);
    assert_eq!(
        all,
        [
            "mine.yaml:2: checks[0].id: \"Bad-Id\" must look like area.name (lowercase letters, digits, _)",
            "mine.yaml:3: checks[0].title: must not be empty",
            "mine.yaml:6: checks[0].expect[0].value: needs a number",
            "mine.yaml:9: checks[1]: missing field `fixes`",
            "mine.yaml:12: checks[1].probe.sql: sql must be a SELECT or SHOW statement (doctor never writes), not DELETE",
        ]
    );
    let e = parse_file("mine.yaml", text).unwrap_err().to_string();
    assert!(e.starts_with("5 problems:\n  mine.yaml:2: "), "{e}");
    assert_eq!(e.lines().count(), 6, "{e}");
}

#[test]
fn an_unknown_probe_field_is_named_with_the_known_ones() {
    let all = problems(&one(&format!(
        "    probe: {{ variabel: binlog_format }}\n    expect: [{{op: eq, value: ROW}}]\n{TAIL}"
    )));
    assert_eq!(
        all[0],
        "mine.yaml:5: checks[0].probe.variabel: unknown field `variabel` (known: when, variable, variables, sql, column, rows, builtin, args, missing)"
    );
}

/// Found by the check_file fuzz target: a quoted key holding newlines was echoed raw, so one
/// problem printed as many lines, the later ones naming no file.
#[test]
fn a_key_holding_newlines_is_one_problem_line_naming_file_and_line() {
    let all = problems(&one(&format!(
        "    probe: {{ \"vari\\nabel\\u001b\": binlog_format }}\n    expect: [{{op: eq, value: ROW}}]\n{TAIL}"
    )));
    assert!(
        all[0].starts_with(
            "mine.yaml:5: checks[0].probe.vari\\nabel\\u{1b}: unknown field `vari\\nabel\\u{1b}`"
        ),
        "{all:?}"
    );
    assert!(all.iter().all(|p| !p.contains('\n')), "{all:?}");
}

/// An alias bomb (each anchor ten of the one before) is a problem on the line where the
/// bound is passed, not a load that runs out of memory.
#[test]
fn an_alias_bomb_names_file_and_line() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let items = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    let all = problems(&text);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0].starts_with("mine.yaml:6: aliases expand the file past"),
        "{all:?}"
    );
}

#[test]
fn a_bad_regex_is_named() {
    let all = problems(&one(&format!(
        "    probe: {{ variable: time_zone }}\n    expect:\n      - {{ op: regex, value: '^(UTC' }}\n{TAIL}"
    )));
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        all,
        ["mine.yaml:7: checks[0].expect[0].value: bad regex: unclosed group"]
    );
}

#[test]
fn an_unknown_builtin_lists_the_known_ones() {
    let all = problems(&one(&format!("    probe: {{ builtin: grant }}\n{TAIL}")));
    assert!(
        all[0].starts_with(
            "mine.yaml:5: checks[0].probe.builtin: unknown builtin \"grant\" (known: connect.tcp, connect.auth, "
        ),
        "{}",
        all[0]
    );
    assert!(
        all[0].contains("server.reader_id, server.id, connector.tasks)"),
        "{}",
        all[0]
    );
    let all = problems(&one(&format!(
        "    probe: {{ builtin: connect.tcp, args: {{ x: 1 }} }}\n{TAIL}"
    )));
    assert_eq!(
        all,
        ["mine.yaml:5: checks[0].probe.args: builtin connect.tcp takes no args"]
    );
    let all = problems(&one(&format!(
        "    probe: {{ builtin: grants, args: {{ globl: [SUPER] }} }}\n{TAIL}"
    )));
    assert!(
        all[0].contains(
            "unknown field `globl` (known: global, per_schema, superfluous, superfluous_roles)"
        ),
        "{all:?}"
    );
}

#[test]
fn rule_variables_must_be_known_and_numeric() {
    let file = |expect: &str| {
        one(&format!(
            "    probe: {{variable: v}}\n    expect: [{expect}]\n{TAIL}"
        ))
    };
    assert!(parse_file("f", &file("{op: gte, value: $max_downtime}")).is_ok());
    assert_eq!(
        problems(&file("{op: gte, value: $max_dowtime}")),
        ["mine.yaml:6: checks[0].expect[0].value: unknown variable $max_dowtime (known: $max_downtime)"]
    );
    assert!(problems(&file("{op: eq, value: $max_downtime}"))[0].contains("is a number"));
}

#[test]
fn a_bad_operator_names_file_line_and_field() {
    let all = problems(&one(&format!(
        "    probe: {{variable: v}}\n    expect:\n      - {{op: eqq, value: 1}}\n{TAIL}"
    )));
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0].starts_with("mine.yaml:7: checks[0].expect[0].op: unknown variant `eqq`"),
        "{}",
        all[0]
    );
}

#[test]
fn probe_shapes_are_checked() {
    let probe = |p: &str| {
        problems(&one(&format!(
            "    probe: {p}\n    expect: [{{op: empty}}]\n{TAIL}"
        )))
    };
    assert_eq!(
        probe("{}"),
        ["mine.yaml:5: checks[0].probe: needs one of variable, variables, sql, builtin"]
    );
    assert_eq!(
        probe("{variable: v, builtin: grants}"),
        ["mine.yaml:5: checks[0].probe: has variable and builtin: a probe is exactly one of variable, variables, sql, builtin"]
    );
    assert_eq!(
        probe("{variable: v, column: c}"),
        ["mine.yaml:5: checks[0].probe.column: `column` goes with a `sql` probe, not a `variable` one"]
    );
    assert_eq!(
        probe("[{variable: a}, {variable: b}]"),
        ["mine.yaml:5: checks[0].probe[0]: only the last variant may omit `when` (the ones after it could never run)"]
    );
    assert_eq!(
        probe("{variable: v, when: {version: '>= soon'}}"),
        ["mine.yaml:5: checks[0].probe.when.version: \">= soon\" is not a version requirement like \">=8.0.1, <8.4\""]
    );
}

#[test]
fn the_catalogue_rules_hold_for_every_file() {
    // What a test once held the built-in files to, the loader now holds every file to.
    let rules_needed = problems(&one(&format!("    probe: {{variable: v}}\n{TAIL}")));
    assert!(
        rules_needed[0].contains("needs at least one rule"),
        "{rules_needed:?}"
    );
    let last_fix = problems(&one(
        "    probe: {builtin: connect.tcp}\n    fixes: [{summary: s, when: {flavor: mysql}}]\n    playbook: p\n",
    ));
    assert!(
        last_fix[0].contains("must not have a `when`"),
        "{last_fix:?}"
    );
    let of = problems(&one(&format!(
        "    probe: {{variables: [a, b]}}\n    expect: [{{of: c, op: empty}}]\n{TAIL}"
    )));
    assert_eq!(
        of,
        ["mine.yaml:6: checks[0].expect[0].of: the probe reads no variable c (it reads a, b)"]
    );
    let list = problems(&one(&format!(
        "    probe: {{variable: v}}\n    expect: [{{op: in, value: ROW}}]\n{TAIL}"
    )));
    assert!(list[0].contains("in needs a list"), "{list:?}");
    let playbook = problems(&one(
        "    probe: {builtin: connect.tcp}\n    fixes: [{summary: s}]\n    playbook: Not_Kebab\n",
    ));
    assert!(playbook[0].contains("is not a playbook id"), "{playbook:?}");
    let itself = problems(&one(&format!(
        "    requires: [x.y]\n    probe: {{builtin: connect.tcp}}\n{TAIL}"
    )));
    assert_eq!(
        itself,
        ["mine.yaml:5: checks[0].requires[0]: a check cannot require itself"]
    );
}

#[test]
fn yaml_syntax_errors_give_the_line() {
    let all = problems("checks:\n  - id: x.y\n    title: [t\n    why: w\n");
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].starts_with("mine.yaml:"), "{all:?}");
    let line: usize = all[0]["mine.yaml:".len()..]
        .split(':')
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    assert!((3..=5).contains(&line), "{all:?}");
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// What loading `files` as a checks dir says, the directory written `DIR`.
fn load_problems(files: &[(&str, &str)]) -> String {
    let dir = dir_with(files);
    let e = Catalogue::load(Some(dir.path())).unwrap_err();
    e.to_string()
        .replace(&dir.path().display().to_string(), "DIR")
}

/// A check file with a check that replaces the built-in `binlog.format`.
fn binlog_format_mine() -> String {
    format!(
        "checks:\n  - id: binlog.format\n    title: mine\n    why: w\n    probe: {{variable: binlog_format}}\n    expect: [{{op: in, value: [ROW, MIXED]}}]\n{TAIL}"
    )
}

#[test]
fn a_duplicate_id_names_the_second_place_and_the_first() {
    let check = |id: &str| {
        format!("checks:\n  - id: {id}\n    title: t\n    why: w\n    probe: {{builtin: connect.tcp}}\n{TAIL}")
    };
    let e = load_problems(&[
        ("a.yaml", &check("my.check")),
        (
            "b.yaml",
            &format!("# the same again\n{}", check("my.check")),
        ),
    ]);
    assert_eq!(
        e,
        "DIR/b.yaml:3: checks[0].id: duplicate id my.check (first at DIR/a.yaml:2)"
    );
}

#[test]
fn a_file_replaces_a_builtin_once_and_records_its_origin() {
    let dir = dir_with(&[("mine.yaml", &binlog_format_mine())]);
    let c = Catalogue::load(Some(dir.path())).unwrap();
    let builtin = Catalogue::load(None).unwrap();
    assert_eq!(c.specs.len(), builtin.specs.len());
    let spec = c.get("binlog.format").unwrap();
    assert_eq!(spec.title, "mine");
    let path = dir.path().join("mine.yaml").display().to_string();
    assert_eq!(spec.origin, Origin::File(path));
    assert!(c.get("binlog.row_image").unwrap().origin.is_built_in());
}

#[test]
fn two_files_replacing_one_builtin_name_each_other() {
    let text = binlog_format_mine();
    let e = load_problems(&[("a.yaml", &text), ("b.yaml", &format!("\n\n{text}"))]);
    assert_eq!(
        e,
        "DIR/b.yaml:4: checks[0].id: duplicate id binlog.format (first at DIR/a.yaml:2)"
    );
}

#[test]
fn a_check_file_over_the_size_cap_is_refused_unread() {
    let big = format!("# {}\n{}", "x".repeat(MAX_FILE_BYTES as usize), one(TAIL));
    assert_eq!(
        load_problems(&[("big.yaml", &big)]),
        format!(
            "DIR/big.yaml: {} bytes, more than the 1048576 bytes (1 MiB) a check file may have",
            big.len()
        )
    );
}

#[test]
fn a_directory_of_too_many_checks_is_refused_naming_it() {
    let mut text = "checks:\n".to_string();
    for i in 0..=MAX_DIR_CHECKS {
        text.push_str(&format!(
            "  - id: my.c{i}\n    title: t\n    why: w\n    probe: {{builtin: connect.tcp}}\n    fixes: [{{summary: s}}]\n    playbook: p\n"
        ));
    }
    assert_eq!(
        load_problems(&[("many.yaml", &text)]),
        "DIR: more than the 2000 checks a checks directory may hold (passed at DIR/many.yaml)"
    );
}

#[test]
fn a_directory_too_big_in_files_or_bytes_is_refused_naming_it() {
    let names: Vec<String> = (0..=MAX_DIR_CHECKS)
        .map(|i| format!("c{i:04}.yaml"))
        .collect();
    let empty: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
    assert_eq!(
        load_problems(&empty),
        "DIR: 2001 check files, more than the 2000 checks a checks directory may hold"
    );

    // Nine files just under the file cap each pass the directory's 8 MiB.
    let comment = format!("# {}\n", "x".repeat(MAX_FILE_BYTES as usize - 1_000));
    let texts: Vec<String> = (0..9)
        .map(|i| format!("{comment}{}", one(TAIL).replace("x.y", &format!("my.c{i}"))))
        .collect();
    let total: usize = texts.iter().map(String::len).sum();
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        load_problems(&files),
        format!("DIR: its check files are {total} bytes together, more than the 8388608 bytes (8 MiB) a checks directory may hold")
    );
}

#[test]
fn deep_nesting_in_a_check_file_names_file_and_line() {
    let deep = format!("checks:\n{}", "[".repeat(200_000));
    assert_eq!(
        load_problems(&[("deep.yaml", &deep)]),
        "DIR/deep.yaml:2: nested deeper than 64 lists and mappings"
    );
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_opened() {
    let dir = dir_with(&[(
        "real.yaml",
        &format!("checks:\n  - id: my.real\n    title: t\n    why: w\n    probe: {{builtin: connect.tcp}}\n{TAIL}"),
    )]);
    let fifo = dir.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::create_dir(dir.path().join("folder.yml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real.yaml"), dir.path().join("link.yaml")).unwrap();
    std::os::unix::fs::symlink(&fifo, dir.path().join("to-fifo.yaml")).unwrap();
    // Reading the FIFO would block this test for ever; the load must not open it. Problems
    // reading files come before those found in them.
    let e = Catalogue::load(Some(dir.path())).unwrap_err();
    let at = |n: &str| dir.path().join(n).display().to_string();
    let lines: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            format!(
                "{}: not a regular file (a FIFO); a check file must be one",
                at("fifo.yaml")
            ),
            format!(
                "{}: not a regular file (a directory); a check file must be one",
                at("folder.yml")
            ),
            format!(
                "{}: not a regular file (a FIFO); a check file must be one",
                at("to-fifo.yaml")
            ),
            // The link is read: its check is real.yaml's, so one of them is a duplicate.
            format!(
                "{}:2: checks[0].id: duplicate id my.real (first at {}:2)",
                at("real.yaml"),
                at("link.yaml")
            ),
        ]
    );
}

#[test]
fn a_dangling_requires_names_its_file_and_line() {
    let text = format!(
        "checks:\n  - id: my.check\n    title: t\n    why: w\n    requires:\n      - binlog.enabled\n      - binlog.enabeld\n    probe: {{builtin: connect.tcp}}\n{TAIL}"
    );
    let dir = dir_with(&[("mine.yaml", &text)]);
    let e = Catalogue::load(Some(dir.path())).unwrap_err();
    let path = dir.path().join("mine.yaml").display().to_string();
    assert_eq!(
        e.to_string(),
        format!("{path}:7: checks[0].requires[1]: no check has id \"binlog.enabeld\"")
    );
}

#[test]
fn problems_of_several_files_come_together() {
    let dir = dir_with(&[
        (
            "a.yaml",
            &one(&format!("    probe: {{ variabel: x }}\n{TAIL}")),
        ),
        ("b.yaml", "checks:\n  - id: b.c\n    title: t\n"),
    ]);
    let e = Catalogue::load(Some(dir.path())).unwrap_err();
    let lines: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("a.yaml:5: checks[0].probe.variabel")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("b.yaml:2: checks[0]: missing field `why`")),
        "{lines:?}"
    );
}

#[test]
fn only_keeps_the_named_checks_and_what_they_require() {
    let all = Catalogue::load(None).unwrap();
    let some = all.only(&["position.available", "no.such.check"]);
    let ids: Vec<&str> = some.specs.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&"position.available"), "{ids:?}");
    // position.available requires binlog.enabled; that one needs the login.
    let spec = all
        .specs
        .iter()
        .find(|s| s.id == "position.available")
        .unwrap();
    for dep in &spec.requires {
        assert!(ids.contains(&dep.as_str()), "{dep} missing from {ids:?}");
    }
    assert!(ids.len() < all.specs.len() / 2, "{ids:?}");
    // Catalogue order is kept.
    let order: Vec<&str> = all
        .specs
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| ids.contains(id))
        .collect();
    assert_eq!(ids, order);
}
