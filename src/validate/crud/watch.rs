//! Where a canary step is looked for: a table polled by key (MySQL, MariaDB, PostgreSQL
//! targets) or a topic consumed from its end (Kafka, see [`super::kafka`]).

use super::row_plan::RowPlan;
use super::{Crud, StepResult};
use crate::validate::target::Db;

pub(crate) trait Watch {
    /// The SQL session of a table target: for the soft-delete column check and the row
    /// counts; None for a target that holds changes, not tables.
    fn db(&mut self) -> Option<&mut dyn Db>;
    /// What the report names as the target instead of the target table (a topic).
    fn name(&self) -> Option<String> {
        None
    }
    /// Called just before the step's write: a topic's end is marked here, so only what the
    /// step causes is looked at. An error means the step cannot be watched: it is not written.
    fn before_step(&mut self, _step: &'static str) -> Result<(), String> {
        Ok(())
    }
    /// Waits until the target shows what `step` did, or `crud.timeout`.
    fn wait(
        &mut self,
        crud: &Crud<'_>,
        plan: &RowPlan,
        run_id: &str,
        step: &'static str,
    ) -> StepResult;
}

/// A table target, polled by key.
pub(crate) struct SqlWatch<'a>(pub(crate) &'a mut dyn Db);

impl Watch for SqlWatch<'_> {
    fn db(&mut self) -> Option<&mut dyn Db> {
        Some(&mut *self.0)
    }

    fn wait(&mut self, crud: &Crud<'_>, plan: &RowPlan, _: &str, step: &'static str) -> StepResult {
        crud.wait(&mut *self.0, plan, step)
    }
}
