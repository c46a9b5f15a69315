//! Interchange in the application: MS Project XML (MSPDI) import with its report, and export.
//!
//! # Design
//!
//! - **Import** reads the file with `pso_formats::mspdi` (refuses entities and DTDs, locates
//!   syntax errors), maps it onto PSO's plan ([`map_document`]: WBS from outline levels,
//!   durations in PSO's 8-hour days using the file's minutes per day, links with their lags,
//!   resources matched to people, assignments, baselines 0–10) and writes everything with
//!   [`pso_store::Store::import_project`]: one transaction, one audit event.
//! - **Nothing is lost silently.** Whatever PSO cannot hold in its own data (constraints,
//!   progress, notes, costs, custom fields, calendars that differ from the site's, …) is listed
//!   in the [`ImportReport`] with the reason, and the original document is stored with the
//!   project.
//! - **Lossless export.** [`export_document`] takes the stored original and changes it only
//!   where PSO's data differs from what was imported (names, durations, WBS, links,
//!   assignments; tasks created in PSO appended with new UIDs, tasks deleted in PSO removed),
//!   so a plan imported and exported again is the same plan. A project that was not imported
//!   is written from PSO's data alone.
//!
//! # Layout
//!
//! - this module: the [`ImportReport`], reading, the import's orchestration and checks;
//! - [`mapping`]: [`map_document`], the mapping of a document onto PSO's plan, step by step;
//! - `calendar`: the comparison of the file's project calendar with the site's;
//! - `units`: MS Project's time units, link types and lags in PSO's terms, labels;
//! - `export`: [`export_document`], the stored original with PSO's current state applied.

mod calendar;
mod export;
pub mod mapping;
mod units;

/// A Zurich site (Monday to Friday, 08:00–12:00 and 13:00–17:00) for the steps' unit tests.
#[cfg(test)]
pub(crate) fn test_site(holidays: Vec<pso_domain::model::Holiday>) -> pso_domain::model::Site {
    pso_domain::model::Site {
        id: "site".into(),
        version: 1,
        code: "ZRH".into(),
        name: "Zurich".into(),
        country: "CH".into(),
        time_zone: "Europe/Zurich".into(),
        currency: "CHF".into(),
        working_week: ["mon", "tue", "wed", "thu", "fri"]
            .map(String::from)
            .to_vec(),
        working_hours: vec![
            ["08:00".into(), "12:00".into()],
            ["13:00".into(), "17:00".into()],
        ],
        holidays,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

pub use export::export_document;
pub use mapping::map_document;

use crate::error::{AppError, AppResult};
use pso_domain::access::ProjectAction;
use pso_domain::model::Project;
use pso_formats::mspdi::{self, Document};
use pso_store::interchange::ImportPlan;
use pso_store::{Actor, Store};
use serde::{Deserialize, Serialize};

/// How many examples a report line keeps.
const EXAMPLES: usize = 8;

// ---------------------------------------------------------------- the report

/// One kind of element that could not be carried into PSO's own data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ReportItem {
    /// What (e.g. `constraint`, `custom field Text1 'Cost centre'`).
    pub topic: String,
    /// Why it could not be carried, and what happened to it.
    pub reason: String,
    /// How many elements.
    pub count: usize,
    /// A few of them (task, resource or date).
    pub examples: Vec<String>,
}

/// What an import did and every element it could not carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ImportReport {
    pub file_name: String,
    pub project_name: String,
    pub minutes_per_day: i64,
    pub tasks: usize,
    pub groups: usize,
    pub milestones: usize,
    pub dependencies: usize,
    pub assignments: usize,
    pub people_matched: usize,
    pub people_created: usize,
    pub baselines: Vec<String>,
    pub items: Vec<ReportItem>,
}

impl ImportReport {
    fn note(&mut self, topic: impl Into<String>, reason: impl Into<String>, example: String) {
        let topic = topic.into();
        match self.items.iter_mut().find(|i| i.topic == topic) {
            Some(i) => {
                i.count += 1;
                if i.examples.len() < EXAMPLES {
                    i.examples.push(example);
                }
            }
            None => self.items.push(ReportItem {
                topic,
                reason: reason.into(),
                count: 1,
                examples: if example.is_empty() {
                    vec![]
                } else {
                    vec![example]
                },
            }),
        }
    }

