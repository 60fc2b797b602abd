//! Events to row changes: table maps, rows events (v1, v2, PARTIAL_JSON), GTIDs per
//! transaction (MySQL, tagged, MariaDB), commit timestamps and compressed transactions.

use std::collections::HashMap;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use mysql_common::binlog::consts::{BinlogChecksumAlg, BinlogVersion};
use mysql_common::binlog::events::{Event, FormatDescriptionEvent, GtidEvent, TableMapEvent};

use super::change::{Cell, ChangeView, ImageView, Op, RowChange};
use super::compressed;
use super::file::{BinlogError, BinlogFile, EventHeader, HEADER_LEN};
use super::gtid;
use super::payload;
use super::row::{decode_image, read_partial_flags, Cursor, RowError};
use super::table::{ColumnProvider, TableInfo};

/// Event type codes this decoder acts on.
use super::event_type as ty;

/// Receives the decoded row changes, borrowed (copy what you keep: `view.into_owned()`).
pub trait ChangeSink {
    fn change(&mut self, change: &ChangeView<'_>) -> io::Result<()>;

    /// A sink that renders straight from the row bytes (the jsonl writer) says so here; the
    /// decoder then calls `raw_row` instead of `change`.
    fn wants_raw(&self) -> bool {
        false
    }

    /// One row change of `rows`: read its image(s) from `cur` (e.g. with
    /// `row::image_json`) and leave `cur` at the next row.
    fn raw_row(&mut self, rows: &RawRows<'_>, cur: &mut Cursor<'_>) -> Result<(), RawError> {
        let _ = (rows, cur);
        Err(RawError::Row(RowError(
            "this sink does not read raw rows".into(),
        )))
    }
}

/// What a rows event says about its rows, for `ChangeSink::raw_row`.
pub struct RawRows<'a> {
    pub(crate) op: Op,
    pub(crate) table: &'a TableInfo,
    /// Indexes of the columns in the before / after images.
    pub(crate) before_cols: &'a [usize],
    pub(crate) after_cols: &'a [usize],
    /// A PARTIAL_UPDATE_ROWS event: each after image starts with its value options
    /// (`row::read_partial_flags`).
    pub(crate) partial_json: bool,
    pub(crate) ts: u32,
    pub(crate) file: &'a str,
    pub(crate) pos: u64,
    pub(crate) gtid: Option<&'a str>,
}

/// A raw row that could not be decoded, or written.
#[derive(Debug)]
pub enum RawError {
    Row(RowError),
    Io(io::Error),
}

impl<F: FnMut(&ChangeView<'_>) -> io::Result<()>> ChangeSink for F {
    fn change(&mut self, change: &ChangeView<'_>) -> io::Result<()> {
        self(change)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The binlog is truncated or corrupt (names the file and offset).
    #[error(transparent)]
    Binlog(#[from] BinlogError),
    /// The sink failed (e.g. a closed pipe).
    #[error("writing output: {0}")]
    Output(io::Error),
}

/// What was read, for rate meters and summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub(crate) events: u64,
    pub(crate) bytes: u64,
    /// Row changes handed to the sink.
    pub(crate) changes: u64,
    /// Events of types this decoder does not know (e.g. MariaDB compressed rows events).
    pub(crate) unknown_events: u64,
}

enum EvError {
    Corrupt(String),
    Output(io::Error),
}

impl From<io::Error> for EvError {
    fn from(e: io::Error) -> Self {
        EvError::Corrupt(e.to_string())
    }
}

/// Which tables' changes to decode: (db, table) -> shown?
pub(crate) type TableFilterFn<'p> = Box<dyn Fn(&str, &str) -> bool + 'p>;

/// Decodes binlog files into row changes of the tables the filter accepts.
pub struct Decoder<'p> {
    filter: TableFilterFn<'p>,
    provider: Option<&'p dyn ColumnProvider>,
    fde: FormatDescriptionEvent<'static>,
    /// The same, with checksums off: for the events inside a compressed transaction.
    fde_inner: FormatDescriptionEvent<'static>,
    checksum: bool,
    tables: HashMap<u64, (Vec<u8>, Arc<TableInfo>)>,
    gtid: Option<String>,
    commit_ts: Option<u32>,
    /// Between a transaction's start (BEGIN, a MariaDB GTID event) and its commit (XID,
    /// COMMIT): a reader resumes only from outside one.
    in_transaction: bool,
    /// The header time of the last event that ended a transaction (or of a standalone one).
    committed_at: u32,
    pub(crate) stats: Stats,
    before: Vec<Cell>,
    after: Vec<Cell>,
    partial: Vec<bool>,
}

