//! Time writing (issue 10): a site's dated time rules. The week's check itself is
//! `pso_domain::timesheet::check_week`, a pure function.

use crate::error::{AppError, AppResult};
use crate::service::Svc;
use pso_domain::timesheet::{PeriodLock, PeriodLockInput, TimeRulesInput, TimeRulesVersion};
use serde::Serialize;

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