    /// The report as text lines (for the command line).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{}: {} tasks ({} groups, {} milestones), {} dependencies, {} assignments, \
             {} people matched, {} created, baselines: {}",
            self.file_name,
            self.tasks,
            self.groups,
            self.milestones,
            self.dependencies,
            self.assignments,
            self.people_matched,
            self.people_created,
            if self.baselines.is_empty() {
                "none".to_string()
            } else {
                self.baselines.join(", ")
            }
        )];
        if self.items.is_empty() {
            out.push("Everything in the file was carried into PSO.".into());
        } else {
            out.push(format!(
                "Not carried into PSO's data ({} kinds; all of it is kept in the stored file \
                 and exported again):",
                self.items.len()
            ));
        }
        for i in &self.items {
            let ex = if i.examples.is_empty() {
                String::new()
            } else {
                format!(
                    " — e.g. {}{}",
                    i.examples.join("; "),
                    if i.count > i.examples.len() {
                        "; …"
                    } else {
                        ""
                    }
                )
            };
            out.push(format!("  - {} ×{}: {}{}", i.topic, i.count, i.reason, ex));
        }
        out
    }
}

// ---------------------------------------------------------------- reading

/// Reads an MSPDI document, turning its errors into a 422 that says where the file is wrong.
pub fn parse_document(bytes: &[u8]) -> AppResult<Document> {
    mspdi::read(bytes).map_err(|e| match e {
        mspdi::Error::Refused { .. } => {
            AppError::field("file", "refused_file", format!("the file was refused: {e}"))
        }
        mspdi::Error::Syntax { .. } => AppError::field(
            "file",
            "malformed_file",
            format!("the file is not well-formed XML: {e}"),
        ),
        mspdi::Error::NotMspdi(_) => AppError::field("file", "not_mspdi", e.to_string()),
        mspdi::Error::Io { .. } => AppError::internal(e),
    })
}

/// A project code from a file name: `Office move (v2).xml` → `OFFICE-MOVE-V2`.
pub fn code_from_file_name(name: &str) -> String {
    let stem = std::path::Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut code = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c.to_ascii_uppercase());
        } else if !code.ends_with('-') && !code.is_empty() {
            code.push('-');
        }
    }
    let mut code: String = code.trim_matches('-').chars().take(32).collect();
    code = code.trim_end_matches('-').to_string();
    if code.len() < 2 {
        code = "MSP-IMPORT".into();
    }
    code
}

/// Choices of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub site_id: String,
    pub business_unit_id: String,
    /// The project's code (default: from the file name).
    pub code: Option<String>,
    /// Create people for resources that match nobody.
    pub create_people: bool,
    pub file_name: String,
}

/// The refusal of an upload above `limits.max_upload_bytes`.
pub fn too_large(size: usize, limit: usize) -> AppError {
    AppError::new(
        crate::ErrorKind::TooLarge,
        "payload_too_large",
        format!(
            "the file has {size} bytes; this server accepts at most {limit} \
             (limits.max_upload_bytes)"
        ),
    )
}

fn too_many_tasks(n: usize, limit: usize) -> AppError {
    AppError::field(
        "file",
        "too_many_tasks",
        format!(
            "the file has {n} tasks; this server accepts at most {limit} per project \
             (limits.max_tasks_per_project)"
        ),
    )
}

