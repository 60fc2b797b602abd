//! The options of the commands that watch a running pipeline (tail's panel, monitor): the
//! target, where the pipeline writes each table, the canary table for heartbeats, and the
//! stored position; turned into the sampler's configuration.

use anyhow::{Context as _, Result};

use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::Platform;
use crate::pipeline::{OffsetSource, SamplerConfig, TablePair};
use crate::validate::crud::DeleteMode;
use crate::validate::table::TableRef;
use crate::validate::target::TargetConfig;
use crate::validate::{parse_target_pattern, target_table};

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WatchArgs {
    /// Where the pipeline writes: mysql://... or postgres://.../db. Adds the target's row
    /// counts and the end-to-end lag.
    #[arg(long, env = "CDC_TARGET", hide_env_values = true)]
    pub(crate) target: Option<String>,
    /// The target table for each watched table: a name, or a pattern with {db} and {table},
    /// e.g. bronze.{table}. Default: the same db.table (on PostgreSQL: schema = source db).
    #[arg(long, value_name = "PATTERN", value_parser = parse_target_pattern)]
    pub(crate) target_table: Option<String>,
    /// The canary table heartbeats are written to (cdc validate --init makes it).
    /// Default: cdc_canary in the source URL's database.
    #[arg(long, value_name = "DB.TABLE")]
    pub(crate) canary: Option<String>,
    /// Where the pipeline stores its position: a file (python-mysql-replication position
    /// file, Debezium offset JSON, Flink CDC job log), connect+http://HOST:PORT/connectors/NAME
    /// (Kafka Connect REST), or kafka://BROKER:PORT/TOPIC?connector=NAME (the offsets topic).
    #[arg(long, value_name = "SOURCE")]
    pub(crate) offset: Option<OffsetSource>,
    /// How the target shows a delete: hard, soft:COLUMN=VALUE, soft:COLUMN IS NOT NULL
    /// (soft-deleted rows are not counted).
    #[arg(long, default_value = "hard")]
    pub(crate) delete_mode: DeleteMode,
}

impl WatchArgs {
    /// The canary table: --canary, else cdc_canary in the source URL's database.
    pub(crate) fn canary_table(&self, source: &SourceConfig) -> Result<Option<TableRef>> {
        match (&self.canary, &source.database) {
            (Some(c), _) => TableRef::parse(c)
                .map(Some)
                .with_context(|| format!("--canary {c:?} is not db.table")),
            (None, Some(db)) => Ok(Some(TableRef {
                schema: db.clone(),
                name: "cdc_canary".into(),
            })),
            (None, None) => Ok(None),
        }
    }

    /// The target, its connect timeout the source's.
    pub(crate) fn target_config(&self, source: &SourceConfig) -> Result<Option<TargetConfig>> {
        let Some(url) = self.target.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        let mut target = TargetConfig::parse(url).context("cannot use the target")?;
        target.set_connect_timeout(source.connect_timeout);
        Ok(Some(target))
    }

    /// A source table and its name on the target.
    pub(crate) fn pair(&self, table: &TableRef) -> TablePair {
        TablePair {
            source: table.clone(),
            target: target_table(self.target_table.as_deref(), table),
        }
    }

    /// The sampler's configuration for watching `tables` (already expanded to tables).
    pub(crate) fn sampler_config(
        &self,
        source: &SourceConfig,
        tables: &[TableRef],
        platform: Option<Platform>,
    ) -> Result<SamplerConfig> {
        let mut config = SamplerConfig::new(source.clone());
        config.target = self.target_config(source)?;
        config.tables = tables.iter().map(|t| self.pair(t)).collect();
        config.canary = self.canary_table(source)?.map(|c| self.pair(&c));
        config.offset = self.offset.clone();
        config.delete_mode = self.delete_mode.clone();
        config.platform = platform;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        watch: WatchArgs,
    }

    fn args(argv: &[&str]) -> WatchArgs {
        let mut all = vec!["cdc"];
        all.extend_from_slice(argv);
        Cli::try_parse_from(all).unwrap().watch
    }

    #[test]
    fn the_target_pattern_names_each_table_and_the_canary() {
        let source = SourceConfig::parse("mysql://u:pw@h:3306/shop").unwrap();
        let w = args(&[
            "--target",
            "postgres://p@h:5432/lake",
            "--target-table",
            "bronze.{db}_{table}",
        ]);
        let orders = TableRef::parse("shop.orders").unwrap();
        let c = w.sampler_config(&source, &[orders], None).unwrap();
        assert_eq!(c.tables[0].target.to_string(), "bronze.shop_orders");
        let canary = c.canary.unwrap();
        assert_eq!(canary.source.to_string(), "shop.cdc_canary");
        assert_eq!(canary.target.to_string(), "bronze.shop_cdc_canary");
        assert!(c.target.is_some());
    }

    #[test]
    fn no_database_and_no_canary_means_no_heartbeat_and_no_target_means_none() {
        let source = SourceConfig::parse("mysql://u@h:3306").unwrap();
        let w = args(&[]);
        let c = w.sampler_config(&source, &[], None).unwrap();
        assert!(c.canary.is_none() && c.target.is_none());
        let bad = args(&["--canary", "nodot"]);
        let e = bad.sampler_config(&source, &[], None).unwrap_err();
        assert!(
            format!("{e:#}").contains("\"nodot\" is not db.table"),
            "{e:#}"
        );
    }
}
