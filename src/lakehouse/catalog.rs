//! DataFusion's view of a lakehouse target: every schema name is a namespace (a directory
//! under the Delta root, an Iceberg namespace), and a table is opened when a query names
//! it, at its current snapshot. Nothing is listed up front: a root with thousands of
//! tables costs nothing more than one with the table compared.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider, TableProvider};
use datafusion::common::{DataFusionError, Result};
use deltalake::DeltaTableError;
use iceberg::{Catalog, NamespaceIdent, TableIdent};
use iceberg_datafusion::IcebergStaticTableProvider;

use super::url::LakeUrl;

/// Where tables come from.
#[derive(Clone)]
pub(crate) enum Tables {
    Delta {
        url: LakeUrl,
        options: HashMap<String, String>,
    },
    Iceberg(Arc<dyn Catalog>),
}

impl fmt::Debug for Tables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tables::Delta { url, .. } => write!(f, "Delta({})", url.redacted()),
            Tables::Iceberg(_) => write!(f, "Iceberg"),
        }
    }
}

fn external(e: impl std::error::Error + Send + Sync + 'static) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

impl Tables {
    /// `schema.name` at its current snapshot; None when there is no such table.
    pub(crate) async fn open(
        &self,
        schema: &str,
        name: &str,
    ) -> Result<Option<Arc<dyn TableProvider>>> {
        match self {
            Tables::Delta { url, options } => {
                let Some(location) = url.delta_table(schema, name) else {
                    return Ok(None);
                };
                let location = ::url::Url::parse(&location).map_err(external)?;
                let table =
                    match deltalake::open_table_with_storage_options(location, options.clone())
                        .await
                    {
                        Ok(t) => t,
                        Err(
                            DeltaTableError::NotATable(_)
                            | DeltaTableError::InvalidTableLocation(_)
                            | DeltaTableError::NotInitialized
                            | DeltaTableError::NotInitializedWithFiles(_),
                        ) => return Ok(None),
                        Err(e) => return Err(external(e)),
                    };
                Ok(Some(table.table_provider().await.map_err(external)?))
            }
            Tables::Iceberg(catalog) => {
                let ident = TableIdent::new(NamespaceIdent::new(schema.to_string()), name.into());
                // A namespace that does not exist is a table that does not either.
                if !catalog.table_exists(&ident).await.unwrap_or(false) {
                    return Ok(None);
                }
                let table = catalog.load_table(&ident).await.map_err(external)?;
                let provider = IcebergStaticTableProvider::try_new_from_table(table)
                    .await
                    .map_err(external)?;
                Ok(Some(Arc::new(provider)))
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct LakeCatalog(pub(crate) Tables);

impl CatalogProvider for LakeCatalog {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema_names(&self) -> Vec<String> {
        Vec::new()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        Some(Arc::new(LakeSchema {
            tables: self.0.clone(),
            name: name.to_string(),
        }))
    }
}

#[derive(Debug)]
struct LakeSchema {
    tables: Tables,
    name: String,
}

#[async_trait]
impl SchemaProvider for LakeSchema {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_names(&self) -> Vec<String> {
        Vec::new()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        self.tables.open(&self.name, name).await
    }

    fn table_exist(&self, _name: &str) -> bool {
        // Only known by opening it, which `table` does.
        false
    }
}
