use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cdc::commands::sandbox::{self, SandboxCommand};

#[derive(Debug, Parser)]
#[command(name = "cdc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A local CDC-ready MariaDB with sample data, to try cdc against.
    Sandbox {
        #[command(subcommand)]
        cmd: SandboxCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Sandbox { cmd } => sandbox::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
