//! MySQL 8.0.20+ compressed transactions (TRANSACTION_PAYLOAD_EVENT, zstd): unpacked into the
//! events they hold, which the decoder then reads like any others (they carry no checksum).

use std::io::Read;

use mysql_common::binlog::events::{Event, TransactionPayloadEvent};

use super::file::{EventHeader, HEADER_LEN};

/// The decompressed bytes of a TRANSACTION_PAYLOAD event: a run of whole events.
pub fn unpack(event: &Event) -> std::io::Result<Vec<u8>> {
    let payload = event.read_event::<TransactionPayloadEvent<'_>>()?;
    let mut out = Vec::with_capacity(payload.uncompressed_size().min(64 << 20) as usize);
    payload.decompressed()?.read_to_end(&mut out)?;
    Ok(out)
}

/// Splits unpacked payload bytes into events; an event running past the end is an error.
pub fn events(bytes: &[u8]) -> impl Iterator<Item = Result<&[u8], String>> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if at >= bytes.len() {
            return None;
        }
        let Some(h) = EventHeader::parse(&bytes[at..]) else {
            at = bytes.len();
            return Some(Err(
                "a compressed transaction ends inside an event header".into()
            ));
        };
        let size = h.event_size as usize;
        if size < HEADER_LEN || at + size > bytes.len() {
            at = bytes.len();
            return Some(Err(format!(
                "a compressed transaction holds an event of {size} bytes that does not fit"
            )));
        }
        let ev = &bytes[at..at + size];
        at += size;
        Some(Ok(ev))
    })
}
