//! `pso`: the command line of the PSO platform.

mod cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "pso", version, about = "PSO: the platform for project support offices")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the engine on files (no database needed).
    #[command(subcommand)]
    Schedule(cmd::schedule::ScheduleCmd),
    /// Read an MS Project XML file and write it again through PSO's model.
    Convert {
        /// MSPDI file to read.
        input: PathBuf,
        /// MSPDI file to write.
        output: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schedule(c) => cmd::schedule::run(c),
        Command::Convert { input, output } => cmd::mspdi::convert(&input, &output),
    }
}
