//! The reader thread of `cdc tail` in live mode: a replica's binlog stream decoded into row
//! changes, sent whole transactions at a time, so a reconnect resumes from the last commit
//! with nothing lost and nothing twice.

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use mysql_common::binlog::events::{BinlogEventHeader, Event};

use super::positions;
use super::stream::{self, Refusal, Start};
use crate::binlog::change::{ChangeView, RowChange};
use crate::binlog::table::ColumnInfo;
use crate::binlog::Decoder;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::Flavor;
use crate::connection::session::Session;
use crate::connection::sql::Sql;
use crate::tables::TablePatterns;
use crate::tail::feed::Feed;

use crate::binlog::event_type as ty;

/// Everything the reader needs, decided before it starts.
pub struct Plan {
    pub(crate) source: SourceConfig,
    pub(crate) flavor: Flavor,
    pub(crate) filter: TablePatterns,
    pub(crate) start: Start,
    pub(crate) server_id: u32,
    /// `--until now`: stop at this end position.
    pub(crate) until: Option<(String, u64)>,
    /// Column names from information_schema, when the table maps carry none.
    pub(crate) columns: Option<HashMap<(String, String), ColumnInfo>>,
    pub(crate) heartbeat: Duration,
    /// Reconnect attempts before giving up.
    pub(crate) max_attempts: u32,
    /// `--from FILE:POS` of a change (the `file`/`pos` jsonl prints, a rows event's start):
    /// the stream starts at the file's beginning so that the change's table map is read
    /// again, and changes before it are not shown.
    pub(crate) from_change: Option<(String, u64)>,
}

/// Reads until `--until`, a final refusal, or the receiver hanging up.
pub fn run(plan: Plan, tx: Sender<Feed>) {
    let mut start = plan.start.clone();
    let mut attempt = 0;
    loop {
        match read(&plan, &start, &tx) {
            Ended::Finished | Ended::Hangup => return,
            Ended::Failed(message, playbook) => {
                let _ = tx.send(Feed::Failed { message, playbook });
                return;
            }
            Ended::Dropped { reason, resume } => {
                // Progress since the last drop resets the budget: only a dead server exhausts it.
                if let Some((file, pos)) = resume {
                    let next = Start::Position { file, pos };
                    if next != start {
                        attempt = 0;
                    }
                    start = next;
                }
                attempt += 1;
                if attempt > plan.max_attempts {
                    let _ = tx.send(Feed::Failed {
                        message: format!(
                            "gave up after {} reconnect attempts: {reason}",
                            plan.max_attempts
                        ),
                        playbook: Some("connection-failed".into()),
                    });
                    return;
                }
                log::debug!("reconnecting (attempt {attempt}) from {start:?}: {reason}");
                if tx.send(Feed::Reconnecting { attempt, reason }).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt.min(10))));
            }
        }
    }
}

enum Ended {
    Finished,
    Hangup,
    Failed(String, Option<String>),
    /// The connection went away; resume from the last committed position (if one was seen).
    Dropped {
        reason: String,
        resume: Option<(String, u64)>,
    },
}

