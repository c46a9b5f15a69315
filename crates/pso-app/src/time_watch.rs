//! Time writing's scheduled work (issue 10): each site's automatic period lock
//! (`lock_after_days`) and the reminders of missing timesheets at the site's `submit_by` time,
//! in the site's time zone. One recurring job (`time_watch`, every 15 minutes) does both for
//! every site; the PSO's "remind now" sends the same messages at once.

use crate::error::{AppError, AppResult};
use crate::mail::{queue, Message};
use crate::service::Svc;
use crate::App;
use chrono::{DateTime, Utc};
use pso_domain::model::Site;
use pso_domain::sheet::{auto_lock_through, reminder_week};
use pso_domain::timesheet::{rules_on, IsoWeek, TimeRules};
use pso_store::sheet::MissingSheet;
use pso_store::Actor;
use serde_json::{json, Value};

/// The site's local time now.
fn local_now(site: &Site, now: DateTime<Utc>) -> chrono::NaiveDateTime {
    let tz: chrono_tz::Tz = site.time_zone.parse().unwrap_or(chrono_tz::UTC);
    now.with_timezone(&tz).naive_local()
}

/// Moves every site's lock to where its rules say, and sends the reminders that are due.
/// `now` is a parameter so tests can run the job at any moment.
pub async fn watch(app: &App, now: DateTime<Utc>) -> AppResult<Value> {
    let actor = Actor::system("scheduler");
    let mut locked = Vec::new();
    let mut reminded = Vec::new();
    for site in app.store.all_sites().await? {
        let local = local_now(&site, now);
        let versions = app.store.time_rules(&site.id).await?;
        let rules: Vec<TimeRules> = versions.iter().filter_map(|v| v.rules()).collect();
        if rules.is_empty() {
            continue;
        }
        let in_force = rules_on(&rules, local.date());
        if let Some(days) = in_force.lock_after_days {
            let through = auto_lock_through(local.date(), days)
                .format("%Y-%m-%d")
                .to_string();
            let current = app.store.period_lock(&site.id).await?.through;
            if current.as_deref().is_none_or(|c| c < through.as_str()) {
                app.store
                    .set_period_lock(&actor, &site.id, &through, false)
                    .await?;
                locked.push(json!({"site_id": site.id, "through": through}));
            }
        }
        if let Some(submit_by) = in_force.submit_by {
            if let Some(week) = reminder_week(local, submit_by) {
                let missing = app
                    .store
                    .missing_timesheets(&site.id, &week.to_string())
                    .await?;
                let n = missing.len() as i64;
                if n > 0
                    && app
                        .store
                        .record_reminders(&site.id, &week.to_string(), n)
                        .await?
                {
                    let sent = send_reminders(app, &actor, &site, week, &missing).await?;
                    reminded.push(json!({"site_id": site.id, "week": week.to_string(),
                        "people": n, "messages": sent}));
                }
            }
        }
    }
    Ok(json!({ "locked": locked, "reminded": reminded }))
}

/// A reminder to each missing person who has an e-mail address, and a summary to the site's
/// PSO; returns the number of messages queued.
async fn send_reminders(
    app: &App,
    actor: &Actor,
    site: &Site,
    week: IsoWeek,
    missing: &[MissingSheet],
) -> AppResult<usize> {
    let mut sent = 0;
    for p in missing {
        let Some(email) = &p.email else { continue };
        let started = if p.state.is_some() {
            "Your draft is saved but not submitted."
        } else {
            "No time has been saved for it yet."
        };
        queue(
            &app.store,
            actor,
            Message {
                to: vec![email.clone()],
                subject: format!("Your timesheet for {week} is due"),
                text: format!(
                    "Hello {},\n\nyour timesheet for the week {week} ({} to {}) has not been \
                     submitted. {started}\nPlease fill it in and submit it in PSO: /time?week={week}\n",
                    p.name,
                    week.monday(),
                    week.sunday()
                ),
                html: None,
            },
        )
        .await?;
        sent += 1;
    }
    let pso = app.store.pso_emails(&site.id).await?;
    if !pso.is_empty() && !missing.is_empty() {
        let mut text = format!(
            "{} people of site {} have not submitted their timesheet for {week}:\n\n",
            missing.len(),
            site.code
        );
        for p in missing {
            text.push_str(&format!(
                "- {}{}{}\n",
                p.name,
                if p.state.is_some() { " (draft)" } else { "" },
                p.manager_name
                    .as_deref()
                    .map(|m| format!(", manager {m}"))
                    .unwrap_or_default()
            ));
        }
        if missing.iter().any(|p| p.email.is_none()) {
            text.push_str("\nThose without an e-mail address were not reminded.\n");
        }
        queue(
            &app.store,
            actor,
            Message {
                to: pso,
                subject: format!("Missing timesheets for {week} at {}", site.code),
                text,
                html: None,
            },
        )
        .await?;
        sent += 1;
    }
    Ok(sent)
}

impl Svc<'_> {
    /// "Remind now": the site's PSO sends the reminders of a week at once (even if the
    /// scheduled ones went out already). Returns the number of messages queued.
    pub async fn remind_missing(&self, site_id: &str, week: &str) -> AppResult<usize> {
        let week = crate::timesheet::parse_week(week)?;
        let missing = self.missing_timesheets(site_id, &week.to_string()).await?;
        let site = self.site_named(site_id).await?;
        if missing.is_empty() {
            return Err(AppError::conflict(format!(
                "everyone of {} has submitted {week}",
                site.code
            ))
            .with_code("nobody_missing"));
        }
        send_reminders(self.app, &self.caller.actor(), &site, week, &missing).await
    }
}
