//! Timesheets in and out (issue 10): a CSV import (the CLI's `pso import timesheets` and the
//! API), all or nothing with a report that names the line and the rule of each refusal, and the
//! export of approved time as CSV or XLSX by site, project and period.
//!
//! Import columns (a header line, any order, case-insensitive): `email` (the person's),
//! `date` (YYYY-MM-DD), `project` (code), `task` (WBS number such as `1.2`, or the task's id),
//! `minutes` or `hours` (`7.5` or `7,5`), and optionally `comment`. Lines go into the drafts of
//! their person's weeks, after what the drafts already hold, and each week is checked against
//! the person's site rules like a sheet saved on the page.

use crate::error::{AppError, AppResult};
use crate::service::Svc;
use pso_domain::model::Person;
use pso_domain::sheet::{SheetEntry, SheetState, Timesheet};
use pso_domain::timesheet::{Entry, IsoWeek};
use pso_domain::values::parse_date;
use pso_domain::ValidationErrors;
use pso_store::sheet::{SheetSave, SheetWrite};
use serde::Serialize;
use std::collections::BTreeMap;

/// Most lines one import takes.
pub const MAX_IMPORT_LINES: usize = 100_000;

/// What an import wrote.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TimeImport {
    pub lines: usize,
    pub sheets: usize,
    pub minutes: i64,
}

/// One line read and resolved.
struct Line {
    no: usize,
    person: Person,
    entry: SheetEntry,
}

/// Minutes from `hours` (`7.5`, `7,5`, `8`): whole minutes only.
fn hours_to_minutes(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let h: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    if frac.len() > 4 || !frac.bytes().all(|b| b.is_ascii_digit()) || h < 0 {
        return None;
    }
    let scale = 10i64.pow(frac.len() as u32);
    let f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let num = (h * scale + f) * 60;
    (num % scale == 0).then_some(num / scale)
}

