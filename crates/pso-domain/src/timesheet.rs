//! Time writing: a site's dated time rules, ISO weeks, and the check of a week's entries
//! against the rules (issue 10). Pure: the caller gathers the facts (the person's site
//! calendar, the rule versions, the tasks the person may book, the period lock) and stores
//! nothing when [`Check::violations`] is not empty.
//!
//! Every rule has a stable name ([`Rule`]), the one the API reports in `violations` and
//! `warnings`. Rules set to `forbid` refuse the sheet, `warn` let it through with a warning,
//! `allow` say nothing. Some rules always forbid: a date outside the week, an impossible number
//! of minutes, a locked period, a closed task, a task the person is not assigned to when the
//! site books only assigned tasks, and the day and week limits.
//!
//! Rules are dated: a site's rule set applies from its `valid_from` until the next version, so
//! an entry is checked against the version in force on its own date (a week that straddles a
//! change is checked day by day; the week limit is the one in force on the week's Monday).

use crate::error::{ValidationErrors, ValueError};
use crate::values::parse_date;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a rule does when an entry breaks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Allow,
    Warn,
    Forbid,
}

/// The name of a rule, as the API reports it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    MaxMinutesPerDay,
    MaxMinutesPerWeek,
    Weekend,
    Holiday,
    OnlyAssignedTasks,
    WithinTaskDates,
    PeriodLocked,
    TaskClosed,
    DateOutsideWeek,
    MinutesInvalid,
}

/// The most minutes one entry or one day can hold.
pub const MINUTES_PER_DAY: i64 = 24 * 60;

/// A site's time rules from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeRules {
    pub valid_from: NaiveDate,
    pub max_minutes_per_day: Option<i64>,
    pub max_minutes_per_week: Option<i64>,
    /// Booking on a day outside the site's working week.
    pub weekend: Mode,
    /// Booking on one of the site's holidays.
    pub holiday: Mode,
    /// Only tasks the person is assigned to (forbids when true).
    pub only_assigned_tasks: bool,
    /// Booking outside the task's scheduled start and finish.
    pub within_task_dates: Mode,
    /// When the week's sheet is due: a weekday and a local time (minutes after midnight).
    pub submit_by: Option<(Weekday, u32)>,
    /// Weeks lock this many days after they end (a scheduled job), when set.
    pub lock_after_days: Option<u32>,
}

impl TimeRules {
    /// The rules of a site that has set none: everything allowed, no limit.
    pub fn permissive(valid_from: NaiveDate) -> TimeRules {
        TimeRules {
            valid_from,
            max_minutes_per_day: None,
            max_minutes_per_week: None,
            weekend: Mode::Allow,
            holiday: Mode::Allow,
            only_assigned_tasks: false,
            within_task_dates: Mode::Allow,
            submit_by: None,
            lock_after_days: None,
        }
    }
}

/// `PUT /api/v1/sites/{id}/time-rules`: the rule set from `valid_from` on.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeRulesInput {
    #[schemars(schema_with = "crate::schema::date")]
    pub valid_from: String,
    #[serde(default, deserialize_with = "crate::schema::optional_integer")]
    #[schemars(range(min = 1, max = 1440))]
    pub max_minutes_per_day: Option<i64>,
    #[serde(default, deserialize_with = "crate::schema::optional_integer")]
    #[schemars(range(min = 1, max = 10080))]
    pub max_minutes_per_week: Option<i64>,
    #[serde(default = "allow")]
    pub weekend: Mode,
    #[serde(default = "allow")]
    pub holiday: Mode,
    #[serde(default)]
    pub only_assigned_tasks: bool,
    #[serde(default = "allow")]
    pub within_task_dates: Mode,
    /// `MON 12:00`: weekday and local time.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::submit_by")]
    pub submit_by: Option<String>,
    #[serde(default, deserialize_with = "crate::schema::optional_integer")]
    #[schemars(range(min = 0, max = 366))]
    pub lock_after_days: Option<i64>,
}

fn allow() -> Mode {
    Mode::Allow
}

