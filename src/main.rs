use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use cdc::commands::cli::{self, Cli};
use cdc::commands::logging;
use cdc::commands::outcome::{self, CouldNotRun, Outcome};

fn main() -> ExitCode {
    // clap refuses a bad argument with exit 2 before anything runs.
    let cli = Cli::parse();
    logging::init(cli.verbose);
    cdc::connection::tls::install_crypto_provider();
    let result = cli::run(&cli);
    // The one place outcomes become exit codes: 0 nothing wrong, 1 a problem found in what
    // was checked, 2 the tool could not do its job.
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Ok(Outcome::Problem { message, playbook }) => {
            let _ = writeln!(
                io::stderr(),
                "error: {}",
                outcome::line(&message, playbook.as_deref())
            );
            ExitCode::from(1)
        }
        Ok(Outcome::Incomplete) => ExitCode::from(2),
        Err(e) if outcome::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let playbook = e
                .chain()
                .find_map(|c| c.downcast_ref::<CouldNotRun>())
                .and_then(|c| c.playbook);
            let _ = writeln!(
                io::stderr(),
                "error: {}",
                outcome::line(&format!("{e:#}"), playbook)
            );
            ExitCode::from(2)
        }
    }
}
