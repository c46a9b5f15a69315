//! The demo's time writing: a few months of approved timesheets up to now, last week's sheets
//! partly waiting for approval, and some missing — all written through the product's own
//! operations (saved under the site's rules, submitted, approved by the system
//! administrator), so the history is what the rules allow.

use anyhow::anyhow;
use pso_app::{App, Caller, Svc};
use pso_domain::model::{Person, ProjectStatus, Site};
use pso_domain::sheet::{ApproveInput, EntryInput, TimesheetInput};
use pso_domain::timesheet::IsoWeek;
use pso_store::Store;
use std::collections::BTreeMap;

/// Weeks of history before the current one.
const WEEKS: u64 = 12;

/// Writes the history; returns (approved, waiting, drafts) sheets.
pub async fn seed(store: &Store) -> anyhow::Result<(usize, usize, usize)> {
    let app = App::new(store.clone()).await?;
    let caller = Caller::system("demo");
    let svc = Svc::new(&app, &caller);
    let sites: BTreeMap<String, Site> = store
        .all_sites()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let projects = store
        .list_projects(
            &pso_domain::access::ProjectScope {
                all: true,
                ..Default::default()
            },
            &Default::default(),
            1000,
            None,
        )
        .await?
        .items;
    let open: Vec<String> = projects
        .iter()
        .filter(|p| matches!(p.status, ProjectStatus::Active | ProjectStatus::Approved))
        .map(|p| p.id.clone())
        .collect();
    // Leaf tasks assigned to each person in open projects.
    let tasks = store.tasks_of_projects(&open).await?;
    let parents: std::collections::BTreeSet<&str> = tasks
        .iter()
        .filter_map(|t| t.parent_id.as_deref())
        .collect();
    let mut booked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in store.assignments_of_projects(&open).await? {
        if !parents.contains(a.task_id.as_str()) {
            booked
                .entry(a.person_id.clone())
                .or_default()
                .push(a.task_id);
        }
    }
    let today = chrono::Utc::now().date_naive();
    let this_week = IsoWeek::of(today);
    let (mut approved, mut waiting, mut drafts) = (0, 0, 0);
    let people: Vec<Person> = store
        .people_by_ids(&booked.keys().cloned().collect::<Vec<_>>())
        .await?;
    for (n, person) in people.iter().enumerate() {
        let Some(site) = sites.get(&person.site_id) else {
            continue;
        };
        let days = pso_app::timesheet::site_days(site);
        let mut mine = booked[&person.id].clone();
        mine.sort();
        mine.dedup();
        mine.truncate(3);
        for back in (1..=WEEKS).rev() {
            let week = IsoWeek::of(this_week.monday() - chrono::Days::new(7 * back));
            // Last week: one in five has not written it, one in five has a draft; the week
            // before: one in four waits for approval.
            if back == 1 && n % 5 == 0 {
                continue;
            }
            let mut entries = Vec::new();
            for (i, day) in week.days().enumerate() {
                use chrono::Datelike;
                if !days.works_on(day.weekday()) || days.holidays.contains_key(&day) {
                    continue;
                }
                // 7.5 hours a day over the person's tasks, a different split each day.
                let k = mine.len();
                let first = (i + n) % k;
                let split: Vec<i64> = match k {
                    1 => vec![450],
                    _ => vec![270, 180],
                };
                for (j, minutes) in split.iter().enumerate() {
                    entries.push(EntryInput {
                        task_id: mine[(first + j) % k].clone(),
                        date: day.format("%Y-%m-%d").to_string(),
                        minutes: *minutes,
                        comment: None,
                    });
                }
            }
            let input = TimesheetInput {
                entries,
                progress: vec![],
            };
            let w = week.to_string();
            let sheet = match svc.save_timesheet(&person.id, &w, Some(0), input).await {
                Ok(s) => s,
                // A week the rules refuse (a task not yet started where that is forbidden):
                // left out, as a person would leave it empty.
                Err(e) if e.code == "rule_violation" => continue,
                Err(e) => return Err(anyhow!("demo timesheet {} {w}: {}", person.name, e.detail)),
            };
            if back == 1 && n % 5 == 1 {
                drafts += 1;
                continue;
            }
            let sheet = svc
                .submit_timesheet(&person.id, &w, Some(sheet.version))
                .await
                .map_err(|e| anyhow!("demo submit {} {w}: {}", person.name, e.detail))?;
            if back == 1 || (back == 2 && n % 4 == 0) {
                waiting += 1;
                continue;
            }
            svc.approve_timesheet(&person.id, &w, Some(sheet.version), ApproveInput::default())
                .await
                .map_err(|e| anyhow!("demo approve {} {w}: {}", person.name, e.detail))?;
            approved += 1;
        }
    }
    Ok((approved, waiting, drafts))
}
