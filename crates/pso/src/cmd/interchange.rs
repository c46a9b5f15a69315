//! `pso import mspdi` and `pso export mspdi`: MS Project XML in and out of the database.

use super::server::DbOpts;
use std::path::PathBuf;

/// `pso import ...`
#[derive(Debug, clap::Subcommand)]
pub enum ImportCmd {
    /// Import an MS Project XML file as a new project (one transaction), with a report of what
    /// could not be carried.
    Mspdi {
        #[command(flatten)]
        db: DbOpts,
        /// The MSPDI file.
        file: PathBuf,
        /// Site of the new project (its code); the file's calendar is mapped onto it.
        #[arg(long)]
        site: Option<String>,
        /// Code of the new project (default: derived from the file).
        #[arg(long)]
        code: Option<String>,
    },
}

/// `pso export ...`
#[derive(Debug, clap::Subcommand)]
pub enum ExportCmd {
    /// Export a project as MS Project XML.
    Mspdi {
        #[command(flatten)]
        db: DbOpts,
        /// Code of the project.
        project: String,
        /// The file to write.
        out: PathBuf,
    },
}

pub async fn import(cmd: ImportCmd) -> anyhow::Result<()> {
    match cmd {
        ImportCmd::Mspdi { .. } => anyhow::bail!("not implemented yet"),
    }
}

pub async fn export(cmd: ExportCmd) -> anyhow::Result<()> {
    match cmd {
        ExportCmd::Mspdi { .. } => anyhow::bail!("not implemented yet"),
    }
}
