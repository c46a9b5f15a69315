//! A person's weekly timesheet (issue 10): its input, its states, and what the API shows.
//!
//! A sheet is one person's ISO week. It is written as a draft (every save replaces its
//! entries), submitted, then approved per project line: each project's manager, or that
//! project's PSO, approves the lines of their project, and the sheet is approved when every
//! line is. A rejection sends the whole sheet back to draft with the reason, shown until it is
//! submitted again. The site's PSO may reopen an approved sheet (with a reason) unless its
//! period is locked. The rules an entry must keep are [`crate::timesheet::check_week`]'s.

use crate::error::ValidationErrors;
use crate::timesheet::{Entry, Finding, IsoWeek};
use crate::values::parse_date;
use serde::{Deserialize, Serialize};

/// Where a sheet is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SheetState {
    /// Being written (also after a rejection, which leaves its reason on the sheet).
    Draft,
    /// Waiting for its approvers; no longer written.
    Submitted,
    /// Every line approved: the time counts, the progress has moved the tasks.
    Approved,
}

impl SheetState {
    pub const ALL: [SheetState; 3] = [
        SheetState::Draft,
        SheetState::Submitted,
        SheetState::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SheetState::Draft => "draft",
            SheetState::Submitted => "submitted",
            SheetState::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<SheetState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            SheetState::Draft => "Draft",
            SheetState::Submitted => "Submitted",
            SheetState::Approved => "Approved",
        }
    }
}

/// A project line's state once the sheet is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    Submitted,
    Approved,
}

impl LineState {
    pub fn as_str(self) -> &'static str {
        match self {
            LineState::Submitted => "submitted",
            LineState::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<LineState> {
        match s {
            "submitted" => Some(LineState::Submitted),
            "approved" => Some(LineState::Approved),
            _ => None,
        }
    }
}

/// The list filter's states: a sheet's, or `rejected` for drafts sent back with a reason.
pub const LIST_STATES: [&str; 4] = ["draft", "submitted", "approved", "rejected"];

/// `PUT /api/v1/people/{id}/timesheets/{week}`: the draft's entries and progress, replaced.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimesheetInput {
    #[serde(default)]
    #[schemars(length(max = 500))]
    pub entries: Vec<EntryInput>,
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub progress: Vec<ProgressInput>,
}

/// Most entries a sheet holds (a row per task and day: 70 tasks every day of the week).
pub const MAX_ENTRIES: usize = 500;
/// Most progress lines a sheet holds.
pub const MAX_PROGRESS: usize = 200;
/// Longest comment on an entry, in characters.
pub const MAX_COMMENT: usize = 500;

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    #[schemars(schema_with = "crate::schema::reference")]
    pub task_id: String,
    #[schemars(schema_with = "crate::schema::date")]
    pub date: String,
    /// Minutes worked (1 to 1440; others are refused as `minutes_invalid`).
    #[serde(deserialize_with = "crate::schema::integer")]
    pub minutes: i64,
    #[serde(default)]
    #[schemars(length(max = 500))]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    #[schemars(schema_with = "crate::schema::reference")]
    pub task_id: String,
    #[serde(deserialize_with = "crate::schema::integer")]
    #[schemars(range(min = 0, max = 100))]
    pub percent_complete: i64,
    /// Work left, in minutes (none: the plan's remaining work).
    #[serde(default, deserialize_with = "crate::schema::optional_integer")]
    #[schemars(range(min = 0, max = 52_560_000))]
    pub remaining_minutes: Option<i64>,
}

/// One entry as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SheetEntry {
    pub task_id: String,
    pub project_id: String,
    /// `YYYY-MM-DD`
    pub date: String,
    pub minutes: i64,
    pub comment: String,
}

/// Reported progress on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SheetProgress {
    pub task_id: String,
    pub project_id: String,
    pub percent_complete: i64,
    pub remaining_minutes: Option<i64>,
}

/// A project's part of a submitted sheet, approved by that project's manager or PSO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SheetLine {
    pub project_id: String,
    pub state: LineState,
    pub minutes: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// Why a sheet came back to draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rejection {
    pub reason: String,
    pub by: String,
    pub at: String,
    /// The project lines the rejection named (empty: the sheet as a whole, as a reopening).
    pub project_ids: Vec<String>,
    /// `reject` or `reopen`.
    pub kind: String,
}

/// A person's sheet for a week, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Timesheet {
    pub person_id: String,
    /// `2027-W03`
    pub week: String,
    pub site_id: String,
    pub state: SheetState,
    pub entries: Vec<SheetEntry>,
    pub progress: Vec<SheetProgress>,
    pub total_minutes: i64,
    /// Rules set to `warn` that the entries break (recomputed on every read).
    pub warnings: Vec<Finding>,
    /// The project lines (once submitted).
    pub lines: Vec<SheetLine>,
    /// The last rejection or reopening, until the sheet is submitted again.
    pub rejection: Option<Rejection>,
    /// 0 for a sheet never saved; send it in `If-Match`.
    pub version: i64,
    pub updated_at: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_at: Option<String>,
}