impl TimeRulesInput {
    pub fn validate(&self) -> Result<TimeRules, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let valid_from = e.check("valid_from", parse_date(&self.valid_from));
        let mut limit = |field: &str, v: Option<i64>, max: i64| match v {
            Some(n) if !(1..=max).contains(&n) => {
                e.add(
                    field,
                    "out_of_range",
                    format!("{field} is 1 to {max} minutes, or absent for no limit"),
                );
                None
            }
            v => v,
        };
        let max_minutes_per_day = limit("max_minutes_per_day", self.max_minutes_per_day, 1440);
        let max_minutes_per_week =
            limit("max_minutes_per_week", self.max_minutes_per_week, 7 * 1440);
        let lock_after_days = match self.lock_after_days {
            None => None,
            Some(n) if (0..=366).contains(&n) => Some(n as u32),
            Some(_) => {
                e.add(
                    "lock_after_days",
                    "out_of_range",
                    "lock_after_days is 0 to 366, or absent for no automatic lock",
                );
                None
            }
        };
        let submit_by = match self.submit_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => e.check("submit_by", parse_submit_by(s)),
        };
        match valid_from {
            Some(valid_from) if e.is_empty() => Ok(TimeRules {
                valid_from,
                max_minutes_per_day,
                max_minutes_per_week,
                weekend: self.weekend,
                holiday: self.holiday,
                only_assigned_tasks: self.only_assigned_tasks,
                within_task_dates: self.within_task_dates,
                submit_by,
                lock_after_days,
            }),
            _ => Err(e),
        }
    }
}

/// A stored version of a site's time rules, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeRulesVersion {
    pub site_id: String,
    /// `YYYY-MM-DD`: in force from this day until the next version.
    pub valid_from: String,
    pub max_minutes_per_day: Option<i64>,
    pub max_minutes_per_week: Option<i64>,
    pub weekend: Mode,
    pub holiday: Mode,
    pub only_assigned_tasks: bool,
    pub within_task_dates: Mode,
    /// `MON 12:00`, or none.
    pub submit_by: Option<String>,
    pub lock_after_days: Option<i64>,
    /// Who set it, and when (UTC, RFC 3339).
    pub set_by: String,
    pub set_at: String,
}

impl TimeRulesVersion {
    /// The rules to check with (`None` when a stored value does not parse).
    pub fn rules(&self) -> Option<TimeRules> {
        Some(TimeRules {
            valid_from: parse_date(&self.valid_from).ok()?,
            max_minutes_per_day: self.max_minutes_per_day,
            max_minutes_per_week: self.max_minutes_per_week,
            weekend: self.weekend,
            holiday: self.holiday,
            only_assigned_tasks: self.only_assigned_tasks,
            within_task_dates: self.within_task_dates,
            submit_by: match &self.submit_by {
                None => None,
                Some(s) => Some(parse_submit_by(s).ok()?),
            },
            lock_after_days: self.lock_after_days.map(|n| n as u32),
        })
    }
}

/// A site's period lock: time dated on or before `through` is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PeriodLock {
    pub site_id: String,
    /// `YYYY-MM-DD`, or none when nothing is locked yet.
    pub through: Option<String>,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
}

/// `POST /api/v1/sites/{id}/period-locks`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodLockInput {
    /// Lock every day up to and including this one.
    #[schemars(schema_with = "crate::schema::date")]
    pub through: String,
}

/// `(Monday, 720)` → `MON 12:00`.
pub fn format_submit_by((day, minutes): (Weekday, u32)) -> String {
    format!(
        "{} {:02}:{:02}",
        day.to_string().to_uppercase(),
        minutes / 60,
        minutes % 60
    )
}

/// Stable text of a mode (`allow`, `warn`, `forbid`), as stored.
impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Allow => "allow",
            Mode::Warn => "warn",
            Mode::Forbid => "forbid",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "allow" => Some(Mode::Allow),
            "warn" => Some(Mode::Warn),
            "forbid" => Some(Mode::Forbid),
            _ => None,
        }
    }
}

