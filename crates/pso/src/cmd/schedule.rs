//! `pso schedule ...`: run the engine on files, without a database.

use std::path::PathBuf;

/// `pso schedule` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ScheduleCmd {
    /// Schedule a PSPLIB single-mode instance (.sm); prints {"makespan", "starts"} as JSON.
    Psplib {
        /// The .sm file.
        file: PathBuf,
        /// Upper bound on the number of generated schedules (Kolisch–Hartmann protocol).
        #[arg(long, default_value_t = 5000)]
        schedules: u64,
        /// Seed of the randomised search (same seed, same result).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Schedule a `pso-project/1` document; writes `pso-schedule/1`.
    Project {
        /// The pso-project/1 JSON file.
        file: PathBuf,
        /// Where to write the schedule (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Schedule an MS Project XML (MSPDI) file, ignoring its stored dates; writes `pso-schedule/1`.
    Mspdi {
        /// The MSPDI file.
        file: PathBuf,
        /// Where to write the schedule (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: ScheduleCmd) -> anyhow::Result<()> {
    match cmd {
        ScheduleCmd::Psplib { .. } | ScheduleCmd::Project { .. } => {
            anyhow::bail!("not implemented yet")
        }
        ScheduleCmd::Mspdi { file, out } => super::mspdi::schedule(&file, out.as_deref()),
    }
}
