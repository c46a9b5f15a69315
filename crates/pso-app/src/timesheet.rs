//! Time writing (issue 10): a site's dated time rules. The week's check itself is
//! `pso_domain::timesheet::check_week`, a pure function.

use crate::error::{AppError, AppResult};
use crate::service::{check_version, Svc};
use chrono::NaiveDate;
use pso_domain::model::{Person, Site};
use pso_domain::sheet::{
    ApproveInput, LineState, ReasonInput, Rejection, SheetEntry, SheetProgress, SheetState,
    Timesheet, TimesheetInput,
};
use pso_domain::timesheet::{
    check_week, Check, Context, Entry, Finding, IsoWeek, PeriodLock, PeriodLockInput, Rule,
    SiteDays, TaskFacts, TimeRules, TimeRulesInput, TimeRulesVersion,
};
use pso_domain::values::parse_date;
use pso_store::sheet::{
    MissingSheet, SheetFilter, SheetSave, SheetSummary, SheetVisibility, SheetWrite,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Every version of a site's time rules, oldest first.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TimeRulesSet {
    pub site_id: String,
    pub versions: Vec<TimeRulesVersion>,
}

impl Svc<'_> {
    /// A site's rule versions: readable by every signed-in user, like the site.
    pub async fn time_rules(&self, site_id: &str) -> AppResult<TimeRulesSet> {
        let site = self.get_site(site_id).await?;
        let versions = self.store().time_rules(&site.id).await?;
        Ok(TimeRulesSet {
            site_id: site.id,
            versions,
        })
    }

    /// Sets a site's rules from `valid_from` on (the versions from that day on are replaced):
    /// administrators, the standards office and the site's PSO.
    pub async fn set_time_rules(
        &self,
        site_id: &str,
        input: TimeRulesInput,
    ) -> AppResult<TimeRulesSet> {
        let site = self.get_site(site_id).await?;
        if !self
            .caller
            .principal
            .can_set_time_rules(&site.id.as_str().into())
        {
            return Err(AppError::forbidden(
                "only administrators, the standards office and the site's PSO set its time rules",
            ));
        }
        let rules = input.validate().map_err(AppError::validation)?;
        let versions = self
            .store()
            .set_time_rules(&self.caller.actor(), &site.id, &rules)
            .await?;
        Ok(TimeRulesSet {
            site_id: site.id,
            versions,
        })
    }

    /// A site's period lock: readable by every signed-in user, like the site.
    pub async fn period_lock(&self, site_id: &str) -> AppResult<PeriodLock> {
        let site = self.get_site(site_id).await?;
        Ok(self.store().period_lock(&site.id).await?)
    }

    /// Locks a site's time through a day: the site's PSO and administrators; moving the lock
    /// back (reopening) is for administrators only (409 otherwise).
    pub async fn set_period_lock(
        &self,
        site_id: &str,
        input: PeriodLockInput,
    ) -> AppResult<PeriodLock> {
        let site = self.get_site(site_id).await?;
        let who = &self.caller.principal;
        if !who.can_lock_periods(&site.id.as_str().into()) {
            return Err(AppError::forbidden(
                "only administrators and the site's PSO lock its periods",
            ));
        }
        let through = pso_domain::values::parse_date(&input.through)
            .map_err(|e| AppError::field("through", e.code, e.message))?;
        Ok(self
            .store()
            .set_period_lock(
                &self.caller.actor(),
                &site.id,
                &through.format("%Y-%m-%d").to_string(),
                who.is_admin(),
            )
            .await?)
    }
}

// ---------------------------------------------------------------- sheets

/// How the caller stands to a person's sheet.
struct Subject {
    person: Person,
    /// The caller's user is linked to the person.
    own: bool,
    /// May write and read it whole (the person, or the PSO of their site on their behalf).
    writer: bool,
}

/// A decision on a submitted sheet, ready to store ([`Svc::decision`]).
struct Decision {
    subject: Subject,
    week: IsoWeek,
    projects: Vec<String>,
    expected: i64,
}

/// Parses `2027-W03` (422 naming `week`).
pub fn parse_week(s: &str) -> AppResult<IsoWeek> {
    IsoWeek::parse(s).map_err(|e| AppError::field("week", e.code, e.message))
}

