//! A lakehouse target URL: where the tables are and how their catalog is reached.
//!
//! - `delta://ROOT` (a local directory), `delta+s3://BUCKET/PREFIX`, `delta+az://CONTAINER/PREFIX`,
//!   `delta+gs://BUCKET/PREFIX`: Delta tables at `ROOT/{db}/{table}`. Object stores take the
//!   usual environment credentials (AWS_*, AZURE_STORAGE_*, GOOGLE_*); query options are
//!   passed to the store as delta-rs names them (`?AWS_REGION=eu-west-1`).
//! - `iceberg+sql://PATH?warehouse=URI[&catalog=NAME]`: a SQL catalog in the SQLite file PATH
//!   (pyiceberg's SqlCatalog), its catalog name `default` unless given.
//! - `iceberg+rest://HOST:PORT/PATH[?warehouse=W&token=T&credential=C]` (`iceberg+rest+https://`
//!   for TLS): a REST catalog.
//!
//! Namespace = db, table = table, unless `--target-table` says otherwise.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::connection::url::percent_decode;

/// Which object store holds a Delta root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Local,
    S3,
    Azure,
    Gcs,
}

impl Store {
    fn scheme(self) -> &'static str {
        match self {
            Store::Local => "file",
            Store::S3 => "s3",
            Store::Azure => "az",
            Store::Gcs => "gs",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LakeUrl {
    Delta {
        store: Store,
        /// The local directory, or `bucket/prefix` on an object store (no trailing slash).
        root: String,
        options: BTreeMap<String, String>,
    },
    IcebergSql {
        path: PathBuf,
        warehouse: String,
        catalog: String,
    },
    IcebergRest {
        uri: String,
        options: BTreeMap<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LakeUrlError {
    #[error("{url}: no table root after the scheme (e.g. delta:///data/lake)")]
    NoRoot { url: String },
    #[error("iceberg+sql:// needs ?warehouse=URI, the catalog's warehouse (e.g. file:///data/warehouse)")]
    NoWarehouse,
    #[error("iceberg+rest:// needs HOST:PORT (e.g. iceberg+rest://catalog:8181)")]
    NoHost,
    #[error("option {0:?} is not KEY=VALUE")]
    Option(String),
    #[error("{0:?} is not valid percent-encoding")]
    Encoding(String),
}

fn decode(s: &str) -> Result<String, LakeUrlError> {
    percent_decode(s).ok_or_else(|| LakeUrlError::Encoding(s.to_string()))
}

/// Option names whose values are secrets: shown as `***`.
fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["secret", "token", "password", "credential", "key"]
        .iter()
        .any(|s| k.contains(s))
        && !k.ends_with("key_id")
        && !k.ends_with("access_key_id")
}

fn options(query: Option<&str>) -> Result<BTreeMap<String, String>, LakeUrlError> {
    let mut out = BTreeMap::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| LakeUrlError::Option(pair.to_string()))?;
        out.insert(decode(k)?, decode(v)?);
    }
    Ok(out)
}

impl LakeUrl {
    /// Whether `url` names a lakehouse target at all (its scheme).
    pub fn is_lake(url: &str) -> bool {
        let u = url.trim_start();
        ["delta://", "delta+", "iceberg+"]
            .iter()
            .any(|p| u.starts_with(p))
    }

    pub fn parse(url: &str) -> Result<LakeUrl, LakeUrlError> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://").unwrap_or((url, ""));
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let mut opts = options(query)?;
        let no_root = || LakeUrlError::NoRoot {
            url: scheme.to_string() + "://",
        };
        let store = match scheme {
            "delta" => Some(Store::Local),
            "delta+s3" => Some(Store::S3),
            "delta+az" | "delta+abfs" => Some(Store::Azure),
            "delta+gs" => Some(Store::Gcs),
            _ => None,
        };
        if let Some(store) = store {
            let root = decode(rest.trim_end_matches('/'))?;
            if root.is_empty() && rest != "/" {
                return Err(no_root());
            }
            let root = match (store, root.is_empty()) {
                (Store::Local, true) => "/".to_string(),
                _ => root,
            };
            return Ok(LakeUrl::Delta {
                store,
                root,
                options: opts,
            });
        }
        match scheme {
            "iceberg+sql" => {
                if rest.is_empty() {
                    return Err(no_root());
                }
                let warehouse = opts.remove("warehouse").ok_or(LakeUrlError::NoWarehouse)?;
                let catalog = opts.remove("catalog").unwrap_or_else(|| "default".into());
                Ok(LakeUrl::IcebergSql {
                    path: PathBuf::from(decode(rest)?),
                    warehouse,
                    catalog,
                })
            }
            "iceberg+rest" | "iceberg+rest+https" => {
                if rest.is_empty() || rest.starts_with('/') {
                    return Err(LakeUrlError::NoHost);
                }
                let http = if scheme.ends_with("https") {
                    "https"
                } else {
                    "http"
                };
                Ok(LakeUrl::IcebergRest {
                    uri: format!("{http}://{}", rest.trim_end_matches('/')),
                    options: opts,
                })
            }
            _ => Err(no_root()),
        }
    }

