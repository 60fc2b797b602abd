//! Choosing the fix for this server and filling in its templates.

use super::condition::{when_holds, Facts};
use super::context::Context;
use super::result::ChosenFix;
use super::spec::{Fix, Origin};

/// The first fix whose `when` matches, with `{user}`, `{schema}`, `{schemas}` and `{port}`
/// (the port dialled) filled in.
pub(crate) fn plan(
    fixes: &[Fix],
    origin: &Origin,
    facts: &Facts,
    ctx: &Context,
) -> Option<ChosenFix> {
    let fix = fixes.iter().find(|f| when_holds(f.when.as_ref(), facts))?;
    // The account judged: `--account`'s when given, never the admin doctor connected as.
    let user = ctx
        .options
        .account
        .as_ref()
        .map(|a| a.to_string())
        .or_else(|| ctx.account.clone())
        .unwrap_or_else(|| "'cdc_user'@'%'".to_string());
    let schemas = if ctx.schemas.is_empty() {
        vec!["your_db".to_string()]
    } else {
        ctx.schemas.clone()
    };
    let port = ctx
        .link
        .endpoint
        .rsplit_once(':')
        .map_or("3306", |(_, p)| p);
    let fill = |line: &str| -> Vec<String> {
        let line = line
            .replace("{user}", &user)
            .replace("{port}", port)
            .replace("{schemas}", &schemas.join(", "));
        if line.contains("{schema}") {
            schemas
                .iter()
                // The template quotes the name (`{schema}`); only backticks inside it need doubling.
                .map(|s| line.replace("{schema}", &s.replace('`', "``")))
                .collect()
        } else {
            vec![line]
        }
    };
    Some(ChosenFix {
        sql: fix.sql.iter().flat_map(|l| fill(l)).collect(),
        config: fix.config.iter().flat_map(|l| fill(l)).collect(),
        restart: fix.restart,
        summary: fill(&fix.summary).join(" "),
        origin: origin.clone(),
    })
}
