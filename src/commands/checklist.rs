//! `cdc checklist`: the production deployment checklist, server items checked by doctor and
//! the rest attested in an answers file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::calendar::Date;
use crate::checklist::answers::{self, Answers};
use crate::checklist::evaluate::{evaluate, Policy};
use crate::checklist::spec;
use crate::checks::catalogue::Catalogue;
use crate::checks::context::RunOptions;
use crate::checks::profile::Profile;
use crate::report::{self, Format};

use super::duration::parse_span;
use super::outcome::Outcome;
use super::source::SourceArgs;
use super::{doctor, output};

#[derive(Debug, clap::Args)]
pub(crate) struct ChecklistArgs {
    /// The source; without one, only the attestations are evaluated.
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Whose requirements the server items are checked against.
    #[arg(long, value_enum, default_value_t = Profile::Generic)]
    pub(crate) profile: Profile,
    /// The answers file: who confirmed each attestation, and when.
    #[arg(long, value_name = "FILE")]
    pub(crate) answers: Option<PathBuf>,
    /// The longest outage a connector must survive: binlog retention must be at least this
    /// (30m, 24h, 3d, 1w).
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub(crate) max_downtime: Option<Duration>,
    /// Answers older than this warn (e.g. 180d, 26w).
    #[arg(long, value_name = "SPAN", default_value = "180d", value_parser = parse_span)]
    pub(crate) max_age: Duration,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Exit 1 on warnings and pending items too.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Show only the items that did not pass (human and markdown output).
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Print an answers file skeleton with every attestation, and exit.
    #[arg(long)]
    pub(crate) template: bool,
}

pub(crate) fn run(args: &ChecklistArgs) -> Result<Outcome> {
    let catalogue = Catalogue::load(None).context("invalid check file")?;
    let known: Vec<&str> = catalogue.specs.iter().map(|s| s.id.as_str()).collect();
    let (name, text) = spec::PRODUCTION;
    let items = spec::parse(name, text, &known)?;
    if args.template {
        output::print(&answers::template(&items))?;
        return Ok(Outcome::Clean);
    }
    let answers = match &args.answers {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the answers file {}", path.display()))?;
            answers::parse(&path.display().to_string(), &text, &items)
                .context("invalid answers file")?
        }
        None => Answers::default(),
    };
    let server = if args.source.given() {
        let source = args.source.config()?;
        let options = RunOptions {
            profile: args.profile,
            max_downtime: args.max_downtime,
            ..RunOptions::default()
        };
        Some(doctor::check_source(
            &catalogue,
            &source,
            &options,
            args.source.platform,
        ))
    } else {
        None
    };
    let policy = Policy {
        today: Date::today(),
        max_age_days: Some((args.max_age.as_secs() / 86400) as i64),
    };
    let outcome = evaluate(
        &items,
        server.as_ref(),
        &answers,
        &policy,
        &args.profile.to_string(),
    );
    let color = report::color_wanted(std::io::stdout().is_terminal());
    let gate = report::Gate {
        strict: args.strict,
        pending: outcome.pending.clone(),
    };
    output::print(&report::render(
        &doctor::shown(&outcome.report, args.quiet, args.format, &outcome.pending),
        args.format,
        color,
        &gate,
    ))?;
    Ok(Outcome::found_if(outcome.has_problem(args.strict)))
}
