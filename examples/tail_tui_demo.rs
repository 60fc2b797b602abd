//! See the `cdc tail` screen without a server: a thread plays a made-up but realistic
//! `retail_db.orders` workload (inserts, updates, deletes in GTID transactions, bursts that put the
//! reader behind, idle stretches with heartbeats) into the TUI.
//!
//!     cargo run --example tail_tui_demo                        # until you press q
//!     cargo run --example tail_tui_demo -- --fail-after 20     # the reader fails after 20 s
//!     cargo run --example tail_tui_demo -- --panic-after 5     # the reader thread panics after 5 s
//!     cargo run --example tail_tui_demo -- --finish-after 10   # the reader reaches --until
//!     cargo run --example tail_tui_demo -- --capacity 500

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cdc::binlog::change::{Cell, Op, Row, RowChange};
use cdc::tail::feed::{Feed, Positions};
use cdc::tail::tui::{self, Badge, Header};

/// The made-up server's clock runs this many seconds ahead of ours.
const SKEW: i64 = 2;
/// Binlog files rotate at this size.
const FILE_SIZE: u64 = 16_000_000;

/// xorshift: enough randomness for a demo, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

fn server_now() -> u32 {
    (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + SKEW) as u32
}

/// "YYYY-MM-DDTHH:MM:SSZ" (days to civil date after Howard Hinnant).
fn iso(ts: u32) -> String {
    let z = i64::from(ts / 86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let s = ts % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

const STATUSES: [&str; 5] = ["new", "paid", "packed", "shipped", "delivered"];
const NOTES: [&str; 4] = ["", "leave at the door", "gift wrap", "call before delivery"];

struct Workload {
    rng: Rng,
    orders: BTreeMap<i64, Row>,
    next_id: i64,
    gtid_seq: u64,
    file_no: u32,
    pos: u64,
    server_file_no: u32,
    server_pos: u64,
}

impl Workload {
    fn order(&mut self, id: i64, ts: u32) -> Row {
        let cents = 500 + self.rng.below(50_000);
        let note = NOTES[self.rng.below(NOTES.len() as u64) as usize];
        let created = iso(ts).replace('T', " ").replace('Z', "");
        vec![
            ("id".into(), Cell::Int(id)),
            (
                "customer_id".into(),
                Cell::Int(1 + self.rng.below(900) as i64),
            ),
            ("status".into(), Cell::Text("new".into())),
            (
                "total".into(),
                Cell::Decimal(format!("{}.{:02}", cents / 100, cents % 100)),
            ),
            (
                "note".into(),
                if note.is_empty() {
                    Cell::Null
                } else {
                    Cell::Text(note.into())
                },
            ),
            ("created_at".into(), Cell::DateTime(created)),
            ("updated_at".into(), Cell::Timestamp(iso(ts))),
        ]
    }

    fn file(n: u32) -> String {
        format!("mysql-bin.{n:06}")
    }

    fn advance(&mut self, bytes: u64) {
        self.pos += bytes;
        if self.pos > FILE_SIZE {
            self.file_no += 1;
            self.pos = 4 + self.pos - FILE_SIZE;
        }
    }

    fn server_advance(&mut self, bytes: u64) {
        self.server_pos += bytes;
        if self.server_pos > FILE_SIZE {
            self.server_file_no += 1;
            self.server_pos = 4 + self.server_pos - FILE_SIZE;
        }
    }

    fn behind(&self) -> u64 {
        let files = u64::from(self.server_file_no - self.file_no);
        (files * FILE_SIZE + self.server_pos).saturating_sub(self.pos)
    }

    fn random_key(&mut self) -> i64 {
        let n = self.rng.below(self.orders.len() as u64) as usize;
        *self.orders.keys().nth(n).unwrap()
    }

    fn transaction(&mut self) -> Feed {
        // What we read while behind was committed earlier: about 8 MB of binlog a second.
        let ts = server_now().saturating_sub((self.behind() / 8_000_000) as u32);
        self.gtid_seq += 1;
        let gtid = format!("0-1-{}", self.gtid_seq);
        let mut changes = Vec::new();
        for _ in 0..1 + self.rng.below(4) {
            let pick = self.rng.below(10);
            let (op, before, after) = if pick < 4 || self.orders.len() < 20 {
                let id = self.next_id;
                self.next_id += 1;
                let row = self.order(id, ts);
                self.orders.insert(id, row.clone());
                (Op::Insert, None, Some(row))
            } else if pick < 9 {
                let id = self.random_key();
                let before = self.orders[&id].clone();
                let touch_note = self.rng.below(4) == 0;
                let mut after = before.clone();
                for (name, cell) in after.iter_mut() {
                    match (name.as_str(), &mut *cell) {
                        ("status", Cell::Text(s)) => {
                            let at = STATUSES.iter().position(|x| x == s).unwrap_or(0);
                            *s = STATUSES[(at + 1).min(STATUSES.len() - 1)].into();
                        }
                        ("updated_at", _) => *cell = Cell::Timestamp(iso(ts)),
                        ("note", _) if touch_note => *cell = Cell::Text("address corrected".into()),
                        _ => {}
                    }
                }
                self.orders.insert(id, after.clone());
                (Op::Update, Some(before), Some(after))
            } else {
                let id = self.random_key();
                let before = self.orders.remove(&id).unwrap();
                (Op::Delete, Some(before), None)
            };
            let size = 120 + self.rng.below(300);
            self.advance(size);
            changes.push(RowChange {
                op,
                db: "retail_db".into(),
                table: "orders".into(),
                before,
                after,
                ts,
                file: Self::file(self.file_no),
                pos: self.pos,
                gtid: Some(gtid.clone()),
            });
        }
        Feed::Transaction {
            gtid: Some(gtid),
            changes,
        }
    }

    fn positions(&self) -> Feed {
        Feed::Positions(Positions {
            file: Self::file(self.file_no),
            pos: self.pos,
            server_file: Some(Self::file(self.server_file_no)),
            server_pos: Some(self.server_pos),
            bytes_behind: Some(self.behind()),
            oldest_file: Some(Self::file(self.file_no.saturating_sub(11).max(1))),
        })
    }
}

fn play(tx: Sender<Feed>) {
    let start = Instant::now();
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut w = Workload {
        rng: Rng(seed),
        orders: BTreeMap::new(),
        next_id: 1000,
        gtid_seq: 4700,
        file_no: 42,
        pos: 1_204_000,
        server_file_no: 42,
        server_pos: 1_204_000,
    };
    let fail = arg("--fail-after");
    let panic = arg("--panic-after");
    let finish = arg("--finish-after");
    let mut last_positions = Instant::now();
    let mut last_heartbeat = Instant::now();
    loop {
        let secs = start.elapsed().as_secs();
        if fail.is_some_and(|f| secs >= f) {
            let _ = tx.send(Feed::Failed {
                message:
                    "ERROR 1236 (HY000): Could not find first log file name in binary log index file"
                        .into(),
                playbook: Some("binlog-purged".into()),
            });
            return;
        }
        if panic.is_some_and(|p| secs >= p) {
            panic!("demo: the reader thread panics on purpose");
        }
        if finish.is_some_and(|f| secs >= f) {
            let _ = tx.send(w.positions());
            let _ = tx.send(Feed::Finished);
            return;
        }
        // A 40 s cycle: 15 s steady, 10 s burst (the server writes faster than we read),
        // 15 s idle (the backlog drains, then heartbeats).
        let phase = secs % 40;
        let (server_bytes, sleep_ms) = match phase {
            0..15 => (0, 120 + w.rng.below(250)),
            15..25 => (150_000 + w.rng.below(100_000), 15),
            _ => (0, 100),
        };
        w.server_advance(server_bytes);
        let mut out = Vec::new();
        if phase < 25 || w.behind() > 0 {
            out.push(w.transaction());
            let other = 5 + w.rng.below(60);
            let bytes = other * (150 + w.rng.below(400));
            w.advance(bytes);
            out.push(Feed::Progress {
                events: other,
                bytes,
            });
            // we read slower than the burst writes, faster once it is over
            let chunk = if (15..25).contains(&phase) {
                40_000
            } else {
                1_000_000
            };
            let backlog = w.behind().min(chunk);
            if backlog > 0 {
                w.advance(backlog);
                out.push(Feed::Progress {
                    events: backlog / 300,
                    bytes: backlog,
                });
            }
        }
        if w.behind() == 0 || phase < 15 {
            // no backlog: the server's end is where we are
            w.server_file_no = w.file_no;
            w.server_pos = w.pos;
        }
        if phase >= 25 && w.behind() == 0 && last_heartbeat.elapsed() >= Duration::from_secs(1) {
            out.push(Feed::Heartbeat);
            last_heartbeat = Instant::now();
        }
        if last_positions.elapsed() >= Duration::from_millis(500) {
            out.push(w.positions());
            last_positions = Instant::now();
        }
        for f in out {
            if tx.send(f).is_err() {
                return; // the UI quit
            }
        }
        thread::sleep(Duration::from_millis(sleep_ms));
    }
}

fn main() -> anyhow::Result<()> {
    let header = Header {
        server: "db1.internal:3306".into(),
        flavor: "MariaDB".into(),
        version: "11.4.2-MariaDB-log".into(),
        table: "retail_db.orders".into(),
        badges: vec![
            Badge::new("format", "ROW", true),
            Badge::new("row image", "FULL", true),
            Badge::new("row metadata", "MINIMAL", false),
            Badge::new("compression", "OFF", true),
            Badge::new("GTID", "0-1-4700", true),
        ],
        names_from_information_schema: true,
        key_columns: vec!["id".into()],
        skew_secs: SKEW,
    };
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("demo-reader".into())
        .spawn(move || play(tx))?;
    let capacity = arg("--capacity").map_or(tui::DEFAULT_CAPACITY, |c| c as usize);
    if let Some(failure) = tui::run_with_capacity(header, rx, capacity)? {
        eprintln!("the reader stopped: {}", failure.message);
    }
    Ok(())
}