/// The plan's own rules, as for edits through the API: no more tasks than the limit, no text
/// with control characters, no dependency cycle (a cycle would break every portfolio run that
/// includes the project).
pub fn check_plan_rules(plan: &ImportPlan, max_tasks: usize) -> AppResult<()> {
    if plan.tasks.len() > max_tasks {
        return Err(too_many_tasks(plan.tasks.len(), max_tasks));
    }
    let label = |id: &str| {
        plan.tasks
            .iter()
            .find(|t| t.id == id)
            .map(|t| format!("'{}' (UID {})", t.name, t.source_uid))
            .unwrap_or_else(|| id.to_string())
    };
    for t in &plan.tasks {
        if let Err(e) = pso_domain::values::check_text(&t.name) {
            return Err(AppError::field(
                "file",
                e.code,
                format!("task UID {}: its name {}", t.source_uid, e.message),
            ));
        }
    }
    for p in &plan.people {
        if let Err(e) = pso_domain::values::check_text(&p.name) {
            return Err(AppError::field(
                "file",
                e.code,
                format!(
                    "resource '{}': its name {}",
                    p.name.escape_debug(),
                    e.message
                ),
            ));
        }
    }
    let edges: Vec<(String, String)> = plan
        .dependencies
        .iter()
        .map(|d| (d.predecessor_id.clone(), d.successor_id.clone()))
        .collect();
    if let Some(cycle) = pso_domain::plan::find_cycle(&edges) {
        let names: Vec<String> = cycle.iter().map(|id| label(id)).collect();
        return Err(AppError::field(
            "file",
            "dependency_cycle",
            format!(
                "the file's links form a cycle ({}): a task cannot wait for itself; nothing \
                 was imported",
                names.join(" → ")
            ),
        ));
    }
    Ok(())
}

/// Stages of an import, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Mapping,
    Writing,
}

/// Imports an MSPDI file as a new project: read, map, write in one transaction. The caller
/// has checked the permission (see [`check_import_scope`]).
pub async fn import_bytes(
    store: &Store,
    actor: &Actor,
    limits: &crate::Limits,
    bytes: Vec<u8>,
    opts: &ImportOptions,
    progress: &(dyn Fn(Stage, usize, usize) + Sync),
) -> AppResult<(Project, ImportReport)> {
    if bytes.len() > limits.max_upload_bytes {
        return Err(too_large(bytes.len(), limits.max_upload_bytes));
    }
    progress(Stage::Reading, 0, bytes.len());
    let len = bytes.len();
    let (doc, content) = crate::blocking(move || {
        let doc = parse_document(&bytes)?;
        let content = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => mspdi::to_string(&doc),
        };
        Ok::<_, AppError>((doc, content))
    })
    .await??;
    progress(Stage::Reading, len, len);
    let site = store.get_site(&opts.site_id).await?.ok_or_else(|| {
        AppError::field(
            "site_id",
            "unknown_reference",
            format!("site '{}' does not exist", opts.site_id),
        )
    })?;
    if store
        .get_business_unit(&opts.business_unit_id)
        .await?
        .is_none()
    {
        return Err(AppError::field(
            "business_unit_id",
            "unknown_reference",
            format!("business unit '{}' does not exist", opts.business_unit_id),
        ));
    }
    let tasks_in_file = doc.project.tasks.len();
    if tasks_in_file > limits.max_tasks_per_project {
        return Err(too_many_tasks(tasks_in_file, limits.max_tasks_per_project));
    }
    let people = store.people_keys().await?;
    progress(Stage::Mapping, 0, tasks_in_file);
    let o = opts.clone();
    let max_tasks = limits.max_tasks_per_project;
    let (plan, report) = crate::blocking(move || {
        let (plan, report) = map_document(&doc, content, &site, &people, &o)?;
        check_plan_rules(&plan, max_tasks)?;
        Ok::<_, AppError>((plan, report))
    })
    .await??;
    progress(Stage::Mapping, report.tasks, report.tasks);
    let project = store
        .import_project(actor, plan, &|done, total| {
            progress(Stage::Writing, done, total)
        })
        .await?;
    Ok((project, report))
}

/// A stored import: where the project came from and what could not be carried.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredImport {
    pub project_id: String,
    pub format: String,
    pub file_name: String,
    pub imported_at: String,
    pub imported_by: String,
    pub report: ImportReport,
}

