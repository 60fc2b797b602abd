//! MySQL 8.0.20+ compressed transactions (TRANSACTION_PAYLOAD_EVENT, zstd): unpacked into the
//! events they hold, which the decoder then reads like any others (they carry no checksum).

use std::io::Read;

use mysql_common::binlog::events::TransactionPayloadReader;

use super::file::{EventHeader, HEADER_LEN};
use super::row::Cursor;

/// The header's fields, each a (type, length, value) triple, up to the end mark; as the
/// server's `Transaction_payload_event` writes them.
const END_MARK: u64 = 0;
const PAYLOAD_SIZE: u64 = 1;
const COMPRESSION_TYPE: u64 = 2;
const UNCOMPRESSED_SIZE: u64 = 3;
const ZSTD: u64 = 0;
const NONE: u64 = 255;

/// The decompressed bytes of a TRANSACTION_PAYLOAD event's `body` (no header, no checksum):
/// a run of whole events. The header is read here, not by mysql_common, whose reader panics
/// on an unknown compression type or a field running past the end.
pub(crate) fn unpack(body: &[u8]) -> Result<Vec<u8>, String> {
    // Cursor's own errors speak of row images: say where this one was cut.
    let cut = |what: &str| format!("the compressed transaction ends inside {what}");
    let mut c = Cursor::new(body);
    let (mut size, mut alg, mut uncompressed) = (None, None, None);
    loop {
        let field = c.lenenc("").map_err(|_| cut("its header"))?;
        if field == END_MARK {
            break;
        }
        let len = c.lenenc("").map_err(|_| cut("its header"))?;
        let value = usize::try_from(len)
            .ok()
            .and_then(|len| c.take(len, "").ok())
            .ok_or_else(|| cut(&format!("header field {field}")))?;
        let slot = match field {
            PAYLOAD_SIZE => &mut size,
            COMPRESSION_TYPE => &mut alg,
            UNCOMPRESSED_SIZE => &mut uncompressed,
            // A field a later server may add: skipped, as the server's reader does.
            _ => continue,
        };
        let v = Cursor::new(value).lenenc("");
        *slot = Some(v.map_err(|_| cut(&format!("header field {field}")))?);
    }
    let (Some(size), Some(alg)) = (size, alg) else {
        return Err("a compressed transaction's header lacks its size or compression type".into());
    };
    let payload = usize::try_from(size)
        .ok()
        .and_then(|size| c.take(size, "").ok())
        .ok_or_else(|| cut(&format!("its {size} bytes of payload")))?;
    let reader = match alg {
        ZSTD => TransactionPayloadReader::new_zstd(payload).map_err(|e| e.to_string())?,
        NONE => TransactionPayloadReader::new_uncompressed(payload),
        a => return Err(format!("compression type {a}, which no server writes")),
    };
    // Never more than the header declares: a few corrupt bytes cannot inflate without bound.
    let limit = uncompressed.unwrap_or(u64::MAX);
    let mut out = Vec::with_capacity(limit.min(64 << 20) as usize);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| format!("the compressed transaction does not decompress: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "the compressed transaction decompresses to more than the {limit} bytes its header says"
        ));
    }
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
