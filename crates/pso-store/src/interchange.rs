//! Interchange: a whole project written in one go (an import), and the original document kept
//! with it for a lossless export.
//!
//! An import arrives as an [`ImportPlan`]: plain rows with ids chosen by the caller (the mapping
//! from a file format lives above the store, which knows no file formats). [`Store::import_project`]
//! writes everything in ONE transaction with ONE audit event (`import`), so a failure at any
//! point leaves nothing behind. Rows go in as multi-row `INSERT`s of a few hundred rows each
//! (the same statement text for every full chunk, so it is prepared once): a 20,000-task plan is
//! a few hundred statements, not a hundred thousand round trips.

use crate::{audit, map_write_err, new_id, now, Actor, Result, Store, StoreError};
use pso_domain::model::{DependencyType, NewProject, Project};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// A person to create with the import (an unmatched resource, when asked).
#[derive(Debug, Clone)]
pub struct ImportPerson {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub site_id: String,
}

/// A task of the imported WBS. Parents come before their children.
#[derive(Debug, Clone)]
pub struct ImportTask {
    pub id: String,
    pub parent_id: Option<String>,
    pub position: i64,
    pub name: String,
    pub duration_minutes: Option<i64>,
    pub effort_minutes: Option<i64>,
    pub milestone: bool,
    /// The task's identifier in the source document (MSPDI UID).
    pub source_uid: i64,
}

#[derive(Debug, Clone)]
pub struct ImportDependency {
    pub predecessor_id: String,
    pub successor_id: String,
    pub dep_type: DependencyType,
    pub lag_minutes: i64,
}

#[derive(Debug, Clone)]
pub struct ImportAssignment {
    pub task_id: String,
    pub person_id: String,
    pub units_milli: i64,
}

/// A baseline task: start and finish as RFC 3339 with the site's offset.
#[derive(Debug, Clone)]
pub struct ImportBaselineTask {
    pub task_id: String,
    pub name: String,
    pub start: String,
    pub finish: String,
}

#[derive(Debug, Clone)]
pub struct ImportBaseline {
    pub name: String,
    pub tasks: Vec<ImportBaselineTask>,
}

/// The original document, kept with the project.
#[derive(Debug, Clone)]
pub struct ImportSource {
    /// `mspdi`.
    pub format: String,
    pub file_name: String,
    pub content: String,
    /// The import report (JSON).
    pub report: serde_json::Value,
    /// Source resource id → person id, for the export.
    pub resource_map: BTreeMap<i64, String>,
}

/// Everything an import writes.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub project: NewProject,
    pub people: Vec<ImportPerson>,
    pub tasks: Vec<ImportTask>,
    pub dependencies: Vec<ImportDependency>,
    pub assignments: Vec<ImportAssignment>,
    pub baselines: Vec<ImportBaseline>,
    pub source: ImportSource,
}

/// The stored original of an imported project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectSource {
    pub project_id: String,
    pub format: String,
    pub file_name: String,
    pub imported_at: String,
    pub imported_by: String,
    pub report: serde_json::Value,
    pub resource_map: BTreeMap<i64, String>,
}

/// A task as it was imported, with its source identifier.
#[derive(Debug, Clone)]
pub struct TaskSource {
    pub task_id: String,
    pub source_uid: i64,
    pub parent_id: Option<String>,
    pub position: i64,
    pub name: String,
    pub duration_minutes: Option<i64>,
    pub effort_minutes: Option<i64>,
    pub milestone: bool,
}