/// `MON 12:00` → (Monday, 720): a three-letter weekday (any case), one space, `HH:MM` from
/// 00:00 to 23:59; white space around is trimmed.
pub fn parse_submit_by(s: &str) -> Result<(Weekday, u32), ValueError> {
    let bad = || {
        ValueError::new(
            "invalid_submit_by",
            format!("'{s}' is not a weekday and a time, like 'MON 12:00'"),
        )
    };
    let (day, time) = s.trim().split_once(' ').ok_or_else(bad)?;
    let day = crate::values::WEEKDAYS
        .iter()
        .position(|name| day.eq_ignore_ascii_case(name))
        .and_then(|i| Weekday::try_from(i as u8).ok())
        .ok_or_else(bad)?;
    let minutes = crate::values::parse_hhmm(time).ok_or_else(bad)?;
    if minutes >= 24 * 60 {
        return Err(bad());
    }
    Ok((day, u32::from(minutes)))
}

/// An ISO week, `2027-W03`: Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    monday: NaiveDate,
}

impl IsoWeek {
    /// Parses `YYYY-Www` (weeks 01 to 52 or 53, as the year has), in the years PSO takes.
    pub fn parse(s: &str) -> Result<IsoWeek, ValueError> {
        let bad = || {
            ValueError::new(
                "invalid_week",
                format!("'{s}' is not an ISO week like 2027-W03"),
            )
        };
        let t = s.trim();
        let (y, w) = t.split_once("-W").ok_or_else(bad)?;
        if y.len() != 4 || w.len() != 2 || !(y.bytes().chain(w.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
        if !(crate::values::MIN_YEAR..=crate::values::MAX_YEAR).contains(&y) {
            return Err(bad());
        }
        let monday = NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).ok_or_else(bad)?;
        // The week exists in the year when its Monday is in the same ISO year.
        if monday.iso_week().year() != y || monday.iso_week().week() != w {
            return Err(bad());
        }
        parse_date(&monday.format("%Y-%m-%d").to_string())?;
        Ok(IsoWeek { monday })
    }

    /// The ISO week of a date.
    pub fn of(date: NaiveDate) -> IsoWeek {
        let w = date.iso_week();
        IsoWeek {
            monday: NaiveDate::from_isoywd_opt(w.year(), w.week(), Weekday::Mon).unwrap_or(date),
        }
    }

    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    pub fn sunday(self) -> NaiveDate {
        self.monday + chrono::Days::new(6)
    }

    /// Monday to Sunday.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        (0..7).map(move |i| self.monday + chrono::Days::new(i))
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.monday <= d && d <= self.sunday()
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = self.monday.iso_week();
        write!(f, "{:04}-W{:02}", w.year(), w.week())
    }
}

/// One line of a sheet: minutes on a task on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub task_id: String,
    pub date: NaiveDate,
    pub minutes: i64,
}

/// What the check needs to know about a task the sheet books.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskFacts {
    /// The person is assigned to it.
    pub assigned: bool,
    /// Its scheduled start and finish (local dates), when it has been scheduled.
    pub start: Option<NaiveDate>,
    pub finish: Option<NaiveDate>,
    /// Its project is closed or cancelled, or the task is done: no more booking.
    pub closed: bool,
}

/// The person's site calendar: its working week and its holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDays {
    /// Monday first (`Weekday::num_days_from_monday`).
    pub working_week: [bool; 7],
    /// Date → holiday name.
    pub holidays: BTreeMap<NaiveDate, String>,
}

impl SiteDays {
    /// Is `d` a working day of the site's week (holidays aside)?
    pub fn works_on(&self, d: Weekday) -> bool {
        self.working_week[d.num_days_from_monday() as usize]
    }
}

/// Everything a week's check depends on besides its entries.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub week: IsoWeek,
    /// Every version of the site's rules (any order); a date before the first is checked
    /// against [`TimeRules::permissive`].
    pub rules: &'a [TimeRules],
    pub days: &'a SiteDays,
    /// The tasks the entries name, as resolved by the caller; an entry whose task is missing
    /// here is refused as [`Rule::TaskClosed`] (nothing to book on).
    pub tasks: &'a BTreeMap<String, TaskFacts>,
    /// Entries dated on or before this day are locked.
    pub locked_through: Option<NaiveDate>,
}

