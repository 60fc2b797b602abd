//! The bootstrap brokers: `HOST[:PORT][,HOST[:PORT]...]`, with or without `kafka://`, as
//! Kafka clients' `bootstrap.servers` takes them (port 9092 when none is given).

use std::fmt;

use super::error::KafkaError;

const DEFAULT_PORT: u16 = 9092;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    brokers: Vec<String>,
}

impl Bootstrap {
    pub fn parse(s: &str) -> Result<Bootstrap, KafkaError> {
        let list = s.trim();
        let list = list.strip_prefix("kafka://").unwrap_or(list);
        let list = list.strip_suffix('/').unwrap_or(list);
        if list.contains('@') {
            // Never quoted: what stands before '@' may be a password.
            return Err(KafkaError::BadBroker(
                "credentials in the Kafka broker address are not supported yet".into(),
            ));
        }
        let brokers = list
            .split(',')
            .map(|b| host_port(b.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Bootstrap { brokers })
    }

    /// `host:port` for each broker, as the client dials them.
    pub fn brokers(&self) -> &[String] {
        &self.brokers
    }
}

impl fmt::Display for Bootstrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.brokers.join(","))
    }
}

fn host_port(b: &str) -> Result<String, KafkaError> {
    let bad = |why: &str| KafkaError::BadBroker(format!("Kafka broker {b:?}: {why}"));
    if b.is_empty() {
        return Err(bad("empty: give HOST:PORT"));
    }
    if b.contains('/') || b.contains(char::is_whitespace) {
        return Err(bad("not HOST:PORT"));
    }
    // "[::1]:9092" keeps its brackets; a bare "host" gets the default port.
    let (host, port) = match b.rsplit_once(':') {
        Some((host, port))
            if !host.ends_with(':') && (!host.contains(':') || host.ends_with(']')) =>
        {
            (host, Some(port))
        }
        _ if b.contains(':') && !b.starts_with('[') => {
            return Err(bad("an IPv6 address needs brackets: [ADDR]:PORT"))
        }
        _ => (b, None),
    };
    if host.is_empty() || host == "[]" {
        return Err(bad("no host"));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(bad("the port is not a number from 1 to 65535")),
        },
    };
    Ok(format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<String> {
        Bootstrap::parse(s).unwrap().brokers().to_vec()
    }

    fn err(s: &str) -> String {
        Bootstrap::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn lists_and_default_port() {
        assert_eq!(ok("broker:9093"), ["broker:9093"]);
        assert_eq!(ok("kafka://broker"), ["broker:9092"]);
        assert_eq!(ok("a:1, b"), ["a:1", "b:9092"]);
        assert_eq!(ok("[::1]:19092"), ["[::1]:19092"]);
        assert_eq!(ok("[::1]"), ["[::1]:9092"]);
        assert_eq!(Bootstrap::parse("a:1,b:2").unwrap().to_string(), "a:1,b:2");
    }

    #[test]
    fn refused_clearly() {
        assert!(err("").contains("empty"), "{}", err(""));
        assert!(err("a:1,").contains("empty"));
        assert!(err("broker:x").contains("port"), "{}", err("broker:x"));
        assert!(err("broker:0").contains("port"));
        assert!(err(":9092").contains("no host"), "{}", err(":9092"));
        assert!(err("::1").contains("brackets"), "{}", err("::1"));
        assert!(err("a b:1").contains("not HOST:PORT"));
    }

    #[test]
    fn credentials_are_never_echoed() {
        let e = err("kafka://alice:s3cret@broker:9092");
        assert!(e.contains("not supported yet"), "{e}");
        assert!(!e.contains("s3cret") && !e.contains("alice"), "{e}");
    }
}