/// A person as the resource matching needs it.
#[derive(Debug, Clone)]
pub struct PersonKey {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// One value of a bulk row.
enum V {
    S(String),
    OS(Option<String>),
    I(i64),
    OI(Option<i64>),
}

/// Rows per statement: stays well under both engines' limits on bound parameters.
fn chunk_rows(cols: usize) -> usize {
    (8000 / cols.max(1)).clamp(1, 500)
}

/// `INSERT INTO table (cols) VALUES (...), (...)` for `rows`, in chunks.
async fn bulk_insert(
    c: &mut AnyConnection,
    sqlite: bool,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
    progress: &(dyn Fn(usize) + Sync),
) -> std::result::Result<(), sqlx::Error> {
    if sqlite {
        return bulk_insert_json(c, table, cols, rows, progress).await;
    }
    let n = cols.len();
    let per = chunk_rows(n);
    let head = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let sql_for = |k: usize| {
        let mut s = head.clone();
        for r in 0..k {
            if r > 0 {
                s.push_str(", ");
            }
            s.push('(');
            for j in 0..n {
                if j > 0 {
                    s.push_str(", ");
                }
                s.push_str(&format!("${}", r * n + j + 1));
            }
            s.push(')');
        }
        s
    };
    let full = sql_for(per);
    let mut it = rows.into_iter().peekable();
    let mut done = 0;
    while it.peek().is_some() {
        let chunk: Vec<Vec<V>> = it.by_ref().take(per).collect();
        let k = chunk.len();
        let sql = if k == per { full.clone() } else { sql_for(k) };
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    V::S(s) => q.bind(s),
                    V::OS(s) => q.bind(s),
                    V::I(i) => q.bind(i),
                    V::OI(i) => q.bind(i),
                };
            }
        }
        q.execute(&mut *c).await?;
        done += k;
        progress(done);
    }
    Ok(())
}

/// SQLite: rows go in as one JSON document per chunk, unpacked by SQLite itself
/// (`json_each`), so binding costs one parameter per chunk instead of one per value.
async fn bulk_insert_json(
    c: &mut AnyConnection,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
    progress: &(dyn Fn(usize) + Sync),
) -> std::result::Result<(), sqlx::Error> {
    const PER: usize = 5000;
    let extract: Vec<String> = (0..cols.len())
        .map(|j| format!("json_extract(value, '$[{j}]')"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM json_each($1)",
        cols.join(", "),
        extract.join(", ")
    );
    let mut done = 0;
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let mut doc = String::with_capacity(PER * 64);
        doc.push('[');
        let mut k = 0;
        for row in it.by_ref().take(PER) {
            if k > 0 {
                doc.push(',');
            }
            k += 1;
            doc.push('[');
            for (j, v) in row.into_iter().enumerate() {
                if j > 0 {
                    doc.push(',');
                }
                match v {
                    V::S(s) | V::OS(Some(s)) => json_str(&mut doc, &s),
                    V::I(i) | V::OI(Some(i)) => doc.push_str(&i.to_string()),
                    V::OS(None) | V::OI(None) => doc.push_str("null"),
                }
            }
            doc.push(']');
        }
        doc.push(']');
        sqlx::query(&sql).bind(doc).execute(&mut *c).await?;
        done += k;
        progress(done);
    }
    Ok(())
}

fn json_str(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(q) => out.push_str(&q),
        Err(_) => out.push_str("\"\""),
    }
}

/// What the audit event of an import records.
#[derive(Serialize)]
struct ImportAudit<'a> {
    project: &'a Project,
    file_name: &'a str,
    format: &'a str,
    tasks: usize,
    dependencies: usize,
    assignments: usize,
    people_created: usize,
    baselines: usize,
}

