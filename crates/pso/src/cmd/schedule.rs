//! `pso schedule ...`: run the engine on files, without a database.

use anyhow::Context;
use std::path::{Path, PathBuf};

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
        ScheduleCmd::Psplib {
            file,
            schedules,
            seed,
        } => psplib(&file, schedules, seed),
        ScheduleCmd::Project { file, out } => project(&file, out.as_deref()),
        ScheduleCmd::Mspdi { file, out } => super::mspdi::schedule(&file, out.as_deref()),
    }
}

/// `pso schedule psplib FILE.sm`: the best schedule within the budget, as JSON.
fn psplib(file: &Path, schedules: u64, seed: u64) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let inst =
        pso_formats::psplib::parse(&text).with_context(|| format!("parsing {}", file.display()))?;
    let sol = pso_schedule::rcpsp::solve(&inst, &pso_schedule::rcpsp::Options { schedules, seed })
        .with_context(|| format!("scheduling {}", file.display()))?;
    let out = serde_json::json!({ "makespan": sol.makespan, "starts": sol.starts });
    println!("{out}");
    Ok(())
}

/// Generated schedules for a leveling run: more for small projects, fewer for huge ones,
/// so that the whole run stays well within a second for 10,000 tasks.
fn leveling_budget(tasks: usize) -> u32 {
    (250_000 / tasks.max(1)).clamp(2, 64) as u32
}

/// `pso schedule project FILE.json [--out FILE]`: pso-project/1 in, pso-schedule/1 out.
fn project(file: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let loaded = pso_formats::project_json::read(&text)
        .with_context(|| format!("reading {}", file.display()))?;
    let mut opts = loaded.options;
    opts.schedules = leveling_budget(loaded.input.tasks.len());
    let sched = pso_schedule::schedule(&loaded.input, &opts)
        .with_context(|| format!("scheduling {}", file.display()))?;
    let input = &loaded.input;
    for c in &sched.conflicts {
        match c {
            pso_schedule::Conflict::ConstraintMissed { task, constraint } => eprintln!(
                "conflict: task {} misses its constraint {constraint:?}",
                input.tasks[*task].id
            ),
            pso_schedule::Conflict::NoUnits { task, resource } => eprintln!(
                "conflict: resource {} has no whole unit; task {} scheduled without it",
                input.resources[*resource].id, input.tasks[*task].id
            ),
        }
    }
    let json = pso_formats::project_json::write(&loaded, &sched)?;
    match out {
        Some(path) => std::fs::write(path, json + "\n")
            .with_context(|| format!("writing {}", path.display()))?,
        None => println!("{json}"),
    }
    Ok(())
}
