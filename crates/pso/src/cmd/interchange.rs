//! `pso import mspdi` and `pso export mspdi`: MS Project XML in and out of the database.
//!
//! Both run the same operations as the web import and download (`pso_app::interchange`), as
//! the local administrator (`cli` in the audit trail): whoever can run the binary on the
//! database owns it.

use super::server::DbOpts;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use pso_app::interchange::{ImportOptions, Stage};
use pso_app::{App, Caller, Svc};
use std::path::PathBuf;
use std::sync::Mutex;

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
        /// Site of the new project (its code); the file's calendar is mapped onto it
        /// (default: the only site).
        #[arg(long)]
        site: Option<String>,
        /// Code of the new project (default: derived from the file).
        #[arg(long)]
        code: Option<String>,
        /// Business unit of the new project (its code; default: the only one).
        #[arg(long)]
        business_unit: Option<String>,
        /// Create people (on the project's site) for resources that match nobody.
        #[arg(long)]
        create_people: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Import timesheet lines from CSV (email, date, project, task as WBS number or id,
    /// minutes or hours, comment) into the people's drafts: every line or none, with each
    /// refused line named with its rule.
    Timesheets {
        #[command(flatten)]
        db: DbOpts,
        /// The CSV file.
        file: PathBuf,
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
    /// Export approved time as CSV or XLSX (by the file's extension), by site and/or project.
    Timesheets {
        #[command(flatten)]
        db: DbOpts,
        /// The site (its code): its people's time.
        #[arg(long)]
        site: Option<String>,
        /// The project (its code): time booked on it.
        #[arg(long)]
        project: Option<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// The file to write (`.csv` or `.xlsx`).
        out: PathBuf,
    },
}

/// The one item with `code`, or the only item when no code is given.
fn pick<T>(
    items: Vec<T>,
    code: Option<&str>,
    what: &str,
    flag: &str,
    code_of: impl Fn(&T) -> &str,
) -> anyhow::Result<T> {
    match code {
        Some(c) => {
            let known: Vec<String> = items.iter().map(|i| code_of(i).to_string()).collect();
            items
                .into_iter()
                .find(|i| code_of(i).eq_ignore_ascii_case(c.trim()))
                .with_context(|| format!("no {what} with code {c} (known: {})", known.join(", ")))
        }
        None if items.len() == 1 => items
            .into_iter()
            .next()
            .with_context(|| format!("no {what}")),
        None => {
            let known: Vec<String> = items.iter().map(|i| code_of(i).to_string()).collect();
            anyhow::bail!(
                "choose the {what} with {flag} CODE (known: {})",
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    known.join(", ")
                }
            )
        }
    }
}