impl Store {
    /// Everyone, for matching a file's resources (by e-mail, then by name).
    pub async fn people_keys(&self) -> Result<Vec<PersonKey>> {
        let rows = sqlx::query("SELECT id, name, email FROM people ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PersonKey {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                })
            })
            .collect()
    }

    /// Writes a whole imported project in one transaction with one audit event. `progress` is
    /// called with (rows written, rows in all) as the rows go in.
    pub async fn import_project(
        &self,
        actor: &Actor,
        plan: ImportPlan,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Project> {
        let total = plan.people.len()
            + plan.tasks.len() * 2
            + plan.dependencies.len()
            + plan.assignments.len()
            + plan
                .baselines
                .iter()
                .map(|b| b.tasks.len() + 1)
                .sum::<usize>()
            + 2;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        let mut tx = self.begin_write().await?;
        let t = now();
        let id = new_id();
        // People first, so that a failure of the project row (a duplicate code) also takes
        // them back: nothing half-imported.
        let n_people = plan.people.len();
        let rows = plan
            .people
            .into_iter()
            .map(|p| {
                vec![
                    V::S(p.id),
                    V::I(1),
                    V::S(p.name),
                    V::OS(p.email),
                    V::S(p.site_id),
                    V::S("[]".into()),
                    V::S(t.clone()),
                    V::S(t.clone()),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            sqlite,
            "people",
            &[
                "id",
                "version",
                "name",
                "email",
                "site_id",
                "skills",
                "created_at",
                "updated_at",
            ],
            rows,
            &|_| {},
        )
        .await
        .map_err(|e| map_write_err(e, "email", "a person with this e-mail"))?;
        progress(n_people, total);
        let v = &plan.project;
        sqlx::query(
            "INSERT INTO projects (id, version, code, name, description, site_id, \
             business_unit_id, manager_id, status, priority, start_date, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&id)
        .bind(v.code.as_str())
        .bind(v.name.as_str())
        .bind(&v.description)
        .bind(&v.site_id)
        .bind(&v.business_unit_id)
        .bind(v.manager_id.clone())
        .bind(v.status.as_str())
        .bind(v.priority)
        .bind(v.start_date.to_string())
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "code", "a project with this code"))?;
        let mut base = n_people + 1;
        progress(base, total);

        let n_tasks = plan.tasks.len();
        let mut task_rows = Vec::with_capacity(n_tasks);
        let mut source_rows = Vec::with_capacity(n_tasks);
        for x in plan.tasks {
            source_rows.push(vec![
                V::S(x.id.clone()),
                V::S(id.clone()),
                V::I(x.source_uid),
                V::OS(x.parent_id.clone()),
                V::I(x.position),
                V::S(x.name.clone()),
                V::OI(x.duration_minutes),
                V::OI(x.effort_minutes),
                V::I(x.milestone as i64),
            ]);
            task_rows.push(vec![
                V::S(x.id),
                V::I(1),
                V::S(id.clone()),
                V::OS(x.parent_id),
                V::I(x.position),
                V::S(x.name),
                V::OI(x.duration_minutes),
                V::OI(x.effort_minutes),
                V::I(x.milestone as i64),
                V::S(t.clone()),
                V::S(t.clone()),
            ]);
        }
        let b0 = base;
        bulk_insert(
            &mut tx,
            sqlite,
            "tasks",
            &[
                "id",
                "version",
                "project_id",
                "parent_id",
                "position",
                "name",
                "duration_minutes",
                "effort_minutes",
                "milestone",
                "created_at",
                "updated_at",
            ],
            task_rows,
            &|k| progress(b0 + k, total),
        )
        .await?;
        base += n_tasks;
        let b0 = base;
        bulk_insert(
            &mut tx,
            sqlite,
            "task_sources",
            &[
                "task_id",
                "project_id",
                "source_uid",
                "parent_id",
                "position",
                "name",
                "duration_minutes",
                "effort_minutes",
                "milestone",
            ],
            source_rows,
            &|k| progress(b0 + k, total),
        )
        .await?;
        base += n_tasks;

        let n_deps = plan.dependencies.len();
        let rows = plan
            .dependencies
            .into_iter()
            .map(|d| {
                vec![
                    V::S(new_id()),
                    V::I(1),
                    V::S(id.clone()),
                    V::S(d.predecessor_id),
                    V::S(d.successor_id),
                    V::S(d.dep_type.as_str().to_string()),
                    V::I(d.lag_minutes),
                    V::S(t.clone()),
                    V::S(t.clone()),
                ]
            })
            .collect();
        let b0 = base;
        bulk_insert(
            &mut tx,
            sqlite,
            "dependencies",
            &[
                "id",
                "version",
                "project_id",
                "predecessor_id",
                "successor_id",
                "dep_type",
                "lag_minutes",
                "created_at",
                "updated_at",
            ],
            rows,
            &|k| progress(b0 + k, total),
        )
        .await
        .map_err(|e| map_write_err(e, "dependencies", "a dependency between these tasks"))?;
        base += n_deps;

        let n_asg = plan.assignments.len();
        let rows = plan
            .assignments
            .into_iter()
            .map(|a| {
                vec![
                    V::S(new_id()),
                    V::I(1),
                    V::S(id.clone()),
                    V::S(a.task_id),
                    V::S(a.person_id),
                    V::I(a.units_milli),
                    V::S(t.clone()),
                    V::S(t.clone()),
                ]
            })
            .collect();
        let b0 = base;
        bulk_insert(
            &mut tx,
            sqlite,
            "assignments",
            &[
                "id",
                "version",
                "project_id",
                "task_id",
                "person_id",
                "units_milli",
                "created_at",
                "updated_at",
            ],
            rows,
            &|k| progress(b0 + k, total),
        )
        .await
        .map_err(|e| map_write_err(e, "assignments", "an assignment of this person"))?;
        base += n_asg;

        let n_baselines = plan.baselines.len();
        for b in plan.baselines {
            let bid = new_id();
            sqlx::query(
                "INSERT INTO baselines (id, version, project_id, name, created_at, created_by) \
                 VALUES ($1, 1, $2, $3, $4, $5)",
            )
            .bind(&bid)
            .bind(&id)
            .bind(&b.name)
            .bind(&t)
            .bind(&actor.label)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_write_err(e, "name", "a baseline with this name"))?;
            base += 1;
            let n = b.tasks.len();
            let rows = b
                .tasks
                .into_iter()
                .map(|x| {
                    vec![
                        V::S(bid.clone()),
                        V::S(x.task_id),
                        V::S(x.name),
                        V::S(x.start),
                        V::S(x.finish),
                    ]
                })
                .collect();
            let b0 = base;
            bulk_insert(
                &mut tx,
                sqlite,
                "baseline_tasks",
                &["baseline_id", "task_id", "name", "start_at", "finish_at"],
                rows,
                &|k| progress(b0 + k, total),
            )
            .await?;
            base += n;
        }

        let src = plan.source;
        sqlx::query(
            "INSERT INTO project_sources (project_id, format, file_name, content, imported_at, \
             imported_by, report, resource_map) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&src.format)
        .bind(&src.file_name)
        .bind(src.content)
        .bind(&t)
        .bind(&actor.label)
        .bind(crate::to_json(&src.report)?)
        .bind(crate::to_json(&src.resource_map)?)
        .execute(&mut *tx)
        .await?;

        let v = &plan.project;
        let project = Project {
            id: id.clone(),
            version: 1,
            code: v.code.as_str().to_string(),
            name: v.name.as_str().to_string(),
            description: v.description.clone(),
            site_id: v.site_id.clone(),
            business_unit_id: v.business_unit_id.clone(),
            manager_id: v.manager_id.clone(),
            status: v.status,
            priority: v.priority,
            start_date: v.start_date.to_string(),
            created_at: t.clone(),
            updated_at: t.clone(),
        };
        audit(
            &mut tx,
            actor,
            "import",
            "project",
            &id,
            Some(&id),
            None,
            Some(&ImportAudit {
                project: &project,
                file_name: &src.file_name,
                format: &src.format,
                tasks: n_tasks,
                dependencies: n_deps,
                assignments: n_asg,
                people_created: n_people,
                baselines: n_baselines,
            }),
        )
        .await?;
        tx.commit().await?;
        progress(total, total);
        Ok(project)
    }

    /// The stored original of an imported project (without its content).
    pub async fn project_source(&self, project_id: &str) -> Result<Option<ProjectSource>> {
        let r = sqlx::query(
            "SELECT project_id, format, file_name, imported_at, imported_by, report, \
             resource_map FROM project_sources WHERE project_id = $1",
        )
        .bind(project_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = r else { return Ok(None) };
        Ok(Some(ProjectSource {
            project_id: r.try_get("project_id")?,
            format: r.try_get("format")?,
            file_name: r.try_get("file_name")?,
            imported_at: r.try_get("imported_at")?,
            imported_by: r.try_get("imported_by")?,
            report: crate::json_col(&r, "report")?,
            resource_map: crate::json_col(&r, "resource_map")?,
        }))
    }

    /// The stored original document of an imported project.
    pub async fn project_source_content(&self, project_id: &str) -> Result<Option<String>> {
        let r = sqlx::query("SELECT content FROM project_sources WHERE project_id = $1")
            .bind(project_id)
            .fetch_optional(self.pool())
            .await?;
        r.map(|r| r.try_get::<String, _>("content"))
            .transpose()
            .map_err(StoreError::from)
    }

    /// Every task the import created (including tasks since deleted), as imported.
    pub async fn task_sources(&self, project_id: &str) -> Result<Vec<TaskSource>> {
        let rows = sqlx::query("SELECT * FROM task_sources WHERE project_id = $1")
            .bind(project_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TaskSource {
                    task_id: r.try_get("task_id")?,
                    source_uid: r.try_get("source_uid")?,
                    parent_id: r.try_get("parent_id")?,
                    position: r.try_get("position")?,
                    name: r.try_get("name")?,
                    duration_minutes: r.try_get("duration_minutes")?,
                    effort_minutes: r.try_get("effort_minutes")?,
                    milestone: r.try_get::<i64, _>("milestone")? != 0,
                })
            })
            .collect()
    }
}
