//! Timesheets as stored (issue 10): a sheet per person and ISO week, its entries, reported
//! progress and project lines; task progress; the missing-sheets list.
//!
//! Every change is conditional on the sheet's version and state (`UPDATE … WHERE version = $
//! AND state = $`), so two writers never both win, and commits with its audit event (entity
//! `timesheet`, id `{person_id}/{week}`).

use crate::{audit, corrupt, now, Actor, Result, Store, StoreError};
use pso_domain::access::ProjectScope;
use pso_domain::sheet::{
    LineState, Rejection, SheetEntry, SheetLine, SheetProgress, SheetState, Timesheet,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The audit trail's entity type of a sheet.
pub const SHEET_KIND: &str = "timesheet";

/// A sheet's audit id.
pub fn sheet_id(person_id: &str, week: &str) -> String {
    format!("{person_id}/{week}")
}

/// What a save writes: the draft's entries and progress, and the person's site.
#[derive(Debug, Clone)]
pub struct SheetWrite {
    pub site_id: String,
    pub entries: Vec<SheetEntry>,
    pub progress: Vec<SheetProgress>,
}

/// One sheet to save: its person and week, the sheet as the caller read it (none: never
/// saved), and what to write. The save holds only if the sheet is still at the version read.
#[derive(Debug, Clone)]
pub struct SheetSave {
    pub person_id: String,
    pub week: String,
    pub before: Option<Timesheet>,
    pub write: SheetWrite,
}

/// Whose sheets a caller sees in a list, by id: decided by `pso-domain`'s rules, applied here.
#[derive(Debug, Clone, Default)]
pub struct SheetVisibility {
    /// Everything (administrators, a global PSO).
    pub all: bool,
    /// The caller's own person.
    pub person_id: Option<String>,
    /// Sites whose people's sheets the caller sees whole (the site's PSO).
    pub site_ids: Vec<String>,
    /// Approvers: sheets with a line of a project this person manages …
    pub manager_person_id: Option<String>,
    /// … or of a project in this scope.
    pub approval_scope: ProjectScope,
}

/// `GET /api/v1/timesheets` filters.
#[derive(Debug, Clone, Default)]
pub struct SheetFilter {
    pub week: Option<String>,
    pub site_id: Option<String>,
    pub project_id: Option<String>,
    /// `draft`, `submitted`, `approved` or `rejected` (a draft sent back with a reason).
    pub state: Option<String>,
    pub person_id: Option<String>,
}

/// A sheet in a list: its state and lines, without entries.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SheetSummary {
    pub person_id: String,
    pub person_name: String,
    pub week: String,
    pub site_id: String,
    pub state: SheetState,
    pub total_minutes: i64,
    pub lines: Vec<SheetLine>,
    pub rejection: Option<Rejection>,
    pub version: i64,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
}

/// A person of a site who has not submitted a week's sheet.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MissingSheet {
    pub person_id: String,
    pub name: String,
    pub email: Option<String>,
    /// `draft` when a sheet was started, none when nothing was saved.
    pub state: Option<SheetState>,
    pub manager_id: Option<String>,
    pub manager_name: Option<String>,
    pub manager_email: Option<String>,
}

/// A task's progress as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct TaskProgress {
    pub task_id: String,
    pub project_id: String,
    pub percent_complete: i64,
    pub remaining_minutes: Option<i64>,
    pub actual_start: Option<String>,
    pub actual_finish: Option<String>,
    pub set_by: String,
    pub set_at: String,
}

fn state_of(r: &AnyRow) -> Result<SheetState> {
    let s: String = r.try_get("state")?;
    SheetState::parse(&s).ok_or_else(|| corrupt("timesheets", format!("state = '{s}'")))
}

fn rejection_of(r: &AnyRow) -> Result<Option<Rejection>> {
    let s: Option<String> = r.try_get("rejection")?;
    s.map(|s| serde_json::from_str(&s).map_err(|e| corrupt("timesheets.rejection", e)))
        .transpose()
}

fn line_of(r: &AnyRow) -> Result<SheetLine> {
    let s: String = r.try_get("state")?;
    Ok(SheetLine {
        project_id: r.try_get("project_id")?,
        state: LineState::parse(&s)
            .ok_or_else(|| corrupt("timesheet_lines", format!("state = '{s}'")))?,
        minutes: r.try_get("minutes")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
    })
}

fn progress_of(r: &AnyRow) -> Result<TaskProgress> {
    Ok(TaskProgress {
        task_id: r.try_get("task_id")?,
        project_id: r.try_get("project_id")?,
        percent_complete: r.try_get("percent_complete")?,
        remaining_minutes: r.try_get("remaining_minutes")?,
        actual_start: r.try_get("actual_start")?,
        actual_finish: r.try_get("actual_finish")?,
        set_by: r.try_get("set_by")?,
        set_at: r.try_get("set_at")?,
    })
}

