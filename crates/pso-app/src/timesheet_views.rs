//! What the time pages show (issue 10): the week grid of a person, "My work", the approval
//! inbox. Access is decided as for the sheets themselves ([`crate::timesheet`]): the grid is
//! the person's and their site's PSO's, the inbox shows only lines the caller approves.

use crate::error::{AppError, AppResult};
use crate::service::Svc;
use crate::timesheet::{parse_week, site_days};
use chrono::NaiveDate;
use pso_domain::model::{Person, Site};
use pso_domain::sheet::{LineState, SheetEntry, SheetState, Timesheet};
use pso_domain::timesheet::IsoWeek;
use pso_store::sheet::{SheetFilter, SheetSummary};
use pso_store::sheet_views::TaskLine;

/// Weeks back whose booked tasks the grid offers again.
pub const RECENT_WEEKS: u64 = 4;

/// A day of the grid, as the person's site calendar has it.
#[derive(Debug, Clone)]
pub struct GridDay {
    pub date: NaiveDate,
    /// A working day of the site's week.
    pub working: bool,
    /// The site's holiday on that day.
    pub holiday: Option<String>,
}

/// A person's week grid: their site's days, the sheet, and the tasks to offer as rows.
#[derive(Debug, Clone)]
pub struct TimeGrid {
    pub person: Person,
    pub site: Site,
    pub week: IsoWeek,
    pub days: Vec<GridDay>,
    pub sheet: Timesheet,
    /// Assigned tasks, then recently booked ones, then any other task on the sheet.
    pub tasks: Vec<TaskLine>,
    /// The caller is the person (not their PSO on their behalf).
    pub own: bool,
}

/// "My work": a member's tasks for this week and the next, their sheets, what waits.
#[derive(Debug, Clone)]
pub struct MyWork {
    pub person: Person,
    pub this_week: IsoWeek,
    pub next_week: IsoWeek,
    pub tasks: Vec<TaskLine>,
    pub sheet: Timesheet,
    pub last_sheet: Timesheet,
    /// Sheets sent back with a reason.
    pub rejected: Vec<SheetSummary>,
}

/// A line of a sheet in the approval inbox.
#[derive(Debug, Clone)]
pub struct InboxLine {
    pub project_id: String,
    pub project_code: String,
    pub project_name: String,
    pub minutes: i64,
    pub state: LineState,
}

/// A submitted sheet with lines waiting for the caller.
#[derive(Debug, Clone)]
pub struct InboxSheet {
    pub sheet: SheetSummary,
    pub lines: Vec<InboxLine>,
}

/// The current ISO week in the site's time zone (UTC when the zone does not parse).
pub fn this_week(site: &Site) -> IsoWeek {
    let now = chrono::Utc::now();
    let today = match site.time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    };
    IsoWeek::of(today)
}

/// The week before.
pub fn previous_week(w: IsoWeek) -> IsoWeek {
    IsoWeek::of(w.monday() - chrono::Days::new(7))
}

/// The week after.
pub fn next_week(w: IsoWeek) -> IsoWeek {
    IsoWeek::of(w.monday() + chrono::Days::new(7))
}

