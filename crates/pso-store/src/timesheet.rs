//! Time writing's stored parts: a site's dated time rules (issue 10).

use crate::{audit, corrupt, now, Actor, Result, Store, StoreError};
use pso_domain::model::{Entity, Site};
use pso_domain::timesheet::{format_submit_by, Mode, PeriodLock, TimeRules, TimeRulesVersion};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

fn mode(r: &AnyRow, col: &str) -> Result<Mode> {
    let s: String = r.try_get(col)?;
    Mode::parse(&s).ok_or_else(|| corrupt("site_time_rules", format!("{col} = '{s}'")))
}

fn version_from_row(r: &AnyRow) -> Result<TimeRulesVersion> {
    Ok(TimeRulesVersion {
        site_id: r.try_get("site_id")?,
        valid_from: r.try_get("valid_from")?,
        max_minutes_per_day: r.try_get("max_minutes_per_day")?,
        max_minutes_per_week: r.try_get("max_minutes_per_week")?,
        weekend: mode(r, "weekend")?,
        holiday: mode(r, "holiday")?,
        only_assigned_tasks: r.try_get::<i64, _>("only_assigned_tasks")? != 0,
        within_task_dates: mode(r, "within_task_dates")?,
        submit_by: r.try_get("submit_by")?,
        lock_after_days: r.try_get("lock_after_days")?,
        set_by: r.try_get("set_by")?,
        set_at: r.try_get("set_at")?,
    })
}

/// Locks the site's row for a change to its time rules or lock (`NotFound`: no such site).
async fn lock_site(c: &mut AnyConnection, site_id: &str) -> Result<()> {
    let locked = sqlx::query("UPDATE sites SET version = version WHERE id = $1")
        .bind(site_id)
        .execute(c)
        .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn versions(c: &mut AnyConnection, site_id: &str) -> Result<Vec<TimeRulesVersion>> {
    let rows = sqlx::query("SELECT * FROM site_time_rules WHERE site_id = $1 ORDER BY valid_from")
        .bind(site_id)
        .fetch_all(c)
        .await?;
    rows.iter().map(version_from_row).collect()
}

impl Store {
    /// Every version of a site's time rules, oldest first.
    pub async fn time_rules(&self, site_id: &str) -> Result<Vec<TimeRulesVersion>> {
        let mut c = self.pool().acquire().await?;
        versions(&mut c, site_id).await
    }

    /// Sets the site's rules from `r.valid_from` on: the versions from that day on are
    /// replaced, earlier ones stay. One audit event on the site (action `time_rules`) with the
    /// versions before and after.
    pub async fn set_time_rules(
        &self,
        actor: &Actor,
        site_id: &str,
        r: &TimeRules,
    ) -> Result<Vec<TimeRulesVersion>> {
        let mut tx = self.begin_write().await?;
        lock_site(&mut tx, site_id).await?;
        let before = versions(&mut tx, site_id).await?;
        let from = r.valid_from.format("%Y-%m-%d").to_string();
        sqlx::query("DELETE FROM site_time_rules WHERE site_id = $1 AND valid_from >= $2")
            .bind(site_id)
            .bind(&from)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO site_time_rules (site_id, valid_from, max_minutes_per_day, \
             max_minutes_per_week, weekend, holiday, only_assigned_tasks, within_task_dates, \
             submit_by, lock_after_days, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(site_id)
        .bind(&from)
        .bind(r.max_minutes_per_day)
        .bind(r.max_minutes_per_week)
        .bind(r.weekend.as_str())
        .bind(r.holiday.as_str())
        .bind(r.only_assigned_tasks as i64)
        .bind(r.within_task_dates.as_str())
        .bind(r.submit_by.map(format_submit_by))
        .bind(r.lock_after_days.map(i64::from))
        .bind(actor.label.clone())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let after = versions(&mut tx, site_id).await?;
        audit(
            &mut tx,
            actor,
            "time_rules",
            Site::KIND,
            site_id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A site's period lock (`through` none when nothing is locked).
    pub async fn period_lock(&self, site_id: &str) -> Result<PeriodLock> {
        let mut c = self.pool().acquire().await?;
        lock_of(&mut c, site_id).await
    }

    /// Moves a site's period lock to `through` (forward, or back when `may_reopen`), with an
    /// audit event on the site (action `period_lock`). A move back without `may_reopen` is a
    /// conflict that names the current lock.
    pub async fn set_period_lock(
        &self,
        actor: &Actor,
        site_id: &str,
        through: &str,
        may_reopen: bool,
    ) -> Result<PeriodLock> {
        let mut tx = self.begin_write().await?;
        lock_site(&mut tx, site_id).await?;
        let before = lock_of(&mut tx, site_id).await?;
        if let Some(cur) = &before.through {
            if through < cur.as_str() && !may_reopen {
                return Err(StoreError::Conflict {
                    field: "through".into(),
                    message: format!(
                        "the site is locked through {cur}; only an administrator may reopen it"
                    ),
                });
            }
        }
        sqlx::query("DELETE FROM site_period_locks WHERE site_id = $1")
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO site_period_locks (site_id, through, set_by, set_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(site_id)
        .bind(through)
        .bind(actor.label.clone())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let after = lock_of(&mut tx, site_id).await?;
        audit(
            &mut tx,
            actor,
            "period_lock",
            Site::KIND,
            site_id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

async fn lock_of(c: &mut AnyConnection, site_id: &str) -> Result<PeriodLock> {
    let r = sqlx::query("SELECT * FROM site_period_locks WHERE site_id = $1")
        .bind(site_id)
        .fetch_optional(c)
        .await?;
    Ok(match r {
        Some(r) => PeriodLock {
            site_id: site_id.to_string(),
            through: Some(r.try_get("through")?),
            set_by: Some(r.try_get("set_by")?),
            set_at: Some(r.try_get("set_at")?),
        },
        None => PeriodLock {
            site_id: site_id.to_string(),
            through: None,
            set_by: None,
            set_at: None,
        },
    })
}
