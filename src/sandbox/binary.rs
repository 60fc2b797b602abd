//! Finding a server binary and the tool that initialises its data directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::SandboxError;
use crate::connection::server::Version;

/// Directories searched after PATH: a non-root user's PATH often lacks sbin, and the
/// MySQL tarball installs under /usr/local/mysql.
const EXTRA_DIRS: [&str; 3] = ["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"];

/// How a fresh data directory gets its system tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitTool {
    /// `mariadb-install-db` (or the older `mysql_install_db`) from a MariaDB install.
    InstallDb(PathBuf),
    /// MySQL 5.7+: `mysqld --initialize-insecure` (root without a password).
    InitializeInsecure,
}

/// A server binary plus its data-directory initialiser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBinary {
    pub server: PathBuf,
    pub(crate) init: InitTool,
}

impl ServerBinary {
    /// Looks on PATH and the usual sbin directories.
    pub fn find() -> Result<ServerBinary, SandboxError> {
        ServerBinary::find_in(&search_dirs())
    }

    /// The server at `server` (`cdc sandbox up --server`, a test harness root): what it
    /// is comes from its `--version`, its initialiser from beside it (then PATH).
    pub fn at(server: &Path) -> Result<ServerBinary, SandboxError> {
        if !is_executable(server) {
            return Err(SandboxError::NotAServer {
                path: server.to_path_buf(),
                why: "no executable file there".into(),
            });
        }
        let line = version_line(server);
        if line.contains("MariaDB") {
            let init = install_db(
                &search_dirs(),
                server,
                &["mariadb-install-db", "mysql_install_db"],
            )?;
            return Ok(ServerBinary {
                server: server.to_path_buf(),
                init,
            });
        }
        if parse_version_line(&line).is_none() {
            let said = line.trim();
            return Err(SandboxError::NotAServer {
                path: server.to_path_buf(),
                why: if said.is_empty() {
                    "it prints no version for --version".into()
                } else {
                    format!("its --version says {said:?}")
                },
            });
        }
        Ok(ServerBinary {
            server: server.to_path_buf(),
            init: InitTool::InitializeInsecure,
        })
    }

    /// Looks only in `dirs`, in order; `mariadbd` anywhere wins over `mysqld`.
    pub(crate) fn find_in(dirs: &[PathBuf]) -> Result<ServerBinary, SandboxError> {
        if let Some(server) = find_exe(dirs, "mariadbd") {
            let init = install_db(dirs, &server, &["mariadb-install-db", "mysql_install_db"])?;
            return Ok(ServerBinary { server, init });
        }
        if let Some(server) = find_exe(dirs, "mysqld") {
            // Older MariaDB (< 10.4) and distro symlinks ship a MariaDB server as `mysqld`.
            let init = if version_line(&server).contains("MariaDB") {
                install_db(dirs, &server, &["mysql_install_db", "mariadb-install-db"])?
            } else {
                InitTool::InitializeInsecure
            };
            return Ok(ServerBinary { server, init });
        }
        let looked_in = EXTRA_DIRS.join(", ");
        Err(SandboxError::MissingBinary { looked_in })
    }

    /// "MariaDB 10.11.6" / "MySQL 8.0.36" from `--version`; None when it says nothing useful.
    pub(crate) fn version(&self) -> Option<String> {
        parse_version_line(&version_line(&self.server))
    }

    /// MySQL (initialised by `--initialize-insecure`), not MariaDB.
    pub fn is_mysql(&self) -> bool {
        self.init == InitTool::InitializeInsecure
    }

    /// The version number alone (0.0.0 when `--version` says nothing useful).
    pub(crate) fn version_number(&self) -> Version {
        self.version()
            .and_then(|v| Version::parse(v.rsplit(' ').next().unwrap_or("")))
            .unwrap_or_default()
    }
}

/// PATH entries, then the extra directories.
fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(EXTRA_DIRS.iter().map(PathBuf::from));
    dirs
}

fn find_exe(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p))
}

fn install_db(dirs: &[PathBuf], server: &Path, names: &[&str]) -> Result<InitTool, SandboxError> {
    // The install tool usually sits in bin while the server sits in sbin, so search all
    // dirs, but prefer the server's own directory to keep versions matched.
    let mut ordered: Vec<PathBuf> = server.parent().map(Path::to_path_buf).into_iter().collect();
    ordered.extend(dirs.iter().cloned());
    names
        .iter()
        .find_map(|n| find_exe(&ordered, n))
        .map(InitTool::InstallDb)
        .ok_or_else(|| SandboxError::MissingInstallTool {
            server: server.to_path_buf(),
            tool: names.join(" or "),
        })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn version_line(server: &Path) -> String {
    Command::new(server)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Parses "mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64" or
/// "mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)".
fn parse_version_line(line: &str) -> Option<String> {
    let after = line.split("Ver ").nth(1)?;
    let token = after.split_whitespace().next()?;
    let number: String = token
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if number.is_empty() {
        return None;
    }
    let flavor = if token.contains("MariaDB") {
        "MariaDB"
    } else {
        "MySQL"
    };
    Some(format!("{flavor} {number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binary_says_how_to_install_one() {
        let empty = tempfile::tempdir().unwrap();
        let err = ServerBinary::find_in(&[empty.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, SandboxError::MissingBinary { .. }));
        let msg = err.to_string();
        assert!(msg.contains("mariadbd, mysqld"), "{msg}");
        assert!(msg.contains("/usr/sbin"), "{msg}");
        assert!(msg.contains("sudo apt-get install mariadb-server"), "{msg}");
        assert!(msg.contains("brew install mariadb"), "{msg}");
    }

    fn fake_exe(dir: &Path, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn mariadbd_without_install_tool_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        fake_exe(dir.path(), "mariadbd");
        let err = ServerBinary::find_in(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(
            matches!(err, SandboxError::MissingInstallTool { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("mariadb-install-db"), "{err}");
    }

    #[test]
    fn mariadbd_pairs_with_install_db_from_another_dir() {
        let sbin = tempfile::tempdir().unwrap();
        let bin = tempfile::tempdir().unwrap();
        let server = fake_exe(sbin.path(), "mariadbd");
        let tool = fake_exe(bin.path(), "mariadb-install-db");
        // A non-executable mysqld must not be picked, nor beat mariadbd.
        std::fs::write(bin.path().join("mysqld"), "").unwrap();
        let dirs = [bin.path().to_path_buf(), sbin.path().to_path_buf()];
        let found = ServerBinary::find_in(&dirs).unwrap();
        assert_eq!(found.server, server);
        assert_eq!(found.init, InitTool::InstallDb(tool));
    }

    #[test]
    fn version_lines_parse() {
        assert_eq!(
            parse_version_line(
                "mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64"
            )
            .as_deref(),
            Some("MariaDB 10.11.6")
        );
        assert_eq!(
            parse_version_line(
                "mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"
            )
            .as_deref(),
            Some("MySQL 8.0.36")
        );
        assert_eq!(parse_version_line("garbage"), None);
    }
}