fn read(plan: &Plan, start: &Start, tx: &Sender<Feed>) -> Ended {
    let session = match Session::open(&plan.source) {
        Ok(s) => s,
        Err(e) => {
            return Ended::Dropped {
                reason: e.to_string(),
                resume: None,
            }
        }
    };
    // A second session answers "where is the server's end" while the first one streams.
    let mut control = Session::open(&plan.source).ok();
    let request = match stream::request(plan.flavor, start, plan.server_id) {
        Ok(r) => r,
        Err(e) => return Ended::Failed(e.to_string(), None),
    };
    let setup = stream::setup(plan.flavor, start, plan.heartbeat);
    let events = match session.into_binlog_stream(&setup, request) {
        Ok(s) => s,
        Err(e) => return refused(&e, None),
    };
    let filter = plan.filter.clone();
    let provider = plan
        .columns
        .as_ref()
        .map(|c| c as &dyn crate::binlog::table::ColumnProvider);
    let mut decoder = Decoder::new(Box::new(move |db, t| filter.matches(db, t)), provider);
    let mut file = match start {
        Start::Position { file, .. } => file.clone(),
        Start::Gtid(_) => String::new(),
    };
    // Where the next event starts. MariaDB 11.4+ writes log_pos 0 inside transactions, so
    // positions there come from adding up event sizes from the last one the server gave.
    let mut at: u64 = match start {
        Start::Position { pos, .. } => *pos,
        Start::Gtid(_) => 0,
    };
    let mut committed: Option<(String, u64)> = None;
    let mut pending: Vec<RowChange> = Vec::new();
    let mut in_txn = false;
    let mut raw = Vec::with_capacity(64 * 1024);
    let mut last_positions = Instant::now() - Duration::from_secs(10);
    let (mut events_seen, mut bytes_seen) = (0u64, 0u64);

    for event in events {
        let event = match event {
            Ok(e) => e,
            Err(e) => return refused(&e, committed),
        };
        let header = event.header();
        let kind = header.event_type_raw();
        if kind == ty::ROTATE {
            file = rotate_target(&header, event.data());
            if let Some(pos) = event.data().get(..8) {
                at = u64::from_le_bytes(pos.try_into().expect("8 bytes"));
            }
            continue;
        }
        let end = event_end(&header, at);
        if kind != ty::HEARTBEAT {
            at = end;
        }
        if kind == ty::HEARTBEAT {
            if tx.send(Feed::Heartbeat).is_err() {
                return Ended::Hangup;
            }
        } else {
            // The event as the server sent it, checksum included: the decoder verifies it and
            // keeps track of transactions, as it does reading a file.
            if let Err(why) = rebuild(&event, &mut raw) {
                return Ended::Failed(format!("{file}: {why}"), None);
            }
            events_seen += 1;
            bytes_seen += raw.len() as u64;
            let offset = end.saturating_sub(raw.len() as u64);
            let mut keep = |c: &ChangeView<'_>| {
                let before_start = plan
                    .from_change
                    .as_ref()
                    .is_some_and(|(f, p)| c.file == f.as_str() && c.pos < *p);
                if !before_start {
                    pending.push(c.into_owned());
                }
                Ok(())
            };
            if let Err(e) = decoder.decode_event(&raw, &file, offset, &mut keep) {
                return Ended::Failed(e.to_string(), None);
            }
            in_txn = decoder.in_transaction();
            if !in_txn && end > 0 {
                committed = Some((file.clone(), end));
                if !pending.is_empty() {
                    let gtid = pending.last().and_then(|c| c.gtid.clone());
                    let mut changes = std::mem::take(&mut pending);
                    // Rows events carry their statement's start time; the commit's own
                    // event carries the commit time, which is what lag is measured from.
                    let commit_ts = decoder.committed_at();
                    if commit_ts > 0 {
                        for c in &mut changes {
                            c.ts = commit_ts;
                        }
                    }
                    if tx.send(Feed::Transaction { gtid, changes }).is_err() {
                        return Ended::Hangup;
                    }
                }
            }
        }
        if last_positions.elapsed() >= Duration::from_secs(1) {
            last_positions = Instant::now();
            let _ = tx.send(Feed::Progress {
                events: std::mem::take(&mut events_seen),
                bytes: std::mem::take(&mut bytes_seen),
            });
            if let Some(c) = control.as_mut() {
                let at = committed.clone().unwrap_or_else(|| (file.clone(), end));
                if tx
                    .send(Feed::Positions(positions::snapshot(
                        c as &mut dyn Sql,
                        &at.0,
                        at.1,
                    )))
                    .is_err()
                {
                    return Ended::Hangup;
                }
            }
        }
        if let (Some((until_file, until_pos)), false) = (&plan.until, in_txn) {
            if !file.is_empty() && (file.as_str(), end) >= (until_file.as_str(), *until_pos) {
                let _ = tx.send(Feed::Finished);
                return Ended::Finished;
            }
        }
    }
    Ended::Dropped {
        reason: "the server closed the binlog stream".into(),
        resume: committed,
    }
}

