//! Computed schedules, scheduling runs and baselines.

use crate::{audit, json_col, new_id, now, to_json, Actor, Result, Store, StoreError};
use pso_domain::schedule::{Baseline, BaselineTask, ScheduleRun, TaskSchedule};
use pso_domain::ValidationErrors;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

fn schedule_from_row(r: &AnyRow) -> Result<TaskSchedule> {
    Ok(TaskSchedule {
        task_id: r.try_get("task_id")?,
        project_id: r.try_get("project_id")?,
        start: r.try_get("start_at")?,
        finish: r.try_get("finish_at")?,
        total_float_hours: r.try_get::<i64, _>("total_float_minutes")? as f64 / 60.0,
        free_float_hours: r.try_get::<i64, _>("free_float_minutes")? as f64 / 60.0,
        critical: r.try_get::<i64, _>("critical")? != 0,
        group: r.try_get::<i64, _>("is_group")? != 0,
        why: r.try_get("why")?,
        segments: json_col(r, "segments")?,
        why_project_id: r.try_get("why_project_id")?,
        why_redacted: r.try_get("why_redacted")?,
    })
}

fn run_from_row(r: &AnyRow) -> Result<ScheduleRun> {
    Ok(ScheduleRun {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        finish: r.try_get("finish_at")?,
        summary: json_col(r, "summary")?,
    })
}

fn baseline_task_from_row(r: &AnyRow) -> Result<BaselineTask> {
    Ok(BaselineTask {
        task_id: r.try_get("task_id")?,
        name: r.try_get("name")?,
        start: r.try_get("start_at")?,
        finish: r.try_get("finish_at")?,
    })
}

