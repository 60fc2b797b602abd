//! A binlog file, read as a stream of events with their offsets. Never reads the file whole,
//! and checks every event's length against what is left before anyone parses it.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;

/// The four bytes every binlog file starts with.
pub(crate) const MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];
/// The common event header: timestamp, type, server_id, event_size, log_pos, flags.
pub(crate) const HEADER_LEN: usize = 19;

/// A binlog that cannot be read: the file, the byte offset where it went wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: at byte offset {offset}: {message}")]
pub struct BinlogError {
    pub(crate) file: String,
    pub(crate) offset: u64,
    pub(crate) message: String,
}

/// The common header of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHeader {
    pub(crate) timestamp: u32,
    pub event_type: u8,
    pub(crate) server_id: u32,
    pub(crate) event_size: u32,
    pub(crate) log_pos: u32,
    pub(crate) flags: u16,
}

impl EventHeader {
    /// Parses the first 19 bytes of `b` (None if shorter).
    pub fn parse(b: &[u8]) -> Option<EventHeader> {
        let b = b.get(..HEADER_LEN)?;
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Some(EventHeader {
            timestamp: u32_at(0),
            event_type: b[4],
            server_id: u32_at(5),
            event_size: u32_at(9),
            log_pos: u32_at(13),
            flags: u16::from_le_bytes([b[17], b[18]]),
        })
    }
}

/// Reads a binlog file event by event (from disk, or from bytes already in memory).
pub struct BinlogFile<R: Read = BufReader<File>> {
    name: String,
    reader: R,
    offset: u64,
    len: u64,
}

impl BinlogFile {
    /// Opens `path` and checks the magic bytes.
    pub fn open(path: &Path) -> Result<BinlogFile, BinlogError> {
        let name = path.display().to_string();
        let err = |message: String| BinlogError {
            file: name.clone(),
            offset: 0,
            message,
        };
        let file = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
        let len = file
            .metadata()
            .map_err(|e| err(format!("cannot stat: {e}")))?
            .len();
        BinlogFile::start(name, BufReader::with_capacity(256 * 1024, file), len)
    }
}

impl<'a> BinlogFile<&'a [u8]> {
    /// The binlog `bytes`, named `name` in errors; the magic bytes are checked.
    pub fn from_bytes(name: &str, bytes: &'a [u8]) -> Result<Self, BinlogError> {
        BinlogFile::start(name.to_string(), bytes, bytes.len() as u64)
    }
}

impl<R: Read> BinlogFile<R> {
    /// `reader` holds `len` bytes from the file's start: checks the magic bytes.
    fn start(name: String, mut reader: R, len: u64) -> Result<Self, BinlogError> {
        let err = |message: String| BinlogError {
            file: name.clone(),
            offset: 0,
            message,
        };
        let mut magic = [0u8; 4];
        if len < 4 {
            return Err(err(format!("not a binlog: the file is {len} bytes long")));
        }
        reader
            .read_exact(&mut magic)
            .map_err(|e| err(format!("cannot read: {e}")))?;
        if magic != MAGIC {
            return Err(err("not a binlog file (no \\xfebin magic)".into()));
        }
        Ok(BinlogFile {
            name,
            reader,
            offset: 4,
            len,
        })
    }

    /// The file's name as given.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn error(&self, offset: u64, message: String) -> BinlogError {
        BinlogError {
            file: self.name.clone(),
            offset,
            message,
        }
    }

    /// Reads the next whole event (header included) into `buf`; returns its start offset, or
    /// None at the end of the file. An event cut short is an error naming its offset.
    pub fn next_event(&mut self, buf: &mut Vec<u8>) -> Result<Option<u64>, BinlogError> {
        let start = self.offset;
        if start >= self.len {
            return Ok(None);
        }
        let left = self.len - start;
        if left < HEADER_LEN as u64 {
            return Err(self.error(
                start,
                format!("truncated event: {left} bytes left, an event header is {HEADER_LEN}"),
            ));
        }
        buf.clear();
        buf.resize(HEADER_LEN, 0);
        self.read_into(&mut buf[..], start)?;
        let header = EventHeader::parse(buf).expect("19 bytes read");
        let size = header.event_size as u64;
        if size < HEADER_LEN as u64 {
            return Err(self.error(
                start,
                format!("corrupt event header: event size {size} is below {HEADER_LEN}"),
            ));
        }
        if size > left {
            return Err(self.error(
                start,
                format!(
                    "truncated event (type {}): its header says {size} bytes, the file has {left} left",
                    header.event_type
                ),
            ));
        }
        buf.resize(size as usize, 0);
        self.read_into(&mut buf[HEADER_LEN..], start)?;
        self.offset = start + size;
        Ok(Some(start))
    }

    fn read_into(&mut self, dst: &mut [u8], start: u64) -> Result<(), BinlogError> {
        self.reader.read_exact(dst).map_err(|e| {
            let msg = if e.kind() == ErrorKind::UnexpectedEof {
                "truncated event: the file ended (did it shrink while being read?)".to_string()
            } else {
                format!("cannot read: {e}")
            };
            self.error(start, msg)
        })
    }
}
