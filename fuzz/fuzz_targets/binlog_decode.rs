//! `cdc tail --file` over one fuzzed binlog: every event decoded, every row value rendered as
//! plain lines and as jsonl. A panic (even one the decoder would catch), a hang or a blow-up
//! is a finding; for a corrupt file the answer must be an error naming the file and an offset
//! inside it, and every jsonl line written before it must be JSON.
#![no_main]

use cdc::binlog::{DecodeError, Decoder};
use cdc::tail::output::{JsonlWriter, PlainWriter};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz.binlog";
const HEADER_LEN: usize = 19;
const FORMAT_DESCRIPTION: u8 = 15;

fuzz_target!(|data: &[u8]| {
    decode(data);
    // Nearly every mutation breaks a CRC32 and stops at that event: decode a copy with each
    // event's checksum made right too, so mutations reach the parsers behind the check.
    let sealed = reseal(data);
    if sealed != data {
        decode(&sealed);
    }
});

fn decode(data: &[u8]) {
    let mut plain = PlainWriter::new(std::io::sink());
    let r = Decoder::all_tables(None).decode_bytes(NAME, data, &mut plain);
    check_error(r, data.len());

    let mut jsonl = JsonlWriter::new(Vec::new());
    let r = Decoder::all_tables(None).decode_bytes(NAME, data, &mut jsonl);
    check_error(r, data.len());
    let out = jsonl.into_inner();
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(line) {
            panic!(
                "jsonl line is not JSON ({e}): {}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

fn check_error(r: Result<(), DecodeError>, len: usize) {
    let e = match r {
        Ok(()) => return,
        Err(DecodeError::Output(e)) => panic!("a sink that cannot fail failed: {e}"),
        Err(e) => e.to_string(),
    };
    let offset = e
        .strip_prefix(NAME)
        .and_then(|r| r.strip_prefix(": at byte offset "))
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse::<usize>().ok());
    match offset {
        Some(o) if o <= len => {}
        _ => panic!("the error does not name the file and an offset in it: {e}"),
    }
}

/// `data` with every event's last four bytes set to the CRC32 of the rest, as a server with
/// binlog_checksum=CRC32 writes them (the format description's with its in-use flag clear).
fn reseal(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let mut pos = 4;
    while let Some(h) = out.get(pos..pos + HEADER_LEN) {
        let size = u32::from_le_bytes([h[9], h[10], h[11], h[12]]) as usize;
        let Some(end) = pos.checked_add(size) else {
            break;
        };
        if size < HEADER_LEN + 4 || end > out.len() {
            break;
        }
        let mut hasher = crc32fast::Hasher::new();
        if h[4] == FORMAT_DESCRIPTION {
            hasher.update(&out[pos..pos + 17]);
            hasher.update(&[out[pos + 17] & !1]);
            hasher.update(&out[pos + 18..end - 4]);
        } else {
            hasher.update(&out[pos..end - 4]);
        }
        out[end - 4..end].copy_from_slice(&hasher.finalize().to_le_bytes());
        pos = end;
    }
    out
}