/// A ROTATE body is the next file's start position (8 bytes) and its name. The dump's first,
/// artificial rotate arrives before the format description, so the driver cannot know
/// whether a checksum follows the name: MariaDB sends one, MySQL does not. The last four
/// bytes are a checksum exactly when they are the CRC32 of the header and what precedes them.
fn rotate_target(header: &BinlogEventHeader, body: &[u8]) -> String {
    let mut name = body.get(8..).unwrap_or_default();
    if name.len() >= 4 {
        let (head, tail) = body.split_at(body.len() - 4);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&header_bytes(header));
        crc.update(head);
        if crc.finalize().to_le_bytes() == tail {
            name = &name[..name.len() - 4];
        }
    }
    String::from_utf8_lossy(name).into_owned()
}

/// An event whose rebuilt bytes are not as long as its header says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event type {event_type}: {rebuilt} bytes rebuilt where the header says {header}")]
struct SizeMismatch {
    event_type: u8,
    rebuilt: usize,
    header: u32,
}

/// The event's bytes as the server sent them: the driver keeps the header, the body, the
/// format description's checksum algorithm and the checksum apart.
fn rebuild(event: &Event, raw: &mut Vec<u8>) -> Result<(), SizeMismatch> {
    use mysql_common::binlog::consts::{BinlogChecksumAlg, EventType};
    let header = event.header();
    let fde = header.event_type_raw() == EventType::FORMAT_DESCRIPTION_EVENT as u8;
    raw.clear();
    raw.extend_from_slice(&header_bytes(&header));
    raw.extend_from_slice(event.data());
    let alg = event.footer().get_checksum_alg().ok().flatten();
    if fde {
        if let Some(alg) = alg {
            raw.push(alg as u8);
        }
    }
    let crc = fde || alg == Some(BinlogChecksumAlg::BINLOG_CHECKSUM_ALG_CRC32);
    if let Some(sum) = event.checksum().filter(|_| crc && alg.is_some()) {
        raw.extend_from_slice(&sum);
    }
    if raw.len() != header.event_size() as usize {
        return Err(SizeMismatch {
            event_type: header.event_type_raw(),
            rebuilt: raw.len(),
            header: header.event_size(),
        });
    }
    Ok(())
}

/// Where an event ends in its file: its log_pos, or, where the server wrote 0 (MariaDB 11.4+
/// inside a transaction), the position it started at plus its size. The dump's artificial
/// events and a format description resent from the file's start take no room.
fn event_end(header: &BinlogEventHeader, at: u64) -> u64 {
    use mysql_common::binlog::consts::{EventFlags, EventType};
    let log_pos = u64::from(header.log_pos());
    if log_pos != 0 || at == 0 {
        return log_pos;
    }
    let artificial = header.flags().contains(EventFlags::LOG_EVENT_ARTIFICIAL_F);
    let fde = header.event_type_raw() == EventType::FORMAT_DESCRIPTION_EVENT as u8;
    if artificial || fde {
        return at;
    }
    at + u64::from(header.event_size())
}

/// The 19 bytes of a v4 event header, as the server wrote them.
fn header_bytes(h: &BinlogEventHeader) -> [u8; 19] {
    let mut b = [0u8; 19];
    b[0..4].copy_from_slice(&h.timestamp().to_le_bytes());
    b[4] = h.event_type_raw();
    b[5..9].copy_from_slice(&h.server_id().to_le_bytes());
    b[9..13].copy_from_slice(&h.event_size().to_le_bytes());
    b[13..17].copy_from_slice(&h.log_pos().to_le_bytes());
    b[17..19].copy_from_slice(&h.flags_raw().to_le_bytes());
    b
}