/// Reads a whole sheet (entries, progress, lines) on a connection.
async fn read_sheet(
    c: &mut AnyConnection,
    person_id: &str,
    week: &str,
) -> Result<Option<Timesheet>> {
    let Some(r) = sqlx::query("SELECT * FROM timesheets WHERE person_id = $1 AND week = $2")
        .bind(person_id)
        .bind(week)
        .fetch_optional(&mut *c)
        .await?
    else {
        return Ok(None);
    };
    let entries = sqlx::query(
        "SELECT task_id, project_id, date, minutes, comment FROM timesheet_entries \
         WHERE person_id = $1 AND week = $2 ORDER BY line",
    )
    .bind(person_id)
    .bind(week)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| {
        Ok(SheetEntry {
            task_id: r.try_get("task_id")?,
            project_id: r.try_get("project_id")?,
            date: r.try_get("date")?,
            minutes: r.try_get("minutes")?,
            comment: r.try_get("comment")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let progress = sqlx::query(
        "SELECT task_id, project_id, percent_complete, remaining_minutes FROM timesheet_progress \
         WHERE person_id = $1 AND week = $2 ORDER BY task_id",
    )
    .bind(person_id)
    .bind(week)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| {
        Ok(SheetProgress {
            task_id: r.try_get("task_id")?,
            project_id: r.try_get("project_id")?,
            percent_complete: r.try_get("percent_complete")?,
            remaining_minutes: r.try_get("remaining_minutes")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let state = state_of(&r)?;
    // A draft has no lines (they go when it returns to draft).
    let lines = if state == SheetState::Draft {
        vec![]
    } else {
        sqlx::query(
            "SELECT * FROM timesheet_lines WHERE person_id = $1 AND week = $2 ORDER BY project_id",
        )
        .bind(person_id)
        .bind(week)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(line_of)
        .collect::<Result<Vec<_>>>()?
    };
    Ok(Some(Timesheet {
        person_id: r.try_get("person_id")?,
        week: r.try_get("week")?,
        site_id: r.try_get("site_id")?,
        state,
        entries,
        progress,
        total_minutes: r.try_get("total_minutes")?,
        warnings: vec![],
        lines,
        rejection: rejection_of(&r)?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        submitted_at: r.try_get("submitted_at")?,
        approved_at: r.try_get("approved_at")?,
    }))
}

/// A value bound into [`transition`]'s `SET`.
enum Val {
    Text(String),
    Int(i64),
}

/// Moves a sheet on: `UPDATE … SET version = version + 1, <set> WHERE … AND version = $3 AND
/// state IN (<from>)`; when nothing moved, says why (gone, stale, or in another state).
async fn transition(
    c: &mut AnyConnection,
    person_id: &str,
    week: &str,
    expected: i64,
    from: &[SheetState],
    set: &str,
    binds: &[Val],
) -> Result<()> {
    let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let sql = format!(
        "UPDATE timesheets SET version = version + 1, {set} \
         WHERE person_id = $1 AND week = $2 AND version = $3 AND state IN ({})",
        states.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(person_id).bind(week).bind(expected);
    for b in binds {
        q = match b {
            Val::Text(v) => q.bind(v.clone()),
            Val::Int(v) => q.bind(*v),
        };
    }
    if q.execute(&mut *c).await?.rows_affected() == 1 {
        return Ok(());
    }
    let row =
        sqlx::query("SELECT version, state FROM timesheets WHERE person_id = $1 AND week = $2")
            .bind(person_id)
            .bind(week)
            .fetch_optional(&mut *c)
            .await?;
    match row {
        None if expected == 0 => Err(StoreError::Conflict {
            field: "state".into(),
            message: "the sheet has never been saved".into(),
        }),
        None => Err(StoreError::Stale { current: 0 }),
        Some(r) => {
            let current: i64 = r.try_get("version")?;
            if current != expected {
                return Err(StoreError::Stale { current });
            }
            let state = state_of(&r)?;
            let wanted: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
            Err(StoreError::Conflict {
                field: "state".into(),
                message: format!(
                    "the sheet is {}; this needs it {}",
                    state.as_str(),
                    wanted.join(" or ")
                ),
            })
        }
    }
}

/// Ends a transition: the sheet as it now is, its audit event with the sheet before, commit.
async fn finish(
    mut tx: crate::Tx,
    actor: &Actor,
    action: &str,
    person_id: &str,
    week: &str,
    before: Option<Timesheet>,
) -> Result<Timesheet> {
    let after = read_sheet(&mut tx, person_id, week)
        .await?
        .ok_or(StoreError::NotFound)?;
    sheet_audit(
        &mut tx,
        actor,
        action,
        person_id,
        week,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn sheet_audit(
    c: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    person_id: &str,
    week: &str,
    before: Option<&Timesheet>,
    after: Option<&Timesheet>,
) -> Result<()> {
    audit(
        c,
        actor,
        action,
        SHEET_KIND,
        &sheet_id(person_id, week),
        None,
        before,
        after,
    )
    .await
}

impl Store {
    /// A person's sheet for a week (`None`: never saved).
    pub async fn timesheet(&self, person_id: &str, week: &str) -> Result<Option<Timesheet>> {
        let mut c = self.pool().acquire().await?;
        read_sheet(&mut c, person_id, week).await
    }

    /// Replaces a draft's entries and progress. Refused when the sheet is no longer at the
    /// version read (stale) or is not a draft (conflict). The transaction holds only the
    /// writes: the sheet before was read by the caller, and the version check makes that read
    /// the one the change applies to.
    pub async fn save_timesheet(
        &self,
        actor: &Actor,
        action: &str,
        s: &SheetSave,
    ) -> Result<Timesheet> {
        let mut tx = self.begin_write().await?;
        let after = save_on(&mut tx, actor, action, s).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Saves several sheets together (an import): all of them, or none.
    pub async fn save_timesheets(
        &self,
        actor: &Actor,
        action: &str,
        sheets: &[SheetSave],
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        for s in sheets {
            save_on(&mut tx, actor, action, s).await?;
        }
        tx.commit().await?;
        Ok(sheets.len())
    }

    /// Submits a draft: one line per project with its minutes; a sheet without entries has
    /// no approver and is approved at once.
    pub async fn submit_timesheet(
        &self,
        actor: &Actor,
        action: &str,
        person_id: &str,
        week: &str,
        expected: i64,
    ) -> Result<Timesheet> {
        let t = now();
        let mut tx = self.begin_write().await?;
        let before = read_sheet(&mut tx, person_id, week).await?;
        transition(
            &mut tx,
            person_id,
            week,
            expected,
            &[SheetState::Draft],
            "state = 'submitted', submitted_at = $4, updated_at = $4, rejection = NULL",
            &[Val::Text(t.clone())],
        )
        .await?;
        let lines = sqlx::query(
            "INSERT INTO timesheet_lines (person_id, week, project_id, state, minutes) \
             SELECT person_id, week, project_id, 'submitted', SUM(minutes) FROM timesheet_entries \
             WHERE person_id = $1 AND week = $2 GROUP BY person_id, week, project_id",
        )
        .bind(person_id)
        .bind(week)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if lines == 0 {
            sqlx::query(
                "UPDATE timesheets SET state = 'approved', approved_at = $3 \
                 WHERE person_id = $1 AND week = $2",
            )
            .bind(person_id)
            .bind(week)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
        }
        finish(tx, actor, action, person_id, week, before).await
    }

    /// Approves the submitted lines of `project_ids`; when no line waits any more, the sheet
    /// is approved and its progress becomes its tasks' (actual dates from approved time).
    pub async fn approve_timesheet(
        &self,
        actor: &Actor,
        person_id: &str,
        week: &str,
        expected: i64,
        project_ids: &[String],
    ) -> Result<Timesheet> {
        let t = now();
        let mut tx = self.begin_write().await?;
        let before = read_sheet(&mut tx, person_id, week).await?;
        transition(
            &mut tx,
            person_id,
            week,
            expected,
            &[SheetState::Submitted],
            "updated_at = $4",
            &[Val::Text(t.clone())],
        )
        .await?;
        for p in project_ids {
            sqlx::query(
                "UPDATE timesheet_lines SET state = 'approved', decided_by = $4, decided_at = $5 \
                 WHERE person_id = $1 AND week = $2 AND project_id = $3 AND state = 'submitted'",
            )
            .bind(person_id)
            .bind(week)
            .bind(p)
            .bind(actor.label.clone())
            .bind(&t)
            .execute(&mut *tx)
            .await?;
        }
        let waiting: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM timesheet_lines \
             WHERE person_id = $1 AND week = $2 AND state = 'submitted'",
        )
        .bind(person_id)
        .bind(week)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if waiting == 0 {
            sqlx::query(
                "UPDATE timesheets SET state = 'approved', approved_at = $3 \
                 WHERE person_id = $1 AND week = $2",
            )
            .bind(person_id)
            .bind(week)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
            apply_progress(&mut tx, actor, person_id, week, &t).await?;
        }
        finish(tx, actor, "approve", person_id, week, before).await
    }

    /// Sends a sheet back to draft: a rejection (from submitted) or a reopening (from
    /// approved), with its reason shown on the sheet.
    pub async fn return_timesheet(
        &self,
        actor: &Actor,
        person_id: &str,
        week: &str,
        expected: i64,
        rejection: &Rejection,
    ) -> Result<Timesheet> {
        let from = if rejection.kind == "reopen" {
            SheetState::Approved
        } else {
            SheetState::Submitted
        };
        let mut tx = self.begin_write().await?;
        let before = read_sheet(&mut tx, person_id, week).await?;
        transition(
            &mut tx,
            person_id,
            week,
            expected,
            &[from],
            "state = 'draft', rejection = $4, updated_at = $5, approved_at = NULL",
            &[
                Val::Text(crate::to_json(rejection)?),
                Val::Text(rejection.at.clone()),
            ],
        )
        .await?;
        sqlx::query("DELETE FROM timesheet_lines WHERE person_id = $1 AND week = $2")
            .bind(person_id)
            .bind(week)
            .execute(&mut *tx)
            .await?;
        finish(tx, actor, &rejection.kind, person_id, week, before).await
    }

    /// Sheets the caller sees, matching the filter, by week then person.
    pub async fn list_timesheets(
        &self,
        vis: &SheetVisibility,
        f: &SheetFilter,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<crate::Page<SheetSummary>> {
        let mut binds: Vec<String> = Vec::new();
        let mut push = |v: String| {
            binds.push(v);
            format!("${}", binds.len())
        };
        let mut sql = String::from(
            "SELECT t.*, p.name AS person_name FROM timesheets t JOIN people p ON p.id = t.person_id \
             WHERE 1 = 1",
        );
        if !vis.all {
            let mut ors = Vec::new();
            if let Some(me) = &vis.person_id {
                ors.push(format!("t.person_id = {}", push(me.clone())));
            }
            if !vis.site_ids.is_empty() {
                let ph: Vec<String> = vis.site_ids.iter().map(|s| push(s.clone())).collect();
                ors.push(format!("t.site_id IN ({})", ph.join(", ")));
            }
            let mut approver = Vec::new();
            if let Some(m) = &vis.manager_person_id {
                approver.push(format!("pr.manager_id = {}", push(m.clone())));
            }
            let s = &vis.approval_scope;
            if s.all {
                approver.push("1 = 1".into());
            } else {
                let units = self.units_below(&s.business_unit_ids).await?;
                for (col, vals) in [
                    (
                        "pr.site_id",
                        s.site_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
                    ),
                    ("pr.business_unit_id", units),
                    (
                        "pr.id",
                        s.project_ids.iter().map(|i| i.to_string()).collect(),
                    ),
                ] {
                    if !vals.is_empty() {
                        let ph: Vec<String> = vals.into_iter().map(&mut push).collect();
                        approver.push(format!("{col} IN ({})", ph.join(", ")));
                    }
                }
            }
            if !approver.is_empty() {
                ors.push(format!(
                    "EXISTS (SELECT 1 FROM timesheet_lines l JOIN projects pr ON pr.id = l.project_id \
                     WHERE l.person_id = t.person_id AND l.week = t.week AND ({}))",
                    approver.join(" OR ")
                ));
            }
            if ors.is_empty() {
                return Ok(crate::Page {
                    items: vec![],
                    next_cursor: None,
                });
            }
            sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
        if let Some(w) = &f.week {
            sql.push_str(&format!(" AND t.week = {}", push(w.clone())));
        }
        if let Some(s) = &f.site_id {
            sql.push_str(&format!(" AND t.site_id = {}", push(s.clone())));
        }
        if let Some(p) = &f.person_id {
            sql.push_str(&format!(" AND t.person_id = {}", push(p.clone())));
        }
        if let Some(p) = &f.project_id {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM timesheet_entries e WHERE e.person_id = t.person_id \
                 AND e.week = t.week AND e.project_id = {})",
                push(p.clone())
            ));
        }
        match f.state.as_deref() {
            None => {}
            Some("rejected") => sql.push_str(" AND t.state = 'draft' AND t.rejection IS NOT NULL"),
            Some(s) => sql.push_str(&format!(" AND t.state = {}", push(s.to_string()))),
        }
        if let Some((w, p)) = cursor.and_then(|c| c.split_once('/')) {
            let (w, p) = (push(w.to_string()), push(p.to_string()));
            sql.push_str(&format!(
                " AND (t.week > {w} OR (t.week = {w} AND t.person_id > {p}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY t.week, t.person_id LIMIT {}",
            limit + 1
        ));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let mut c = self.pool().acquire().await?;
        let rows = q.fetch_all(&mut *c).await?;
        let more = rows.len() as i64 > limit;
        let mut items = Vec::new();
        for r in rows.iter().take(limit as usize) {
            items.push(SheetSummary {
                person_id: r.try_get("person_id")?,
                person_name: r.try_get("person_name")?,
                week: r.try_get("week")?,
                site_id: r.try_get("site_id")?,
                state: state_of(r)?,
                total_minutes: r.try_get("total_minutes")?,
                lines: vec![],
                rejection: rejection_of(r)?,
                version: r.try_get("version")?,
                submitted_at: r.try_get("submitted_at")?,
                approved_at: r.try_get("approved_at")?,
            });
        }
        // Every listed sheet's lines in one more query.
        if !items.is_empty() {
            let mut keys: Vec<String> = Vec::new();
            let mut conds = Vec::new();
            for s in &items {
                keys.push(s.person_id.clone());
                keys.push(s.week.clone());
                conds.push(format!(
                    "(person_id = ${} AND week = ${})",
                    keys.len() - 1,
                    keys.len()
                ));
            }
            let sql = format!(
                "SELECT * FROM timesheet_lines WHERE {} ORDER BY project_id",
                conds.join(" OR ")
            );
            let mut q = sqlx::query(&sql);
            for k in &keys {
                q = q.bind(k.clone());
            }
            for r in q.fetch_all(&mut *c).await? {
                let (p, w): (String, String) = (r.try_get("person_id")?, r.try_get("week")?);
                if let Some(s) = items.iter_mut().find(|s| s.person_id == p && s.week == w) {
                    s.lines.push(line_of(&r)?);
                }
            }
        }
        let next_cursor = if more {
            items.last().map(|s| format!("{}/{}", s.week, s.person_id))
        } else {
            None
        };
        Ok(crate::Page { items, next_cursor })
    }

    /// The people of a site without a submitted or approved sheet for the week, with their
    /// manager, by name.
    pub async fn missing_timesheets(&self, site_id: &str, week: &str) -> Result<Vec<MissingSheet>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.email, t.state, m.id AS manager_id, m.name AS manager_name, \
             m.email AS manager_email FROM people p \
             LEFT JOIN timesheets t ON t.person_id = p.id AND t.week = $2 \
             LEFT JOIN people m ON m.id = p.manager_id \
             WHERE p.site_id = $1 AND (t.state IS NULL OR t.state = 'draft') \
             ORDER BY p.name, p.id",
        )
        .bind(site_id)
        .bind(week)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let state: Option<String> = r.try_get("state")?;
                Ok(MissingSheet {
                    person_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    state: state.as_deref().and_then(SheetState::parse),
                    manager_id: r.try_get("manager_id")?,
                    manager_name: r.try_get("manager_name")?,
                    manager_email: r.try_get("manager_email")?,
                })
            })
            .collect()
    }

    /// The progress of a project's tasks.
    pub async fn task_progress(&self, project_id: &str) -> Result<Vec<TaskProgress>> {
        sqlx::query("SELECT * FROM task_progress WHERE project_id = $1 ORDER BY task_id")
            .bind(project_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(progress_of)
            .collect()
    }
}

/// An approved sheet's effect on its tasks: every task it booked has started (its actual
/// start is the first approved day booked on it); reported progress replaces the task's, and
/// a task reported complete finishes on its last approved day.
async fn apply_progress(
    c: &mut AnyConnection,
    actor: &Actor,
    person_id: &str,
    week: &str,
    at: &str,
) -> Result<()> {
    const FIRST: &str = "(SELECT MIN(e.date) FROM timesheet_entries e JOIN timesheets s \
        ON s.person_id = e.person_id AND s.week = e.week \
        WHERE e.task_id = x.task_id AND s.state = 'approved')";
    const LAST: &str = "(SELECT MAX(e.date) FROM timesheet_entries e JOIN timesheets s \
        ON s.person_id = e.person_id AND s.week = e.week \
        WHERE e.task_id = x.task_id AND s.state = 'approved')";
    // The plans of the sheet's projects change: a scheduling run under way stores nothing.
    sqlx::query(
        "UPDATE projects SET plan_version = plan_version + 1 WHERE id IN \
         (SELECT DISTINCT project_id FROM timesheet_entries WHERE person_id = $1 AND week = $2)",
    )
    .bind(person_id)
    .bind(week)
    .execute(&mut *c)
    .await?;
    // Booked tasks: started.
    sqlx::query(&format!(
        "INSERT INTO task_progress (task_id, project_id, percent_complete, remaining_minutes, \
         actual_start, actual_finish, set_by, set_at) \
         SELECT x.task_id, t.project_id, 0, NULL, {FIRST}, NULL, $3, $4 \
         FROM (SELECT DISTINCT task_id FROM timesheet_entries WHERE person_id = $1 AND week = $2) x \
         JOIN tasks t ON t.id = x.task_id WHERE 1 = 1 \
         ON CONFLICT (task_id) DO UPDATE SET actual_start = excluded.actual_start"
    ))
    .bind(person_id)
    .bind(week)
    .bind(actor.label.clone())
    .bind(at)
    .execute(&mut *c)
    .await?;
    // Reported progress.
    sqlx::query(&format!(
        "INSERT INTO task_progress (task_id, project_id, percent_complete, remaining_minutes, \
         actual_start, actual_finish, set_by, set_at) \
         SELECT x.task_id, t.project_id, x.percent_complete, x.remaining_minutes, {FIRST}, \
         CASE WHEN x.percent_complete = 100 THEN {LAST} END, $3, $4 \
         FROM timesheet_progress x JOIN tasks t ON t.id = x.task_id \
         WHERE x.person_id = $1 AND x.week = $2 \
         ON CONFLICT (task_id) DO UPDATE SET percent_complete = excluded.percent_complete, \
         remaining_minutes = excluded.remaining_minutes, actual_start = excluded.actual_start, \
         actual_finish = excluded.actual_finish, set_by = excluded.set_by, set_at = excluded.set_at"
    ))
    .bind(person_id)
    .bind(week)
    .bind(actor.label.clone())
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// What booking on a task depends on, read for the rule check.
#[derive(Debug, Clone)]
pub struct BookingFacts {
    pub task_id: String,
    pub project_id: String,
    pub project_status: String,
    /// Has sub-tasks: time goes on its sub-tasks.
    pub is_group: bool,
    pub assigned: bool,
    /// Scheduled start and finish, RFC 3339 with the project site's offset.
    pub start: Option<String>,
    pub finish: Option<String>,
}

impl Store {
    /// The booking facts of these tasks for a person (tasks that do not exist are absent).
    pub async fn booking_facts(
        &self,
        person_id: &str,
        task_ids: &[String],
    ) -> Result<Vec<BookingFacts>> {
        if task_ids.is_empty() {
            return Ok(vec![]);
        }
        let ph: Vec<String> = (0..task_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT t.id, t.project_id, p.status, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id) THEN 1 ELSE 0 \
             END AS BIGINT) AS is_group, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id \
             AND a.person_id = $1) THEN 1 ELSE 0 END AS BIGINT) AS assigned, s.start_at, \
             s.finish_at \
             FROM tasks t JOIN projects p ON p.id = t.project_id \
             LEFT JOIN task_schedules s ON s.task_id = t.id WHERE t.id IN ({})",
            ph.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(person_id);
        for t in task_ids {
            q = q.bind(t.clone());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(BookingFacts {
                    task_id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    project_status: r.try_get("status")?,
                    is_group: r.try_get::<i64, _>("is_group")? != 0,
                    assigned: r.try_get::<i64, _>("assigned")? != 0,
                    start: r.try_get("start_at")?,
                    finish: r.try_get("finish_at")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Records that a site's reminders for a week go out now; false when they already went
    /// (another server, an earlier run): they go once per site and week.
    pub async fn record_reminders(&self, site_id: &str, week: &str, people: i64) -> Result<bool> {
        let r = self
            .write(
                sqlx::query(
                    "INSERT INTO timesheet_reminders (site_id, week, sent_at, people) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (site_id, week) DO NOTHING",
                )
                .bind(site_id.to_string())
                .bind(week.to_string())
                .bind(now())
                .bind(people),
            )
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The e-mail addresses of the enabled users who are PSO of a site (a site grant, or a
    /// global one).
    pub async fn pso_emails(&self, site_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT u.email FROM users u JOIN user_grants g ON g.user_id = u.id \
             WHERE g.role = 'pso' AND u.disabled = 0 \
             AND (g.scope_kind = 'global' OR g.site_id = $1) ORDER BY u.email",
        )
        .bind(site_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("email")?)).collect()
    }
}

/// A manager's progress on a task (`PUT /api/v1/tasks/{id}/progress`).
#[derive(Debug, Clone)]
pub struct ProgressWrite {
    pub percent_complete: i64,
    pub remaining_minutes: Option<i64>,
    pub actual_start: Option<String>,
    pub actual_finish: Option<String>,
}

impl Store {
    /// The progress of these projects' tasks.
    pub async fn progress_of_projects(&self, ids: &[String]) -> Result<Vec<TaskProgress>> {
        self.select_in("task_progress", "project_id", ids, "task_id", progress_of)
            .await
    }

    /// The status dates of these projects (those that have one).
    pub async fn status_dates(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        fn date_of(r: &AnyRow) -> Result<(String, Option<String>)> {
            Ok((r.try_get("id")?, r.try_get("status_date")?))
        }
        Ok(self
            .select_in("projects", "id", ids, "id", date_of)
            .await?
            .into_iter()
            .filter_map(|(id, d)| Some((id, d?)))
            .collect())
    }

    /// Sets a task's progress (audited on the task, action `progress`); the project's plan
    /// version moves, as for any plan change.
    pub async fn set_task_progress(
        &self,
        actor: &Actor,
        project_id: &str,
        task_id: &str,
        w: &ProgressWrite,
    ) -> Result<TaskProgress> {
        let mut tx = self.begin_write().await?;
        crate::plan::lock_project(&mut tx, project_id).await?;
        let before = sqlx::query("SELECT * FROM task_progress WHERE task_id = $1")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(progress_of)
            .transpose()?;
        sqlx::query(
            "INSERT INTO task_progress (task_id, project_id, percent_complete, remaining_minutes, \
             actual_start, actual_finish, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (task_id) DO UPDATE SET percent_complete = excluded.percent_complete, \
             remaining_minutes = excluded.remaining_minutes, actual_start = excluded.actual_start, \
             actual_finish = excluded.actual_finish, set_by = excluded.set_by, \
             set_at = excluded.set_at",
        )
        .bind(task_id)
        .bind(project_id)
        .bind(w.percent_complete)
        .bind(w.remaining_minutes)
        .bind(w.actual_start.clone())
        .bind(w.actual_finish.clone())
        .bind(actor.label.clone())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let after = progress_of(
            &sqlx::query("SELECT * FROM task_progress WHERE task_id = $1")
                .bind(task_id)
                .fetch_one(&mut *tx)
                .await?,
        )?;
        audit(
            &mut tx,
            actor,
            "progress",
            "task",
            task_id,
            Some(project_id),
            before.as_ref(),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Sets (or clears) a project's status date, audited on the project (`status_date`).
    pub async fn set_status_date(
        &self,
        actor: &Actor,
        project_id: &str,
        date: Option<&str>,
    ) -> Result<Option<String>> {
        let mut tx = self.begin_write().await?;
        crate::plan::lock_project(&mut tx, project_id).await?;
        let before: Option<String> = sqlx::query("SELECT status_date FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("status_date")?;
        sqlx::query("UPDATE projects SET status_date = $2 WHERE id = $1")
            .bind(project_id)
            .bind(date.map(str::to_string))
            .execute(&mut *tx)
            .await?;
        let after = date.map(str::to_string);
        audit(
            &mut tx,
            actor,
            "status_date",
            "project",
            project_id,
            Some(project_id),
            Some(&serde_json::json!({ "status_date": before })),
            Some(&serde_json::json!({ "status_date": after })),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// [`Store::save_timesheet`] inside a transaction.
async fn save_on(
    tx: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    s: &SheetSave,
) -> Result<Timesheet> {
    let (person_id, week, w) = (s.person_id.as_str(), s.week.as_str(), &s.write);
    let before = s.before.as_ref();
    let expected = before.map_or(0, |b| b.version);
    let total: i64 = w.entries.iter().map(|e| e.minutes).sum();
    let t = now();
    if expected == 0 {
        sqlx::query(
            "INSERT INTO timesheets (person_id, week, site_id, state, version, total_minutes, \
                 created_at, updated_at) VALUES ($1, $2, $3, 'draft', 1, $4, $5, $5)",
        )
        .bind(person_id)
        .bind(week)
        .bind(&w.site_id)
        .bind(total)
        .bind(&t)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            crate::map_write_err(
                e,
                "week",
                "this week's sheet (saved meanwhile: read it again)",
            )
        })?;
    } else {
        transition(
            tx,
            person_id,
            week,
            expected,
            &[SheetState::Draft],
            "site_id = $4, total_minutes = $5, updated_at = $6",
            &[
                Val::Text(w.site_id.clone()),
                Val::Int(total),
                Val::Text(t.clone()),
            ],
        )
        .await?;
        for table in ["timesheet_entries", "timesheet_progress"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE person_id = $1 AND week = $2"
            ))
            .bind(person_id)
            .bind(week)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Many rows in one statement each (a round trip per row would hold the write turn).
    for chunk in w.entries.chunks(100).enumerate() {
        let (n, rows) = chunk;
        let mut sql = String::from(
            "INSERT INTO timesheet_entries (person_id, week, line, task_id, project_id, date, \
                 minutes, comment) VALUES ",
        );
        for i in 0..rows.len() {
            let b = 3 + i * 5;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, $2, {}, ${b}, ${}, ${}, ${}, ${})",
                n * 100 + i,
                b + 1,
                b + 2,
                b + 3,
                b + 4
            ));
        }
        let mut q = sqlx::query(&sql).bind(person_id).bind(week);
        for e in rows {
            q = q
                .bind(&e.task_id)
                .bind(&e.project_id)
                .bind(&e.date)
                .bind(e.minutes)
                .bind(&e.comment);
        }
        q.execute(&mut *tx).await?;
    }
    for p in &w.progress {
        sqlx::query(
            "INSERT INTO timesheet_progress (person_id, week, task_id, project_id, \
                 percent_complete, remaining_minutes) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(person_id)
        .bind(week)
        .bind(&p.task_id)
        .bind(&p.project_id)
        .bind(p.percent_complete)
        .bind(p.remaining_minutes)
        .execute(&mut *tx)
        .await?;
    }
    let after = Timesheet {
        person_id: person_id.to_string(),
        week: week.to_string(),
        site_id: w.site_id.clone(),
        state: SheetState::Draft,
        entries: w.entries.clone(),
        progress: w.progress.clone(),
        total_minutes: total,
        warnings: vec![],
        lines: vec![],
        rejection: before.and_then(|b| b.rejection.clone()),
        version: expected + 1,
        updated_at: Some(t.clone()),
        submitted_at: before.and_then(|b| b.submitted_at.clone()),
        approved_at: None,
    };
    sheet_audit(tx, actor, action, person_id, week, before, Some(&after)).await?;
    Ok(after)
}

impl Store {
    /// The person with this e-mail address (stored lower case).
    pub async fn person_by_email(&self, email: &str) -> Result<Option<pso_domain::model::Person>> {
        let id: Option<String> = sqlx::query("SELECT id FROM people WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?;
        match id {
            Some(id) => self.get_person(&id).await,
            None => Ok(None),
        }
    }
}

/// One approved entry, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovedEntry {
    pub email: Option<String>,
    pub person_name: String,
    pub site_code: String,
    pub week: String,
    pub date: String,
    pub project_code: Option<String>,
    pub task_id: String,
    pub task_name: Option<String>,
    pub minutes: i64,
    pub comment: String,
    pub approved_at: Option<String>,
}

impl Store {
    /// Approved time from `from` to `to` (inclusive), of a site's people and/or on a project.
    pub async fn approved_entries(
        &self,
        site_id: Option<&str>,
        project_id: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<Vec<ApprovedEntry>> {
        let mut sql = String::from(
            "SELECT p.email, p.name AS person_name, s.code AS site_code, t.week, e.date, \
             pr.code AS project_code, e.task_id, tk.name AS task_name, e.minutes, e.comment, \
             t.approved_at FROM timesheet_entries e \
             JOIN timesheets t ON t.person_id = e.person_id AND t.week = e.week \
             JOIN people p ON p.id = e.person_id JOIN sites s ON s.id = t.site_id \
             LEFT JOIN projects pr ON pr.id = e.project_id LEFT JOIN tasks tk ON tk.id = e.task_id \
             WHERE t.state = 'approved' AND e.date >= $1 AND e.date <= $2",
        );
        let mut binds = vec![from.to_string(), to.to_string()];
        if let Some(s) = site_id {
            binds.push(s.to_string());
            sql.push_str(&format!(" AND t.site_id = ${}", binds.len()));
        }
        if let Some(p) = project_id {
            binds.push(p.to_string());
            sql.push_str(&format!(" AND e.project_id = ${}", binds.len()));
        }
        sql.push_str(" ORDER BY e.date, p.name, e.person_id, e.line");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(ApprovedEntry {
                    email: r.try_get("email")?,
                    person_name: r.try_get("person_name")?,
                    site_code: r.try_get("site_code")?,
                    week: r.try_get("week")?,
                    date: r.try_get("date")?,
                    project_code: r.try_get("project_code")?,
                    task_id: r.try_get("task_id")?,
                    task_name: r.try_get("task_name")?,
                    minutes: r.try_get("minutes")?,
                    comment: r.try_get("comment")?,
                    approved_at: r.try_get("approved_at")?,
                })
            })
            .collect()
    }
}
