//! The `flowcrm` binary: parse the command line and dispatch. No logic here.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = flowcrm::cli::Cli::parse();
    flowcrm::cli::run(cli).await
}