/// Set on events the server makes up for a dump (fake rotate): not what the file holds.
const LOG_EVENT_ARTIFICIAL_F: u16 = 0x20;

/// The event's last 4 bytes are the CRC32 of everything before them (binlog_checksum=CRC32):
/// a mismatch is a corrupt event, told apart from a decoding problem.
fn verify_crc32(ev: &[u8]) -> Result<(), EvError> {
    let (data, sum) = ev.split_at(ev.len() - 4);
    let stored = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
    let computed = crc32fast::hash(data);
    if stored == computed {
        Ok(())
    } else {
        Err(EvError::Corrupt(format!(
            "checksum mismatch: the event says CRC32 {stored:08x}, its bytes give {computed:08x}"
        )))
    }
}

/// Set in the format description of a binlog the server still writes, and cleared when it
/// closes the file, both after the checksum was computed.
const LOG_EVENT_BINLOG_IN_USE_F: u8 = 0x01;
/// Where an event header keeps its flags.
const FLAGS_OFFSET: usize = 17;

/// The format description's CRC32 is of the event with the in-use flag clear, as the server
/// verifies it (`Log_event_footer::event_checksum_test`).
fn verify_fde_crc32(ev: &[u8]) -> Result<(), EvError> {
    match ev.get(FLAGS_OFFSET) {
        Some(flags) if flags & LOG_EVENT_BINLOG_IN_USE_F != 0 => {
            let mut copy = ev.to_vec();
            copy[FLAGS_OFFSET] &= !LOG_EVENT_BINLOG_IN_USE_F;
            verify_crc32(&copy)
        }
        _ => verify_crc32(ev),
    }
}

impl<'p> Decoder<'p> {
    /// `filter` picks the tables; `provider` names columns (and says which are unsigned) when
    /// the table map does not (binlog_row_metadata other than FULL); without one, columns are
    /// named `col_1`, `col_2`...
    pub fn new(filter: TableFilterFn<'p>, provider: Option<&'p dyn ColumnProvider>) -> Self {
        let fde = FormatDescriptionEvent::new(BinlogVersion::Version4);
        Decoder {
            filter,
            provider,
            fde_inner: fde.clone(),
            fde,
            checksum: false,
            tables: HashMap::new(),
            gtid: None,
            commit_ts: None,
            in_transaction: false,
            committed_at: 0,
            stats: Stats::default(),
            before: Vec::new(),
            after: Vec::new(),
            partial: Vec::new(),
        }
    }

    /// A decoder of every table.
    pub fn all_tables(provider: Option<&'p dyn ColumnProvider>) -> Self {
        Decoder::new(Box::new(|_, _| true), provider)
    }

    /// Streams one file's row changes to `sink`. A truncated or corrupt file is an error naming
    /// the file and the offset of the event; the changes before it have been delivered.
    pub fn decode_file(
        &mut self,
        path: &Path,
        sink: &mut dyn ChangeSink,
    ) -> Result<(), DecodeError> {
        self.decode_events(BinlogFile::open(path)?, sink)
    }

