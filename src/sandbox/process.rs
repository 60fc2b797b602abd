//! Small process facts without libc: who we run as, whether a pid is alive, and a
//! graceful stop by pid for servers this process did not start (`cdc sandbox down`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// True when the effective uid is 0: mariadbd refuses to run as root without `--user=root`.
pub(crate) fn running_as_root() -> bool {
    // /proc/self/status has "Uid:\treal\teffective\tsaved\tfs"; fall back to `id -u`
    // where /proc is missing (macOS).
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("Uid:")) {
            return line.split_whitespace().nth(2) == Some("0");
        }
    }
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// True when `pid` exists and is not a zombie. A zombie has exited but has not been
/// reaped yet (e.g. a container whose init does not reap), so it counts as dead.
pub(crate) fn pid_alive(pid: u32) -> bool {
    let proc_dir = Path::new("/proc");
    if proc_dir.exists() {
        return match std::fs::read_to_string(proc_dir.join(pid.to_string()).join("stat")) {
            // The state follows the parenthesised command name, which may contain spaces.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z"),
            Err(_) => false,
        };
    }
    signal(pid, "0")
}

/// True when `pid` is alive and its command line mentions `needle` (the data dir), so a
/// recycled pid is never mistaken for our server and never sent a signal.
pub(crate) fn pid_runs_with(pid: u32, needle: &str) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains(needle),
        // No /proc (macOS): trust the pid.
        Err(_) => !Path::new("/proc").exists(),
    }
}

/// Sends SIGTERM and waits up to `timeout` for the process to go; true when it went.
pub(crate) fn terminate(pid: u32, timeout: Duration) -> bool {
    if !pid_alive(pid) {
        return true;
    }
    signal(pid, "TERM");
    wait_gone(pid, timeout)
}

/// Polls until `pid` is gone or `timeout` passes.
pub(crate) fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pid_alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Runs `kill -SIG pid` (the `kill` command keeps us free of libc); true on success.
fn signal(pid: u32, sig: &str) -> bool {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_pid_is_alive_and_a_bogus_one_is_not() {
        assert!(pid_alive(std::process::id()));
        // Linux caps pids at 2^22.
        assert!(!pid_alive(4_194_305));
    }

    #[test]
    fn recycled_pid_check_looks_at_the_command_line() {
        let me = std::process::id();
        assert!(!pid_runs_with(me, "/no/such/data/dir/anywhere"));
    }
}
