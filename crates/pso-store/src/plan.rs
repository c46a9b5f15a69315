//! Plans: projects, tasks (the WBS), dependencies, assignments.
//!
//! Writes to a project's plan first lock the project row, so two concurrent dependency inserts
//! cannot together close a cycle that neither sees alone.

use crate::{
    audit, check_versioned, fetch, map_write_err, new_id, now, page, Actor, Page, Result, Store,
    StoreError,
};
use pso_domain::access::{ProjectRef, ProjectScope};
use pso_domain::ids::BusinessUnitId;
use pso_domain::model::{
    minutes_to_days, Assignment, Dependency, DependencyType, Entity, NewAssignment, NewDependency,
    NewProject, NewTask, Project, ProjectStatus, Task,
};
use pso_domain::ValidationErrors;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet};

/// Filters of the project list (all optional).
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub site_id: Option<String>,
    pub business_unit_id: Option<String>,
    pub status: Option<ProjectStatus>,
    /// Case-insensitive search in code and name.
    pub q: Option<String>,
}

/// A project with what the permission rules need to know about it.
#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub project: Project,
    pub reference: ProjectRef,
}

fn project_from_row(r: &AnyRow) -> Result<Project> {
    let status: String = r.try_get("status")?;
    Ok(Project {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        site_id: r.try_get("site_id")?,
        business_unit_id: r.try_get("business_unit_id")?,
        manager_id: r.try_get("manager_id")?,
        status: ProjectStatus::parse(&status).unwrap_or(ProjectStatus::Proposed),
        priority: r.try_get("priority")?,
        start_date: r.try_get("start_date")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn task_from_row(r: &AnyRow) -> Result<Task> {
    let d: Option<i64> = r.try_get("duration_minutes")?;
    let e: Option<i64> = r.try_get("effort_minutes")?;
    Ok(Task {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        project_id: r.try_get("project_id")?,
        parent_id: r.try_get("parent_id")?,
        position: r.try_get("position")?,
        name: r.try_get("name")?,
        duration_days: d.map(minutes_to_days),
        effort_hours: e.map(|m| m as f64 / 60.0),
        milestone: r.try_get::<i64, _>("milestone")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn dependency_from_row(r: &AnyRow) -> Result<Dependency> {
    let t: String = r.try_get("dep_type")?;
    Ok(Dependency {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        project_id: r.try_get("project_id")?,
        predecessor_id: r.try_get("predecessor_id")?,
        successor_id: r.try_get("successor_id")?,
        dep_type: DependencyType::parse(&t).unwrap_or(DependencyType::FS),
        lag_days: minutes_to_days(r.try_get("lag_minutes")?),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) fn assignment_from_row(r: &AnyRow) -> Result<Assignment> {
    Ok(Assignment {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        project_id: r.try_get("project_id")?,
        task_id: r.try_get("task_id")?,
        person_id: r.try_get("person_id")?,
        units: r.try_get::<i64, _>("units_milli")? as f64 / 1000.0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Takes the project's row lock for the rest of the transaction.
/// Locks the project's row for a change to its plan and bumps its plan version (see
/// [`Store::plan_versions`]).
pub(crate) async fn lock_project(c: &mut AnyConnection, project_id: &str) -> Result<()> {
    let res = sqlx::query("UPDATE projects SET plan_version = plan_version + 1 WHERE id = $1")
        .bind(project_id)
        .execute(c)
        .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn invalid(field: &str, code: &str, msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, code, msg))
}

/// Checks that `parent` is a task of the project and (for a move, `task`) not `task` or below
/// it: reads the parent's line of ancestors only (a few rows, whatever the plan's size), inside
/// the write transaction that holds the project.
async fn check_parent(
    c: &mut AnyConnection,
    project_id: &str,
    parent: Option<&str>,
    task: Option<&str>,
) -> Result<()> {
    let Some(p) = parent else { return Ok(()) };
    let mut cur = p.to_string();
    let mut steps = 0;
    loop {
        if Some(cur.as_str()) == task {
            return Err(invalid(
                "parent_id",
                "wbs_cycle",
                "a task cannot be moved under itself or one of its subtasks",
            ));
        }
        let row = sqlx::query("SELECT parent_id FROM tasks WHERE id = $1 AND project_id = $2")
            .bind(&cur)
            .bind(project_id)
            .fetch_optional(&mut *c)
            .await?;
        let Some(row) = row else {
            if steps == 0 {
                return Err(invalid(
                    "parent_id",
                    "unknown_reference",
                    format!("task '{p}' is not a task of this project"),
                ));
            }
            return Err(crate::corrupt("tasks", format!("task {cur} is missing")));
        };
        // A new task has no subtasks: the parent's existence is all there is to check.
        let Some(up) = row.try_get::<Option<String>, _>("parent_id")? else {
            return Ok(());
        };
        if task.is_none() {
            return Ok(());
        }
        steps += 1;
        if steps > 10_000 {
            return Err(crate::corrupt("tasks", format!("the WBS above {p} loops")));
        }
        cur = up;
    }
}

impl Store {
    // ------------------------------------------------------------ scope resolution

    /// The ids of the granted business units and every unit below them (a unit covers its
    /// lines), from one read of the (small) units table.
    pub(crate) async fn units_below(&self, granted: &[BusinessUnitId]) -> Result<Vec<String>> {
        if granted.is_empty() {
            return Ok(Vec::new());
        }
        let bus = self.all_business_units().await?;
        let mut chosen: BTreeSet<String> = granted.iter().map(|b| b.to_string()).collect();
        loop {
            let before = chosen.len();
            for b in &bus {
                if let Some(p) = &b.parent_id {
                    if chosen.contains(p) {
                        chosen.insert(b.id.clone());
                    }
                }
            }
            if chosen.len() == before {
                break;
            }
        }
        Ok(chosen.into_iter().collect())
    }

    /// What the permission rules need to know about a project: its id, site and units.
    pub async fn project_ref(&self, project: &Project) -> Result<ProjectRef> {
        let mut r = self
            .project_ref_parts(&project.site_id, &project.business_unit_id)
            .await?;
        r.id = Some(project.id.as_str().into());
        Ok(r)
    }

    /// The [`ProjectRef`] of a project not created yet, on this site and unit.
    pub async fn project_ref_parts(
        &self,
        site_id: &str,
        business_unit_id: &str,
    ) -> Result<ProjectRef> {
        let bus = self.all_business_units().await?;
        let mut ids = Vec::new();
        let mut cur = Some(business_unit_id.to_string());
        while let Some(id) = cur {
            match bus.iter().find(|b| b.id == id) {
                Some(b) if !ids.contains(&b.id) => {
                    ids.push(b.id.clone());
                    cur = b.parent_id.clone();
                }
                _ => cur = None,
            }
        }
        Ok(ProjectRef {
            id: None,
            site_id: site_id.into(),
            business_unit_ids: ids.into_iter().map(BusinessUnitId::from).collect(),
        })
    }

    // ------------------------------------------------------------ projects

    /// Projects inside `scope` matching `filter`, ordered by id.
    pub async fn list_projects(
        &self,
        scope: &ProjectScope,
        filter: &ProjectFilter,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Project>> {
        if scope.is_empty() {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
        let mut sql = String::from("SELECT * FROM projects WHERE id > $1");
        let mut binds: Vec<String> = vec![cursor.unwrap_or("").to_string()];
        let mut push = |_: &mut String, v: String| {
            binds.push(v);
            format!("${}", binds.len())
        };
        if !scope.all {
            let bu_ids = self.units_below(&scope.business_unit_ids).await?;
            let site_ids: Vec<String> = scope.site_ids.iter().map(|i| i.to_string()).collect();
            let project_ids: Vec<String> =
                scope.project_ids.iter().map(|i| i.to_string()).collect();
            let mut ors = Vec::new();
            for (col, vals) in [
                ("site_id", &site_ids),
                ("business_unit_id", &bu_ids),
                ("id", &project_ids),
            ] {
                if !vals.is_empty() {
                    let ph: Vec<String> = vals.iter().map(|v| push(&mut sql, v.clone())).collect();
                    ors.push(format!("{col} IN ({})", ph.join(", ")));
                }
            }
            if ors.is_empty() {
                return Ok(Page {
                    items: vec![],
                    next_cursor: None,
                });
            }
            sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
        if let Some(s) = &filter.site_id {
            let p = push(&mut sql, s.clone());
            sql.push_str(&format!(" AND site_id = {p}"));
        }
        if let Some(b) = &filter.business_unit_id {
            let p = push(&mut sql, b.clone());
            sql.push_str(&format!(" AND business_unit_id = {p}"));
        }
        if let Some(s) = filter.status {
            let p = push(&mut sql, s.as_str().to_string());
            sql.push_str(&format!(" AND status = {p}"));
        }
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            let p = push(&mut sql, crate::contains_pattern(q.trim()));
            sql.push_str(&format!(
                " AND (LOWER(code) LIKE {p} ESCAPE '\\' OR LOWER(name) LIKE {p} ESCAPE '\\')"
            ));
        }
        sql.push_str(&format!(" ORDER BY id LIMIT {}", limit + 1));
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b.clone());
        }
        let rows = query.fetch_all(self.pool()).await?;
        page(rows, limit, project_from_row)
    }

    pub async fn get_project(&self, id: &str) -> Result<Option<Project>> {
        self.get_table("projects", id, project_from_row).await
    }

    pub async fn project_by_code(&self, code: &str) -> Result<Option<Project>> {
        let r = sqlx::query("SELECT * FROM projects WHERE code = $1")
            .bind(code.trim().to_ascii_uppercase())
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(project_from_row).transpose()
    }

    pub async fn create_project(&self, actor: &Actor, v: &NewProject) -> Result<Project> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let t = now();
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
        let after = fetch(&mut tx, "projects", &id, project_from_row).await?;
        audit(
            &mut tx,
            actor,
            "create",
            Project::KIND,
            &id,
            Some(&id),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_project(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewProject,
    ) -> Result<Project> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "projects", id, project_from_row).await?;
        let res = sqlx::query(
            "UPDATE projects SET version = version + 1, code = $3, name = $4, description = $5, \
             site_id = $6, business_unit_id = $7, manager_id = $8, status = $9, priority = $10, \
             start_date = $11, updated_at = $12 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(v.code.as_str())
        .bind(v.name.as_str())
        .bind(&v.description)
        .bind(&v.site_id)
        .bind(&v.business_unit_id)
        .bind(v.manager_id.clone())
        .bind(v.status.as_str())
        .bind(v.priority)
        .bind(v.start_date.to_string())
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "code", "a project with this code"))?;
        check_versioned(&mut tx, "projects", id, res.rows_affected()).await?;
        let after = fetch(&mut tx, "projects", id, project_from_row).await?;
        audit(
            &mut tx,
            actor,
            "update",
            Project::KIND,
            id,
            Some(id),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a project with its whole plan (one audit event for the project) and the grants
    /// on it (an audit event on each user who held one).
    pub async fn delete_project(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "projects", id, project_from_row).await?;
        if before.version != expected {
            return Err(StoreError::Stale {
                current: before.version,
            });
        }
        crate::org::drop_grants_on(&mut tx, actor, "project_id", id).await?;
        // Children first: the WBS refers to itself, so the order must not matter to the engine.
        for table in ["assignments", "dependencies"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE project_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE tasks SET parent_id = NULL WHERE project_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tasks WHERE project_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let res = sqlx::query("DELETE FROM projects WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        check_versioned(&mut tx, "projects", id, res.rows_affected()).await?;
        audit(
            &mut tx,
            actor,
            "delete",
            Project::KIND,
            id,
            Some(id),
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ tasks

    pub async fn list_tasks(
        &self,
        project_id: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Task>> {
        let rows = sqlx::query(
            "SELECT * FROM tasks WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(project_id)
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        page(rows, limit, task_from_row)
    }

    /// Every task of a project, in WBS order of siblings (position, then id).
    pub async fn all_tasks(&self, project_id: &str) -> Result<Vec<Task>> {
        let rows = sqlx::query("SELECT * FROM tasks WHERE project_id = $1 ORDER BY position, id")
            .bind(project_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(task_from_row).collect()
    }

    /// Children of `parent` (the top level when `None`) in WBS order (position, then id),
    /// after the sibling at `after` (position, id), at most `limit`. One indexed range read:
    /// the cost does not grow with the plan.
    pub async fn children_after(
        &self,
        project_id: &str,
        parent: Option<&str>,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<Task>> {
        let parent_clause = if parent.is_some() {
            "parent_id = $2"
        } else {
            "parent_id IS NULL AND $2 = ''"
        };
        let sql = format!(
            "SELECT * FROM tasks WHERE project_id = $1 AND {parent_clause} \
             AND (position > $3 OR (position = $3 AND id > $4)) \
             ORDER BY position, id LIMIT $5"
        );
        let (pos, id) = after.unwrap_or((i64::MIN, ""));
        let rows = sqlx::query(&sql)
            .bind(project_id)
            .bind(parent.unwrap_or(""))
            .bind(pos)
            .bind(id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(task_from_row).collect()
    }

    /// How many subtasks each of these tasks has (absent: none).
    pub async fn child_counts(&self, ids: &[String]) -> Result<BTreeMap<String, i64>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT parent_id, COUNT(*) AS n FROM tasks WHERE parent_id IN ({}) \
                 GROUP BY parent_id",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.clone());
            }
            for r in q.fetch_all(self.pool()).await? {
                out.insert(r.try_get("parent_id")?, r.try_get("n")?);
            }
        }
        Ok(out)
    }

    /// How many siblings come before the task (its index among them, from 0).
    pub async fn sibling_rank(&self, task: &Task) -> Result<i64> {
        let parent_clause = if task.parent_id.is_some() {
            "parent_id = $2"
        } else {
            "parent_id IS NULL AND $2 = ''"
        };
        let sql = format!(
            "SELECT COUNT(*) AS n FROM tasks WHERE project_id = $1 AND {parent_clause} \
             AND (position < $3 OR (position = $3 AND id < $4))"
        );
        Ok(sqlx::query(&sql)
            .bind(&task.project_id)
            .bind(task.parent_id.clone().unwrap_or_default())
            .bind(task.position)
            .bind(&task.id)
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// The tasks with these ids (batched).
    pub async fn tasks_by_ids(&self, ids: &[String]) -> Result<Vec<Task>> {
        self.select_in("tasks", "id", ids, "id", task_from_row)
            .await
    }

    /// Dependencies whose successor is one of these tasks (batched).
    pub async fn dependencies_into(&self, task_ids: &[String]) -> Result<Vec<Dependency>> {
        self.select_in(
            "dependencies",
            "successor_id",
            task_ids,
            "id",
            dependency_from_row,
        )
        .await
    }

    /// Assignments of these tasks (batched).
    pub async fn assignments_of_tasks(&self, task_ids: &[String]) -> Result<Vec<Assignment>> {
        self.select_in(
            "assignments",
            "task_id",
            task_ids,
            "id",
            assignment_from_row,
        )
        .await
    }

    /// How many tasks the project has.
    pub async fn task_count(&self, project_id: &str) -> Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM tasks WHERE project_id = $1")
                .bind(project_id)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// The plan version of each project: bumped by every change to its tasks, dependencies or
    /// assignments. A scheduling run reads it before the plan and hands it to
    /// [`Store::save_schedules`], which refuses to store dates computed from an older plan.
    pub async fn plan_versions(&self, project_ids: &[String]) -> Result<BTreeMap<String, i64>> {
        let rows = self
            .select_in("projects", "id", project_ids, "id", |r| {
                Ok((
                    r.try_get::<String, _>("id")?,
                    r.try_get::<i64, _>("plan_version")?,
                ))
            })
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Every task of several projects (batched: one query per chunk of projects).
    pub async fn tasks_of_projects(&self, project_ids: &[String]) -> Result<Vec<Task>> {
        self.select_in(
            "tasks",
            "project_id",
            project_ids,
            "project_id, position, id",
            task_from_row,
        )
        .await
    }

    /// Every dependency of several projects (batched).
    pub async fn dependencies_of_projects(
        &self,
        project_ids: &[String],
    ) -> Result<Vec<Dependency>> {
        self.select_in(
            "dependencies",
            "project_id",
            project_ids,
            "project_id, id",
            dependency_from_row,
        )
        .await
    }

    /// Every assignment of several projects (batched).
    pub async fn assignments_of_projects(&self, project_ids: &[String]) -> Result<Vec<Assignment>> {
        self.select_in(
            "assignments",
            "project_id",
            project_ids,
            "project_id, id",
            assignment_from_row,
        )
        .await
    }

    pub async fn get_task(&self, id: &str) -> Result<Option<Task>> {
        self.get_table("tasks", id, task_from_row).await
    }

    pub async fn create_task(&self, actor: &Actor, project_id: &str, v: &NewTask) -> Result<Task> {
        let mut tx = self.begin_write().await?;
        lock_project(&mut tx, project_id).await?;
        check_parent(&mut tx, project_id, v.parent_id.as_deref(), None).await?;
        let id = new_id();
        let t = now();
        // One statement: the position (last among its siblings unless given) and the row back.
        let row = sqlx::query(
            "INSERT INTO tasks (id, version, project_id, parent_id, position, name, \
             duration_minutes, effort_minutes, milestone, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, COALESCE($4, (SELECT COALESCE(MAX(position) + 1, 0) \
             FROM tasks WHERE project_id = $2 AND COALESCE(parent_id, '') = $10)), $5, $6, $7, \
             $8, $9, $9) RETURNING *",
        )
        .bind(&id)
        .bind(project_id)
        .bind(v.parent_id.clone())
        .bind(v.position)
        .bind(v.name.as_str())
        .bind(v.duration_minutes)
        .bind(v.effort_minutes)
        .bind(v.milestone as i64)
        .bind(&t)
        .bind(v.parent_id.clone().unwrap_or_default())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "id", "this task"))?;
        let after = task_from_row(&row)?;
        audit(
            &mut tx,
            actor,
            "create",
            Task::KIND,
            &id,
            Some(project_id),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_task(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewTask,
    ) -> Result<Task> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "tasks", id, task_from_row).await?;
        lock_project(&mut tx, &before.project_id).await?;
        if v.parent_id != before.parent_id {
            check_parent(
                &mut tx,
                &before.project_id,
                v.parent_id.as_deref(),
                Some(id),
            )
            .await?;
        }
        let position = match v.position {
            Some(p) if v.parent_id == before.parent_id || p != before.position => p,
            _ => {
                let r = sqlx::query(
                    "SELECT COALESCE(MAX(position) + 1, 0) AS p FROM tasks WHERE project_id = $1 \
                     AND COALESCE(parent_id, '') = $2",
                )
                .bind(&before.project_id)
                .bind(v.parent_id.clone().unwrap_or_default())
                .fetch_one(&mut *tx)
                .await?;
                r.try_get("p")?
            }
        };
        let res = sqlx::query(
            "UPDATE tasks SET version = version + 1, parent_id = $3, position = $4, name = $5, \
             duration_minutes = $6, effort_minutes = $7, milestone = $8, updated_at = $9 \
             WHERE id = $1 AND version = $2 RETURNING *",
        )
        .bind(id)
        .bind(expected)
        .bind(v.parent_id.clone())
        .bind(position)
        .bind(v.name.as_str())
        .bind(v.duration_minutes)
        .bind(v.effort_minutes)
        .bind(v.milestone as i64)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
        let after = match res {
            Some(row) => task_from_row(&row)?,
            None => {
                // Stale or gone: says which.
                check_versioned(&mut tx, "tasks", id, 0).await?;
                return Err(StoreError::NotFound);
            }
        };
        audit(
            &mut tx,
            actor,
            "update",
            Task::KIND,
            id,
            Some(&before.project_id),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Moves a task in the WBS (indent, outdent, up, down or to a place) in one transaction:
    /// the project locked, the move checked on the whole WBS (`pso_domain::plan::apply_move`),
    /// every task whose parent or position changes updated with its audit event. The moved
    /// task must still be at `expected`.
    pub async fn move_task(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        mv: &pso_domain::plan::WbsMove,
    ) -> Result<Task> {
        use pso_domain::plan::{apply_move, WbsSlot};
        let mut tx = self.begin_write().await?;
        let me = fetch(&mut tx, "tasks", id, task_from_row).await?;
        lock_project(&mut tx, &me.project_id).await?;
        if me.version != expected {
            return Err(StoreError::Stale {
                current: me.version,
            });
        }
        let rows = sqlx::query("SELECT id, parent_id, position FROM tasks WHERE project_id = $1")
            .bind(&me.project_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut slots = Vec::with_capacity(rows.len());
        for r in rows {
            slots.push(WbsSlot {
                id: r.try_get("id")?,
                parent_id: r.try_get("parent_id")?,
                position: r.try_get("position")?,
            });
        }
        let changes = apply_move(&slots, id, mv).map_err(StoreError::Invalid)?;
        let t = now();
        for c in &changes {
            let before = fetch(&mut tx, "tasks", &c.id, task_from_row).await?;
            sqlx::query(
                "UPDATE tasks SET version = version + 1, parent_id = $2, position = $3, \
                 updated_at = $4 WHERE id = $1",
            )
            .bind(&c.id)
            .bind(c.parent_id.clone())
            .bind(c.position)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
            let after = fetch(&mut tx, "tasks", &c.id, task_from_row).await?;
            audit(
                &mut tx,
                actor,
                "update",
                Task::KIND,
                &c.id,
                Some(&me.project_id),
                Some(&before),
                Some(&after),
            )
            .await?;
        }
        let after = fetch(&mut tx, "tasks", id, task_from_row).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a task without subtasks, with its dependencies and assignments (each audited).
    pub async fn delete_task(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "tasks", id, task_from_row).await?;
        let pid = before.project_id.clone();
        lock_project(&mut tx, &pid).await?;
        if before.version != expected {
            return Err(StoreError::Stale {
                current: before.version,
            });
        }
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tasks WHERE parent_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if n > 0 {
            return Err(StoreError::Conflict {
                field: "id".into(),
                message: format!("the task has {n} subtasks: delete or move them first"),
            });
        }
        let deps = sqlx::query(
            "SELECT * FROM dependencies WHERE predecessor_id = $1 OR successor_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for d in deps.iter().map(dependency_from_row) {
            let d = d?;
            sqlx::query("DELETE FROM dependencies WHERE id = $1")
                .bind(&d.id)
                .execute(&mut *tx)
                .await?;
            audit(
                &mut tx,
                actor,
                "delete",
                Dependency::KIND,
                &d.id,
                Some(&pid),
                Some(&d),
                None,
            )
            .await?;
        }
        let asg = sqlx::query("SELECT * FROM assignments WHERE task_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        for a in asg.iter().map(assignment_from_row) {
            let a = a?;
            sqlx::query("DELETE FROM assignments WHERE id = $1")
                .bind(&a.id)
                .execute(&mut *tx)
                .await?;
            audit(
                &mut tx,
                actor,
                "delete",
                Assignment::KIND,
                &a.id,
                Some(&pid),
                Some(&a),
                None,
            )
            .await?;
        }
        sqlx::query("DELETE FROM tasks WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "delete",
            Task::KIND,
            id,
            Some(&pid),
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ dependencies

    pub async fn list_dependencies(
        &self,
        project_id: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Dependency>> {
        let rows = sqlx::query(
            "SELECT * FROM dependencies WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(project_id)
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        page(rows, limit, dependency_from_row)
    }

    pub async fn all_dependencies(&self, project_id: &str) -> Result<Vec<Dependency>> {
        let rows = sqlx::query("SELECT * FROM dependencies WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(dependency_from_row).collect()
    }

    pub async fn get_dependency(&self, id: &str) -> Result<Option<Dependency>> {
        self.get_table("dependencies", id, dependency_from_row)
            .await
    }

    /// Checks both ends belong to the project and the link closes no cycle.
    async fn check_dependency(
        c: &mut AnyConnection,
        project_id: &str,
        v: &NewDependency,
        except: Option<&str>,
    ) -> Result<()> {
        // Both ends are tasks of the project (two rows at most, whatever the plan's size).
        let found: BTreeSet<String> =
            sqlx::query("SELECT id FROM tasks WHERE project_id = $1 AND id IN ($2, $3)")
                .bind(project_id)
                .bind(&v.predecessor_id)
                .bind(&v.successor_id)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<std::result::Result<_, _>>()?;
        let mut e = ValidationErrors::new();
        for (field, id) in [
            ("predecessor_id", &v.predecessor_id),
            ("successor_id", &v.successor_id),
        ] {
            if !found.contains(id) {
                e.add(
                    field,
                    "unknown_reference",
                    format!("task '{id}' is not a task of this project"),
                );
            }
        }
        if !e.is_empty() {
            return Err(StoreError::Invalid(e));
        }
        // Would it close a cycle: does the successor already lead to the predecessor? Walked in
        // the database from the successor; only a cycle reads the whole network, to name it.
        let reach: i64 = sqlx::query(
            "WITH RECURSIVE reach(id) AS (SELECT CAST($1 AS TEXT) UNION \
             SELECT d.successor_id FROM dependencies d JOIN reach ON d.predecessor_id = reach.id \
             WHERE d.project_id = $2 AND d.id <> $3) \
             SELECT COUNT(*) AS n FROM reach WHERE id = $4",
        )
        .bind(&v.successor_id)
        .bind(project_id)
        .bind(except.unwrap_or(""))
        .bind(&v.predecessor_id)
        .fetch_one(&mut *c)
        .await?
        .try_get("n")?;
        if reach == 0 {
            return Ok(());
        }
        let names: BTreeMap<String, String> =
            sqlx::query("SELECT id, name FROM tasks WHERE project_id = $1")
                .bind(project_id)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
                .collect::<Result<_>>()?;
        let edges: Vec<(String, String)> = sqlx::query(
            "SELECT id, predecessor_id, successor_id FROM dependencies WHERE project_id = $1",
        )
        .bind(project_id)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .filter(|r| r.try_get::<String, _>("id").ok().as_deref() != except)
        .map(|r| Ok((r.try_get("predecessor_id")?, r.try_get("successor_id")?)))
        .collect::<Result<_>>()?;
        if let Some(cycle) =
            pso_domain::plan::cycle_with(&edges, &v.predecessor_id, &v.successor_id)
        {
            let named: Vec<String> = cycle
                .iter()
                .map(|id| format!("'{}' ({id})", names.get(id).cloned().unwrap_or_default()))
                .collect();
            let mut err = ValidationErrors::single(
                "successor_id",
                "dependency_cycle",
                format!(
                    "this dependency would close a cycle: {} -> back to the first",
                    named.join(" -> ")
                ),
            );
            // The machine-readable list of the tasks in the cycle, in order.
            for id in cycle {
                err.add("cycle", "cycle_task", id);
            }
            return Err(StoreError::Invalid(err));
        }
        Ok(())
    }

    pub async fn create_dependency(
        &self,
        actor: &Actor,
        project_id: &str,
        v: &NewDependency,
    ) -> Result<Dependency> {
        let mut tx = self.begin_write().await?;
        lock_project(&mut tx, project_id).await?;
        Self::check_dependency(&mut tx, project_id, v, None).await?;
        let id = new_id();
        let t = now();
        let row = sqlx::query(
            "INSERT INTO dependencies (id, version, project_id, predecessor_id, successor_id, \
             dep_type, lag_minutes, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $7) RETURNING *",
        )
        .bind(&id)
        .bind(project_id)
        .bind(&v.predecessor_id)
        .bind(&v.successor_id)
        .bind(v.dep_type.as_str())
        .bind(v.lag_minutes)
        .bind(&t)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "successor_id", "a dependency between these tasks"))?;
        let after = dependency_from_row(&row)?;
        audit(
            &mut tx,
            actor,
            "create",
            Dependency::KIND,
            &id,
            Some(project_id),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_dependency(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewDependency,
    ) -> Result<Dependency> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "dependencies", id, dependency_from_row).await?;
        let pid = before.project_id.clone();
        lock_project(&mut tx, &pid).await?;
        Self::check_dependency(&mut tx, &pid, v, Some(id)).await?;
        let res = sqlx::query(
            "UPDATE dependencies SET version = version + 1, predecessor_id = $3, \
             successor_id = $4, dep_type = $5, lag_minutes = $6, updated_at = $7 \
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(&v.predecessor_id)
        .bind(&v.successor_id)
        .bind(v.dep_type.as_str())
        .bind(v.lag_minutes)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "successor_id", "a dependency between these tasks"))?;
        check_versioned(&mut tx, "dependencies", id, res.rows_affected()).await?;
        let after = fetch(&mut tx, "dependencies", id, dependency_from_row).await?;
        audit(
            &mut tx,
            actor,
            "update",
            Dependency::KIND,
            id,
            Some(&pid),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_dependency(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        self.delete_plan_row::<Dependency>(actor, "dependencies", id, expected, dependency_from_row)
            .await
    }

    async fn delete_plan_row<T: Entity>(
        &self,
        actor: &Actor,
        table: &str,
        id: &str,
        expected: i64,
        f: fn(&AnyRow) -> Result<T>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(&format!("SELECT project_id FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let pid: String = r.try_get("project_id")?;
        let before = fetch(&mut tx, table, id, f).await?;
        let res = sqlx::query(&format!(
            "DELETE FROM {table} WHERE id = $1 AND version = $2"
        ))
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        check_versioned(&mut tx, table, id, res.rows_affected()).await?;
        audit(
            &mut tx,
            actor,
            "delete",
            T::KIND,
            id,
            Some(&pid),
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ assignments

    pub async fn list_assignments(&self, task_id: &str) -> Result<Vec<Assignment>> {
        let rows = sqlx::query("SELECT * FROM assignments WHERE task_id = $1 ORDER BY id")
            .bind(task_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    pub async fn project_assignments(&self, project_id: &str) -> Result<Vec<Assignment>> {
        let rows = sqlx::query("SELECT * FROM assignments WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    pub async fn get_assignment(&self, id: &str) -> Result<Option<Assignment>> {
        self.get_table("assignments", id, assignment_from_row).await
    }

    pub async fn create_assignment(
        &self,
        actor: &Actor,
        task: &Task,
        v: &NewAssignment,
    ) -> Result<Assignment> {
        let mut tx = self.begin_write().await?;
        lock_project(&mut tx, &task.project_id).await?;
        let id = new_id();
        let t = now();
        sqlx::query(
            "INSERT INTO assignments (id, version, project_id, task_id, person_id, units_milli, \
             created_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&id)
        .bind(&task.project_id)
        .bind(&task.id)
        .bind(&v.person_id)
        .bind(v.units_milli)
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "person_id", "an assignment of this person to this task"))?;
        let after = fetch(&mut tx, "assignments", &id, assignment_from_row).await?;
        audit(
            &mut tx,
            actor,
            "create",
            Assignment::KIND,
            &id,
            Some(&task.project_id),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn update_assignment(
        &self,
        actor: &Actor,
        id: &str,
        expected: i64,
        v: &NewAssignment,
    ) -> Result<Assignment> {
        let mut tx = self.begin_write().await?;
        let before = fetch(&mut tx, "assignments", id, assignment_from_row).await?;
        let res = sqlx::query(
            "UPDATE assignments SET version = version + 1, person_id = $3, units_milli = $4, \
             updated_at = $5 WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected)
        .bind(&v.person_id)
        .bind(v.units_milli)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_err(e, "person_id", "an assignment of this person to this task"))?;
        check_versioned(&mut tx, "assignments", id, res.rows_affected()).await?;
        let after = fetch(&mut tx, "assignments", id, assignment_from_row).await?;
        audit(
            &mut tx,
            actor,
            "update",
            Assignment::KIND,
            id,
            Some(&before.project_id),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_assignment(&self, actor: &Actor, id: &str, expected: i64) -> Result<()> {
        self.delete_plan_row::<Assignment>(actor, "assignments", id, expected, assignment_from_row)
            .await
    }
}
