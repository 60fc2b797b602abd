//! A Kafka-protocol broker of the test's own: tansu (scripts/tansu.sh installs it) on a free
//! port with memory storage, killed when the test ends; and a producer to fill its topics.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;

/// How long tansu may take to answer after it starts.
const START_LIMIT: Duration = Duration::from_secs(30);

pub struct Broker {
    pub port: u16,
    child: Child,
    log: PathBuf,
    // Holds the log until the broker is gone.
    _dir: tempfile::TempDir,
}

/// Where scripts/tansu.sh installs the broker (`CDC_TANSU_ROOT` overrides).
fn binary() -> PathBuf {
    let root = std::env::var_os("CDC_TANSU_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/cdc/tansu"));
    root.join("bin/tansu")
}

/// A port nothing listens on (as of now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Broker {
    /// Starts tansu and waits until it answers a metadata request. A missing binary is a
    /// setup failure, never a skipped test.
    pub fn start() -> Broker {
        let bin = binary();
        assert!(
            bin.exists(),
            "{} missing: run scripts/setup.sh --test (scripts/tansu.sh installs the broker)",
            bin.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("tansu.log");
        let port = free_port();
        let listener = format!("tcp://127.0.0.1:{port}");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(&bin)
            .args(["broker", "--listener-url", &listener])
            .args(["--advertised-listener-url", &listener])
            .args(["--storage-engine", "memory://tansu/"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let mut broker = Broker {
            port,
            child,
            log,
            _dir: dir,
        };
        broker.wait_until_it_answers();
        broker
    }

    /// `127.0.0.1:PORT`, as bootstrap servers are given.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn wait_until_it_answers(&mut self) {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "tansu exited ({status}) before answering:\n{}",
                    self.log_text()
                );
            }
            if block_on(Duration::from_secs(2), self.try_client()).is_some_and(|c| c.is_some()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tansu did not answer on {} within {START_LIMIT:?}:\n{}",
                self.addr(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn try_client(&self) -> Option<Client> {
        ClientBuilder::new(vec![self.addr()]).build().await.ok()
    }

    async fn client(&self) -> Client {
        ClientBuilder::new(vec![self.addr()])
            .build()
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.addr()))
    }

    /// Creates `topic` with `partitions` partitions.
    pub fn create_topic(&self, topic: &str, partitions: i32) {
        let done = block_on(Duration::from_secs(20), async {
            let client = self.client().await;
            let controller = client.controller_client().unwrap();
            controller
                .create_topic(topic, partitions, 1, 5_000)
                .await
                .unwrap_or_else(|e| panic!("creating topic {topic}: {e}"))
        });
        assert!(
            done.is_some(),
            "creating topic {topic} on {}:\n{}",
            self.addr(),
            self.log_text()
        );
    }

    /// Appends keyed records (value None: a tombstone) to one partition, in order; returns
    /// their offsets.
    pub fn produce(
        &self,
        topic: &str,
        partition: i32,
        records: &[(&[u8], Option<&[u8]>)],
    ) -> Vec<i64> {
        self.produce_compressed(topic, partition, records, Compression::NoCompression)
    }

    /// [`Broker::produce`], the batch compressed with `compression`.
    pub fn produce_compressed(
        &self,
        topic: &str,
        partition: i32,
        records: &[(&[u8], Option<&[u8]>)],
        compression: Compression,
    ) -> Vec<i64> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let records: Vec<Record> = records
            .iter()
            .map(|(key, value)| Record {
                key: Some(key.to_vec()),
                value: value.map(<[u8]>::to_vec),
                headers: Default::default(),
                timestamp: chrono::DateTime::from_timestamp_millis(now).unwrap(),
            })
            .collect();
        let offsets = block_on(Duration::from_secs(20), async {
            let client = self.client().await;
            let partition = client
                .partition_client(topic, partition, UnknownTopicHandling::Retry)
                .await
                .unwrap_or_else(|e| panic!("{topic}/{partition}: {e}"));
            partition
                .produce(records, compression)
                .await
                .unwrap_or_else(|e| panic!("producing to {topic}: {e}"))
        });
        offsets.unwrap_or_else(|| panic!("producing to {topic}:\n{}", self.log_text()))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `fut` on a runtime of its own; None when it did not finish within `limit`.
fn block_on<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> Option<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async { tokio::time::timeout(limit, fut).await.ok() })
}