impl Timesheet {
    /// The empty draft of a week never saved.
    pub fn empty(person_id: &str, week: IsoWeek, site_id: &str) -> Timesheet {
        Timesheet {
            person_id: person_id.to_string(),
            week: week.to_string(),
            site_id: site_id.to_string(),
            state: SheetState::Draft,
            entries: vec![],
            progress: vec![],
            total_minutes: 0,
            warnings: vec![],
            lines: vec![],
            rejection: None,
            version: 0,
            updated_at: None,
            submitted_at: None,
            approved_at: None,
        }
    }

    /// The entries as the rule check takes them (`None` for a stored date that does not parse).
    pub fn check_entries(&self) -> Vec<Entry> {
        self.entries
            .iter()
            .filter_map(|e| {
                Some(Entry {
                    task_id: e.task_id.clone(),
                    date: parse_date(&e.date).ok()?,
                    minutes: e.minutes,
                })
            })
            .collect()
    }

    /// Keeps only the entries, progress and lines of the given projects (what an approver
    /// sees of someone else's sheet); the total follows.
    pub fn only_projects(&mut self, keep: impl Fn(&str) -> bool) {
        self.entries.retain(|e| keep(&e.project_id));
        self.progress.retain(|p| keep(&p.project_id));
        self.lines.retain(|l| keep(&l.project_id));
        self.warnings.retain(|w| {
            w.task_id.is_none()
                || self
                    .entries
                    .iter()
                    .any(|e| Some(&e.task_id) == w.task_id.as_ref())
        });
        self.total_minutes = self.entries.iter().map(|e| e.minutes).sum();
    }
}

/// A sheet's input, validated field by field: the entries (dates parsed, comments trimmed)
/// and the progress lines. The rules themselves are [`crate::timesheet::check_week`]'s.
#[derive(Debug, Clone)]
pub struct ValidSheet {
    pub entries: Vec<(Entry, String)>,
    pub progress: Vec<ProgressInput>,
}

impl TimesheetInput {
    pub fn validate(&self) -> Result<ValidSheet, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.entries.len() > MAX_ENTRIES {
            e.add(
                "entries",
                "too_many",
                format!("a sheet holds at most {MAX_ENTRIES} entries"),
            );
        }
        if self.progress.len() > MAX_PROGRESS {
            e.add(
                "progress",
                "too_many",
                format!("a sheet holds at most {MAX_PROGRESS} progress lines"),
            );
        }
        let mut entries = Vec::with_capacity(self.entries.len());
        for (i, x) in self.entries.iter().enumerate() {
            let f = |name: &str| format!("entries[{i}].{name}");
            if x.task_id.trim().is_empty() {
                e.add(&f("task_id"), "required", "task_id names a task");
            }
            let date = e.check(&f("date"), parse_date(&x.date));
            let comment = x.comment.as_deref().unwrap_or("").trim().to_string();
            if comment.chars().count() > MAX_COMMENT {
                e.add(
                    &f("comment"),
                    "too_long",
                    format!("a comment is at most {MAX_COMMENT} characters"),
                );
            }
            if let Some(date) = date {
                entries.push((
                    Entry {
                        task_id: x.task_id.trim().to_string(),
                        date,
                        minutes: x.minutes,
                    },
                    comment,
                ));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, p) in self.progress.iter().enumerate() {
            let f = |name: &str| format!("progress[{i}].{name}");
            if p.task_id.trim().is_empty() {
                e.add(&f("task_id"), "required", "task_id names a task");
            } else if !seen.insert(p.task_id.trim()) {
                e.add(
                    &f("task_id"),
                    "duplicate",
                    "a task's progress is reported once per sheet",
                );
            }
            if !(0..=100).contains(&p.percent_complete) {
                e.add(
                    &f("percent_complete"),
                    "out_of_range",
                    "percent_complete is 0 to 100",
                );
            }
            if p.remaining_minutes
                .is_some_and(|m| !(0..=52_560_000).contains(&m))
            {
                e.add(
                    &f("remaining_minutes"),
                    "out_of_range",
                    "remaining_minutes is 0 to 52,560,000 (100 years), or absent",
                );
            }
        }
        let progress = self
            .progress
            .iter()
            .map(|p| ProgressInput {
                task_id: p.task_id.trim().to_string(),
                ..p.clone()
            })
            .collect();
        e.into_result(ValidSheet { entries, progress })
    }
}

/// `POST …/approve`: the lines to approve (default: every line the caller approves).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    #[serde(default)]
    pub project_ids: Option<Vec<String>>,
}

