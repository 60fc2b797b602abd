//! MariaDB's compressed rows events (`log_bin_compress=ON`): the rows part after the column
//! bitmaps is zlib data behind a small header. Uncompressed, the event is an ordinary rows
//! event again.

use std::io::Read;

use super::row::{Cursor, RowError};

/// MariaDB's compressed rows event types and the plain types they stand for.
pub(crate) fn plain_type(event_type: u8) -> Option<u8> {
    Some(match event_type {
        166 => 23, // WRITE_ROWS_COMPRESSED_EVENT_V1 (what MariaDB writes by default)
        167 => 24,
        168 => 25,
        169 => 30, // WRITE_ROWS_COMPRESSED_EVENT (v2 layout)
        170 => 31,
        171 => 32,
        _ => return None,
    })
}

/// The body of a compressed rows event of `plain` type, rewritten with its rows uncompressed.
pub(crate) fn uncompress_rows(plain: u8, body: &[u8]) -> Result<Vec<u8>, RowError> {
    let mut c = Cursor::new(body);
    c.take(8, "the table id and flags")?;
    if matches!(plain, 30..=32) {
        let extra = c.le(2, "the extra data length")? as usize;
        c.take(extra.saturating_sub(2), "the extra data")?;
    }
    let ncols = c.lenenc("the column count")? as usize;
    let bitmaps = if matches!(plain, 24 | 31) { 2 } else { 1 };
    c.take(ncols.div_ceil(8) * bitmaps, "the column bitmaps")?;
    let prefix_len = body.len() - c.remaining();
    let compressed = &body[prefix_len..];
    let rows = inflate(compressed)?;
    let mut out = Vec::with_capacity(prefix_len + rows.len());
    out.extend_from_slice(&body[..prefix_len]);
    out.extend_from_slice(&rows);
    Ok(out)
}

/// MariaDB's and MySQL's largest max_allowed_packet, so the largest event there can be.
const MAX_EVENT: u64 = 1 << 30;

/// `binlog_buf_uncompress`: one header byte (0x80 | algorithm << 4 | length bytes), the
/// uncompressed length big-endian in that many bytes, then a zlib stream.
fn inflate(buf: &[u8]) -> Result<Vec<u8>, RowError> {
    let bad = |m: &str| RowError(format!("compressed rows: {m}"));
    let head = *buf.first().ok_or_else(|| bad("empty"))?;
    if head & 0x80 == 0 || (head >> 4) & 0x07 != 0 {
        return Err(bad("unknown compression header"));
    }
    let lenlen = usize::from(head & 0x07);
    let len_bytes = buf
        .get(1..1 + lenlen)
        .ok_or_else(|| bad("truncated length"))?;
    let len = len_bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    // No event is larger than max_allowed_packet (1 GiB at most): a bigger declared length
    // is corruption, and must not become an allocation.
    if len > MAX_EVENT {
        return Err(bad(&format!(
            "declares {len} bytes uncompressed, more than an event can hold"
        )));
    }
    // Room for what the zlib data plausibly inflates to, and never more than declared: the
    // declared length alone is not to be trusted with memory.
    let mut out = Vec::with_capacity((len as usize).min(buf.len().saturating_mul(8)));
    flate2::read::ZlibDecoder::new(&buf[1 + lenlen..])
        .take(len + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(&e.to_string()))?;
    if out.len() as u64 != len {
        return Err(bad(&format!("{} bytes instead of {len}", out.len())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_declared_length_is_no_allocation() {
        // Found by fuzz/binlog_decode: eight length bytes declaring 451 GB.
        let mut buf = vec![0x80 | 7, 0x69, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00];
        buf.extend_from_slice(&[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        let e = inflate(&buf).unwrap_err();
        assert!(e.0.contains("more than an event can hold"), "{e:?}");
        // Under the bound, inflated data longer than declared stops at the declared length.
        let mut z = compress(&[7u8; 5000]);
        z[1] = 0;
        z[2] = 10;
        let e = inflate(&z).unwrap_err();
        assert!(e.0.contains("instead of 10"), "{e:?}");
    }

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        let packed = z.finish().unwrap();
        let mut out = vec![0x80 | 2, (data.len() >> 8) as u8, data.len() as u8];
        out.extend_from_slice(&packed);
        out
    }

    #[test]
    fn a_v1_write_event_body_round_trips() {
        // table id (6), flags (2), 3 columns, one bitmap byte, then the rows.
        let prefix = [1u8, 0, 0, 0, 0, 0, 0, 0, 3, 0b111];
        let rows = b"row bytes that compress".repeat(20);
        let mut body = prefix.to_vec();
        body.extend_from_slice(&compress(&rows));
        let plain = uncompress_rows(23, &body).unwrap();
        assert_eq!(&plain[..prefix.len()], &prefix);
        assert_eq!(&plain[prefix.len()..], rows.as_slice());
        assert_eq!(plain_type(166), Some(23));
        assert_eq!(plain_type(171), Some(32));
        assert_eq!(plain_type(19), None);
    }

    #[test]
    fn damaged_data_is_an_error_not_a_panic() {
        let prefix = [1u8, 0, 0, 0, 0, 0, 0, 0, 3, 0b111];
        let mut body = prefix.to_vec();
        body.extend_from_slice(&[0x82, 0, 50, 1, 2, 3]);
        assert!(uncompress_rows(23, &body).is_err());
        assert!(uncompress_rows(23, &prefix[..4]).is_err());
    }
}
