//! The loop: drain the reader's channel, read a key, tick, draw.

use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::{Duration, SystemTime};

use anyhow::Result;
use crossterm::event::{self, Event, KeyEventKind};
use ratatui::layout::Rect;

use super::draw;
use super::state::{App, Failure, Header};
use super::terminal;
use super::update::{apply_feed, on_key, tick, Action};
use crate::tail::feed::Feed;
use crate::tail::pipeline::PanelCommand;

/// Changes kept in the list when the caller does not say.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// At most this many messages are taken from the channel between two frames.
const MAX_FEED_PER_FRAME: usize = 5_000;

/// How long to wait for a key when nothing else is pending.
const FRAME: Duration = Duration::from_millis(100);

/// Runs until the user quits (None) or leaves the reader's failure (Some, to be told again
/// once the terminal is back).
pub fn run(header: Header, feed: Receiver<Feed>) -> Result<Option<Failure>> {
    run_with_capacity(header, feed, DEFAULT_CAPACITY)
}

/// [`run`], keeping at most `capacity` changes.
pub fn run_with_capacity(
    header: Header,
    feed: Receiver<Feed>,
    capacity: usize,
) -> Result<Option<Failure>> {
    run_with(header, feed, capacity, None)
}

/// The pipeline panel's side of the loop: how long counts may differ before it is more than
/// lag, the watcher's feed (its own channel, so that the reader's end is still seen as the
/// reader's channel closing), and where `c` sends its canary request (None: no target to
/// run one against).
pub struct PanelLink {
    pub settle: Duration,
    pub views: Receiver<Feed>,
    pub commands: Option<Sender<PanelCommand>>,
}

/// [`run_with_capacity`], with the pipeline panel when `panel` is given.
pub fn run_with(
    header: Header,
    feed: Receiver<Feed>,
    capacity: usize,
    panel: Option<PanelLink>,
) -> Result<Option<Failure>> {
    let (mut terminal, _guard) = terminal::enter()?;
    let (mut app, commands, views) = match panel {
        Some(link) => (
            App::with_pipeline(header, capacity, link.settle, link.commands.is_some()),
            link.commands,
            Some(link.views),
        ),
        None => (App::new(header, capacity), None, None),
    };
    let mut reader_gone = false;
    loop {
        let mut more = false;
        for n in 0..=MAX_FEED_PER_FRAME {
            if n == MAX_FEED_PER_FRAME {
                more = true;
                break;
            }
            match feed.try_recv() {
                Ok(f) => apply_feed(&mut app, f, SystemTime::now()),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    let panics = terminal::take_other_panics();
                    if !reader_gone && app.failed.is_none() && (!app.finished || !panics.is_empty())
                    {
                        let message = if panics.is_empty() {
                            "the reader thread ended without saying why".to_string()
                        } else {
                            format!("the reader crashed: {}", panics.join("; "))
                        };
                        let failed = Feed::Failed {
                            message,
                            playbook: None,
                        };
                        apply_feed(&mut app, failed, SystemTime::now());
                    }
                    reader_gone = true;
                    break;
                }
            }
        }
        // A sample every few seconds and a canary's steps: never many at once.
        if let Some(views) = &views {
            while let Ok(f) = views.try_recv() {
                apply_feed(&mut app, f, SystemTime::now());
            }
        }
        tick(&mut app, SystemTime::now());
        let size = terminal.size()?;
        app.page = draw::list_rows(Rect::new(0, 0, size.width, size.height), &app);
        terminal.draw(|frame| draw::draw(frame, &app))?;

        let wait = if more { Duration::ZERO } else { FRAME };
        if !event::poll(wait)? {
            continue;
        }
        if let Event::Key(key) = event::read()? {
            if key.kind != KeyEventKind::Press {
                continue;
            }
            if let Some(failure) = app.failed.take() {
                return Ok(Some(failure));
            }
            match on_key(&mut app, key) {
                Action::Quit => return Ok(None),
                Action::RunCanary => {
                    // The watcher gone (it failed) shows as a canary that never starts.
                    if let Some(tx) = &commands {
                        let _ = tx.send(PanelCommand::RunCanary);
                    }
                }
                Action::Continue => {}
            }
        }
    }
}