impl Svc<'_> {
    /// Imports timesheet lines from CSV: every line is written, or none (422 naming each
    /// refused line as `line N` with its rule).
    pub async fn import_timesheets(&self, data: &[u8]) -> AppResult<TimeImport> {
        let mut errors = ValidationErrors::new();
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(data);
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| AppError::field("file", "malformed_file", format!("the header: {e}")))?
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (email, date, project, task) = (col("email"), col("date"), col("project"), col("task"));
        let (minutes, hours, comment) = (col("minutes"), col("hours"), col("comment"));
        for (name, c) in [
            ("email", email),
            ("date", date),
            ("project", project),
            ("task", task),
        ] {
            if c.is_none() {
                errors.add(
                    "file",
                    "missing_column",
                    format!("the header has no '{name}' column"),
                );
            }
        }
        if minutes.is_none() && hours.is_none() {
            errors.add(
                "file",
                "missing_column",
                "the header has no 'minutes' or 'hours' column",
            );
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let mut people: BTreeMap<String, Option<Person>> = BTreeMap::new();
        let mut tasks: BTreeMap<String, Option<BTreeMap<String, String>>> = BTreeMap::new();
        let mut projects: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut lines: Vec<Line> = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let no = i + 2;
            let at = |f: &str| format!("line {no}: {f}");
            if i >= MAX_IMPORT_LINES {
                errors.add(
                    "file",
                    "too_many_lines",
                    format!("an import takes at most {MAX_IMPORT_LINES} lines"),
                );
                break;
            }
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    errors.add(&format!("line {no}"), "malformed_line", e.to_string());
                    continue;
                }
            };
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
            if let Err(e) = pso_domain::values::check_text(&get(comment)) {
                errors.add(&at("comment"), e.code, e.message);
                continue;
            }
            // The person, by e-mail; the caller must write their sheet.
            let mail = get(email).to_lowercase();
            if !people.contains_key(&mail) {
                let p = self.store().person_by_email(&mail).await?;
                people.insert(mail.clone(), p);
            }
            let Some(person) = people[&mail].clone() else {
                errors.add(
                    &at("email"),
                    "unknown_reference",
                    format!("no person has the e-mail '{mail}'"),
                );
                continue;
            };
            let own = self.caller.user.person_id.as_deref() == Some(person.id.as_str());
            if !self
                .caller
                .principal
                .can_write_timesheet(own, &person.site_id.as_str().into())
            {
                errors.add(
                    &at("email"),
                    "forbidden",
                    format!("you may not write the timesheets of {}", person.name),
                );
                continue;
            }
            let Some(day) = errors.check(&at("date"), parse_date(&get(date))) else {
                continue;
            };
            // The task: by WBS number in its project, or by id.
            let code = get(project).to_ascii_uppercase();
            if !projects.contains_key(&code) {
                let p = self.store().project_by_code(&code).await?.map(|p| p.id);
                projects.insert(code.clone(), p);
            }
            let Some(project_id) = projects[&code].clone() else {
                errors.add(
                    &at("project"),
                    "unknown_reference",
                    format!("no project has the code '{code}'"),
                );
                continue;
            };
            if !tasks.contains_key(&project_id) {
                let all = self
                    .store()
                    .tasks_of_projects(std::slice::from_ref(&project_id))
                    .await?;
                let mut by: BTreeMap<String, String> = BTreeMap::new();
                for r in crate::plan_view::whole_rows(&all) {
                    by.insert(r.wbs.clone(), r.task.id.clone());
                    by.insert(r.task.id.clone(), r.task.id.clone());
                }
                tasks.insert(project_id.clone(), Some(by));
            }
            let t = get(task);
            let Some(task_id) = tasks[&project_id].as_ref().and_then(|m| m.get(&t)).cloned() else {
                errors.add(
                    &at("task"),
                    "unknown_reference",
                    format!("project {code} has no task '{t}' (a WBS number or a task id)"),
                );
                continue;
            };
            let mins = match (minutes.map(|_| get(minutes)), hours.map(|_| get(hours))) {
                (Some(m), _) if !m.is_empty() => m.parse::<i64>().ok(),
                (_, Some(h)) if !h.is_empty() => hours_to_minutes(&h),
                _ => None,
            };
            let Some(mins) = mins else {
                errors.add(
                    &at("minutes"),
                    "invalid_number",
                    "minutes is a whole number, or hours a number like 7.5",
                );
                continue;
            };
            lines.push(Line {
                no,
                person,
                entry: SheetEntry {
                    task_id,
                    project_id,
                    date: day.format("%Y-%m-%d").to_string(),
                    minutes: mins,
                    comment: get(comment),
                },
            });
        }
        // Each person's week: the draft as it is plus the new lines, checked like a save.
        let mut weeks: BTreeMap<(String, IsoWeek), Vec<&Line>> = BTreeMap::new();
        for l in &lines {
            let d = parse_date(&l.entry.date).map_err(|e| AppError::internal(e.message))?;
            weeks
                .entry((l.person.id.clone(), IsoWeek::of(d)))
                .or_default()
                .push(l);
        }
        let mut writes = Vec::new();
        for ((person_id, week), group) in &weeks {
            let person = &group[0].person;
            let current = self.store().timesheet(person_id, &week.to_string()).await?;
            let mut sheet =
                current.unwrap_or_else(|| Timesheet::empty(person_id, *week, &person.site_id));
            if sheet.state != SheetState::Draft {
                for l in group {
                    errors.add(
                        &format!("line {}: date", l.no),
                        "sheet_not_draft",
                        format!(
                            "{}'s sheet for {week} is {}: it is no longer written",
                            person.name,
                            sheet.state.as_str()
                        ),
                    );
                }
                continue;
            }
            let before = (sheet.version > 0).then(|| sheet.clone());
            sheet.entries.extend(group.iter().map(|l| l.entry.clone()));
            let entries: Vec<Entry> = sheet.check_entries();
            let (check, _) = self.check_sheet(person, *week, &entries).await?;
            for v in &check.violations {
                // The lines the finding concerns: its day and task, else its day, else the week.
                let hit: Vec<usize> = group
                    .iter()
                    .filter(|l| {
                        v.date
                            .is_none_or(|d| d.format("%Y-%m-%d").to_string() == l.entry.date)
                            && v.task_id.as_ref().is_none_or(|t| *t == l.entry.task_id)
                    })
                    .map(|l| l.no)
                    .collect();
                let where_ = if hit.is_empty() {
                    format!("line {}", group[0].no)
                } else {
                    format!(
                        "line {}",
                        hit.iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                let rule = serde_json::to_value(v.rule)
                    .ok()
                    .and_then(|r| r.as_str().map(str::to_string))
                    .unwrap_or_default();
                errors.add(&where_, &rule, &v.message);
            }
            writes.push(SheetSave {
                person_id: person_id.clone(),
                week: week.to_string(),
                before,
                write: SheetWrite {
                    site_id: person.site_id.clone(),
                    entries: sheet.entries,
                    progress: sheet.progress,
                },
            });
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let minutes: i64 = lines.iter().map(|l| l.entry.minutes).sum();
        let sheets = self
            .store()
            .save_timesheets(&self.caller.actor(), "import", &writes)
            .await?;
        Ok(TimeImport {
            lines: lines.len(),
            sheets,
            minutes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_whole_minutes() {
        assert_eq!(hours_to_minutes("7.5"), Some(450));
        assert_eq!(hours_to_minutes("7,25"), Some(435));
        assert_eq!(hours_to_minutes("8"), Some(480));
        assert_eq!(hours_to_minutes(".5"), Some(30));
        assert_eq!(hours_to_minutes("0.01"), None);
        assert_eq!(hours_to_minutes("x"), None);
        assert_eq!(hours_to_minutes("-1"), None);
        assert_eq!(hours_to_minutes(""), None);
    }
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// What to export: a site's people and/or a project, over a period.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub site_id: Option<String>,
    pub project_id: Option<String>,
    pub from: String,
    pub to: String,
}

const EXPORT_HEADER: [&str; 11] = [
    "email", "person", "site", "week", "date", "project", "task_id", "task", "minutes", "hours",
    "comment",
];

impl Svc<'_> {
    /// Approved time as a file: the site's PSO exports their site, a project's approvers
    /// (its manager, its PSO) their project; administrators anything.
    pub async fn export_time(
        &self,
        f: &ExportFilter,
        format: ExportFormat,
    ) -> AppResult<(Vec<u8>, String)> {
        let mut errors = ValidationErrors::new();
        let from = errors.check("from", parse_date(&f.from));
        let to = errors.check("to", parse_date(&f.to));
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                errors.add("to", "invalid_period", "to is on or after from");
            } else if (b - a).num_days() > 3660 {
                errors.add("to", "invalid_period", "an export covers at most ten years");
            }
        }
        if f.site_id.is_none() && f.project_id.is_none() {
            errors.add(
                "site_id",
                "site_or_project",
                "name a site_id, a project_id, or both",
            );
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let who = &self.caller.principal;
        let mut allowed = false;
        if let Some(s) = &f.site_id {
            let site = self.site_named(s).await?;
            allowed |= who.can_write_timesheet(false, &site.id.as_str().into());
        }
        if let Some(p) = &f.project_id {
            let project = self.store().get_project(p).await?.ok_or_else(|| {
                AppError::field(
                    "project_id",
                    "unknown_reference",
                    format!("project '{p}' does not exist"),
                )
            })?;
            allowed |= self.approves(&project.id).await?;
        }
        if !allowed {
            return Err(AppError::forbidden(
                "the site's PSO exports its people's time, a project's approvers its time",
            ));
        }
        let rows = self
            .store()
            .approved_entries(
                f.site_id.as_deref(),
                f.project_id.as_deref(),
                &f.from,
                &f.to,
            )
            .await?;
        let name = format!("time-{}-{}", f.from.trim(), f.to.trim());
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                let fail = |e: csv::Error| AppError::internal(e);
                w.write_record(EXPORT_HEADER).map_err(fail)?;
                for r in &rows {
                    w.write_record([
                        r.email.clone().unwrap_or_default(),
                        r.person_name.clone(),
                        r.site_code.clone(),
                        r.week.clone(),
                        r.date.clone(),
                        r.project_code.clone().unwrap_or_default(),
                        r.task_id.clone(),
                        r.task_name.clone().unwrap_or_default(),
                        r.minutes.to_string(),
                        format!("{}.{:02}", r.minutes / 60, (r.minutes % 60) * 100 / 60),
                        r.comment.clone(),
                    ])
                    .map_err(fail)?;
                }
                let bytes = w.into_inner().map_err(AppError::internal)?;
                Ok((bytes, format!("{name}.csv")))
            }
            ExportFormat::Xlsx => Ok((
                xlsx(&rows).map_err(AppError::internal)?,
                format!("{name}.xlsx"),
            )),
        }
    }
}