impl Context<'_> {
    /// The rules in force on `d` ([`rules_on`]).
    pub fn rules_on(&self, d: NaiveDate) -> TimeRules {
        rules_on(self.rules, d)
    }
}

/// The rules in force on `d`: the version with the latest `valid_from` on or before it, or
/// [`TimeRules::permissive`] before the first.
pub fn rules_on(rules: &[TimeRules], d: NaiveDate) -> TimeRules {
    rules
        .iter()
        .filter(|r| r.valid_from <= d)
        .max_by_key(|r| r.valid_from)
        .cloned()
        .unwrap_or_else(|| TimeRules::permissive(d))
}

/// One broken rule: what, where, and by how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<i64>,
}

/// The outcome of a check: the sheet may be saved when `violations` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Check {
    pub violations: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl Check {
    pub fn passes(&self) -> bool {
        self.violations.is_empty()
    }

    fn report(&mut self, mode: Mode, f: Finding) {
        match mode {
            Mode::Allow => {}
            Mode::Warn => self.warnings.push(f),
            Mode::Forbid => self.violations.push(f),
        }
    }
}

fn finding(rule: Rule, message: String, date: NaiveDate, task_id: Option<&str>) -> Finding {
    Finding {
        rule,
        message,
        date: Some(date),
        task_id: task_id.map(str::to_string),
        limit: None,
        actual: None,
    }
}

