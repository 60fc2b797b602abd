//! The command line: every subcommand and its arguments, and which function runs each.

use anyhow::Result;
use clap::{Parser, Subcommand};

use super::outcome::Outcome;
use super::{checklist, diagnose, doctor, monitor, playbook, sandbox, tail, validate};

/// Preflight checks, live binlog tail and pipeline validation for MySQL/MariaDB CDC.
#[derive(Debug, Parser)]
#[command(name = "cdc", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Debug logs on stderr of what the command does (-vv: more); RUST_LOG works too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a source for everything that breaks CDC, with the fix for each.
    Doctor(doctor::DoctorArgs),
    /// The troubleshooting playbooks: list, show one, or run its diagnostics on a source.
    Playbook(playbook::PlaybookArgs),
    /// Find the playbooks that explain an error message or a connector log. Exit 1 when
    /// something matched (the tool found a problem), 0 when nothing did.
    Diagnose(diagnose::DiagnoseArgs),
    /// The pre-production checklist: server items checked, the rest attested in an answers file.
    Checklist(checklist::ChecklistArgs),
    /// Prove a pipeline carries changes (--crud) and compare source and target tables.
    // --platform picks doctor's fixes; it means nothing here.
    #[command(mut_arg("platform", |a| a.hide(true)))]
    Validate(validate::ValidateArgs),
    /// Watch the row changes of tables live as a replica, or read them from binlog files.
    #[command(mut_arg("platform", |a| a.hide(true)))]
    Tail(tail::TailArgs),
    /// Serve a pipeline's health as Prometheus metrics (GET /metrics), sampled every --interval.
    Monitor(monitor::MonitorArgs),
    /// A local MariaDB/MySQL source configured for CDC, with the retail_db sample.
    Sandbox {
        #[command(subcommand)]
        cmd: sandbox::SandboxCommand,
    },
}

/// Runs the command the line names.
pub fn run(cli: &Cli) -> Result<Outcome> {
    match &cli.command {
        Command::Doctor(args) => doctor::run(args),
        Command::Playbook(args) => playbook::run(args),
        Command::Diagnose(args) => diagnose::run(args),
        Command::Checklist(args) => checklist::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Tail(args) => tail::run(args),
        Command::Monitor(args) => monitor::run(args),
        Command::Sandbox { cmd } => sandbox::run(cmd),
    }
}
