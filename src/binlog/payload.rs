//! MySQL 8.0.20+ compressed transactions (TRANSACTION_PAYLOAD_EVENT, zstd): unpacked into the
//! events they hold, which the decoder then reads like any others (they carry no checksum).

use std::io::Read;

use mysql_common::binlog::events::{Event, TransactionPayloadEvent};

use super::file::{EventHeader, HEADER_LEN};

/// The decompressed bytes of a TRANSACTION_PAYLOAD event: a run of whole events.
pub(crate) fn unpack(event: &Event) -> std::io::Result<Vec<u8>> {
    let payload = event.read_event::<TransactionPayloadEvent<'_>>()?;
    let mut out = Vec::with_capacity(payload.uncompressed_size().min(64 << 20) as usize);
    payload.decompressed()?.read_to_end(&mut out)?;
    Ok(out)
}

/// Unpacked payload bytes that are not a run of whole events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PayloadError {
    #[error("a compressed transaction ends inside an event header")]
    CutHeader,
    /// An event shorter than its header or running past the end.
    #[error("a compressed transaction holds an event of {0} bytes that does not fit")]
    EventSize(usize),
}

/// Splits unpacked payload bytes into events; an event running past the end is an error.
pub(crate) fn events(bytes: &[u8]) -> impl Iterator<Item = Result<&[u8], PayloadError>> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if at >= bytes.len() {
            return None;
        }
        let Some(h) = EventHeader::parse(&bytes[at..]) else {
            at = bytes.len();
            return Some(Err(PayloadError::CutHeader));
        };
        let size = h.event_size as usize;
        if size < HEADER_LEN || at + size > bytes.len() {
            at = bytes.len();
            return Some(Err(PayloadError::EventSize(size)));
        }
        let ev = &bytes[at..at + size];
        at += size;
        Some(Ok(ev))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 19-byte header claiming `size` bytes, followed by `body` bytes.
    fn event(size: u32, body: usize) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_LEN];
        b[9..13].copy_from_slice(&size.to_le_bytes());
        b.extend(std::iter::repeat_n(7u8, body));
        b
    }

    #[test]
    fn whole_events_split_and_cut_ones_are_errors() {
        let mut bytes = event(21, 2);
        bytes.extend(event(19, 0));
        let sizes: Vec<usize> = events(&bytes).map(|e| e.unwrap().len()).collect();
        assert_eq!(sizes, [21, 19]);
        let cut: Vec<_> = events(&bytes[..25]).collect();
        assert_eq!(cut.last(), Some(&Err(PayloadError::CutHeader)));
        let long = event(40, 2);
        assert_eq!(
            events(&long).collect::<Vec<_>>(),
            [Err(PayloadError::EventSize(40))]
        );
        assert_eq!(
            PayloadError::EventSize(40).to_string(),
            "a compressed transaction holds an event of 40 bytes that does not fit"
        );
        assert_eq!(
            events(&event(3, 0)).next(),
            Some(Err(PayloadError::EventSize(3)))
        );
    }
}
