//! Entering and leaving the terminal UI: raw mode and the alternate screen, undone on every way out
//! (return, error, Ctrl-C as a key, panic).

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::{self, ThreadId};

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// Whether the terminal is in TUI mode (so the panic hook knows whether to undo it).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();
/// The thread that draws: only its panic ends the TUI.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
/// Panics of other threads (the reader) while the TUI is up: kept here instead of being printed
/// onto the alternate screen, where they would garble the view and vanish on exit.
static OTHER_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub(crate) type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
#[must_use = "the terminal is restored when the guard is dropped"]
pub(crate) struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Raw mode, the alternate screen and a panic hook that undoes both before the panic message prints.
pub(crate) fn enter() -> io::Result<(Tui, Guard)> {
    install_panic_hook();
    *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(thread::current().id());
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    // From here on the guard undoes what was done, even if the rest fails.
    let guard = Guard(());
    execute!(io::stdout(), EnterAlternateScreen)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    // Cleared directly: ratatui's clear() asks the terminal where its cursor is, and a
    // terminal that does not answer (script(1), some serial consoles) would stop the TUI.
    execute!(io::stdout(), Clear(ClearType::All))?;
    Ok((terminal, guard))
}

/// Leave the alternate screen, show the cursor, end raw mode. Does nothing when not in TUI mode.
pub(crate) fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let screen = execute!(io::stdout(), LeaveAlternateScreen, Show);
    let raw = disable_raw_mode();
    screen.and(raw)
}

/// Installed once per process; chains to the hook that was there before.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ui = *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner());
            if ACTIVE.load(Ordering::SeqCst) && ui != Some(thread::current().id()) {
                let name = thread::current().name().unwrap_or("unnamed").to_string();
                let mut panics = OTHER_PANICS.lock().unwrap_or_else(|e| e.into_inner());
                panics.push(format!(
                    "thread '{name}' {}",
                    info.to_string().replace('\n', " ")
                ));
                return;
            }
            let _ = restore();
            previous(info);
        }));
    });
}

/// Panic messages of other threads kept while the TUI was up (taken: each is returned once).
pub(crate) fn take_other_panics() -> Vec<String> {
    std::mem::take(&mut *OTHER_PANICS.lock().unwrap_or_else(|e| e.into_inner()))
}