/// The 422 of a sheet that breaks a `forbid` rule: nothing is saved.
fn violation(check: Check) -> AppError {
    let n = check.violations.len();
    let first = check
        .violations
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    let mut e = AppError::new(
        crate::ErrorKind::Invalid,
        "rule_violation",
        if n == 1 {
            format!("the sheet breaks a time rule of the site: {first}")
        } else {
            format!("the sheet breaks {n} time rules of the site; the first: {first}")
        },
    );
    e.violations = check.violations;
    e
}

fn locked_finding(date: NaiveDate, task_id: Option<&str>, lock: NaiveDate) -> Finding {
    Finding {
        rule: Rule::PeriodLocked,
        message: format!("{date} is in a locked period (through {lock})"),
        date: Some(date),
        task_id: task_id.map(str::to_string),
        limit: None,
        actual: None,
    }
}

/// A site's calendar as the rule check takes it.
pub fn site_days(site: &Site) -> SiteDays {
    let mut working_week = [false; 7];
    for d in &site.working_week {
        if let Some(i) = pso_domain::values::WEEKDAYS
            .iter()
            .position(|w| w.eq_ignore_ascii_case(d))
        {
            working_week[i] = true;
        }
    }
    let holidays = site
        .holidays
        .iter()
        .filter_map(|h| Some((parse_date(&h.date).ok()?, h.name.clone())))
        .collect();
    SiteDays {
        working_week,
        holidays,
    }
}

/// The local date of a stored schedule stamp (`2027-01-18T09:00:00+01:00`).
fn stamp_date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref()
        .and_then(|s| s.get(..10))
        .and_then(|d| parse_date(d).ok())
}