    /// The URL with secret options as `***`: for reports and errors.
    pub fn redacted(&self) -> String {
        let shown = |opts: &BTreeMap<String, String>| -> String {
            let parts: Vec<String> = opts
                .iter()
                .map(|(k, v)| {
                    if is_secret(k) {
                        format!("{k}=***")
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            if parts.is_empty() {
                String::new()
            } else {
                format!("?{}", parts.join("&"))
            }
        };
        match self {
            LakeUrl::Delta {
                store,
                root,
                options,
            } => {
                let scheme = match store {
                    Store::Local => "delta".to_string(),
                    s => format!("delta+{}", s.scheme()),
                };
                format!("{scheme}://{root}{}", shown(options))
            }
            LakeUrl::IcebergSql {
                path,
                warehouse,
                catalog,
            } => format!(
                "iceberg+sql://{}?warehouse={warehouse}&catalog={catalog}",
                path.display()
            ),
            LakeUrl::IcebergRest { uri, options } => {
                let (http, host) = uri.split_once("://").unwrap_or(("http", uri));
                let scheme = if http == "https" {
                    "iceberg+rest+https"
                } else {
                    "iceberg+rest"
                };
                format!("{scheme}://{host}{}", shown(options))
            }
        }
    }

    /// The secret option values, for taking them out of library errors.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            LakeUrl::Delta { options, .. } | LakeUrl::IcebergRest { options, .. } => options
                .iter()
                .filter(|(k, v)| is_secret(k) && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect(),
            LakeUrl::IcebergSql { .. } => Vec::new(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            LakeUrl::Delta { .. } => "Delta Lake",
            LakeUrl::IcebergSql { .. } | LakeUrl::IcebergRest { .. } => "Iceberg",
        }
    }

    /// Where a Delta table of `schema.name` lives, as the URL delta-rs opens.
    pub(crate) fn delta_table(&self, schema: &str, name: &str) -> Option<String> {
        let LakeUrl::Delta { store, root, .. } = self else {
            return None;
        };
        let root = root.trim_end_matches('/');
        Some(match store {
            Store::Local => {
                let dir = PathBuf::from(if root.is_empty() { "/" } else { root });
                let dir = std::path::absolute(&dir).unwrap_or(dir);
                let dir = dir.display().to_string();
                format!("file://{}/{schema}/{name}", dir.trim_end_matches('/'))
            }
            s => format!("{}://{root}/{schema}/{name}", s.scheme()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_roots_on_every_store() {
        let u = LakeUrl::parse("delta:///data/lake/").unwrap();
        assert_eq!(
            u.delta_table("retail_db", "orders").as_deref(),
            Some("file:///data/lake/retail_db/orders")
        );
        let u = LakeUrl::parse("delta+s3://bucket/bronze?AWS_REGION=eu-west-1").unwrap();
        assert_eq!(
            u.delta_table("d", "t").as_deref(),
            Some("s3://bucket/bronze/d/t")
        );
        assert_eq!(
            u.redacted(),
            "delta+s3://bucket/bronze?AWS_REGION=eu-west-1"
        );
        let u = LakeUrl::parse("delta+gs://b").unwrap();
        assert_eq!(u.delta_table("d", "t").as_deref(), Some("gs://b/d/t"));
        let u = LakeUrl::parse("delta+az://c/p").unwrap();
        assert_eq!(u.delta_table("d", "t").as_deref(), Some("az://c/p/d/t"));
        assert!(matches!(
            LakeUrl::parse("delta+s3://"),
            Err(LakeUrlError::NoRoot { .. })
        ));
    }

    #[test]
    fn relative_local_roots_are_made_absolute() {
        let u = LakeUrl::parse("delta://lake").unwrap();
        let t = u.delta_table("d", "t").unwrap();
        assert!(t.starts_with("file:///"), "{t}");
        assert!(t.ends_with("/lake/d/t"), "{t}");
    }

    #[test]
    fn secrets_are_never_shown() {
        let u = LakeUrl::parse(
            "delta+s3://b/p?AWS_ACCESS_KEY_ID=AKIA1&AWS_SECRET_ACCESS_KEY=hush%2Fhush",
        )
        .unwrap();
        assert_eq!(
            u.redacted(),
            "delta+s3://b/p?AWS_ACCESS_KEY_ID=AKIA1&AWS_SECRET_ACCESS_KEY=***"
        );
        assert_eq!(u.secrets(), vec!["hush/hush".to_string()]);
        let u = LakeUrl::parse("iceberg+rest://cat:8181/api?warehouse=w&token=t0k").unwrap();
        assert_eq!(
            u.redacted(),
            "iceberg+rest://cat:8181/api?token=***&warehouse=w"
        );
        assert!(!u.redacted().contains("t0k"));
    }

    #[test]
    fn iceberg_catalogs() {
        let u = LakeUrl::parse("iceberg+sql:///tmp/cat.db?warehouse=file:///tmp/wh").unwrap();
        assert_eq!(
            u,
            LakeUrl::IcebergSql {
                path: "/tmp/cat.db".into(),
                warehouse: "file:///tmp/wh".into(),
                catalog: "default".into()
            }
        );
        assert_eq!(
            LakeUrl::parse("iceberg+sql:///tmp/cat.db"),
            Err(LakeUrlError::NoWarehouse)
        );
        let u = LakeUrl::parse("iceberg+rest+https://cat.example:443/v1").unwrap();
        assert!(
            matches!(&u, LakeUrl::IcebergRest { uri, .. } if uri == "https://cat.example:443/v1")
        );
        assert_eq!(LakeUrl::parse("iceberg+rest://"), Err(LakeUrlError::NoHost));
        assert!(LakeUrl::is_lake("delta:///x"));
        assert!(LakeUrl::is_lake("iceberg+sql:///x"));
        assert!(!LakeUrl::is_lake("postgres://x"));
    }
}