impl Svc<'_> {
    /// The person the caller's user is linked to (403 when none).
    pub async fn my_person(&self) -> AppResult<Person> {
        let Some(id) = self.caller.user.person_id.clone() else {
            return Err(AppError::forbidden(
                "your account is not linked to a person: ask an administrator to link it",
            ));
        };
        self.get_person(&id).await
    }

    /// A person's week grid (`week` none: this week in their site's time zone): the person
    /// and their site's PSO only, as for writing the sheet.
    pub async fn time_grid(&self, person_id: &str, week: Option<&str>) -> AppResult<TimeGrid> {
        let person = self.get_person(person_id).await?;
        let own = self.caller.user.person_id.as_deref() == Some(person.id.as_str());
        if !self
            .caller
            .principal
            .can_write_timesheet(own, &person.site_id.as_str().into())
        {
            return Err(AppError::forbidden(
                "only the person and the PSO of their site open their week",
            ));
        }
        let site = self.get_site(&person.site_id).await?;
        let week = match week.map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => parse_week(w)?,
            None => this_week(&site),
        };
        let sheet = self.timesheet(&person.id, &week.to_string()).await?;
        let from = IsoWeek::of(week.monday() - chrono::Days::new(7 * RECENT_WEEKS));
        let mut tasks = self
            .store()
            .bookable_tasks(&person.id, &from.to_string(), &week.to_string())
            .await?;
        let mut others: Vec<String> = sheet
            .entries
            .iter()
            .map(|e| e.task_id.clone())
            .filter(|t| !tasks.iter().any(|l| &l.task_id == t))
            .collect();
        others.sort();
        others.dedup();
        tasks.extend(self.store().task_lines(&person.id, &others).await?);
        let cal = site_days(&site);
        let days = week
            .days()
            .map(|d| GridDay {
                date: d,
                working: cal.works_on(chrono::Datelike::weekday(&d)),
                holiday: cal.holidays.get(&d).cloned(),
            })
            .collect();
        Ok(TimeGrid {
            person,
            site,
            week,
            days,
            sheet,
            tasks,
            own,
        })
    }

    /// The previous week's entries moved to `week` (same weekday), to copy into a draft.
    pub async fn last_week_entries(
        &self,
        person_id: &str,
        week: &str,
    ) -> AppResult<Vec<SheetEntry>> {
        let week = parse_week(week)?;
        let last = self
            .timesheet(person_id, &previous_week(week).to_string())
            .await?;
        Ok(last
            .entries
            .into_iter()
            .filter_map(|mut e| {
                let d = pso_domain::values::parse_date(&e.date).ok()? + chrono::Days::new(7);
                e.date = d.format("%Y-%m-%d").to_string();
                Some(e)
            })
            .collect())
    }

    /// The caller's "My work".
    pub async fn my_work(&self) -> AppResult<MyWork> {
        let person = self.my_person().await?;
        let site = self.get_site(&person.site_id).await?;
        let this = this_week(&site);
        let next = next_week(this);
        let tasks = self
            .store()
            .scheduled_tasks(
                &person.id,
                &this.monday().format("%Y-%m-%d").to_string(),
                &next.sunday().format("%Y-%m-%d").to_string(),
            )
            .await?;
        let sheet = self.timesheet(&person.id, &this.to_string()).await?;
        let last_sheet = self
            .timesheet(&person.id, &previous_week(this).to_string())
            .await?;
        let rejected = self
            .list_timesheets(
                &SheetFilter {
                    person_id: Some(person.id.clone()),
                    state: Some("rejected".into()),
                    ..Default::default()
                },
                &crate::Paging {
                    limit: 20,
                    cursor: None,
                },
            )
            .await?
            .items;
        Ok(MyWork {
            person,
            this_week: this,
            next_week: next,
            tasks,
            sheet,
            last_sheet,
            rejected,
        })
    }

    /// Submitted sheets with lines waiting for the caller's approval, oldest week first; each
    /// shows only the lines the caller approves.
    pub async fn approval_inbox(&self) -> AppResult<Vec<InboxSheet>> {
        let page = self
            .list_timesheets(
                &SheetFilter {
                    state: Some(SheetState::Submitted.as_str().into()),
                    ..Default::default()
                },
                &crate::Paging::default_large(),
            )
            .await?;
        let mut ids: Vec<String> = page
            .items
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.project_id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        let mut mine = Vec::new();
        for id in ids {
            if self.approves_time_of(&id).await? {
                mine.push(id);
            }
        }
        let labels = self.store().project_labels(&mine).await?;
        let mut out = Vec::new();
        for s in page.items {
            let lines: Vec<InboxLine> = s
                .lines
                .iter()
                .filter(|l| mine.contains(&l.project_id))
                .map(|l| {
                    let (code, name) = labels
                        .iter()
                        .find(|(id, _, _)| id == &l.project_id)
                        .map(|(_, c, n)| (c.clone(), n.clone()))
                        .unwrap_or_default();
                    InboxLine {
                        project_id: l.project_id.clone(),
                        project_code: code,
                        project_name: name,
                        minutes: l.minutes,
                        state: l.state,
                    }
                })
                .collect();
            if lines.iter().any(|l| l.state == LineState::Submitted) {
                out.push(InboxSheet { sheet: s, lines });
            }
        }
        out.sort_by(|a, b| {
            (a.sheet.week.as_str(), a.sheet.person_name.as_str())
                .cmp(&(b.sheet.week.as_str(), b.sheet.person_name.as_str()))
        });
        Ok(out)
    }
}