/// Checks a week's entries against the site's rules in force on each entry's date.
pub fn check_week(ctx: &Context<'_>, entries: &[Entry]) -> Check {
    let mut c = Check::default();
    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut week_total = 0i64;
    for e in entries {
        let t = Some(e.task_id.as_str());
        if !ctx.week.contains(e.date) {
            c.violations.push(finding(
                Rule::DateOutsideWeek,
                format!("{} is not in the week {}", e.date, ctx.week),
                e.date,
                t,
            ));
            continue;
        }
        if !(1..=MINUTES_PER_DAY).contains(&e.minutes) {
            let mut f = finding(
                Rule::MinutesInvalid,
                format!(
                    "an entry is 1 to {MINUTES_PER_DAY} minutes, not {}",
                    e.minutes
                ),
                e.date,
                t,
            );
            f.actual = Some(e.minutes);
            c.violations.push(f);
            continue;
        }
        *per_day.entry(e.date).or_default() += e.minutes;
        week_total += e.minutes;
        if ctx.locked_through.is_some_and(|l| e.date <= l) {
            c.violations.push(finding(
                Rule::PeriodLocked,
                format!(
                    "{} is in a locked period (through {})",
                    e.date,
                    ctx.locked_through.unwrap_or(e.date)
                ),
                e.date,
                t,
            ));
        }
        let rules = ctx.rules_on(e.date);
        let Some(task) = ctx.tasks.get(&e.task_id) else {
            c.violations.push(finding(
                Rule::TaskClosed,
                format!("task {} is not open for booking", e.task_id),
                e.date,
                t,
            ));
            continue;
        };
        if task.closed {
            c.violations.push(finding(
                Rule::TaskClosed,
                format!("task {} is closed for booking", e.task_id),
                e.date,
                t,
            ));
        }
        if rules.only_assigned_tasks && !task.assigned {
            c.violations.push(finding(
                Rule::OnlyAssignedTasks,
                format!(
                    "task {} is not assigned to this person, and the site books only assigned tasks",
                    e.task_id
                ),
                e.date,
                t,
            ));
        }
        if !ctx.days.works_on(e.date.weekday()) {
            c.report(
                rules.weekend,
                finding(
                    Rule::Weekend,
                    format!(
                        "{} ({}) is not a working day of the site",
                        e.date,
                        e.date.weekday()
                    ),
                    e.date,
                    t,
                ),
            );
        }
        if let Some(name) = ctx.days.holidays.get(&e.date) {
            c.report(
                rules.holiday,
                finding(
                    Rule::Holiday,
                    format!("{} is a holiday of the site: {name}", e.date),
                    e.date,
                    t,
                ),
            );
        }
        let before = task.start.is_some_and(|s| e.date < s);
        let after = task.finish.is_some_and(|f| e.date > f);
        if before || after {
            c.report(
                rules.within_task_dates,
                finding(
                    Rule::WithinTaskDates,
                    format!(
                        "{} is {} the task's scheduled dates",
                        e.date,
                        if before { "before" } else { "after" }
                    ),
                    e.date,
                    t,
                ),
            );
        }
    }
    for (date, total) in &per_day {
        let rules = ctx.rules_on(*date);
        if let Some(limit) = rules.max_minutes_per_day {
            if *total > limit {
                let mut f = finding(
                    Rule::MaxMinutesPerDay,
                    format!("{total} minutes on {date}, more than the site's {limit} a day"),
                    *date,
                    None,
                );
                f.limit = Some(limit);
                f.actual = Some(*total);
                c.violations.push(f);
            }
        }
        if *total > MINUTES_PER_DAY {
            let mut f = finding(
                Rule::MinutesInvalid,
                format!("{total} minutes on {date}: a day has {MINUTES_PER_DAY}"),
                *date,
                None,
            );
            f.limit = Some(MINUTES_PER_DAY);
            f.actual = Some(*total);
            c.violations.push(f);
        }
    }
    if let Some(limit) = ctx.rules_on(ctx.week.monday()).max_minutes_per_week {
        if week_total > limit {
            c.violations.push(Finding {
                rule: Rule::MaxMinutesPerWeek,
                message: format!(
                    "{week_total} minutes in the week {}, more than the site's {limit}",
                    ctx.week
                ),
                date: None,
                task_id: None,
                limit: Some(limit),
                actual: Some(week_total),
            });
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn france() -> SiteDays {
        SiteDays {
            working_week: [true, true, true, true, true, false, false],
            holidays: [(d("2027-01-01"), "Jour de l'an".to_string())]
                .into_iter()
                .collect(),
        }
    }

    fn rules(valid_from: &str) -> TimeRules {
        TimeRules {
            valid_from: d(valid_from),
            max_minutes_per_day: Some(600),
            max_minutes_per_week: Some(2880),
            weekend: Mode::Forbid,
            holiday: Mode::Warn,
            only_assigned_tasks: true,
            within_task_dates: Mode::Warn,
            submit_by: Some((Weekday::Mon, 720)),
            lock_after_days: Some(10),
        }
    }

    fn tasks() -> BTreeMap<String, TaskFacts> {
        let mut m = BTreeMap::new();
        m.insert(
            "a".into(),
            TaskFacts {
                assigned: true,
                start: Some(d("2026-12-28")),
                finish: Some(d("2027-01-24")),
                closed: false,
            },
        );
        m.insert(
            "b".into(),
            TaskFacts {
                assigned: false,
                ..Default::default()
            },
        );
        m.insert(
            "c".into(),
            TaskFacts {
                assigned: true,
                closed: true,
                ..Default::default()
            },
        );
        m
    }

    fn e(task: &str, date: &str, minutes: i64) -> Entry {
        Entry {
            task_id: task.into(),
            date: d(date),
            minutes,
        }
    }

    /// Checks `entries` in `week` for a French site with the tasks of [`tasks`].
    fn check(week: &str, rules: &[TimeRules], locked: Option<&str>, entries: &[Entry]) -> Check {
        let (days, tasks) = (france(), tasks());
        let ctx = Context {
            week: IsoWeek::parse(week).unwrap(),
            rules,
            days: &days,
            tasks: &tasks,
            locked_through: locked.map(d),
        };
        check_week(&ctx, entries)
    }

    /// `minutes` on task a on each working day (Monday to Friday) of `week`.
    fn working_days(week: &str, minutes: i64) -> Vec<Entry> {
        IsoWeek::parse(week)
            .unwrap()
            .days()
            .take(5)
            .map(|date| Entry {
                task_id: "a".into(),
                date,
                minutes,
            })
            .collect()
    }

    fn rules_of(c: &[Finding]) -> Vec<Rule> {
        c.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn iso_weeks() {
        let w = IsoWeek::parse("2027-W03").unwrap();
        assert_eq!(w.monday(), d("2027-01-18"));
        assert_eq!(w.sunday(), d("2027-01-24"));
        assert_eq!(w.to_string(), "2027-W03");
        assert_eq!(w.days().count(), 7);
        // 2026 has 53 ISO weeks, 2027 has 52.
        assert!(IsoWeek::parse("2026-W53").is_ok());
        assert!(IsoWeek::parse("2027-W53").is_err());
        for bad in [
            "2027-W00", "2027-W3", "2027W03", "27-W03", "2027-w03", "1899-W10", "",
        ] {
            assert!(IsoWeek::parse(bad).is_err(), "{bad}");
        }
        // The week of 1 January 2027 (a Friday) is 2026-W53.
        assert_eq!(IsoWeek::of(d("2027-01-01")).to_string(), "2026-W53");
    }

    #[test]
    fn a_good_week_passes_quietly() {
        let r = [rules("2026-01-01")];
        let c = check("2027-W03", &r, None, &working_days("2027-W03", 480));
        assert_eq!(c, Check::default());
    }

    #[test]
    fn each_rule_reports_by_its_mode() {
        // 2026-W53: 28 December 2026 to 3 January 2027.
        let r = [rules("2026-01-01")];
        let c = check(
            "2026-W53",
            &r,
            Some("2026-12-28"),
            &[
                e("a", "2026-12-28", 60),  // locked
                e("a", "2026-12-29", 700), // over the day
                e("b", "2026-12-30", 60),  // not assigned
                e("c", "2026-12-31", 60),  // closed
                e("a", "2027-01-01", 60),  // holiday: warn
                e("a", "2027-01-02", 60),  // Saturday: forbid
                e("a", "2027-01-04", 60),  // outside the week
                e("a", "2026-12-30", 0),   // invalid minutes
                e("zz", "2026-12-30", 30), // unknown task
            ],
        );
        assert_eq!(
            rules_of(&c.violations),
            vec![
                Rule::PeriodLocked,
                Rule::OnlyAssignedTasks,
                Rule::TaskClosed,
                Rule::Weekend,
                Rule::DateOutsideWeek,
                Rule::MinutesInvalid,
                Rule::TaskClosed,
                Rule::MaxMinutesPerDay,
            ]
        );
        assert_eq!(rules_of(&c.warnings), vec![Rule::Holiday]);
        let day = c
            .violations
            .iter()
            .find(|f| f.rule == Rule::MaxMinutesPerDay)
            .unwrap();
        assert_eq!((day.limit, day.actual), (Some(600), Some(700)));
        assert_eq!(day.date, Some(d("2026-12-29")));
        assert!(c.warnings[0].message.contains("Jour de l'an"));
    }

    #[test]
    fn the_week_limit_and_task_dates() {
        let mut r = rules("2026-01-01");
        r.max_minutes_per_day = None;
        // 2027-W04, 25 to 31 January: after task a's finish.
        let entries = working_days("2027-W04", 600);
        let c = check("2027-W04", &[r], None, &entries);
        assert_eq!(rules_of(&c.violations), vec![Rule::MaxMinutesPerWeek]);
        assert_eq!(
            (c.violations[0].limit, c.violations[0].actual),
            (Some(2880), Some(3000))
        );
        assert_eq!(c.warnings.len(), 5);
        assert!(c.warnings.iter().all(|f| f.rule == Rule::WithinTaskDates));
    }

    #[test]
    fn rules_are_dated() {
        // Weekends allowed until the end of 2026, forbidden from 2027 on.
        let mut old = rules("2026-01-01");
        old.weekend = Mode::Allow;
        let new = rules("2027-01-01");
        let (r, days, t) = (vec![new, old], france(), tasks());
        let ctx = Context {
            week: IsoWeek::parse("2026-W53").unwrap(),
            rules: &r,
            days: &days,
            tasks: &t,
            locked_through: None,
        };
        let c = check_week(&ctx, &[e("a", "2026-12-27", 60), e("a", "2027-01-02", 60)]);
        // 27 December is in W52, outside; 2 January (Saturday, 2027 rules) is forbidden.
        assert_eq!(
            rules_of(&c.violations),
            vec![Rule::DateOutsideWeek, Rule::Weekend]
        );
        let sunday_2026 = d("2026-12-27");
        assert_eq!(ctx.rules_on(sunday_2026).weekend, Mode::Allow);
        assert_eq!(ctx.rules_on(d("2027-01-02")).weekend, Mode::Forbid);
        // Before the first version: permissive.
        assert_eq!(
            ctx.rules_on(d("2025-06-01")),
            TimeRules::permissive(d("2025-06-01"))
        );
    }

    #[test]
    fn submit_by_round_trips() {
        for day in [Weekday::Mon, Weekday::Fri, Weekday::Sun] {
            for m in [0, 59, 720, 1439] {
                let s = format_submit_by((day, m));
                assert_eq!(parse_submit_by(&s).unwrap(), (day, m), "{s}");
            }
        }
        assert_eq!(format_submit_by((Weekday::Mon, 720)), "MON 12:00");
        assert!(parse_submit_by("MON 24:00").is_err());
    }

    #[test]
    fn rule_input_is_validated() {
        let ok: TimeRulesInput = serde_json::from_value(serde_json::json!({
            "valid_from": "2027-01-01", "max_minutes_per_day": 600, "max_minutes_per_week": 2880,
            "weekend": "forbid", "holiday": "warn", "only_assigned_tasks": true,
            "within_task_dates": "warn", "submit_by": "MON 12:00", "lock_after_days": 10}))
        .unwrap();
        let r = ok.validate().unwrap();
        assert_eq!(r.submit_by, Some((Weekday::Mon, 720)));
        assert_eq!(r, rules("2027-01-01"));
        let bad: TimeRulesInput = serde_json::from_value(serde_json::json!({
            "valid_from": "2027-13-01", "max_minutes_per_day": 0, "max_minutes_per_week": 99999,
            "submit_by": "someday", "lock_after_days": -1}))
        .unwrap();
        let e = bad.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "valid_from",
                "max_minutes_per_day",
                "max_minutes_per_week",
                "lock_after_days",
                "submit_by"
            ]
        );
        assert!(serde_json::from_value::<TimeRulesInput>(
            serde_json::json!({"valid_from": "2027-01-01", "weekend": "sometimes"})
        )
        .is_err());
    }

    fn mode() -> impl Strategy<Value = Mode> {
        prop_oneof![Just(Mode::Allow), Just(Mode::Warn), Just(Mode::Forbid)]
    }

    prop_compose! {
        fn any_rules(valid_from: NaiveDate)(
            day in proptest::option::of(60i64..900),
            week in proptest::option::of(600i64..4000),
            weekend in mode(), holiday in mode(), within in mode(),
            only_assigned in any::<bool>(),
        ) -> TimeRules {
            TimeRules {
                valid_from,
                max_minutes_per_day: day,
                max_minutes_per_week: week,
                weekend,
                holiday,
                only_assigned_tasks: only_assigned,
                within_task_dates: within,
                submit_by: None,
                lock_after_days: None,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// A sheet that passes never breaks a `forbid` rule: each rule re-checked here,
        /// independently and plainly, on the sheets the check lets through.
        #[test]
        fn a_passing_sheet_breaks_no_forbid_rule(
            first in any_rules(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            second in any_rules(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            lock in proptest::option::of(0u64..10),
            // Mostly plausible entries, so that many sheets pass and the passing branch is
            // exercised: a known task, a day of the week, a sensible length (t3 is unknown,
            // days 0 and 8 are outside the week, lengths under 1 are invalid).
            raw in proptest::collection::vec((
                prop_oneof![9 => 0usize..3, 1 => Just(3usize)],
                prop_oneof![10 => 1u64..8, 1 => Just(0u64), 1 => Just(8u64)],
                prop_oneof![12 => 1i64..400, 1 => -30i64..1],
            ), 0..7),
            facts in proptest::collection::vec((
                proptest::bool::weighted(0.8),
                proptest::bool::weighted(0.15),
                0u64..4,
                4u64..10,
            ), 4),
        ) {
            let week = IsoWeek::parse("2026-W53").unwrap(); // straddles the rules' change
            let base = week.monday() - chrono::Days::new(1);
            let mut tasks = BTreeMap::new();
            for (i, (assigned, closed, s, f)) in facts.iter().enumerate().take(3) {
                tasks.insert(format!("t{i}"), TaskFacts {
                    assigned: *assigned,
                    closed: *closed,
                    start: Some(base + chrono::Days::new(*s.min(f))),
                    finish: Some(base + chrono::Days::new(*s.max(f))),
                });
            }
            let entries: Vec<Entry> = raw.iter().map(|(t, day, m)| Entry {
                task_id: format!("t{t}"), // t3 is unknown
                date: base + chrono::Days::new(*day),
                minutes: *m,
            }).collect();
            let days = france();
            let rules = vec![first, second];
            let ctx = Context {
                week,
                rules: &rules,
                days: &days,
                tasks: &tasks,
                locked_through: lock.map(|l| base + chrono::Days::new(l)),
            };
            let c = check_week(&ctx, &entries);
            if c.passes() {
                let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
                for e in &entries {
                    prop_assert!(week.contains(e.date));
                    prop_assert!(e.minutes >= 1 && e.minutes <= MINUTES_PER_DAY);
                    prop_assert!(ctx.locked_through.is_none_or(|l| e.date > l));
                    let t = tasks.get(&e.task_id);
                    prop_assert!(t.is_some_and(|t| !t.closed));
                    let t = t.unwrap();
                    let r = ctx.rules_on(e.date);
                    prop_assert!(!r.only_assigned_tasks || t.assigned);
                    let weekend = !days.works_on(e.date.weekday());
                    prop_assert!(!(weekend && r.weekend == Mode::Forbid));
                    let holiday = days.holidays.contains_key(&e.date);
                    prop_assert!(!(holiday && r.holiday == Mode::Forbid));
                    let outside = t.start.is_some_and(|s| e.date < s)
                        || t.finish.is_some_and(|f| e.date > f);
                    prop_assert!(!(outside && r.within_task_dates == Mode::Forbid));
                    *per_day.entry(e.date).or_default() += e.minutes;
                }
                for (day, total) in &per_day {
                    let limit = ctx.rules_on(*day).max_minutes_per_day.unwrap_or(MINUTES_PER_DAY);
                    prop_assert!(*total <= limit.min(MINUTES_PER_DAY));
                }
                let week_total: i64 = per_day.values().sum();
                if let Some(limit) = ctx.rules_on(week.monday()).max_minutes_per_week {
                    prop_assert!(week_total <= limit);
                }
            } else {
                // A refusal always names a rule that is set to forbid or always forbids.
                for v in &c.violations {
                    let always = matches!(v.rule,
                        Rule::DateOutsideWeek | Rule::MinutesInvalid | Rule::PeriodLocked
                        | Rule::TaskClosed | Rule::OnlyAssignedTasks
                        | Rule::MaxMinutesPerDay | Rule::MaxMinutesPerWeek);
                    let by_mode = |m: fn(&TimeRules) -> Mode| {
                        v.date.is_some_and(|d| m(&ctx.rules_on(d)) == Mode::Forbid)
                    };
                    prop_assert!(always
                        || (v.rule == Rule::Weekend && by_mode(|r| r.weekend))
                        || (v.rule == Rule::Holiday && by_mode(|r| r.holiday))
                        || (v.rule == Rule::WithinTaskDates && by_mode(|r| r.within_task_dates)));
                }
            }
        }
    }
}