pub async fn import(cmd: ImportCmd) -> anyhow::Result<()> {
    match cmd {
        ImportCmd::Timesheets { db, file } => import_timesheets(db, file).await,
        ImportCmd::Mspdi {
            db,
            file,
            site,
            code,
            business_unit,
            create_people,
            quiet,
        } => {
            let store = db.open().await?;
            let site = pick(
                store.all_sites().await?,
                site.as_deref(),
                "site",
                "--site",
                |s| s.code.as_str(),
            )?;
            let bu = pick(
                store.all_business_units().await?,
                business_unit.as_deref(),
                "business unit",
                "--business-unit",
                |b| b.code.as_str(),
            )?;
            let bar = if quiet {
                ProgressBar::hidden()
            } else {
                ProgressBar::new(100)
            };
            bar.set_style(
                ProgressStyle::with_template("{msg:10} [{bar:40}] {percent:>3}% {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message("reading");
            let bytes = tokio::fs::read(&file)
                .await
                .with_context(|| format!("cannot read {}", file.display()))?;
            let opts = ImportOptions {
                site_id: site.id.clone(),
                business_unit_id: bu.id.clone(),
                code,
                create_people,
                file_name: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "import.xml".into()),
            };
            let last = Mutex::new(None::<Stage>);
            let timings = std::env::var_os("PSO_IMPORT_TIMINGS").is_some();
            let t0 = std::time::Instant::now();
            let progress = |stage: Stage, done: usize, total: usize| {
                if let Ok(mut l) = last.lock() {
                    if *l != Some(stage) {
                        if timings {
                            eprintln!("{:>8.3} s: {stage:?}", t0.elapsed().as_secs_f64());
                        }
                        *l = Some(stage);
                        bar.set_message(match stage {
                            Stage::Reading => "reading",
                            Stage::Mapping => "mapping",
                            Stage::Writing => "writing",
                        });
                    }
                }
                // Reading is the first 40 %, mapping the next 10 %, writing the rest.
                let frac = if total == 0 {
                    1.0
                } else {
                    done as f64 / total as f64
                };
                let pos = match stage {
                    Stage::Reading => 40.0 * frac,
                    Stage::Mapping => 40.0 + 10.0 * frac,
                    Stage::Writing => 50.0 + 50.0 * frac,
                };
                bar.set_position(pos.round() as u64);
            };
            let started = std::time::Instant::now();
            let app = App::new(store.clone()).await?;
            let cli = Caller::system("cli");
            let result = Svc::new(&app, &cli)
                .import_mspdi(bytes, &opts, &progress)
                .await;
            bar.finish_and_clear();
            let (project, report) = result.map_err(|e| {
                let fields: Vec<String> = e.errors.iter().map(|f| f.message.clone()).collect();
                anyhow::anyhow!(
                    "import failed, nothing was written: {}",
                    if fields.is_empty() {
                        e.detail
                    } else {
                        fields.join("; ")
                    }
                )
            })?;
            println!(
                "Imported {} as project {} ({}) on site {} in {:.2} s",
                file.display(),
                project.code,
                project.id,
                site.code,
                started.elapsed().as_secs_f64()
            );
            for l in report.lines() {
                println!("{l}");
            }
            store.close().await;
            Ok(())
        }
    }
}

/// `pso import timesheets`: the API's import, as the local administrator.
async fn import_timesheets(db: DbOpts, file: PathBuf) -> anyhow::Result<()> {
    let store = db.open().await?;
    let bytes = tokio::fs::read(&file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    let app = App::new(store.clone()).await?;
    let cli = Caller::system("cli");
    let result = Svc::new(&app, &cli).import_timesheets(&bytes).await;
    store.close().await;
    match result {
        Ok(done) => {
            println!(
                "Imported {} lines ({} minutes) into {} timesheets from {}",
                done.lines,
                done.minutes,
                done.sheets,
                file.display()
            );
            Ok(())
        }
        Err(e) => {
            for f in &e.errors {
                eprintln!("{}: {} ({})", f.field, f.message, f.code);
            }
            anyhow::bail!(
                "import refused, nothing was written: {} ({} problems)",
                file.display(),
                e.errors.len().max(1)
            )
        }
    }
}

pub async fn export(cmd: ExportCmd) -> anyhow::Result<()> {
    match cmd {
        ExportCmd::Timesheets {
            db,
            site,
            project,
            from,
            to,
            out,
        } => {
            let store = db.open().await?;
            let site_id = match site {
                Some(code) => Some(
                    pick(
                        store.all_sites().await?,
                        Some(&code),
                        "site",
                        "--site",
                        |s| s.code.as_str(),
                    )?
                    .id,
                ),
                None => None,
            };
            let project_id = match project {
                Some(code) => Some(
                    store
                        .project_by_code(&code)
                        .await?
                        .with_context(|| format!("no project with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let format = match out.extension().and_then(|e| e.to_str()) {
                Some(e) if e.eq_ignore_ascii_case("xlsx") => pso_app::time_io::ExportFormat::Xlsx,
                _ => pso_app::time_io::ExportFormat::Csv,
            };
            let app = App::new(store.clone()).await?;
            let cli = Caller::system("cli");
            let f = pso_app::time_io::ExportFilter {
                site_id,
                project_id,
                from,
                to,
            };
            let (bytes, _) = Svc::new(&app, &cli)
                .export_time(&f, format)
                .await
                .map_err(|e| anyhow::anyhow!("cannot export: {}", e.detail))?;
            std::fs::write(&out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Exported approved time to {} ({} bytes)",
                out.display(),
                bytes.len()
            );
            store.close().await;
            Ok(())
        }
        ExportCmd::Mspdi { db, project, out } => {
            let store = db.open().await?;
            let p = store
                .project_by_code(&project)
                .await?
                .with_context(|| format!("no project with code {project}"))?;
            let app = App::new(store.clone()).await?;
            let cli = Caller::system("cli");
            let (_, xml) = Svc::new(&app, &cli)
                .export_mspdi(&p.id)
                .await
                .map_err(|e| anyhow::anyhow!("cannot export {}: {}", p.code, e.detail))?;
            pso_formats::mspdi::write_text_atomic(&out, &xml)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Exported project {} ({} tasks) to {}",
                p.code,
                store.all_tasks(&p.id).await?.len(),
                out.display()
            );
            store.close().await;
            Ok(())
        }
    }
}
