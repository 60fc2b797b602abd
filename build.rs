//! Compiles every `playbooks/*.yaml` into the binary without a hand-kept list.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=playbooks");
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("playbooks");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// (file name, contents) of every built-in playbook.\npub const BUILTIN_PLAYBOOKS: &[(&str, &str)] = &[\n");
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("playbooks/{name}"),
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_playbooks.rs");
    fs::write(target, out).unwrap();
}