fn refused(e: &crate::connection::sql::SqlError, resume: Option<(String, u64)>) -> Ended {
    let refusal = Refusal::of(e);
    if refusal.is_final() {
        Ended::Failed(e.to_string(), refusal.playbook().map(str::to_string))
    } else {
        Ended::Dropped {
            reason: e.to_string(),
            resume,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::file::{BinlogFile, EventHeader};
    use mysql_common::binlog::events::FormatDescriptionEvent;

    /// A ROTATE event's header and body, with a CRC32 after the name when `crc`.
    fn rotate(name: &[u8], crc: bool) -> (BinlogEventHeader, Vec<u8>) {
        let mut body = 4u64.to_le_bytes().to_vec();
        body.extend_from_slice(name);
        let size = 19 + body.len() + 4;
        let header = BinlogEventHeader::new(
            0,
            mysql_common::binlog::consts::EventType::ROTATE_EVENT,
            1,
            size as u32,
            0,
            mysql_common::binlog::consts::EventFlags::empty(),
        );
        if crc {
            let mut h = crc32fast::Hasher::new();
            h.update(&header_bytes(&header));
            h.update(&body);
            body.extend_from_slice(&h.finalize().to_le_bytes());
        }
        (header, body)
    }

    #[test]
    fn positions_inside_mariadb_11_transactions_come_from_event_sizes() {
        use mysql_common::binlog::consts::{EventFlags, EventType};
        let h = |log_pos, size, flags| {
            BinlogEventHeader::new(0, EventType::WRITE_ROWS_EVENT, 1, size, log_pos, flags)
        };
        // The server's own position wins.
        assert_eq!(event_end(&h(900, 50, EventFlags::empty()), 400), 900);
        // log_pos 0 inside a transaction: where it started plus its size.
        assert_eq!(event_end(&h(0, 50, EventFlags::empty()), 400), 450);
        // Artificial events take no room; nothing is known before the first real position.
        let artificial = EventFlags::LOG_EVENT_ARTIFICIAL_F;
        assert_eq!(event_end(&h(0, 50, artificial), 400), 400);
        assert_eq!(event_end(&h(0, 50, EventFlags::empty()), 0), 0);
    }

    #[test]
    fn rotate_names_lose_a_trailing_checksum_only_when_there_is_one() {
        // MariaDB's artificial rotate: the CRC is still in the body.
        let (h, body) = rotate(b"cdc-bin.000001", true);
        assert_eq!(rotate_target(&h, &body), "cdc-bin.000001");
        // MySQL's has none; its name is whole (it once lost "0001").
        let (h, body) = rotate(b"mysql-bin.000001", false);
        assert_eq!(rotate_target(&h, &body), "mysql-bin.000001");
        // A rotate whose checksum the driver already cut.
        let (h, body) = rotate(b"binlog.000123", false);
        assert_eq!(rotate_target(&h, &body), "binlog.000123");
    }

    /// The driver's view of each event of a real MariaDB file, rebuilt, is the file's bytes;
    /// a flipped byte in the stream is the decoder's checksum mismatch.
    #[test]
    fn streamed_events_rebuild_to_their_bytes_and_a_flipped_byte_is_a_mismatch() {
        use mysql_common::binlog::consts::BinlogVersion;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/binlogs/mariadb-bin.000001");
        let mut file = BinlogFile::open(&path).unwrap();
        let mut buf = Vec::new();
        let mut fde = FormatDescriptionEvent::new(BinlogVersion::Version4);
        let mut decoder = crate::binlog::Decoder::all_tables(None);
        let mut none = |_: &ChangeView<'_>| Ok(());
        let (mut checked, mut raw) = (0, Vec::new());
        while let Some(offset) = file.next_event(&mut buf).unwrap() {
            let h = EventHeader::parse(&buf).unwrap();
            let event = Event::read(&fde, &buf[..]).unwrap();
            rebuild(&event, &mut raw).unwrap();
            assert_eq!(raw, buf, "event type {} at {offset}", h.event_type);
            if h.event_type == 15 {
                fde = event
                    .read_event::<FormatDescriptionEvent<'_>>()
                    .unwrap()
                    .into_owned()
                    .with_footer(event.footer());
                decoder.decode_event(&raw, "f", offset, &mut none).unwrap();
                continue;
            }
            let mut bad = buf.clone();
            let at = bad.len() - 5;
            bad[at] ^= 0x40;
            let event = Event::read(&fde, &bad[..]).unwrap();
            rebuild(&event, &mut raw).unwrap();
            let err = decoder
                .decode_event(&raw, "f", offset, &mut none)
                .unwrap_err()
                .to_string();
            assert!(err.contains("checksum mismatch"), "{err}");
            decoder.decode_event(&buf, "f", offset, &mut none).unwrap();
            checked += 1;
        }
        assert!(checked > 5, "only {checked} events");
    }
}
