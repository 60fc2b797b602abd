//! Kafka Connect's REST API for one connector: its committed offsets (`GET .../offsets`,
//! Kafka 3.5+), its configuration and its status with each task's trace.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::error::OffsetError;
use super::formats::connect_rest_offsets;
use super::offset::StoredOffset;

/// `connect+http(s)://[user:pass@]HOST:PORT/connectors/NAME`, split into what is dialled and
/// what is shown (never the password).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectorUrl {
    /// `http(s)://HOST:PORT/connectors/NAME`, without credentials.
    pub base: String,
    pub name: String,
    auth: Option<String>,
}

impl std::fmt::Debug for ConnectorUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

impl ConnectorUrl {
    /// None when `s` is not a `connect+http(s)://` URL at all.
    pub fn parse(s: &str) -> Option<Result<ConnectorUrl, OffsetError>> {
        let rest = s.strip_prefix("connect+")?;
        let (scheme, rest) = rest.split_once("://")?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let bad = |why: &str| OffsetError::BadSource(format!("connect+{scheme}://...: {why}"));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (auth, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Some(Err(bad("no host")));
        }
        let path = path.trim_end_matches('/');
        let Some(name) = path
            .strip_prefix("connectors/")
            .filter(|n| !n.is_empty() && !n.contains('/'))
        else {
            return Some(Err(bad("the path must be /connectors/NAME")));
        };
        let auth = auth.map(|u| {
            let decoded = percent_decode(u);
            base64::engine::general_purpose::STANDARD.encode(decoded)
        });
        Some(Ok(ConnectorUrl {
            base: format!("{scheme}://{host}/connectors/{name}"),
            name: percent_decode(name),
            auth,
        }))
    }
}

/// What Kafka Connect says of one connector.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Connector {
    pub name: String,
    /// `GET .../config`: every setting as a string.
    pub config: BTreeMap<String, String>,
    /// The connector's own state (RUNNING, PAUSED, FAILED, ...).
    pub state: Option<String>,
    pub tasks: Vec<TaskStatus>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskStatus {
    pub id: i64,
    pub state: String,
    /// The stack trace of a FAILED task.
    pub trace: Option<String>,
}

impl Connector {
    /// Whether `connector.class` is one of Debezium's (io.debezium.connector.*).
    pub(crate) fn is_debezium(&self) -> bool {
        self.setting("connector.class")
            .is_some_and(|c| c.starts_with("io.debezium."))
    }

    pub(crate) fn setting(&self, key: &str) -> Option<&str> {
        self.config
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The traces of failed tasks (and of the connector itself), for diagnose.
    pub(crate) fn failures(&self) -> Vec<(String, &str)> {
        self.tasks
            .iter()
            .filter(|t| t.state == "FAILED")
            .filter_map(|t| Some((format!("task {}", t.id), t.trace.as_deref()?)))
            .collect()
    }
}

/// Reads the offsets, configuration and status of the connector.
pub fn read(
    url: &ConnectorUrl,
    timeout: Duration,
) -> Result<(StoredOffset, Connector), OffsetError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let offsets_url = format!("{}/offsets", url.base);
    let offsets = get_json(&agent, url, &offsets_url, "offsets (Kafka Connect 3.5+; older workers: read the offsets topic with kafka://BROKER/TOPIC?connector=NAME)")?;
    let listed = offsets.get("offsets").cloned().unwrap_or(Value::Null);
    let offset = connect_rest_offsets(&offsets_url, &listed)?;
    let config = get_json(&agent, url, &format!("{}/config", url.base), "config")?;
    let status = get_json(&agent, url, &format!("{}/status", url.base), "status")?;
    Ok((offset, connector(&url.name, &config, &status)))
}

pub(crate) fn connector(name: &str, config: &Value, status: &Value) -> Connector {
    let config = config
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let tasks = status
        .get("tasks")
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .map(|t| TaskStatus {
                    id: t.get("id").and_then(Value::as_i64).unwrap_or(0),
                    state: text(t, "state").unwrap_or_default(),
                    trace: text(t, "trace"),
                })
                .collect()
        })
        .unwrap_or_default();
    Connector {
        name: name.to_string(),
        config,
        state: status.get("connector").and_then(|c| text(c, "state")),
        tasks,
    }
}

fn get_json(
    agent: &ureq::Agent,
    url: &ConnectorUrl,
    target: &str,
    what: &str,
) -> Result<Value, OffsetError> {
    let err = |why: String| OffsetError::Http {
        url: target.to_string(),
        why,
    };
    let mut request = agent.get(target).header("Accept", "application/json");
    if let Some(auth) = &url.auth {
        request = request.header("Authorization", format!("Basic {auth}"));
    }
    let mut response = request.call().map_err(|e| err(transport(&e)))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| err(format!("reading the {what} answer: {e}")))?;
    match status {
        200 => serde_json::from_str(&body)
            .map_err(|e| err(format!("the {what} answer is not JSON: {e}"))),
        404 => Err(err(format!(
            "404: no such connector, or no {what} endpoint ({})",
            message(&body)
        ))),
        401 | 403 => Err(err(format!(
            "{status}: the worker refused the credentials ({})",
            message(&body)
        ))),
        _ => Err(err(format!("HTTP {status} for {what}: {}", message(&body)))),
    }
}

/// Connect's error body is `{"error_code":404,"message":"..."}`.
fn message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn transport(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer within the timeout".into(),
        ureq::Error::Io(io) => format!("cannot reach the worker: {io}"),
        ureq::Error::HostNotFound => "the host name does not resolve".into(),
        other => other.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(ConnectorUrl::parse("offsets.json").is_none());
        let u =
            ConnectorUrl::parse("connect+http://admin:s%40cret@connect:8083/connectors/inventory/")
                .unwrap()
                .unwrap();
        assert_eq!(u.base, "http://connect:8083/connectors/inventory");
        assert_eq!(u.name, "inventory");
        assert!(!format!("{u:?}").contains("cret"));
        assert_eq!(
            u.auth.as_deref(),
            Some(
                base64::engine::general_purpose::STANDARD
                    .encode("admin:s@cret")
                    .as_str()
            )
        );
        let e = ConnectorUrl::parse("connect+https://connect:8083/inventory")
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(e.contains("/connectors/NAME"), "{e}");
    }

    #[test]
    fn status_and_config_shapes() {
        let config: Value = serde_json::json!({"connector.class":"io.debezium.connector.mysql.MySqlConnector","database.server.id":"184054","tasks.max":1});
        let status: Value = serde_json::json!({"name":"inventory","connector":{"state":"RUNNING","worker_id":"w:8083"},"tasks":[{"id":0,"state":"FAILED","worker_id":"w:8083","trace":"org.apache.kafka.connect.errors.ConnectException: boom"}],"type":"source"});
        let c = connector("inventory", &config, &status);
        assert_eq!(c.setting("database.server.id"), Some("184054"));
        assert_eq!(c.setting("tasks.max"), Some("1"));
        assert_eq!(c.state.as_deref(), Some("RUNNING"));
        assert_eq!(
            c.failures(),
            vec![(
                "task 0".to_string(),
                "org.apache.kafka.connect.errors.ConnectException: boom"
            )]
        );
    }
}
