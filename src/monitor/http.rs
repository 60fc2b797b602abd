//! The smallest HTTP/1.1 server that Prometheus can scrape: GET /metrics answers the latest
//! rendered sample, anything else 404. One short-lived thread per connection, each bounded in
//! time and size, so a silent or slow client holds only its own thread, and not for long.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a client has to send its request head, and to take the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// A request head larger than this is refused (Prometheus sends a few hundred bytes).
const MAX_HEAD: usize = 8 * 1024;
/// Connections served at once; more are closed at once rather than piling up threads.
const MAX_CLIENTS: usize = 32;
/// How often the accept loop looks at the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// The latest exposition text, None until the first sample is rendered.
#[derive(Debug, Default)]
pub struct Latest(RwLock<Option<String>>);

impl Latest {
    pub fn set(&self, text: String) {
        // A poisoned lock only means a writer panicked mid-swap; the value is still whole.
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(text);
    }

    pub fn get(&self) -> Option<String> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Listens on `addr` (`127.0.0.1:9187`, `[::]:0`, `localhost:9187`).
pub fn bind(addr: &str) -> io::Result<TcpListener> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolves to nothing",
        ));
    }
    TcpListener::bind(&addrs[..])
}

/// Serves `latest` until `stop` is set.
pub fn serve(listener: TcpListener, latest: Arc<Latest>, stop: &AtomicBool) -> io::Result<()> {
    // Non-blocking accept, so the stop flag is seen within POLL.
    listener.set_nonblocking(true)?;
    let busy = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                if busy.load(Ordering::SeqCst) >= MAX_CLIENTS {
                    log::debug!("refusing {peer}: {MAX_CLIENTS} connections already open");
                    continue;
                }
                busy.fetch_add(1, Ordering::SeqCst);
                let latest = latest.clone();
                let busy = busy.clone();
                std::thread::spawn(move || {
                    if let Err(e) = handle(stream, &latest) {
                        log::debug!("client {peer}: {e}");
                    }
                    busy.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A client that reset before accept, or fds running out: the server goes on.
            Err(e) => {
                log::debug!("accept: {e}");
                std::thread::sleep(POLL);
            }
        }
    }
    Ok(())
}

/// One request, one answer, then the connection is closed.
fn handle(mut stream: TcpStream, latest: &Latest) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    let head = match read_head(&mut stream)? {
        Some(h) => h,
        None => return respond(&mut stream, 400, "text/plain", "bad request\n", false),
    };
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(&mut stream, 405, "text/plain", "only GET\n", false);
    }
    if path != "/metrics" {
        return respond(
            &mut stream,
            404,
            "text/plain",
            "not found: try /metrics\n",
            head_only,
        );
    }
    match latest.get() {
        Some(text) => respond(
            &mut stream,
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            &text,
            head_only,
        ),
        // Before the first sample there is nothing true to say: a failed scrape (up 0 in
        // Prometheus) rather than made-up values.
        None => respond(
            &mut stream,
            503,
            "text/plain",
            "cdc monitor: the first sample is not taken yet\n",
            head_only,
        ),
    }
}

/// The request head (up to the blank line), or None when it is not one: too big, not text,
/// or the client closed early. Silence past CLIENT_TIMEOUT is an error (TimedOut).
fn read_head(stream: &mut TcpStream) -> io::Result<Option<String>> {
    let until = Instant::now() + CLIENT_TIMEOUT;
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    loop {
        // A deadline for the whole head, not each read: a client trickling a byte at a
        // time cannot stretch it.
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = find(&head, b"\r\n\r\n").or_else(|| find(&head, b"\n\n")) {
            head.truncate(end);
            return Ok(String::from_utf8(head).ok());
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn respond(
    stream: &mut TcpStream,
    code: u16,
    content_type: &str,
    body: &str,
    head_only: bool,
) -> io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&out)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server on a free port, and its stop flag (set when dropped).
    struct Running {
        addr: SocketAddr,
        latest: Arc<Latest>,
        stop: Arc<AtomicBool>,
    }

    impl Drop for Running {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    fn start() -> Running {
        let listener = bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let latest = Arc::new(Latest::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (l, s) = (latest.clone(), stop.clone());
        std::thread::spawn(move || serve(listener, l, &s));
        Running { addr, latest, stop }
    }

    fn get(addr: SocketAddr, request: &str) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn metrics_before_and_after_the_first_sample_and_other_paths() {
        let r = start();
        let req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        let before = get(r.addr, req);
        assert!(before.starts_with("HTTP/1.1 503 "), "{before}");
        assert!(before.ends_with("not taken yet\n"), "{before}");
        r.latest.set("cdc_source_up 1\n".into());
        let after = get(r.addr, req);
        assert!(after.starts_with("HTTP/1.1 200 OK\r\n"), "{after}");
        assert!(after.contains("Content-Length: 16\r\n"), "{after}");
        assert!(after.ends_with("\r\n\r\ncdc_source_up 1\n"), "{after}");
        let with_query = get(r.addr, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
        assert!(with_query.starts_with("HTTP/1.1 200 "), "{with_query}");
        let other = get(r.addr, "GET / HTTP/1.1\r\n\r\n");
        assert!(other.starts_with("HTTP/1.1 404 "), "{other}");
        let post = get(r.addr, "POST /metrics HTTP/1.1\r\n\r\n");
        assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
        let head = get(r.addr, "HEAD /metrics HTTP/1.1\r\n\r\n");
        assert!(head.ends_with("\r\n\r\n"), "{head}");
        let huge = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_HEAD + 10));
        assert!(get(r.addr, &huge).starts_with("HTTP/1.1 400 "));
    }

    #[test]
    fn a_silent_client_does_not_block_others() {
        let r = start();
        r.latest.set("cdc_source_up 1\n".into());
        // Several clients that connect and say nothing.
        let silent: Vec<TcpStream> = (0..4)
            .map(|_| TcpStream::connect(r.addr).unwrap())
            .collect();
        let t = Instant::now();
        let answer = get(r.addr, "GET /metrics HTTP/1.1\r\n\r\n");
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        // And the server lets a silent one go after its timeout.
        let mut s = silent.into_iter().next().unwrap();
        s.set_read_timeout(Some(CLIENT_TIMEOUT * 3)).unwrap();
        let mut buf = Vec::new();
        let closed = s.read_to_end(&mut buf);
        assert!(closed.is_ok() && buf.is_empty(), "{closed:?} {buf:?}");
    }

    #[test]
    fn the_server_stops_when_asked() {
        let listener = bind("127.0.0.1:0").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let handle = std::thread::spawn(move || serve(listener, Arc::default(), &s));
        stop.store(true, Ordering::SeqCst);
        let t = Instant::now();
        handle.join().unwrap().unwrap();
        assert!(t.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn bad_addresses_are_errors() {
        assert!(bind("nonsense").is_err());
        assert!(bind("127.0.0.1:99999").is_err());
        let taken = bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let e = bind(&addr).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse, "{e}");
    }
}
