//! A window onto a project's WBS: what the plan page and the Gantt chart show, with bounded work
//! per request whatever the size of the plan.
//!
//! A plan of up to [`WHOLE_PLAN_MAX`] tasks is read whole (one query) and shown expanded. A
//! larger plan is read one level at a time, only where the reader looks: its top level, and
//! below the tasks they opened (`open`, or every level above `level`), [`WINDOW_ROWS`] rows at
//! a time in WBS order, continuing after the last row shown (`after`). Each level is one
//! indexed range read (`Store::children_after`), so a window of a 100,000-task plan costs a
//! few dozen small queries, never a read of the whole plan.

use crate::error::{AppError, AppResult};
use crate::service::Svc;
use pso_domain::access::ProjectAction;
use pso_domain::model::{Project, Task};
use std::collections::{BTreeMap, BTreeSet};

/// Plans up to this many tasks are shown whole and expanded.
pub const WHOLE_PLAN_MAX: i64 = 1000;
/// Rows in one window of a larger plan.
pub const WINDOW_ROWS: usize = 200;
/// Most opened tasks a window request may name.
pub const MAX_OPEN: usize = 100;

/// Which part of the WBS to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowRequest {
    /// Continue after this task (the last row of the previous window).
    pub after: Option<String>,
    /// Tasks whose subtasks are shown (at most [`MAX_OPEN`]).
    pub open: BTreeSet<String>,
    /// Levels shown without opening (1: the top level only). Default: 1 for large plans.
    pub level: Option<usize>,
}

/// One row of the window.
#[derive(Debug, Clone)]
pub struct WindowRow {
    pub task: Task,
    /// 0 for the top level.
    pub depth: usize,
    /// `1.2.3`
    pub wbs: String,
    /// Number of subtasks.
    pub children: i64,
    /// Its subtasks are shown below it.
    pub open: bool,
    /// It has a previous sibling (so it can be indented or moved up).
    pub has_prev: bool,
    /// It is the last of its siblings.
    pub is_last: bool,
}

/// A window onto a plan.
#[derive(Debug, Clone)]
pub struct PlanWindow {
    pub project: Project,
    /// Tasks in the whole plan.
    pub total: i64,
    /// The plan is shown whole (small enough).
    pub whole: bool,
    pub rows: Vec<WindowRow>,
    /// Where the next window starts (the last row's task id), if there may be more rows.
    pub next_after: Option<String>,
    /// The request's opened tasks and level, for the links that change them.
    pub open: BTreeSet<String>,
    pub level: usize,
}

/// One level of the walk: the children of `parent`, continuing after `after`.
struct Level {
    parent: Option<String>,
    depth: usize,
    prefix: String,
    /// Index (from 0) of the next sibling to emit.
    next_index: i64,
    after: Option<(i64, String)>,
}

fn number(prefix: &str, index: i64) -> String {
    if prefix.is_empty() {
        format!("{}", index + 1)
    } else {
        format!("{prefix}.{}", index + 1)
    }
}

