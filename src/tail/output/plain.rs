//! `--format plain`: Flink-style lines, `db.table +I[1, John, 1299.99, 2026-11-22 10:00:00]`;
//! an update is two lines, `-U[before]` then `+U[after]`; a delete `-D[before]`. NULL is `null`,
//! bytes that are not UTF-8 are `0x` + hex, JSON is compact JSON.

use std::io::{self, BufWriter, Write};

use crate::binlog::change::{Cell, ChangeView, ImageView, Op};
use crate::binlog::ChangeSink;

pub struct PlainWriter<W: Write> {
    out: BufWriter<W>,
    line: Vec<u8>,
}

impl<W: Write> PlainWriter<W> {
    pub fn new(w: W) -> Self {
        PlainWriter {
            out: BufWriter::with_capacity(1 << 16, w),
            line: Vec::with_capacity(1024),
        }
    }

    pub fn write(&mut self, c: &ChangeView<'_>) -> io::Result<()> {
        let mut l = std::mem::take(&mut self.line);
        l.clear();
        match c.op {
            Op::Insert => row(&mut l, c, "+I", c.after),
            Op::Delete => row(&mut l, c, "-D", c.before),
            Op::Update => {
                row(&mut l, c, "-U", c.before);
                row(&mut l, c, "+U", c.after);
            }
        }
        let r = self.out.write_all(&l);
        self.line = l;
        r
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> ChangeSink for PlainWriter<W> {
    fn change(&mut self, c: &ChangeView<'_>) -> io::Result<()> {
        self.write(c)
    }
}

fn row(l: &mut Vec<u8>, c: &ChangeView<'_>, kind: &str, img: Option<ImageView<'_>>) {
    l.extend_from_slice(c.db.as_bytes());
    l.push(b'.');
    l.extend_from_slice(c.table.as_bytes());
    l.push(b' ');
    l.extend_from_slice(kind.as_bytes());
    l.push(b'[');
    if let Some(img) = img {
        for (k, (_, cell)) in img.iter().enumerate() {
            if k > 0 {
                l.extend_from_slice(b", ");
            }
            cell_plain(l, cell);
        }
    }
    l.extend_from_slice(b"]\n");
}

/// One cell as plain text.
pub(crate) fn cell_plain(l: &mut Vec<u8>, cell: &Cell) {
    match cell {
        Cell::Null => l.extend_from_slice(b"null"),
        Cell::Int(v) => l.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes()),
        Cell::UInt(v) => l.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes()),
        Cell::Float(f) => l.extend_from_slice(zmij::Buffer::new().format(*f).as_bytes()),
        Cell::Decimal(s)
        | Cell::Text(s)
        | Cell::Date(s)
        | Cell::Time(s)
        | Cell::DateTime(s)
        | Cell::Timestamp(s) => l.extend_from_slice(s.as_bytes()),
        Cell::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => l.extend_from_slice(s.as_bytes()),
            Err(_) => {
                l.extend_from_slice(b"0x");
                for x in b {
                    l.extend_from_slice(format!("{x:02x}").as_bytes());
                }
            }
        },
        Cell::Json(v) => {
            let _ = serde_json::to_writer(&mut *l, v);
        }
        Cell::JsonDiff(d) => {
            let _ = serde_json::to_writer(&mut *l, d);
        }
        Cell::Vector(v) => {
            l.push(b'[');
            for (i, f) in v.iter().enumerate() {
                if i > 0 {
                    l.extend_from_slice(b", ");
                }
                l.extend_from_slice(zmij::Buffer::new().format(*f).as_bytes());
            }
            l.push(b']');
        }
    }
}
