//! `pso convert` and `pso schedule mspdi`: MS Project XML without a database.

use std::path::Path;

/// `pso convert IN.xml OUT.xml`: read MSPDI, write MSPDI through PSO's model.
pub fn convert(_input: &Path, _output: &Path) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}

/// `pso schedule mspdi IN.xml [--out OUT.json]`.
pub fn schedule(_input: &Path, _out: Option<&Path>) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