/// `POST …/reject` and `POST …/reopen`: why.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[schemars(schema_with = "crate::schema::not_blank")]
    pub reason: String,
    /// Reject: the lines concerned (default: every line the caller approves).
    #[serde(default)]
    pub project_ids: Option<Vec<String>>,
}

impl ReasonInput {
    pub fn reason(&self) -> Result<String, ValidationErrors> {
        let r = self.reason.trim();
        if r.is_empty() {
            return Err(ValidationErrors::single(
                "reason",
                "required",
                "give a reason: the person reads it",
            ));
        }
        if r.chars().count() > 1000 {
            return Err(ValidationErrors::single(
                "reason",
                "too_long",
                "a reason is at most 1,000 characters",
            ));
        }
        Ok(r.to_string())
    }
}

/// `POST /api/v1/timesheets/missing/remind`: remind a site's missing people of a week now.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemindInput {
    #[schemars(schema_with = "crate::schema::reference")]
    pub site_id: String,
    /// `2027-W03`
    #[schemars(schema_with = "crate::schema::week")]
    pub week: String,
}

/// `PUT /api/v1/tasks/{id}/progress`: the project manager's progress on a task.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskProgressInput {
    #[serde(deserialize_with = "crate::schema::integer")]
    #[schemars(range(min = 0, max = 100))]
    pub percent_complete: i64,
    #[serde(default, deserialize_with = "crate::schema::optional_integer")]
    #[schemars(range(min = 0, max = 52_560_000))]
    pub remaining_minutes: Option<i64>,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_date")]
    pub actual_start: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::optional_date")]
    pub actual_finish: Option<String>,
}

/// A task's progress, checked: dates parsed and in order, work begun has a start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProgress {
    pub percent_complete: i64,
    pub remaining_minutes: Option<i64>,
    pub actual_start: Option<chrono::NaiveDate>,
    pub actual_finish: Option<chrono::NaiveDate>,
}

impl TaskProgressInput {
    pub fn validate(&self) -> Result<ValidProgress, ValidationErrors> {
        let mut e = ValidationErrors::new();
        if !(0..=100).contains(&self.percent_complete) {
            e.add(
                "percent_complete",
                "out_of_range",
                "percent_complete is 0 to 100",
            );
        }
        if self
            .remaining_minutes
            .is_some_and(|m| !(0..=52_560_000).contains(&m))
        {
            e.add(
                "remaining_minutes",
                "out_of_range",
                "remaining_minutes is 0 to 52,560,000 (100 years), or absent",
            );
        }
        let day = |e: &mut ValidationErrors, f: &str, v: &Option<String>| match v
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => e.check(f, parse_date(s)),
        };
        let actual_start = day(&mut e, "actual_start", &self.actual_start);
        let actual_finish = day(&mut e, "actual_finish", &self.actual_finish);
        if actual_finish.is_some() && actual_start.is_none() && self.actual_start.is_none() {
            e.add(
                "actual_start",
                "required",
                "a task that finished has a start: give actual_start",
            );
        }
        if let (Some(s), Some(f)) = (actual_start, actual_finish) {
            if f < s {
                e.add(
                    "actual_finish",
                    "invalid_period",
                    "actual_finish is on or after actual_start",
                );
            }
        }
        e.into_result(ValidProgress {
            percent_complete: self.percent_complete,
            remaining_minutes: self.remaining_minutes,
            actual_start,
            actual_finish,
        })
    }
}

/// `PUT /api/v1/projects/{id}/status-date`: the day up to which progress is reported (null
/// clears it).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusDateInput {
    /// Required: `null` clears the date, a missing field is an error (not a silent clear).
    #[serde(deserialize_with = "crate::schema::present")]
    #[schemars(schema_with = "crate::schema::optional_date")]
    pub status_date: Option<String>,
}

/// When a week's sheet is due under `submit_by` (weekday, minutes after midnight, local): on
/// that weekday of the week itself when it is Thursday to Sunday, of the week after when it
/// is Monday to Wednesday (a sheet is due once the week's work is done: `MON 12:00` is the
/// next Monday's noon, `FRI 16:00` the same Friday's afternoon).
pub fn due(week: IsoWeek, submit_by: (chrono::Weekday, u32)) -> chrono::NaiveDateTime {
    let (day, minutes) = submit_by;
    let offset = day.num_days_from_monday() as u64;
    let offset = if offset < 3 { offset + 7 } else { offset };
    let date = week.monday() + chrono::Days::new(offset);
    date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::minutes(i64::from(minutes))
}

