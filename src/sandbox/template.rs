//! Initialised data directories kept as templates, for servers in temporary directories.
//!
//! `mysqld --initialize-insecure` takes about 6 s here (MariaDB's install tool about 1.5 s)
//! and the tests start dozens of throwaway servers from the same binary: the first
//! initialisation is kept under the temp dir and copied for the next ones.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::binary::ServerBinary;
use super::launch::install;
use super::SandboxError;

/// Bumped whenever `install` changes what a fresh data directory holds.
const FORMAT: u32 = 1;

/// Fills the empty `data_dir` with a copy of this binary's template, making the template
/// first if there is none.
pub(super) fn install_from_template(
    binary: &ServerBinary,
    data_dir: &Path,
    tmp_dir: &Path,
) -> Result<(), SandboxError> {
    let template = template_dir(binary);
    if !template.join("data").is_dir() {
        make_template(binary, &template, tmp_dir)?;
    }
    copy_dir(&template.join("data"), data_dir)?;
    // MySQL's server_uuid lives in auto.cnf: two servers sharing one refuse to replicate
    // ("source and replica have equal MySQL server UUIDs"). A fresh one is made at start.
    let auto_cnf = data_dir.join("auto.cnf");
    if auto_cnf.exists() {
        std::fs::remove_file(&auto_cnf)
            .map_err(|e| SandboxError::io(format!("removing {}", auto_cnf.display()), e))?;
    }
    Ok(())
}

/// One directory per binary and version: a rebuilt or upgraded server gets a new one.
fn template_dir(binary: &ServerBinary) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    FORMAT.hash(&mut h);
    binary.server.hash(&mut h);
    binary.version().hash(&mut h);
    std::env::temp_dir()
        .join("cdc-datadir-templates")
        .join(format!("{:016x}", h.finish()))
}

/// Initialises into a private directory, then renames it into place: a concurrent test
/// doing the same either wins the rename or finds the finished template.
fn make_template(
    binary: &ServerBinary,
    template: &Path,
    tmp_dir: &Path,
) -> Result<(), SandboxError> {
    let parent = template.parent().unwrap_or(template);
    std::fs::create_dir_all(parent)
        .map_err(|e| SandboxError::io(format!("creating {}", parent.display()), e))?;
    let staging = tempfile::Builder::new()
        .prefix("staging-")
        .tempdir_in(parent)
        .map_err(|e| {
            SandboxError::io(format!("creating a directory in {}", parent.display()), e)
        })?;
    install(binary, &staging.path().join("data"), tmp_dir)?;
    let staged = staging.keep();
    if std::fs::rename(&staged, template).is_err() {
        // Another process finished first; its template is as good as ours.
        let _ = std::fs::remove_dir_all(&staged);
    }
    if template.join("data").is_dir() {
        Ok(())
    } else {
        Err(SandboxError::io(
            format!("keeping the data directory template {}", template.display()),
            std::io::Error::other("the template is missing after it was made"),
        ))
    }
}

/// `cp -a FROM/. TO`: keeps modes and is far faster than walking the tree from here.
fn copy_dir(from: &Path, to: &Path) -> Result<(), SandboxError> {
    std::fs::create_dir_all(to)
        .map_err(|e| SandboxError::io(format!("creating {}", to.display()), e))?;
    let output = Command::new("cp")
        .arg("-a")
        .arg(from.join("."))
        .arg(to)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| SandboxError::io("running cp", e))?;
    if output.status.success() {
        return Ok(());
    }
    Err(SandboxError::Install {
        dir: to.to_path_buf(),
        output: format!(
            "copying the template {}: {}",
            from.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    })
}