    /// `decode_file` for a binlog already in memory, named `name` in errors (the fuzz
    /// targets' entry point: the same decode, without a file per input).
    pub fn decode_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        sink: &mut dyn ChangeSink,
    ) -> Result<(), DecodeError> {
        self.decode_events(BinlogFile::from_bytes(name, bytes)?, sink)
    }

    fn decode_events<R: io::Read>(
        &mut self,
        mut file: BinlogFile<R>,
        sink: &mut dyn ChangeSink,
    ) -> Result<(), DecodeError> {
        let name = file.name().to_string();
        self.tables.clear();
        self.gtid = None;
        self.commit_ts = None;
        let mut buf = Vec::with_capacity(64 * 1024);
        while let Some(offset) = file.next_event(&mut buf)? {
            self.decode_event(&buf, &name, offset, sink)?;
        }
        Ok(())
    }

    /// Decodes one raw event (header, body and checksum as in a file) read at `offset` of
    /// `file`: the entry point for a live stream. Table maps and GTIDs carry over between
    /// calls; a corrupt event is an error naming file and offset.
    pub(crate) fn decode_event(
        &mut self,
        raw: &[u8],
        file: &str,
        offset: u64,
        sink: &mut dyn ChangeSink,
    ) -> Result<(), DecodeError> {
        self.stats.events += 1;
        self.stats.bytes += raw.len() as u64;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.event(raw, offset, file, false, sink)
        }));
        let message = match outcome {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(EvError::Output(e))) => return Err(DecodeError::Output(e)),
            Ok(Err(EvError::Corrupt(m))) => m,
            Err(panic) => format!("corrupt event: the parser failed ({})", panic_text(&panic)),
        };
        let ty = EventHeader::parse(raw).map_or(0, |h| h.event_type);
        Err(BinlogError {
            file: file.to_string(),
            offset,
            message: format!("event type {ty}: {message}"),
        }
        .into())
    }

    /// Whether the last event left a transaction open: a position inside one is no place to
    /// resume from.
    pub(crate) fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// The header time of the event that committed the last transaction: when its changes
    /// became visible, which is what lag is measured from.
    pub(crate) fn committed_at(&self) -> u32 {
        self.committed_at
    }

    /// Every change of `path` as owned `RowChange`s (tests, small files).
    pub fn read_file(&mut self, path: &Path) -> Result<Vec<RowChange>, DecodeError> {
        let mut out = Vec::new();
        let mut sink = |c: &ChangeView<'_>| {
            out.push(c.into_owned());
            Ok(())
        };
        self.decode_file(path, &mut sink)?;
        Ok(out)
    }

    fn event(
        &mut self,
        ev: &[u8],
        offset: u64,
        file: &str,
        inner: bool,
        sink: &mut dyn ChangeSink,
    ) -> Result<(), EvError> {
        let h = EventHeader::parse(ev).ok_or_else(|| EvError::Corrupt("short event".into()))?;
        if h.event_type == ty::FORMAT_DESCRIPTION {
            let e = Event::read(&self.fde, ev)?;
            let fde = e
                .read_event::<FormatDescriptionEvent<'_>>()?
                .into_owned()
                .with_footer(e.footer());
            let footer = fde.footer();
            let alg = footer.get_checksum_alg().map_err(|e| {
                EvError::Corrupt(format!(
                    "format description names checksum algorithm {}, which no server writes",
                    e.0
                ))
            })?;
            // A checksum-aware server gives its format description a CRC32 whatever
            // binlog_checksum says, so the byte that turns checksums off is itself covered:
            // one flipped byte cannot switch verification off for the rest of the file.
            if alg.is_some() {
                verify_fde_crc32(ev)?;
            }
            self.checksum = alg == Some(BinlogChecksumAlg::BINLOG_CHECKSUM_ALG_CRC32);
            log::debug!(
                "{file}: format description: server {}, checksums {}",
                fde.server_version().trim_end_matches('\0'),
                if self.checksum {
                    "CRC32, verified"
                } else {
                    "off"
                }
            );
            let mut inner_footer = footer;
            inner_footer.set_checksum_enabled(false);
            self.fde_inner = fde.clone().with_footer(inner_footer);
            self.fde = fde;
            return Ok(());
        }
        let trailer = if self.checksum && !inner { 4 } else { 0 };
        if ev.len() < HEADER_LEN + trailer {
            return Err(EvError::Corrupt(format!(
                "event of {} bytes is too short",
                ev.len()
            )));
        }
        // The one event left unverified is a dump's fake rotate, made up by the server on the
        // fly: the reader reads its name by whether a CRC32 checks. Every other event the
        // format says is checksummed is verified, artificial flag or not.
        let fake_rotate = h.event_type == ty::ROTATE && h.flags & LOG_EVENT_ARTIFICIAL_F != 0;
        if trailer == 4 && !fake_rotate {
            verify_crc32(ev)?;
        }
        let body = &ev[HEADER_LEN..ev.len() - trailer];
        if !inner {
            self.track_transaction(&h, body);
        }
        match h.event_type {
            ty::TABLE_MAP => self.table_map(ev, body, inner)?,
            ty::WRITE_V1
            | ty::UPDATE_V1
            | ty::DELETE_V1
            | ty::WRITE_V2
            | ty::UPDATE_V2
            | ty::DELETE_V2
            | ty::PARTIAL_UPDATE => {
                self.rows(&h, body, offset, file, sink)?;
            }
            ty::GTID | ty::GTID_TAGGED => {
                let e = self.read(ev, inner)?;
                let g = e.read_event::<GtidEvent>()?;
                self.gtid = Some(gtid::mysql_gtid(&g));
                let ts = g.immediate_commit_timestamp();
                self.commit_ts = (ts > 0).then_some((ts / 1_000_000) as u32);
            }
            ty::ANONYMOUS_GTID => {
                self.gtid = None;
                self.commit_ts = None;
            }
            ty::MARIADB_GTID => {
                self.gtid = gtid::mariadb_gtid(body, h.server_id);
                self.commit_ts = None;
            }
            ty::XID => {
                self.gtid = None;
                self.commit_ts = None;
            }
            ty::TRANSACTION_PAYLOAD => {
                if inner {
                    return Err(EvError::Corrupt(
                        "a compressed transaction inside a compressed transaction".into(),
                    ));
                }
                let bytes = payload::unpack(body).map_err(EvError::Corrupt)?;
                for inner_ev in payload::events(&bytes) {
                    let inner_ev = inner_ev.map_err(|e| EvError::Corrupt(e.to_string()))?;
                    self.event(inner_ev, offset, file, true, sink)?;
                }
            }
            166..=171 => {
                // MariaDB log_bin_compress: uncompressed, an ordinary rows event.
                let plain = compressed::plain_type(h.event_type).expect("166..=171 are rows");
                let rows =
                    compressed::uncompress_rows(plain, body).map_err(|e| EvError::Corrupt(e.0))?;
                let header = EventHeader {
                    event_type: plain,
                    ..h
                };
                self.rows(&header, &rows, offset, file, sink)?;
            }
            ty::QUERY | ty::MARIADB_GTID_LIST => {}
            t if (1..=42).contains(&t) || (160..=171).contains(&t) => {}
            t => {
                log::debug!("{file}:{offset}: event type {t} is not one this decoder knows");
                self.stats.unknown_events += 1;
            }
        }
        Ok(())
    }

    /// Transaction boundaries, the same for files and the live stream: MariaDB's GTID event
    /// opens one unless it is flagged standalone (DDL), BEGIN opens one, XID or COMMIT ends
    /// it; any event outside a transaction (DDL, a compressed MySQL transaction) is its own.
    fn track_transaction(&mut self, h: &EventHeader, body: &[u8]) {
        /// MariaDB GTID event flag: one statement without BEGIN/COMMIT.
        const FL_STANDALONE: u8 = 1;
        match h.event_type {
            ty::MARIADB_GTID => {
                self.in_transaction = body.get(12).is_some_and(|f| f & FL_STANDALONE == 0)
            }
            ty::QUERY if body.ends_with(b"BEGIN") => self.in_transaction = true,
            ty::XID => self.in_transaction = false,
            ty::QUERY if body.ends_with(b"COMMIT") => self.in_transaction = false,
            _ => {}
        }
        if !self.in_transaction {
            self.committed_at = h.timestamp;
        }
    }

    fn read(&self, ev: &[u8], inner: bool) -> io::Result<Event> {
        Event::read(if inner { &self.fde_inner } else { &self.fde }, ev)
    }

    fn table_map(&mut self, ev: &[u8], body: &[u8], inner: bool) -> Result<(), EvError> {
        // Table maps repeat before every transaction: reuse the digest when nothing changed.
        let table_id = Cursor::new(body)
            .le(6, "a table id")
            .map_err(|e| EvError::Corrupt(e.0))?;
        if let Some((raw, _)) = self.tables.get(&table_id) {
            if raw.as_slice() == body {
                return Ok(());
            }
        }
        let e = self.read(ev, inner)?;
        let tme = e.read_event::<TableMapEvent<'_>>()?;
        let mut info = TableInfo::from_event(&tme, self.provider)?;
        info.shown = (self.filter)(&info.db, &info.table);
        log::debug!(
            "table map {table_id}: {}.{}, {} columns, names from {}, {}",
            info.db,
            info.table,
            info.columns.len(),
            if info.names_from_binlog {
                "the binlog"
            } else {
                "elsewhere"
            },
            if info.shown { "shown" } else { "filtered out" }
        );
        self.tables
            .insert(table_id, (body.to_vec(), Arc::new(info)));
        Ok(())
    }

    fn rows(
        &mut self,
        h: &EventHeader,
        body: &[u8],
        offset: u64,
        file: &str,
        sink: &mut dyn ChangeSink,
    ) -> Result<(), EvError> {
        let bad = |e: super::row::RowError| EvError::Corrupt(e.0);
        let t = h.event_type;
        let mut c = Cursor::new(body);
        let table_id = c.le(6, "a table id").map_err(bad)?;
        c.le(2, "the rows event flags").map_err(bad)?;
        if matches!(
            t,
            ty::WRITE_V2 | ty::UPDATE_V2 | ty::DELETE_V2 | ty::PARTIAL_UPDATE
        ) {
            let extra = c.le(2, "the extra data length").map_err(bad)? as usize;
            c.take(extra.saturating_sub(2), "the extra data")
                .map_err(bad)?;
        }
        let ncols = c.lenenc("the column count").map_err(bad)? as usize;
        let op = match t {
            ty::WRITE_V1 | ty::WRITE_V2 => Op::Insert,
            ty::DELETE_V1 | ty::DELETE_V2 => Op::Delete,
            _ => Op::Update,
        };
        let bitmap_len = ncols.div_ceil(8);
        let before_bits = if op != Op::Insert {
            Some(c.take(bitmap_len, "the column bitmap").map_err(bad)?)
        } else {
            None
        };
        let after_bits = if op != Op::Delete {
            Some(c.take(bitmap_len, "the column bitmap").map_err(bad)?)
        } else {
            None
        };
        let Some((_, info)) = self.tables.get(&table_id) else {
            return Err(EvError::Corrupt(format!(
                "rows event for table id {table_id}, which no table map introduced"
            )));
        };
        let info = Arc::clone(info);
        if !info.shown {
            return Ok(());
        }
        if ncols != info.columns.len() {
            return Err(EvError::Corrupt(format!(
                "rows event has {ncols} columns, the table map of {}.{} has {}",
                info.db,
                info.table,
                info.columns.len()
            )));
        }
        let present = |bits: Option<&[u8]>| -> Vec<usize> {
            bits.map(|b| {
                (0..ncols)
                    .filter(|i| b[i / 8] & (1 << (i % 8)) != 0)
                    .collect()
            })
            .unwrap_or_default()
        };
        let before_cols = present(before_bits);
        let after_cols = present(after_bits);
        let ts = self.commit_ts.unwrap_or(h.timestamp);
        if sink.wants_raw() {
            let raw = RawRows {
                op,
                table: &info,
                before_cols: &before_cols,
                after_cols: &after_cols,
                partial_json: t == ty::PARTIAL_UPDATE,
                ts,
                file,
                pos: offset,
                gtid: self.gtid.as_deref(),
            };
            while !c.is_empty() {
                let left = c.remaining();
                sink.raw_row(&raw, &mut c).map_err(|e| match e {
                    RawError::Row(e) => EvError::Corrupt(e.0),
                    RawError::Io(e) => EvError::Output(e),
                })?;
                no_progress(left, &c)?;
                self.stats.changes += 1;
            }
            return Ok(());
        }
        let before_names: Vec<&str> = before_cols
            .iter()
            .map(|&i| info.columns[i].name.as_str())
            .collect();
        let after_names: Vec<&str> = after_cols
            .iter()
            .map(|&i| info.columns[i].name.as_str())
            .collect();
        let mut before = std::mem::take(&mut self.before);
        let mut after = std::mem::take(&mut self.after);
        let mut partial = std::mem::take(&mut self.partial);
        let result = (|| -> Result<(), EvError> {
            while !c.is_empty() {
                let left = c.remaining();
                if op != Op::Insert {
                    decode_image(&info, &before_cols, None, &mut c, &mut before).map_err(bad)?;
                }
                if op != Op::Delete {
                    let partial_flags = if t == ty::PARTIAL_UPDATE
                        && read_partial_flags(&mut c, &info, &mut partial).map_err(bad)?
                    {
                        Some(partial.as_slice())
                    } else {
                        None
                    };
                    decode_image(&info, &after_cols, partial_flags, &mut c, &mut after)
                        .map_err(bad)?;
                }
                no_progress(left, &c)?;
                let view = ChangeView {
                    op,
                    db: &info.db,
                    table: &info.table,
                    before: (op != Op::Insert).then_some(ImageView::Split {
                        names: &before_names,
                        cells: &before,
                    }),
                    after: (op != Op::Delete).then_some(ImageView::Split {
                        names: &after_names,
                        cells: &after,
                    }),
                    ts,
                    file,
                    pos: offset,
                    gtid: self.gtid.as_deref(),
                };
                sink.change(&view).map_err(EvError::Output)?;
                self.stats.changes += 1;
            }
            Ok(())
        })();
        self.before = before;
        self.after = after;
        self.partial = partial;
        result
    }
}

/// A row that took no bytes (its column bitmaps select nothing) would repeat forever over
/// the bytes left: the event is corrupt.
fn no_progress(left: usize, c: &Cursor<'_>) -> Result<(), EvError> {
    match c.remaining() == left {
        true => Err(EvError::Corrupt(format!(
            "a row image of no columns, with {left} bytes of row data left"
        ))),
        false => Ok(()),
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}