fn baseline_from_row(r: &AnyRow) -> Result<Baseline> {
    Ok(Baseline {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        project_id: r.try_get("project_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

impl Store {
    /// The stored schedule of a project's tasks.
    pub async fn task_schedules(&self, project_id: &str) -> Result<Vec<TaskSchedule>> {
        let rows = sqlx::query(
            "SELECT * FROM task_schedules WHERE project_id = $1 ORDER BY start_at, task_id",
        )
        .bind(project_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(schedule_from_row).collect()
    }

    /// Replaces the stored schedules of the projects in `runs` (each with its rows and run
    /// summary), in one transaction with one audit event per project — only if every project's
    /// plan version is still the one in `plan_versions` (read before the plan the rows were
    /// computed from). Otherwise nothing is written and the error is a conflict on
    /// `plan_version` that names the projects whose plan changed.
    pub async fn save_schedules(
        &self,
        actor: &Actor,
        runs: &[(String, Vec<TaskSchedule>, serde_json::Value)],
        plan_versions: &BTreeMap<String, i64>,
    ) -> Result<Vec<ScheduleRun>> {
        let mut tx = self.begin_write().await?;
        let mut out = Vec::new();
        let at = now();
        let mut changed = Vec::new();
        for (project_id, _, _) in runs {
            let expected = plan_versions.get(project_id).copied().ok_or_else(|| {
                StoreError::Invalid(ValidationErrors::single(
                    "plan_version",
                    "required",
                    format!("no plan version read for project {project_id}"),
                ))
            })?;
            // Lock the row first (PostgreSQL: a plan write waits for this run, or this run
            // waits for it and then sees its version).
            let res = sqlx::query("UPDATE projects SET version = version WHERE id = $1")
                .bind(project_id)
                .execute(&mut *tx)
                .await?;
            if res.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let row = sqlx::query("SELECT code, plan_version FROM projects WHERE id = $1")
                .bind(project_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            if row.try_get::<i64, _>("plan_version")? != expected {
                changed.push(row.try_get::<String, _>("code")?);
            }
        }
        if !changed.is_empty() {
            return Err(StoreError::Conflict {
                field: "plan_version".into(),
                message: format!(
                    "the plan of {} changed while it was being scheduled; schedule again",
                    changed.join(", ")
                ),
            });
        }
        for (project_id, rows, summary) in runs {
            sqlx::query("DELETE FROM task_schedules WHERE project_id = $1")
                .bind(project_id)
                .execute(&mut *tx)
                .await?;
            for s in rows {
                sqlx::query(
                    "INSERT INTO task_schedules (task_id, project_id, start_at, finish_at, \
                     total_float_minutes, free_float_minutes, critical, is_group, why, segments, \
                     why_project_id, why_redacted) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
                     WHERE EXISTS (SELECT 1 FROM tasks WHERE id = $1 AND project_id = $2)",
                )
                .bind(&s.task_id)
                .bind(project_id)
                .bind(&s.start)
                .bind(&s.finish)
                .bind((s.total_float_hours * 60.0).round() as i64)
                .bind((s.free_float_hours * 60.0).round() as i64)
                .bind(s.critical as i64)
                .bind(s.group as i64)
                .bind(&s.why)
                .bind(to_json(&s.segments)?)
                .bind(s.why_project_id.clone())
                .bind(s.why_redacted.clone())
                .execute(&mut *tx)
                .await?;
            }
            let finish = rows.iter().map(|r| r.finish.clone()).max();
            let run = ScheduleRun {
                id: new_id(),
                project_id: Some(project_id.clone()),
                at: at.clone(),
                actor: actor.label.clone(),
                finish,
                summary: summary.clone(),
            };
            sqlx::query(
                "INSERT INTO schedule_runs (id, project_id, at, actor, finish_at, summary) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&run.id)
            .bind(project_id)
            .bind(&run.at)
            .bind(&run.actor)
            .bind(run.finish.clone())
            .bind(to_json(&run.summary)?)
            .execute(&mut *tx)
            .await?;
            audit(
                &mut tx,
                actor,
                "schedule",
                "schedule_run",
                &run.id,
                Some(project_id),
                None,
                Some(&run),
            )
            .await?;
            out.push(run);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The latest scheduling run of a project.
    pub async fn last_schedule_run(&self, project_id: &str) -> Result<Option<ScheduleRun>> {
        let r = sqlx::query(
            "SELECT * FROM schedule_runs WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(project_id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(run_from_row).transpose()
    }

    /// Saves the current schedule of a project as a named baseline.
    pub async fn create_baseline(
        &self,
        actor: &Actor,
        project_id: &str,
        name: &str,
    ) -> Result<Baseline> {
        let mut tx = self.begin_write().await?;
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM task_schedules WHERE project_id = $1")
            .bind(project_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if n == 0 {
            return Err(StoreError::Invalid(ValidationErrors::single(
                "project_id",
                "not_scheduled",
                "schedule the project before saving a baseline",
            )));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO baselines (id, version, project_id, name, created_at, created_by) \
             VALUES ($1, 1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(project_id)
        .bind(name)
        .bind(now())
        .bind(&actor.label)
        .execute(&mut *tx)
        .await
        .map_err(|e| crate::map_write_err(e, "name", "a baseline with this name"))?;
        sqlx::query(
            "INSERT INTO baseline_tasks (baseline_id, task_id, name, start_at, finish_at) \
             SELECT $1, s.task_id, t.name, s.start_at, s.finish_at FROM task_schedules s \
             JOIN tasks t ON t.id = s.task_id WHERE s.project_id = $2",
        )
        .bind(&id)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
        let b = baseline_from_row(
            &sqlx::query("SELECT * FROM baselines WHERE id = $1")
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?,
        )?;
        audit(
            &mut tx,
            actor,
            "create",
            "baseline",
            &id,
            Some(project_id),
            None,
            Some(&b),
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    pub async fn list_baselines(&self, project_id: &str) -> Result<Vec<Baseline>> {
        let rows = sqlx::query("SELECT * FROM baselines WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(baseline_from_row).collect()
    }

    pub async fn get_baseline(&self, id: &str) -> Result<Option<Baseline>> {
        let r = sqlx::query("SELECT * FROM baselines WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(baseline_from_row).transpose()
    }

    pub async fn baseline_tasks(&self, baseline_id: &str) -> Result<Vec<BaselineTask>> {
        let rows = sqlx::query(
            "SELECT * FROM baseline_tasks WHERE baseline_id = $1 ORDER BY start_at, task_id",
        )
        .bind(baseline_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(baseline_task_from_row).collect()
    }

    /// The baseline's dates of these tasks only (a window of a large plan).
    pub async fn baseline_tasks_of(
        &self,
        baseline_id: &str,
        task_ids: &[String],
    ) -> Result<Vec<BaselineTask>> {
        let mut out = Vec::new();
        for chunk in task_ids.chunks(500) {
            let ph: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT * FROM baseline_tasks WHERE baseline_id = $1 AND task_id IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(baseline_id);
            for id in chunk {
                q = q.bind(id.clone());
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(baseline_task_from_row(&r)?);
            }
        }
        Ok(out)
    }

    /// One page of a project's stored schedule, by task id.
    pub async fn task_schedules_page(
        &self,
        project_id: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<crate::Page<TaskSchedule>> {
        let rows = sqlx::query(
            "SELECT * FROM task_schedules WHERE project_id = $1 AND task_id > $2 \
             ORDER BY task_id LIMIT $3",
        )
        .bind(project_id)
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<TaskSchedule> = rows
            .iter()
            .take(limit.max(0) as usize)
            .map(schedule_from_row)
            .collect::<Result<_>>()?;
        let next_cursor = if more {
            items.last().map(|t| t.task_id.clone())
        } else {
            None
        };
        Ok(crate::Page { items, next_cursor })
    }

    /// Every assignment of the given people (for the portfolio load), with task ids.
    pub async fn assignments_of_people(
        &self,
        person_ids: &[String],
    ) -> Result<Vec<pso_domain::model::Assignment>> {
        self.select_in(
            "assignments",
            "person_id",
            person_ids,
            "id",
            crate::plan::assignment_from_row,
        )
        .await
    }

    /// The stored schedules of several projects (one query per chunk of projects).
    pub async fn schedules_of_projects(&self, project_ids: &[String]) -> Result<Vec<TaskSchedule>> {
        self.select_in(
            "task_schedules",
            "project_id",
            project_ids,
            "project_id, start_at, task_id",
            schedule_from_row,
        )
        .await
    }

    /// The stored schedules of these tasks (batched).
    pub async fn schedules_of_tasks(&self, task_ids: &[String]) -> Result<Vec<TaskSchedule>> {
        self.select_in(
            "task_schedules",
            "task_id",
            task_ids,
            "task_id",
            schedule_from_row,
        )
        .await
    }
}
