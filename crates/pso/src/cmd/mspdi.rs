//! `pso convert` and `pso schedule mspdi`: MS Project XML without a database.

use anyhow::Context;
use pso_formats::mspdi;
use std::io::Write;
use std::path::Path;

/// `pso convert IN.xml OUT.xml`: read MSPDI, write MSPDI through PSO's model.
///
/// The output is written to a temporary file and renamed into place, so a failure never leaves
/// a half-written file.
pub fn convert(input: &Path, output: &Path) -> anyhow::Result<()> {
    let doc = mspdi::read_file(input).with_context(|| format!("reading {}", input.display()))?;
    mspdi::write_file(&doc, output).with_context(|| format!("writing {}", output.display()))?;
    Ok(())
}

/// `pso schedule mspdi IN.xml [--out OUT.json]`.
pub fn schedule(input: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let doc = mspdi::read_file(input).with_context(|| format!("reading {}", input.display()))?;
    let sched = mspdi::schedule::schedule(&doc.project)
        .with_context(|| format!("scheduling {}", input.display()))?;
    let json = serde_json::to_string_pretty(&sched).context("serialising the schedule")?;
    match out {
        Some(path) => {
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, json.as_bytes())
                .and_then(|()| std::fs::rename(&tmp, path))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(json.as_bytes())
                .and_then(|()| stdout.write_all(b"\n"))
                .context("writing to standard output")?;
        }
    }
    Ok(())
}
