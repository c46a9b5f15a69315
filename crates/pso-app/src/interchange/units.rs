//! MS Project's time units, link types and lags in PSO's terms; labels for the report.

use pso_domain::model::{DependencyType, MINUTES_PER_DAY};
use pso_formats::mspdi::{self, is_elapsed, is_percent, Coded, LinkType};

/// The file's time units.
#[derive(Debug, Clone, Copy)]
pub(super) struct Units {
    pub(super) minutes_per_day: f64,
    pub(super) minutes_per_week: f64,
}

impl Units {
    pub(super) fn of(p: &mspdi::Project) -> Self {
        let mpd = p.minutes_per_day.filter(|m| *m > 0).unwrap_or(480) as f64;
        let mpw = p
            .minutes_per_week
            .filter(|m| *m > 0)
            .map(|m| m as f64)
            .unwrap_or(mpd * 5.0);
        Units {
            minutes_per_day: mpd,
            minutes_per_week: mpw,
        }
    }
    /// Working minutes of the file → PSO minutes (8-hour days).
    pub(super) fn to_pso(self, working_minutes: f64) -> i64 {
        (working_minutes / self.minutes_per_day * MINUTES_PER_DAY as f64).round() as i64
    }
    /// Elapsed minutes → PSO minutes, by the share of working time in a week.
    pub(super) fn elapsed_to_pso(self, elapsed_minutes: f64) -> i64 {
        self.to_pso(elapsed_minutes * self.minutes_per_week / (7.0 * 1440.0))
    }
    /// PSO minutes → working minutes of the file.
    pub(super) fn to_file(self, pso_minutes: i64) -> i64 {
        (pso_minutes as f64 * self.minutes_per_day / MINUTES_PER_DAY as f64).round() as i64
    }
}

/// A link type in PSO (an unknown or missing type is finish-to-start, as in MS Project).
pub(super) fn dep_type(t: Option<Coded<LinkType>>) -> DependencyType {
    match t.and_then(Coded::known) {
        Some(LinkType::FinishToFinish) => DependencyType::FF,
        Some(LinkType::StartToFinish) => DependencyType::SF,
        Some(LinkType::StartToStart) => DependencyType::SS,
        Some(LinkType::FinishToStart) | None => DependencyType::FS,
    }
}

pub(super) fn mspdi_type(t: DependencyType) -> LinkType {
    match t {
        DependencyType::FF => LinkType::FinishToFinish,
        DependencyType::FS => LinkType::FinishToStart,
        DependencyType::SF => LinkType::StartToFinish,
        DependencyType::SS => LinkType::StartToStart,
    }
}

/// What a predecessor link becomes in PSO: type, lag in PSO minutes, and a note when the lag
/// was converted approximately.
pub(super) fn map_link(
    l: &mspdi::PredecessorLink,
    units: Units,
    pred_minutes: Option<i64>,
) -> (DependencyType, i64, Option<&'static str>) {
    let t = dep_type(l.link_type);
    let raw = l.link_lag.unwrap_or(0) as f64;
    let (lag, note) = if raw == 0.0 {
        (0, None)
    } else if is_percent(l.lag_format) {
        let pct = raw / 10.0;
        (
            (pred_minutes.unwrap_or(0) as f64 * pct / 100.0).round() as i64,
            Some("percentage lag"),
        )
    } else if is_elapsed(l.lag_format) {
        (units.elapsed_to_pso(raw / 10.0), Some("elapsed lag"))
    } else {
        (units.to_pso(raw / 10.0), None)
    };
    (t, lag.clamp(-4_800_000, 4_800_000), note)
}

pub(super) fn units_milli(u: Option<f64>) -> i64 {
    (u.unwrap_or(1.0) * 1000.0).round() as i64
}

/// `UID 12 'Design'`.
pub(super) fn label(t: &mspdi::Task) -> String {
    format!(
        "UID {} '{}'",
        t.uid.unwrap_or(-1),
        t.name.as_deref().unwrap_or("").trim()
    )
}

pub(super) fn res_label(r: &mspdi::Resource) -> String {
    format!(
        "UID {} '{}'",
        r.uid.unwrap_or(-1),
        r.name.as_deref().unwrap_or("").trim()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub(super) fn link(t: i64, lag: i64, format: Option<i64>) -> mspdi::PredecessorLink {
        mspdi::PredecessorLink {
            predecessor_uid: Some(1),
            link_type: Some(Coded::from_code(t)),
            link_lag: Some(lag),
            lag_format: format.map(Coded::from_code),
            ..Default::default()
        }
    }

    #[test]
    pub(super) fn links_map_types_and_lags() {
        // A 7-hour day file: 2 days of lag are 2 PSO days of 8 hours.
        let u = Units {
            minutes_per_day: 420.0,
            minutes_per_week: 2100.0,
        };
        let (t, lag, note) = map_link(&link(1, 2 * 420 * 10, Some(7)), u, None);
        assert_eq!((t, lag, note), (DependencyType::FS, 960, None));
        // Negative lag (a lead) of half a day, SS.
        let (t, lag, _) = map_link(&link(3, -210 * 10, Some(7)), u, None);
        assert_eq!((t, lag), (DependencyType::SS, -240));
        assert_eq!(dep_type(Some(Coded::from_code(0))), DependencyType::FF);
        assert_eq!(dep_type(Some(Coded::from_code(2))), DependencyType::SF);
        // 50 % of a 4-day predecessor: 2 days, reported as converted.
        let (_, lag, note) = map_link(&link(1, 500, Some(19)), u, Some(4 * 480));
        assert_eq!((lag, note), (960, Some("percentage lag")));
        // 7 elapsed days: 5 working days in a 5-day week.
        let (_, lag, note) = map_link(&link(1, 7 * 1440 * 10, Some(8)), u, None);
        assert_eq!((lag, note), (5 * 480, Some("elapsed lag")));
        // And back to the file's units.
        assert_eq!(u.to_file(960), 840);
        for t in [
            DependencyType::FF,
            DependencyType::FS,
            DependencyType::SF,
            DependencyType::SS,
        ] {
            assert_eq!(dep_type(Some(mspdi_type(t).into())), t);
        }
    }
}
