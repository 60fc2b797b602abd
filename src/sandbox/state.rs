//! The persistent sandbox's bookkeeping: where it lives and what `up` left for
//! `status`, `url` and `down` (port, pid, password).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{client, process, SandboxError};

const STATE_FILE: &str = "state.json";

/// What `cdc sandbox up` recorded. Holds a password, so the file is mode 0600.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SandboxState {
    pub(crate) port: u16,
    pub(crate) pid: u32,
    pub(crate) password: String,
    /// The server binary that was started.
    pub(crate) binary: PathBuf,
    /// "MariaDB 10.11.6", as the binary reported it.
    pub(crate) version: String,
}

impl SandboxState {
    /// The sandbox's source URL, password included: what `up` and `url` print.
    pub(crate) fn url(&self) -> String {
        format!(
            "mysql://cdc_user:{}@127.0.0.1:{}/retail_db",
            crate::connection::url::percent_encode(&self.password),
            self.port
        )
    }

    /// The same URL with the password masked, for status output and logs.
    pub(crate) fn redacted_url(&self) -> String {
        format!("mysql://cdc_user:***@127.0.0.1:{}/retail_db", self.port)
    }

    /// Running = the recorded pid is a live server on `data_dir` and root can connect on
    /// the recorded port; a recycled pid or a stale file reads as stopped.
    pub(crate) fn is_running(&self, data_dir: &Path) -> bool {
        process::pid_runs_with(self.pid, &data_dir.to_string_lossy())
            && client::connect_within("127.0.0.1", self.port, "root", "", Duration::from_secs(5))
                .is_ok()
    }
}

/// `$CDC_SANDBOX_DIR`, else `$XDG_CACHE_HOME/cdc/sandbox`, else `$HOME/.cache/cdc/sandbox`.
pub(crate) fn sandbox_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("CDC_SANDBOX_DIR") {
        return Some(dir);
    }
    let cache = env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))?;
    Some(cache.join("cdc").join("sandbox"))
}

/// Reads `dir/state.json`; Ok(None) when there is no sandbox yet.
pub(crate) fn load(dir: &Path) -> Result<Option<SandboxState>, SandboxError> {
    let path = dir.join(STATE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SandboxError::io(format!("reading {}", path.display()), e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        SandboxError::io(format!("parsing {}", path.display()), io)
    })
}

/// Writes `dir/state.json` with mode 0600, via a temp file and rename so a crash never
/// leaves half a file.
pub(crate) fn save(dir: &Path, state: &SandboxState) -> Result<(), SandboxError> {
    let path = dir.join(STATE_FILE);
    let tmp = dir.join(format!("{STATE_FILE}.tmp"));
    let what = || format!("writing {}", path.display());
    let json = serde_json::to_string_pretty(state).expect("state serialises");
    let _ = std::fs::remove_file(&tmp);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| SandboxError::io(what(), e))?;
    f.write_all(json.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| SandboxError::io(what(), e))?;
    std::fs::rename(&tmp, &path).map_err(|e| SandboxError::io(what(), e))
}

/// 16 random alphanumeric characters from /dev/urandom: URL-safe and shell-safe.
pub(crate) fn generate_password() -> Result<String, SandboxError> {
    use std::io::Read;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut urandom = std::fs::File::open("/dev/urandom")
        .map_err(|e| SandboxError::io("opening /dev/urandom", e))?;
    let mut out = String::with_capacity(16);
    let mut buf = [0u8; 64];
    while out.len() < 16 {
        urandom
            .read_exact(&mut buf)
            .map_err(|e| SandboxError::io("reading /dev/urandom", e))?;
        // Drop bytes >= 248 (= 4 * 62) so every character is equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == 16 {
                break;
            }
            out.push(ALPHABET[(*b % 62) as usize] as char);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn sample() -> SandboxState {
        SandboxState {
            port: 41234,
            pid: 999,
            password: "s3cret".into(),
            binary: PathBuf::from("/usr/sbin/mariadbd"),
            version: "MariaDB 10.11.6".into(),
        }
    }

    #[test]
    fn state_round_trips_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), None);
        save(dir.path(), &sample()).unwrap();
        save(dir.path(), &sample()).unwrap(); // overwriting works too
        assert_eq!(load(dir.path()).unwrap(), Some(sample()));
        let mode = std::fs::metadata(dir.path().join(STATE_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn corrupt_state_is_an_error_not_a_missing_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "{not json").unwrap();
        assert!(load(dir.path()).is_err());
    }

    #[test]
    fn urls_show_and_hide_the_password() {
        let s = sample();
        assert_eq!(s.url(), "mysql://cdc_user:s3cret@127.0.0.1:41234/retail_db");
        assert_eq!(
            s.redacted_url(),
            "mysql://cdc_user:***@127.0.0.1:41234/retail_db"
        );
        assert!(!s.redacted_url().contains("s3cret"));
    }

    #[test]
    fn passwords_are_16_alphanumerics_and_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn a_dead_pid_is_not_running() {
        let s = SandboxState {
            pid: 4_194_305,
            ..sample()
        };
        assert!(!s.is_running(Path::new("/nonexistent")));
    }
}