impl Svc<'_> {
    /// The window of the project's WBS that `req` asks for (the caller may read the project).
    pub async fn plan_window(
        &self,
        project_id: &str,
        req: &WindowRequest,
    ) -> AppResult<PlanWindow> {
        let project = self.project(project_id, ProjectAction::Read).await?;
        let total = self.store().task_count(project_id).await?;
        if total <= WHOLE_PLAN_MAX {
            return self.whole_window(project, total).await;
        }
        let open = req.open.clone();
        if open.len() > MAX_OPEN {
            return Err(AppError::field(
                "open",
                "too_many",
                format!("open at most {MAX_OPEN} tasks at once"),
            ));
        }
        let level = req.level.unwrap_or(1).clamp(1, 32);
        let is_open = |t: &Task, depth: usize, open: &BTreeSet<String>| {
            depth + 1 < level || open.contains(&t.id)
        };
        // The levels from the top down to where the window starts.
        let mut stack: Vec<Level> = Vec::new();
        let mut rows: Vec<WindowRow> = Vec::new();
        match &req.after {
            None => stack.push(Level {
                parent: None,
                depth: 0,
                prefix: String::new(),
                next_index: 0,
                after: None,
            }),
            Some(after) => {
                let start = self
                    .store()
                    .get_task(after)
                    .await?
                    .filter(|t| t.project_id == project_id)
                    .ok_or_else(|| {
                        AppError::field("after", "unknown_reference", "no such task in this plan")
                    })?;
                // Its ancestors, from the top.
                let mut chain = vec![start.clone()];
                while let Some(p) = chain.last().and_then(|t| t.parent_id.clone()) {
                    if chain.len() > 64 {
                        break;
                    }
                    match self.store().get_task(&p).await? {
                        Some(t) => chain.push(t),
                        None => break,
                    }
                }
                chain.reverse();
                let mut prefix = String::new();
                for (depth, t) in chain.iter().enumerate() {
                    let rank = self.store().sibling_rank(t).await?;
                    stack.push(Level {
                        parent: t.parent_id.clone(),
                        depth,
                        prefix: prefix.clone(),
                        next_index: rank + 1,
                        after: Some((t.position, t.id.clone())),
                    });
                    prefix = number(&prefix, rank);
                }
                // Continue inside the starting task when it is open.
                let depth = chain.len() - 1;
                if is_open(&start, depth, &open) {
                    stack.push(Level {
                        parent: Some(start.id.clone()),
                        depth: depth + 1,
                        prefix,
                        next_index: 0,
                        after: None,
                    });
                }
            }
        }
        let mut more = false;
        'walk: while let Some(lv) = stack.last_mut() {
            let want = (WINDOW_ROWS - rows.len()) as i64;
            let batch = self
                .store()
                .children_after(
                    project_id,
                    lv.parent.as_deref(),
                    lv.after.as_ref().map(|(p, i)| (*p, i.as_str())),
                    want + 1,
                )
                .await?;
            if batch.is_empty() {
                stack.pop();
                continue;
            }
            let has_more_here = batch.len() as i64 > want;
            let n = batch.len();
            for (i, t) in batch.into_iter().enumerate() {
                if rows.len() >= WINDOW_ROWS {
                    more = true;
                    break 'walk;
                }
                let lv = stack
                    .last_mut()
                    .ok_or_else(|| AppError::internal("empty walk"))?;
                let wbs = number(&lv.prefix, lv.next_index);
                let depth = lv.depth;
                let has_prev = lv.next_index > 0;
                lv.next_index += 1;
                lv.after = Some((t.position, t.id.clone()));
                let is_last = i + 1 == n && !has_more_here;
                let opened = is_open(&t, depth, &open);
                rows.push(WindowRow {
                    task: t.clone(),
                    depth,
                    wbs: wbs.clone(),
                    children: 0,
                    open: opened,
                    has_prev,
                    is_last,
                });
                if opened {
                    stack.push(Level {
                        parent: Some(t.id.clone()),
                        depth: depth + 1,
                        prefix: wbs,
                        next_index: 0,
                        after: None,
                    });
                    continue 'walk;
                }
            }
            if !has_more_here {
                stack.pop();
            }
        }
        let ids: Vec<String> = rows.iter().map(|r| r.task.id.clone()).collect();
        let counts = self.store().child_counts(&ids).await?;
        for r in &mut rows {
            r.children = counts.get(&r.task.id).copied().unwrap_or(0);
            r.open = r.open && r.children > 0;
        }
        let next_after = if more || rows.len() >= WINDOW_ROWS {
            rows.last().map(|r| r.task.id.clone())
        } else {
            None
        };
        Ok(PlanWindow {
            project,
            total,
            whole: false,
            rows,
            next_after,
            open,
            level,
        })
    }

    /// A small plan, whole: one read, every level open.
    async fn whole_window(&self, project: Project, total: i64) -> AppResult<PlanWindow> {
        let tasks = self.store().all_tasks(&project.id).await?;
        Ok(PlanWindow {
            project,
            total,
            whole: true,
            rows: whole_rows(&tasks),
            next_after: None,
            open: BTreeSet::new(),
            level: usize::MAX,
        })
    }
}

/// Every task in WBS order with its number (1, 1.1, 1.2, 2, …), depth and place among its
/// siblings.
pub fn whole_rows(tasks: &[Task]) -> Vec<WindowRow> {
    let order = pso_domain::plan::wbs_order(tasks);
    let mut kids: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
    for (_, t) in &order {
        kids.entry(t.parent_id.as_deref())
            .or_default()
            .push(t.id.as_str());
    }
    let mut number_of: BTreeMap<&str, String> = BTreeMap::new();
    let mut rows = Vec::with_capacity(order.len());
    for (depth, t) in &order {
        let siblings = kids
            .get(&t.parent_id.as_deref())
            .cloned()
            .unwrap_or_default();
        let i = siblings.iter().position(|x| *x == t.id).unwrap_or(0);
        let prefix = t
            .parent_id
            .as_deref()
            .and_then(|p| number_of.get(p))
            .cloned()
            .unwrap_or_default();
        let wbs = number(&prefix, i as i64);
        number_of.insert(t.id.as_str(), wbs.clone());
        let children = kids.get(&Some(t.id.as_str())).map_or(0, |v| v.len()) as i64;
        rows.push(WindowRow {
            task: (*t).clone(),
            depth: *depth,
            wbs,
            children,
            open: children > 0,
            has_prev: i > 0,
            is_last: i + 1 == siblings.len(),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, parent: Option<&str>, position: i64) -> Task {
        Task {
            id: id.into(),
            version: 1,
            project_id: "p".into(),
            parent_id: parent.map(str::to_string),
            position,
            name: id.to_uppercase(),
            duration_days: Some(1.0),
            effort_hours: None,
            milestone: false,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn wbs_numbers_follow_the_tree() {
        // As the store returns them: ordered by position, then id.
        let tasks = vec![
            task("a", None, 0),
            task("a1", Some("a"), 0),
            task("b", None, 1),
            task("a2", Some("a"), 1),
            task("a2x", Some("a2"), 0),
        ];
        let rows = whole_rows(&tasks);
        let got: Vec<(&str, &str, usize, i64)> = rows
            .iter()
            .map(|r| (r.task.id.as_str(), r.wbs.as_str(), r.depth, r.children))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", "1", 0, 2),
                ("a1", "1.1", 1, 0),
                ("a2", "1.2", 1, 1),
                ("a2x", "1.2.1", 2, 0),
                ("b", "2", 0, 0),
            ]
        );
        assert!(!rows[0].has_prev && rows[2].has_prev && rows[4].has_prev);
        assert!(rows[4].is_last && !rows[0].is_last && rows[2].is_last);
    }
}