impl crate::Svc<'_> {
    /// Checks that the caller may create a project on this site and unit (422 `out_of_scope`
    /// otherwise, as for a new project).
    pub async fn check_import_scope(&self, site_id: &str, business_unit_id: &str) -> AppResult<()> {
        let r = self
            .app
            .store
            .project_ref_parts(site_id, business_unit_id)
            .await?;
        if !self.caller.principal.can_project(ProjectAction::Manage, &r) {
            return Err(AppError::field(
                "site_id",
                "out_of_scope",
                "this site and business unit are outside the scopes where you may create projects",
            ));
        }
        Ok(())
    }

    /// What an import asks checked before any work: the site and unit exist, the caller may
    /// create a project there (and people, when asked to), the file is there and within the
    /// size limit. Used when an import is submitted and again when it runs.
    pub async fn precheck_import(&self, size: usize, opts: &ImportOptions) -> AppResult<()> {
        if self.store().get_site(&opts.site_id).await?.is_none() {
            return Err(AppError::field(
                "site_id",
                "unknown_reference",
                format!("site '{}' does not exist", opts.site_id),
            ));
        }
        if self
            .store()
            .get_business_unit(&opts.business_unit_id)
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "business_unit_id",
                "unknown_reference",
                format!("business unit '{}' does not exist", opts.business_unit_id),
            ));
        }
        self.check_import_scope(&opts.site_id, &opts.business_unit_id)
            .await?;
        // People an import creates pass the same rule as their own route.
        if opts.create_people
            && !self
                .caller
                .principal
                .can_edit_person(&opts.site_id.as_str().into())
        {
            return Err(AppError::forbidden(
                "you may not create people on this site: import without create_people, or ask \
                 the site's PSO",
            ));
        }
        if size == 0 {
            return Err(AppError::field(
                "file",
                "required",
                "send the MS Project XML file",
            ));
        }
        if size > self.app.limits.max_upload_bytes {
            return Err(too_large(size, self.app.limits.max_upload_bytes));
        }
        Ok(())
    }

    /// Imports an MSPDI file as a new project, after checking the caller may create it.
    pub async fn import_mspdi(
        &self,
        bytes: Vec<u8>,
        opts: &ImportOptions,
        progress: &(dyn Fn(Stage, usize, usize) + Sync),
    ) -> AppResult<(Project, ImportReport)> {
        self.precheck_import(bytes.len(), opts).await?;
        import_bytes(
            &self.app.store,
            &self.caller.actor(),
            &self.app.limits,
            bytes,
            opts,
            progress,
        )
        .await
    }

    /// What an import of this project could not carry (404 `not_imported` for a project that
    /// was not imported).
    pub async fn import_report(&self, project_id: &str) -> AppResult<(Project, StoredImport)> {
        let project = self.project(project_id, ProjectAction::Read).await?;
        let src = self
            .app
            .store
            .project_source(project_id)
            .await?
            .ok_or_else(|| {
                AppError::new(
                    crate::ErrorKind::NotFound,
                    "not_imported",
                    "this project was not imported from a file",
                )
            })?;
        let report: ImportReport = serde_json::from_value(src.report)
            .map_err(|e| AppError::internal(format!("corrupt import report: {e}")))?;
        Ok((
            project,
            StoredImport {
                project_id: project_id.to_string(),
                format: src.format,
                file_name: src.file_name,
                imported_at: src.imported_at,
                imported_by: src.imported_by,
                report,
            },
        ))
    }

    /// The project as MS Project XML text (the caller may read it).
    pub async fn export_mspdi(&self, project_id: &str) -> AppResult<(Project, String)> {
        let project = self.project(project_id, ProjectAction::Read).await?;
        let doc = export_document(&self.app.store, &project).await?;
        let body = crate::blocking(move || mspdi::to_string(&doc)).await?;
        Ok((project, body))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_from_file_names() {
        assert_eq!(
            code_from_file_name("Office move (v2).xml"),
            "OFFICE-MOVE-V2"
        );
        assert_eq!(code_from_file_name("x.xml"), "MSP-IMPORT");
        assert_eq!(
            code_from_file_name(&format!("{}.xml", "a".repeat(40))).len(),
            32
        );
    }
}