impl Svc<'_> {
    async fn subject(&self, person_id: &str) -> AppResult<Subject> {
        let person = self.get_person(person_id).await?;
        let own = self.caller.user.person_id.as_deref() == Some(person.id.as_str());
        let writer = self
            .caller
            .principal
            .can_write_timesheet(own, &person.site_id.as_str().into());
        Ok(Subject {
            person,
            own,
            writer,
        })
    }

    /// A site named in a query or body: an unknown one is 422 `site_id: unknown_reference`
    /// (the resource of the URL is not the site).
    pub(crate) async fn site_named(&self, site_id: &str) -> AppResult<Site> {
        self.store().get_site(site_id).await?.ok_or_else(|| {
            AppError::field(
                "site_id",
                "unknown_reference",
                format!("site '{site_id}' does not exist"),
            )
        })
    }

    /// Is the caller an approver of this project's time?
    pub(crate) async fn approves(&self, project_id: &str) -> AppResult<bool> {
        let Some(p) = self.store().get_project(project_id).await? else {
            return Ok(self.caller.principal.is_admin());
        };
        let is_manager = p.manager_id.is_some() && p.manager_id == self.caller.user.person_id;
        let r = self.project_ref(&p).await?;
        Ok(self.caller.principal.can_approve_time(&r, is_manager))
    }

    /// The projects of `sheet` whose lines the caller approves.
    async fn approved_projects(&self, sheet: &Timesheet) -> AppResult<Vec<String>> {
        let mut ids: Vec<String> = sheet.entries.iter().map(|e| e.project_id.clone()).collect();
        ids.extend(sheet.lines.iter().map(|l| l.project_id.clone()));
        ids.sort();
        ids.dedup();
        let mut mine = Vec::new();
        for id in ids {
            if self.approves(&id).await? {
                mine.push(id);
            }
        }
        Ok(mine)
    }

    /// Everything the rule check needs for a person's week, and the project of each task.
    async fn rule_context(
        &self,
        person: &Person,
        task_ids: &[String],
    ) -> AppResult<(
        Vec<TimeRules>,
        SiteDays,
        Option<NaiveDate>,
        BTreeMap<String, TaskFacts>,
        BTreeMap<String, String>,
    )> {
        let site = self.get_site(&person.site_id).await?;
        let rules = self
            .store()
            .time_rules(&site.id)
            .await?
            .iter()
            .filter_map(TimeRulesVersion::rules)
            .collect();
        let lock = self
            .store()
            .period_lock(&site.id)
            .await?
            .through
            .and_then(|t| parse_date(&t).ok());
        let mut facts = BTreeMap::new();
        let mut projects = BTreeMap::new();
        for f in self.store().booking_facts(&person.id, task_ids).await? {
            let closed = matches!(f.project_status.as_str(), "closed" | "cancelled") || f.is_group;
            projects.insert(f.task_id.clone(), f.project_id.clone());
            facts.insert(
                f.task_id.clone(),
                TaskFacts {
                    assigned: f.assigned,
                    start: stamp_date(&f.start),
                    finish: stamp_date(&f.finish),
                    closed,
                },
            );
        }
        Ok((rules, site_days(&site), lock, facts, projects))
    }

    /// Checks a sheet's entries against the person's site rules.
    pub(crate) async fn check_sheet(
        &self,
        person: &Person,
        week: IsoWeek,
        entries: &[Entry],
    ) -> AppResult<(Check, BTreeMap<String, String>)> {
        let mut ids: Vec<String> = entries.iter().map(|e| e.task_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let (rules, days, lock, tasks, projects) = self.rule_context(person, &ids).await?;
        let ctx = Context {
            week,
            rules: &rules,
            days: &days,
            tasks: &tasks,
            locked_through: lock,
        };
        Ok((check_week(&ctx, entries), projects))
    }

    /// A person's sheet for a week: whole for the person and their site's PSO; an approver
    /// sees their projects' lines only; others are refused.
    pub async fn timesheet(&self, person_id: &str, week: &str) -> AppResult<Timesheet> {
        let week = parse_week(week)?;
        let s = self.subject(person_id).await?;
        let stored = self
            .store()
            .timesheet(&s.person.id, &week.to_string())
            .await?;
        let mut sheet =
            stored.unwrap_or_else(|| Timesheet::empty(&s.person.id, week, &s.person.site_id));
        let (check, _) = self
            .check_sheet(&s.person, week, &sheet.check_entries())
            .await?;
        sheet.warnings = check.warnings;
        if s.writer {
            return Ok(sheet);
        }
        let mine = self.approved_projects(&sheet).await?;
        if mine.is_empty() || sheet.lines.is_empty() {
            return Err(AppError::forbidden(
                "only the person, the PSO of their site and the approvers of its projects see a timesheet",
            ));
        }
        sheet.only_projects(|p| mine.iter().any(|m| m == p));
        Ok(sheet)
    }

    fn require_writer(&self, s: &Subject) -> AppResult<()> {
        if s.writer {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "only the person and the PSO of their site write their timesheet",
            ))
        }
    }

    /// The audit action of a write: the person's own, or on their behalf.
    fn action(&self, s: &Subject, what: &'static str) -> String {
        if s.own {
            what.to_string()
        } else {
            format!("{what}_on_behalf")
        }
    }

    /// Replaces a draft's entries and progress after checking the site's rules: a broken
    /// `forbid` rule refuses the whole sheet (422 `rule_violation`); `warn` rules come back
    /// in `warnings`.
    pub async fn save_timesheet(
        &self,
        person_id: &str,
        week: &str,
        version: Option<i64>,
        input: TimesheetInput,
    ) -> AppResult<Timesheet> {
        let week = parse_week(week)?;
        let s = self.subject(person_id).await?;
        self.require_writer(&s)?;
        let valid = input.validate().map_err(AppError::validation)?;
        let before = self
            .store()
            .timesheet(&s.person.id, &week.to_string())
            .await?;
        check_version(version, before.as_ref().map_or(0, |b| b.version))?;
        let entries: Vec<Entry> = valid.entries.iter().map(|(e, _)| e.clone()).collect();
        let (check, projects) = self.check_sheet(&s.person, week, &entries).await?;
        if !check.passes() {
            return Err(violation(check));
        }
        let ids: Vec<String> = valid.progress.iter().map(|p| p.task_id.clone()).collect();
        let facts = self.store().booking_facts(&s.person.id, &ids).await?;
        let mut progress = Vec::new();
        for (i, p) in valid.progress.iter().enumerate() {
            let Some(f) = facts.iter().find(|f| f.task_id == p.task_id) else {
                return Err(AppError::field(
                    &format!("progress[{i}].task_id"),
                    "unknown_reference",
                    format!("task '{}' does not exist", p.task_id),
                ));
            };
            progress.push(SheetProgress {
                task_id: p.task_id.clone(),
                project_id: f.project_id.clone(),
                percent_complete: p.percent_complete,
                remaining_minutes: p.remaining_minutes,
            });
        }
        let write = SheetWrite {
            site_id: s.person.site_id.clone(),
            entries: valid
                .entries
                .into_iter()
                .map(|(e, comment)| SheetEntry {
                    project_id: projects.get(&e.task_id).cloned().unwrap_or_default(),
                    task_id: e.task_id,
                    date: e.date.format("%Y-%m-%d").to_string(),
                    minutes: e.minutes,
                    comment,
                })
                .collect(),
            progress,
        };
        let mut sheet = self
            .store()
            .save_timesheet(
                &self.caller.actor(),
                &self.action(&s, "save"),
                &SheetSave {
                    person_id: s.person.id.clone(),
                    week: week.to_string(),
                    before,
                    write,
                },
            )
            .await?;
        sheet.warnings = check.warnings;
        Ok(sheet)
    }

    /// Submits a draft for approval (the rules are checked again: a lock may have moved).
    pub async fn submit_timesheet(
        &self,
        person_id: &str,
        week: &str,
        version: Option<i64>,
    ) -> AppResult<Timesheet> {
        let week = parse_week(week)?;
        let s = self.subject(person_id).await?;
        self.require_writer(&s)?;
        let cur = self
            .store()
            .timesheet(&s.person.id, &week.to_string())
            .await?;
        let expected = check_version(version, cur.as_ref().map_or(0, |c| c.version))?;
        let Some(cur) = cur else {
            return Err(
                AppError::conflict("save the sheet before submitting it").with_code("not_saved")
            );
        };
        let (check, _) = self
            .check_sheet(&s.person, week, &cur.check_entries())
            .await?;
        if !check.passes() {
            return Err(violation(check));
        }
        let mut sheet = self
            .store()
            .submit_timesheet(
                &self.caller.actor(),
                &self.action(&s, "submit"),
                &s.person.id,
                &week.to_string(),
                expected,
            )
            .await?;
        sheet.warnings = check.warnings;
        Ok(sheet)
    }

    /// Approves the caller's lines of a submitted sheet (or those of `project_ids`, each of
    /// which the caller must approve).
    pub async fn approve_timesheet(
        &self,
        person_id: &str,
        week: &str,
        version: Option<i64>,
        input: ApproveInput,
    ) -> AppResult<Timesheet> {
        let d = self
            .decision(person_id, week, version, input.project_ids.as_deref())
            .await?;
        let sheet = self
            .store()
            .approve_timesheet(
                &self.caller.actor(),
                &d.subject.person.id,
                &d.week.to_string(),
                d.expected,
                &d.projects,
            )
            .await?;
        self.as_seen_by_approver(&d.subject, sheet).await
    }

    /// What approving or rejecting starts from: the sheet, the lines the caller decides and
    /// the version to change. Who decides comes before which version: a stranger learns
    /// nothing of the sheet.
    async fn decision(
        &self,
        person_id: &str,
        week: &str,
        version: Option<i64>,
        named: Option<&[String]>,
    ) -> AppResult<Decision> {
        let week = parse_week(week)?;
        let subject = self.subject(person_id).await?;
        let cur = self
            .store()
            .timesheet(&subject.person.id, &week.to_string())
            .await?
            .ok_or_else(AppError::not_found)?;
        let projects = self.lines_to_decide(&cur, named).await?;
        let expected = check_version(version, cur.version)?;
        Ok(Decision {
            subject,
            week,
            projects,
            expected,
        })
    }

    /// A sheet as an approver sees it: the lines of their projects only (whole for the
    /// person and their site's PSO).
    async fn as_seen_by_approver(&self, s: &Subject, mut sheet: Timesheet) -> AppResult<Timesheet> {
        if !s.writer {
            let mine = self.approved_projects(&sheet).await?;
            sheet.only_projects(|p| mine.iter().any(|m| m == p));
        }
        Ok(sheet)
    }

    /// The waiting lines the caller decides: all of theirs, or the ones named (each theirs).
    async fn lines_to_decide(
        &self,
        cur: &Timesheet,
        named: Option<&[String]>,
    ) -> AppResult<Vec<String>> {
        let mine = self.approved_projects(cur).await?;
        if mine.is_empty() {
            return Err(AppError::forbidden(
                "you approve the time of none of this sheet's projects",
            ));
        }
        let waiting: Vec<&str> = cur
            .lines
            .iter()
            .filter(|l| l.state == LineState::Submitted)
            .map(|l| l.project_id.as_str())
            .collect();
        let chosen: Vec<String> = match named {
            None => mine
                .iter()
                .filter(|p| waiting.contains(&p.as_str()))
                .cloned()
                .collect(),
            Some(named) => {
                for (i, p) in named.iter().enumerate() {
                    if !mine.contains(p) {
                        return Err(AppError::forbidden(format!(
                            "project_ids[{i}]: you do not approve the time of project '{p}'"
                        )));
                    }
                    if !waiting.contains(&p.as_str()) {
                        return Err(AppError::field(
                            &format!("project_ids[{i}]"),
                            "not_waiting",
                            format!("no line of project '{p}' waits for approval on this sheet"),
                        ));
                    }
                }
                named.to_vec()
            }
        };
        if cur.state != SheetState::Submitted {
            return Err(AppError::conflict(format!(
                "the sheet is {}; only a submitted sheet is approved or rejected",
                cur.state.as_str()
            ))
            .with_code("wrong_state"));
        }
        if chosen.is_empty() {
            return Err(AppError::forbidden(
                "no line of this sheet waits for your approval",
            ));
        }
        Ok(chosen)
    }

    /// Rejects a submitted sheet: it returns to draft with the reason, naming the caller's
    /// lines.
    pub async fn reject_timesheet(
        &self,
        person_id: &str,
        week: &str,
        version: Option<i64>,
        input: ReasonInput,
    ) -> AppResult<Timesheet> {
        let reason = input.reason().map_err(AppError::validation)?;
        let d = self
            .decision(person_id, week, version, input.project_ids.as_deref())
            .await?;
        let r = Rejection {
            reason,
            by: self.caller.user.email.clone(),
            at: pso_store::now(),
            project_ids: d.projects,
            kind: "reject".into(),
        };
        let sheet = self
            .store()
            .return_timesheet(
                &self.caller.actor(),
                &d.subject.person.id,
                &d.week.to_string(),
                d.expected,
                &r,
            )
            .await?;
        self.as_seen_by_approver(&d.subject, sheet).await
    }

    /// Reopens an approved sheet (the PSO of the person's site, with a reason), unless one of
    /// its days is in a locked period.
    pub async fn reopen_timesheet(
        &self,
        person_id: &str,
        week: &str,
        version: Option<i64>,
        input: ReasonInput,
    ) -> AppResult<Timesheet> {
        let week = parse_week(week)?;
        let reason = input.reason().map_err(AppError::validation)?;
        let s = self.subject(person_id).await?;
        if !self
            .caller
            .principal
            .can_reopen_timesheet(&s.person.site_id.as_str().into())
        {
            return Err(AppError::forbidden(
                "only the PSO of the person's site reopens an approved timesheet",
            ));
        }
        let cur = self
            .store()
            .timesheet(&s.person.id, &week.to_string())
            .await?;
        let expected = check_version(version, cur.as_ref().map_or(0, |c| c.version))?;
        let cur = cur.ok_or_else(AppError::not_found)?;
        let lock = self
            .store()
            .period_lock(&s.person.site_id)
            .await?
            .through
            .and_then(|t| parse_date(&t).ok());
        if let Some(lock) = lock.filter(|l| week.monday() <= *l) {
            let mut locked: Vec<Finding> = cur
                .check_entries()
                .iter()
                .filter(|e| e.date <= lock)
                .map(|e| locked_finding(e.date, Some(&e.task_id), lock))
                .collect();
            if locked.is_empty() {
                locked.push(locked_finding(week.monday(), None, lock));
            }
            return Err(violation(Check {
                violations: locked,
                warnings: vec![],
            }));
        }
        let r = Rejection {
            reason,
            by: self.caller.user.email.clone(),
            at: pso_store::now(),
            project_ids: vec![],
            kind: "reopen".into(),
        };
        Ok(self
            .store()
            .return_timesheet(
                &self.caller.actor(),
                &s.person.id,
                &week.to_string(),
                expected,
                &r,
            )
            .await?)
    }

    /// The sheets the caller sees: their own, their sites' (PSO), and those with lines of
    /// projects they approve (showing those lines only).
    pub async fn list_timesheets(
        &self,
        f: &SheetFilter,
        p: &crate::Paging,
    ) -> AppResult<pso_store::Page<SheetSummary>> {
        let who = &self.caller.principal;
        let vis = self.sheet_visibility().await?;
        let mut page = self
            .store()
            .list_timesheets(&vis, f, p.limit, p.cursor.as_deref())
            .await?;
        if vis.all {
            return Ok(page);
        }
        // Sheets seen only as an approver show the approver's lines only (each project
        // decided once per page).
        let mut decided: BTreeMap<String, bool> = BTreeMap::new();
        for s in &mut page.items {
            let own = vis.person_id.as_deref() == Some(s.person_id.as_str());
            if own || who.can_write_timesheet(false, &s.site_id.as_str().into()) {
                continue;
            }
            let mut keep = Vec::new();
            for l in std::mem::take(&mut s.lines) {
                let yes = match decided.get(&l.project_id) {
                    Some(y) => *y,
                    None => {
                        let y = self.approves(&l.project_id).await?;
                        decided.insert(l.project_id.clone(), y);
                        y
                    }
                };
                if yes {
                    keep.push(l);
                }
            }
            s.total_minutes = keep.iter().map(|l| l.minutes).sum();
            s.lines = keep;
        }
        Ok(page)
    }

    async fn sheet_visibility(&self) -> AppResult<SheetVisibility> {
        let who = &self.caller.principal;
        let scope = who.time_approval_scope();
        let mut site_ids = Vec::new();
        for s in self.store().all_sites().await? {
            if who.can_write_timesheet(false, &s.id.as_str().into()) {
                site_ids.push(s.id);
            }
        }
        Ok(SheetVisibility {
            // Only administrators and a global PSO hold an unbounded approval scope.
            all: scope.all,
            person_id: self.caller.user.person_id.clone(),
            site_ids,
            manager_person_id: self.caller.user.person_id.clone(),
            approval_scope: scope,
        })
    }

    /// The people of a site who have not submitted a week's sheet (the site's PSO and
    /// administrators).
    pub async fn missing_timesheets(
        &self,
        site_id: &str,
        week: &str,
    ) -> AppResult<Vec<MissingSheet>> {
        let week = parse_week(week)?;
        let site = self.site_named(site_id).await?;
        if !self
            .caller
            .principal
            .can_write_timesheet(false, &site.id.as_str().into())
        {
            return Err(AppError::forbidden(
                "only the site's PSO and administrators see its missing timesheets",
            ));
        }
        Ok(self
            .store()
            .missing_timesheets(&site.id, &week.to_string())
            .await?)
    }
}

// ---------------------------------------------------------------- for the pages

impl Svc<'_> {
    /// Checks a draft's entries against the person's site rules without saving (the week
    /// grid asks before saving): the person and their site's PSO, like a save.
    pub async fn check_timesheet(
        &self,
        person_id: &str,
        week: &str,
        input: TimesheetInput,
    ) -> AppResult<Check> {
        let week = parse_week(week)?;
        let s = self.subject(person_id).await?;
        self.require_writer(&s)?;
        let valid = input.validate().map_err(AppError::validation)?;
        let entries: Vec<Entry> = valid.entries.into_iter().map(|(e, _)| e).collect();
        let (check, _) = self.check_sheet(&s.person, week, &entries).await?;
        Ok(check)
    }

    /// Does the caller approve the time booked on this project?
    pub async fn approves_time_of(&self, project_id: &str) -> AppResult<bool> {
        self.approves(project_id).await
    }
}
