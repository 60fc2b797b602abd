//! A lakehouse target as a [`Db`]: DataFusion queries over the Delta or Iceberg tables the
//! URL names, each query planned against the tables' current snapshots, so the polling of
//! `--crud` sees new commits as a database session would see new rows.

use std::collections::HashMap;
use std::sync::{Arc, Once};

use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::execution::context::SessionContext;
use datafusion::prelude::SessionConfig;
use iceberg::io::LocalFsStorageFactory;
use iceberg::CatalogBuilder;
use iceberg_catalog_rest::RestCatalogBuilder;
use iceberg_catalog_sql::{SqlBindStyle, SqlCatalogBuilder};

use super::catalog::{LakeCatalog, Tables};
use super::udf;
use super::url::{LakeUrl, Store};
use crate::connection::error::ConnectError;
use crate::connection::redact::{Redacted, Redactor};
use crate::connection::secret::Secret;
use crate::connection::sql::{Rows, SqlError};
use crate::validate::target::{Db, Engine};

/// The catalog name queries resolve in; schemas are namespaces below it.
const CATALOG: &str = "lake";

pub struct LakeDb {
    runtime: tokio::runtime::Runtime,
    ctx: SessionContext,
    secrets: Vec<Secret>,
}

/// Text with every secret option value taken out.
fn redact(secrets: &[Secret], text: &str) -> Redacted {
    let mut text = text.to_string();
    for s in secrets {
        text = Redactor::new(Some(s)).redact(&text).as_str().to_string();
    }
    Redactor::default().redact(&text)
}

/// delta-rs learns the object stores once per process.
fn register_stores() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        deltalake::aws::register_handlers(None);
        deltalake::azure::register_handlers(None);
        deltalake::gcp::register_handlers(None);
    });
}

impl LakeDb {
    pub fn open(url: &LakeUrl) -> Result<LakeDb, ConnectError> {
        let secrets: Vec<Secret> = url.secrets().into_iter().map(Secret::new).collect();
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            ConnectError::Other(redact(&secrets, &format!("{what}: {e}")))
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| fail("starting the query engine", &e))?;
        register_stores();
        let tables = match url {
            // A mistyped local root would make every table look missing: said at once.
            LakeUrl::Delta {
                store: Store::Local,
                root,
                ..
            } if !std::path::Path::new(root).is_dir() => {
                return Err(ConnectError::Other(redact(
                    &secrets,
                    &format!("no Delta root at {root}: no such directory"),
                )));
            }
            LakeUrl::Delta { options, .. } => Tables::Delta {
                url: url.clone(),
                options: options
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            LakeUrl::IcebergSql {
                path,
                warehouse,
                catalog,
            } => {
                if !path.is_file() {
                    return Err(ConnectError::Other(redact(
                        &secrets,
                        &format!("no Iceberg SQL catalog at {}: no such file", path.display()),
                    )));
                }
                let builder = SqlCatalogBuilder::default()
                    .uri(format!("sqlite:{}", path.display()))
                    .warehouse_location(warehouse)
                    .sql_bind_style(SqlBindStyle::QMark)
                    .with_storage_factory(Arc::new(LocalFsStorageFactory));
                let built = runtime
                    .block_on(builder.load(catalog, HashMap::new()))
                    .map_err(|e| fail("opening the Iceberg SQL catalog", &e))?;
                Tables::Iceberg(Arc::new(built))
            }
            LakeUrl::IcebergRest { uri, options } => {
                let mut props: HashMap<String, String> = options
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                props.insert("uri".into(), uri.clone());
                let builder = RestCatalogBuilder::default()
                    .with_storage_factory(Arc::new(LocalFsStorageFactory));
                let built = runtime
                    .block_on(builder.load("rest", props))
                    .map_err(|e| fail("opening the Iceberg REST catalog", &e))?;
                Tables::Iceberg(Arc::new(built))
            }
        };
        let config = SessionConfig::new().with_default_catalog_and_schema(CATALOG, "default");
        let ctx = SessionContext::new_with_config(config);
        for f in udf::functions() {
            ctx.register_udf(f);
        }
        ctx.register_catalog(CATALOG, Arc::new(LakeCatalog(tables.clone())));
        Ok(LakeDb {
            runtime,
            ctx,
            secrets,
        })
    }

    /// `DESCRIBE schema.table` answered from the table's own schema, and no rows (rather than
    /// a planning error) when there is no such table: what information_schema gives.
    fn describe(&self, schema: &str, table: &str) -> Result<Rows, SqlError> {
        let catalog = self.ctx.catalog(CATALOG).expect("registered at open");
        let provider = catalog.schema(schema).expect("every schema name resolves");
        let found = self
            .runtime
            .block_on(provider.table(table))
            .map_err(|e| self.error(&e))?;
        let mut rows = Rows {
            columns: vec![
                "column_name".into(),
                "data_type".into(),
                "is_nullable".into(),
            ],
            rows: Vec::new(),
        };
        if let Some(t) = found {
            for f in t.schema().fields() {
                rows.rows.push(vec![
                    Some(f.name().clone()),
                    Some(f.data_type().to_string()),
                    Some(if f.is_nullable() { "YES" } else { "NO" }.into()),
                ]);
            }
        }
        Ok(rows)
    }

    fn error(&self, e: &dyn std::fmt::Display) -> SqlError {
        SqlError::new(None, redact(&self.secrets, &e.to_string()))
    }
}

/// The quoted `"schema"."table"` of a DESCRIBE statement, unquoted.
fn described(sql: &str) -> Option<(String, String)> {
    let rest = sql.trim().strip_prefix("DESCRIBE ")?;
    let (s, t) = rest.split_once("\".\"")?;
    let unquote = |x: &str| x.trim_matches('"').replace("\"\"", "\"");
    Some((unquote(s), unquote(t)))
}

fn to_rows(
    schema: &Schema,
    batches: &[RecordBatch],
) -> Result<Rows, datafusion::arrow::error::ArrowError> {
    let mut rows = Rows {
        columns: schema.fields().iter().map(|f| f.name().clone()).collect(),
        rows: Vec::new(),
    };
    let options = FormatOptions::default();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            rows.rows.push(
                batch
                    .columns()
                    .iter()
                    .zip(&formatters)
                    .map(|(c, f)| (!c.is_null(i)).then(|| f.value(i).to_string()))
                    .collect(),
            );
        }
    }
    Ok(rows)
}

impl Db for LakeDb {
    fn engine(&self) -> Engine {
        Engine::DataFusion
    }

    fn query(&mut self, sql: &str) -> Result<Rows, SqlError> {
        if let Some((schema, table)) = described(sql) {
            return self.describe(&schema, &table);
        }
        let answer = self.runtime.block_on(async {
            let df = self.ctx.sql(sql).await?;
            let schema = df.schema().as_arrow().clone();
            let batches = df.collect().await?;
            to_rows(&schema, &batches).map_err(datafusion::error::DataFusionError::from)
        });
        answer.map_err(|e| self.error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_names_its_table() {
        assert_eq!(
            described("DESCRIBE \"retail_db\".\"or\"\"ders\""),
            Some(("retail_db".into(), "or\"ders".into()))
        );
        assert_eq!(described("SELECT 1"), None);
    }
}
