//! What the time pages read besides the sheets themselves: the tasks a person may book in the
//! week grid, the tasks scheduled for them ("My work"), and project labels.

use crate::{Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A task as a row of the week grid or of "My work".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine {
    pub task_id: String,
    pub task_name: String,
    pub project_id: String,
    pub project_code: String,
    pub project_name: String,
    /// The person is assigned to it.
    pub assigned: bool,
    /// Its project is closed or cancelled, or it has sub-tasks: nothing to book on.
    pub closed: bool,
    /// Scheduled start and finish (RFC 3339 with the project site's offset), when scheduled.
    pub start: Option<String>,
    pub finish: Option<String>,
}

const TASK_COLUMNS: &str = "t.id AS task_id, t.name AS task_name, p.id AS project_id, \
    p.code AS project_code, p.name AS project_name, p.status AS project_status, \
    CAST(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id \
    AND a.person_id = $1) THEN 1 ELSE 0 END AS BIGINT) AS assigned, \
    CAST(CASE WHEN EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id) THEN 1 ELSE 0 \
    END AS BIGINT) AS is_group, s.start_at, s.finish_at";

/// Open projects and leaf tasks only.
const OPEN_LEAF: &str = "p.status NOT IN ('closed', 'cancelled') \
    AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id)";

fn line_of(r: &AnyRow) -> Result<TaskLine> {
    let status: String = r.try_get("project_status")?;
    Ok(TaskLine {
        task_id: r.try_get("task_id")?,
        task_name: r.try_get("task_name")?,
        project_id: r.try_get("project_id")?,
        project_code: r.try_get("project_code")?,
        project_name: r.try_get("project_name")?,
        assigned: r.try_get::<i64, _>("assigned")? != 0,
        closed: matches!(status.as_str(), "closed" | "cancelled")
            || r.try_get::<i64, _>("is_group")? != 0,
        start: r.try_get("start_at")?,
        finish: r.try_get("finish_at")?,
    })
}

impl Store {
    /// The tasks a person may book in a week's grid: the leaf tasks of open projects they are
    /// assigned to, then the open leaf tasks they booked in the weeks `from_week` (included)
    /// to `to_week` (excluded), each once, by project code and task position.
    pub async fn bookable_tasks(
        &self,
        person_id: &str,
        from_week: &str,
        to_week: &str,
    ) -> Result<Vec<TaskLine>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks t JOIN projects p ON p.id = t.project_id \
             LEFT JOIN task_schedules s ON s.task_id = t.id \
             WHERE {OPEN_LEAF} AND (EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id \
             AND a.person_id = $1) OR EXISTS (SELECT 1 FROM timesheet_entries e \
             WHERE e.task_id = t.id AND e.person_id = $1 AND e.week >= $2 AND e.week < $3)) \
             ORDER BY p.code, t.position, t.id"
        );
        let rows = sqlx::query(&sql)
            .bind(person_id)
            .bind(from_week)
            .bind(to_week)
            .fetch_all(self.pool())
            .await?;
        let mut lines: Vec<TaskLine> = rows.iter().map(line_of).collect::<Result<_>>()?;
        // Assigned first (a stable sort keeps the project and WBS order within each part).
        lines.sort_by_key(|l| !l.assigned);
        Ok(lines)
    }

    /// These tasks as lines for a person (tasks that do not exist are absent).
    pub async fn task_lines(&self, person_id: &str, task_ids: &[String]) -> Result<Vec<TaskLine>> {
        if task_ids.is_empty() {
            return Ok(vec![]);
        }
        let ph: Vec<String> = (0..task_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks t JOIN projects p ON p.id = t.project_id \
             LEFT JOIN task_schedules s ON s.task_id = t.id WHERE t.id IN ({}) \
             ORDER BY p.code, t.position, t.id",
            ph.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(person_id);
        for t in task_ids {
            q = q.bind(t.clone());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(line_of)
            .collect()
    }

    /// The leaf tasks of open projects a person is assigned to whose stored schedule overlaps
    /// the days `from` to `to` (both `YYYY-MM-DD`, included), by start.
    pub async fn scheduled_tasks(
        &self,
        person_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<TaskLine>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks t JOIN projects p ON p.id = t.project_id \
             JOIN task_schedules s ON s.task_id = t.id \
             WHERE {OPEN_LEAF} AND EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id \
             AND a.person_id = $1) AND SUBSTR(s.finish_at, 1, 10) >= $2 \
             AND SUBSTR(s.start_at, 1, 10) <= $3 \
             ORDER BY s.start_at, p.code, t.position, t.id"
        );
        sqlx::query(&sql)
            .bind(person_id)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(line_of)
            .collect()
    }

    /// `(id, code, name)` of these projects (those that exist).
    pub async fn project_labels(&self, ids: &[String]) -> Result<Vec<(String, String, String)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let ph: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT id, code, name FROM projects WHERE id IN ({}) ORDER BY code",
            ph.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.clone());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("code")?, r.try_get("name")?)))
            .collect()
    }
}