/// The export as a workbook: a header, a row per entry, hours as numbers, a total.
fn xlsx(rows: &[pso_store::sheet::ApprovedEntry]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Approved time")?;
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.00");
    for (c, h) in EXPORT_HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut total = 0i64;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, r.email.as_deref().unwrap_or(""))?;
        ws.write_string(row, 1, &r.person_name)?;
        ws.write_string(row, 2, &r.site_code)?;
        ws.write_string(row, 3, &r.week)?;
        ws.write_string(row, 4, &r.date)?;
        ws.write_string(row, 5, r.project_code.as_deref().unwrap_or(""))?;
        ws.write_string(row, 6, &r.task_id)?;
        ws.write_string(row, 7, r.task_name.as_deref().unwrap_or(""))?;
        ws.write_number(row, 8, r.minutes as f64)?;
        // A spreadsheet's numbers are binary floating point: hours are for reading, the
        // minutes beside them are exact.
        ws.write_number_with_format(row, 9, r.minutes as f64 / 60.0, &hours)?;
        ws.write_string(row, 10, &r.comment)?;
        total += r.minutes;
    }
    let last = rows.len() as u32 + 1;
    ws.write_string_with_format(last, 7, "Total", &bold)?;
    ws.write_number_with_format(last, 8, total as f64, &bold)?;
    ws.write_number_with_format(last, 9, total as f64 / 60.0, &hours)?;
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}