/// The day a site's automatic lock reaches on `today` when weeks lock `after_days` days after
/// they end: the last Sunday at least that many days ago.
pub fn auto_lock_through(today: chrono::NaiveDate, after_days: u32) -> chrono::NaiveDate {
    use chrono::Datelike;
    let edge = today - chrono::Days::new(u64::from(after_days));
    edge - chrono::Days::new(u64::from((edge.weekday().num_days_from_monday() + 1) % 7))
}

/// The week whose reminders are due at `now` (local time of the site): the latest week whose
/// sheet fell due at or before `now`, within the last seven days (older weeks are the
/// missing-sheets list's, not a reminder's).
pub fn reminder_week(
    now: chrono::NaiveDateTime,
    submit_by: (chrono::Weekday, u32),
) -> Option<IsoWeek> {
    let this = IsoWeek::of(now.date());
    (0..3u64)
        .map(|back| IsoWeek::of(this.monday() - chrono::Days::new(7 * back)))
        .find(|w| {
            let d = due(*w, submit_by);
            d <= now && now - d < chrono::Duration::days(7)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn automatic_lock_is_the_last_sunday_old_enough() {
        let d = |s: &str| parse_date(s).unwrap();
        // Sunday 2027-01-24 + 10 days = Wednesday 2027-02-03.
        assert_eq!(auto_lock_through(d("2027-02-03"), 10), d("2027-01-24"));
        assert_eq!(auto_lock_through(d("2027-02-02"), 10), d("2027-01-17"));
        assert_eq!(auto_lock_through(d("2027-01-24"), 0), d("2027-01-24"));
        assert_eq!(auto_lock_through(d("2027-01-25"), 0), d("2027-01-24"));
    }

    #[test]
    fn reminders_follow_the_due_time() {
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let mon_noon = (Weekday::Mon, 720);
        // W03 is due Monday 25 January at noon.
        assert_eq!(
            reminder_week(at("2027-01-25 11:59"), mon_noon).map(|w| w.to_string()),
            Some("2027-W02".into())
        );
        assert_eq!(
            reminder_week(at("2027-01-25 12:00"), mon_noon).map(|w| w.to_string()),
            Some("2027-W03".into())
        );
        assert_eq!(
            reminder_week(at("2027-01-31 23:00"), mon_noon).map(|w| w.to_string()),
            Some("2027-W03".into())
        );
        // Friday afternoon: the same week.
        assert_eq!(
            reminder_week(at("2027-01-22 16:30"), (Weekday::Fri, 960)).map(|w| w.to_string()),
            Some("2027-W03".into())
        );
    }

    fn input(entries: serde_json::Value) -> TimesheetInput {
        serde_json::from_value(serde_json::json!({ "entries": entries })).unwrap()
    }

    #[test]
    fn fields_are_named() {
        let bad = input(serde_json::json!([
            {"task_id": "a", "date": "2027-02-30", "minutes": 60},
            {"task_id": " ", "date": "2027-01-18", "minutes": 60, "comment": "x".repeat(501)}
        ]));
        let e = bad.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "entries[0].date",
                "entries[1].task_id",
                "entries[1].comment"
            ]
        );
        let dup: TimesheetInput = serde_json::from_value(serde_json::json!({"progress": [
            {"task_id": "a", "percent_complete": 10},
            {"task_id": "a", "percent_complete": 101, "remaining_minutes": -1}
        ]}))
        .unwrap();
        let e = dup.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "progress[1].task_id",
                "progress[1].percent_complete",
                "progress[1].remaining_minutes"
            ]
        );
    }

    #[test]
    fn minutes_are_left_to_the_rules() {
        // An impossible number of minutes is the rule `minutes_invalid`, reported with the
        // others, not a field error.
        let v = input(serde_json::json!([{"task_id": "a", "date": "2027-01-18", "minutes": 0}]))
            .validate()
            .unwrap();
        assert_eq!(v.entries[0].0.minutes, 0);
    }

    #[test]
    fn due_is_after_the_week() {
        let w = IsoWeek::parse("2027-W03").unwrap();
        assert_eq!(
            due(w, (Weekday::Mon, 720)).to_string(),
            "2027-01-25 12:00:00"
        );
        assert_eq!(
            due(w, (Weekday::Fri, 960)).to_string(),
            "2027-01-22 16:00:00"
        );
        assert_eq!(due(w, (Weekday::Wed, 0)).to_string(), "2027-01-27 00:00:00");
    }

    #[test]
    fn approvers_see_their_projects() {
        let mut s = Timesheet::empty("p", IsoWeek::parse("2027-W03").unwrap(), "s");
        for (t, p, m) in [("a", "P1", 60), ("b", "P2", 90)] {
            s.entries.push(SheetEntry {
                task_id: t.into(),
                project_id: p.into(),
                date: "2027-01-18".into(),
                minutes: m,
                comment: String::new(),
            });
        }
        s.total_minutes = 150;
        s.only_projects(|p| p == "P2");
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.total_minutes, 90);
    }
}
