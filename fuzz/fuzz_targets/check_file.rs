//! One fuzzed check file through the loader `--checks-dir` uses: YAML tree, field readers,
//! the read-only SQL guard. A panic, a hang or a blow-up is a finding; a file with problems
//! must get problems that each name the file and sit on one line.
#![no_main]

use cdc::checks::catalogue::parse_file;
use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz.yaml";

fuzz_target!(|data: &[u8]| {
    // The loader reads files as UTF-8 and refuses others before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(problems) = parse_file(NAME, text) {
        assert!(problems.iter().next().is_some(), "an error of no problems");
        for p in problems.iter() {
            let shown = p.to_string();
            assert!(
                shown.starts_with(NAME),
                "the problem does not name the file: {shown}"
            );
            assert!(!shown.contains('\n'), "a problem over two lines: {shown:?}");
        }
    }
});
