//! Working-time calendars and their index.
//!
//! # Time model
//!
//! The engine counts time in integer [`Minute`]s since `1970-01-01T00:00` of *local
//! calendar time* (naive date and time, no zone). A calendar says which of those minutes
//! are working minutes. Everything the engine computes is local time; turning it into
//! UTC is for the caller, who knows the zone (see [`to_utc`]). Working in local time is
//! what planners mean: "09:00–17:00" stays 09:00–17:00 across a daylight-saving change.
//!
//! # Calendars
//!
//! A [`CalendarSpec`] is plain data: a working week (per weekday, a list of working
//! intervals at minute resolution; every day may differ) and exceptions (date ranges
//! that are non-working — holidays, vacations — or that work with their own intervals).
//! This covers MS Project base calendars, resource calendars derived from them, and
//! vacations alike.
//!
//! [`Calendar::new`] turns the spec into an index: the weekly pattern with cumulative
//! working minutes, plus the explicit intervals of the (finite) span of weeks that hold
//! exceptions, again with cumulative sums. Outside that span the calendar repeats its
//! week, so the index is small (no years of intervals for a calendar without exceptions)
//! and still answers for any date. [`Calendar::work_at`] (working minutes from a fixed
//! reference), its inverses [`Calendar::start_of`] / [`Calendar::end_of`], and so adding,
//! subtracting and measuring working time, are `O(log n)` binary searches.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};

/// Minutes since `1970-01-01T00:00` local time.
pub type Minute = i64;

/// Minutes in a day.
pub const DAY: Minute = 1440;
/// Minutes in a week.
pub const WEEK: Minute = 7 * DAY;
/// The first Monday after the epoch (1970-01-05), where the weekly pattern starts.
const MONDAY0: Minute = 4 * DAY;

/// The minute of a local date and time (seconds are dropped).
pub fn minute_of(t: NaiveDateTime) -> Minute {
    t.and_utc().timestamp().div_euclid(60)
}

/// The minute at 00:00 of a date.
pub fn minute_of_date(d: NaiveDate) -> Minute {
    (d.num_days_from_ce() as i64 - 719_163) * DAY
}

/// The local date and time of a minute (`None` only beyond chrono's range).
pub fn datetime_of(m: Minute) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp(m.checked_mul(60)?, 0).map(|t| t.naive_utc())
}

/// The UTC instant of a local minute in zone `tz`. In a daylight-saving gap the
/// local time does not exist and `None` is returned; in an overlap the earlier
/// instant is chosen.
pub fn to_utc<Tz: TimeZone>(m: Minute, tz: &Tz) -> Option<chrono::DateTime<chrono::Utc>> {
    let local = datetime_of(m)?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// A working interval within one day, in minutes after midnight: `[from, to)`, `to <= 1440`.
pub type DayInterval = (u16, u16);

/// A dated exception: every day from `from` to `to` (inclusive) works exactly
/// `intervals` (empty: a day off — a holiday or a vacation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Working intervals on those days; empty means non-working.
    pub intervals: Vec<DayInterval>,
}

/// A calendar as plain data: the working week and its exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarSpec {
    /// Working intervals per weekday, Monday first.
    pub week: [Vec<DayInterval>; 7],
    /// Exceptions; where they overlap, the later one in the list wins.
    pub exceptions: Vec<Exception>,
}

impl CalendarSpec {
    /// The same `hours` on each of `days` (0 = Monday ... 6 = Sunday).
    pub fn weekly(days: &[usize], hours: &[DayInterval]) -> Self {
        let mut spec = CalendarSpec::default();
        for &d in days {
            if d < 7 {
                spec.week[d] = hours.to_vec();
            }
        }
        spec
    }

    /// Mark `from..=to` non-working (a holiday or a vacation).
    pub fn day_off(&mut self, from: NaiveDate, to: NaiveDate) -> &mut Self {
        self.exceptions.push(Exception {
            from,
            to,
            intervals: Vec::new(),
        });
        self
    }
}

/// Why a [`CalendarSpec`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// An interval is empty, reversed, or runs past midnight.
    #[error("working interval {0:02}:{1:02}-{2:02}:{3:02} is not within one day or is empty", .from / 60, .from % 60, .to / 60, .to % 60)]
    BadInterval {
        /// Start, minutes after midnight.
        from: u16,
        /// End, minutes after midnight.
        to: u16,
    },
    /// Two intervals of one day overlap.
    #[error("working intervals overlap")]
    Overlap,
    /// An exception ends before it starts.
    #[error("exception from {0} to {1} ends before it starts")]
    BadException(NaiveDate, NaiveDate),
}

fn check_day(iv: &[DayInterval]) -> Result<Vec<(Minute, Minute)>, CalendarError> {
    let mut v: Vec<(Minute, Minute)> = Vec::with_capacity(iv.len());
    for &(a, b) in iv {
        if a >= b || b as Minute > DAY {
            return Err(CalendarError::BadInterval { from: a, to: b });
        }
        v.push((a as Minute, b as Minute));
    }
    v.sort_unstable();
    for w in v.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(CalendarError::Overlap);
        }
    }
    Ok(v)
}

/// Sorted, non-overlapping intervals with the working minutes before each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Index {
    iv: Vec<(Minute, Minute)>,
    cum: Vec<Minute>,
    total: Minute,
}

impl Index {
    fn new(mut iv: Vec<(Minute, Minute)>) -> Self {
        // Merge touching intervals so that a working minute's interval is unique.
        let mut merged: Vec<(Minute, Minute)> = Vec::with_capacity(iv.len());
        iv.retain(|x| x.1 > x.0);
        for x in iv {
            match merged.last_mut() {
                Some(last) if last.1 >= x.0 => last.1 = last.1.max(x.1),
                _ => merged.push(x),
            }
        }
        let mut cum = Vec::with_capacity(merged.len());
        let mut total = 0;
        for &(a, b) in &merged {
            cum.push(total);
            total += b - a;
        }
        Index {
            iv: merged,
            cum,
            total,
        }
    }

    /// Working minutes in `[origin, t)` where the intervals are relative to `origin`.
    fn work(&self, t: Minute) -> Minute {
        let i = self.iv.partition_point(|x| x.0 <= t);
        if i == 0 {
            return 0;
        }
        let (a, b) = self.iv[i - 1];
        self.cum[i - 1] + t.min(b) - a
    }

    /// Earliest time at which `w` minutes (`0 < w <= total`) are done.
    fn end_of(&self, w: Minute) -> Minute {
        // Interval i with cum[i] < w <= cum[i] + len.
        let i = self.cum.partition_point(|&c| c < w).saturating_sub(1);
        self.iv[i].0 + (w - self.cum[i])
    }

    /// The start of working minute number `w` (`0 <= w < total`).
    fn start_of(&self, w: Minute) -> Minute {
        let i = self.cum.partition_point(|&c| c <= w).saturating_sub(1);
        self.iv[i].0 + (w - self.cum[i])
    }
}

/// A calendar index: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// The weekly pattern, minutes after Monday 00:00.
    week: Index,
    /// Explicit section `[lo, hi)` (week-aligned), where exceptions live.
    lo: Minute,
    hi: Minute,
    /// Explicit intervals, relative to `lo`.
    explicit: Index,
}

impl Calendar {
    /// Build the index of a spec.
    pub fn new(spec: &CalendarSpec) -> Result<Self, CalendarError> {
        let mut days: Vec<Vec<(Minute, Minute)>> = Vec::with_capacity(7);
        let mut week = Vec::new();
        for (d, iv) in spec.week.iter().enumerate() {
            let v = check_day(iv)?;
            for &(a, b) in &v {
                week.push((d as Minute * DAY + a, d as Minute * DAY + b));
            }
            days.push(v);
        }
        let week = Index::new(week);
        if spec.exceptions.is_empty() {
            return Ok(Calendar {
                week,
                lo: MONDAY0,
                hi: MONDAY0,
                explicit: Index::default(),
            });
        }
        let mut exc = Vec::with_capacity(spec.exceptions.len());
        let (mut first, mut last) = (Minute::MAX, Minute::MIN);
        for e in &spec.exceptions {
            if e.to < e.from {
                return Err(CalendarError::BadException(e.from, e.to));
            }
            let a = minute_of_date(e.from);
            let b = minute_of_date(e.to) + DAY;
            first = first.min(a);
            last = last.max(b);
            exc.push((a, b, check_day(&e.intervals)?));
        }
        let lo = MONDAY0 + (first - MONDAY0).div_euclid(WEEK) * WEEK;
        let hi = MONDAY0 + (last - MONDAY0 + WEEK - 1).div_euclid(WEEK) * WEEK;
        // Day by day over [lo, hi): the last exception covering the day wins.
        let n_days = ((hi - lo) / DAY) as usize;
        let mut chosen: Vec<Option<usize>> = vec![None; n_days];
        for (k, (a, b, _)) in exc.iter().enumerate() {
            let from = ((a - lo) / DAY) as usize;
            let to = ((b - lo) / DAY) as usize;
            for c in &mut chosen[from..to] {
                *c = Some(k);
            }
        }
        let mut iv = Vec::new();
        for (d, c) in chosen.iter().enumerate() {
            let base = d as Minute * DAY;
            let day_iv = match c {
                Some(k) => &exc[*k].2,
                None => &days[d % 7],
            };
            for &(a, b) in day_iv {
                iv.push((base + a, base + b));
            }
        }
        Ok(Calendar {
            week,
            lo,
            hi,
            explicit: Index::new(iv),
        })
    }

    /// A calendar where every minute works (useful for tests and abstract time).
    pub fn always() -> Self {
        Calendar {
            week: Index::new(vec![(0, WEEK)]),
            lo: MONDAY0,
            hi: MONDAY0,
            explicit: Index::default(),
        }
    }

    /// Working minutes in one ordinary week.
    pub fn week_minutes(&self) -> Minute {
        self.week.total
    }

    /// True when no minute, ever, is working.
    pub fn never_works(&self) -> bool {
        self.week.total == 0 && self.explicit.total == 0
    }

    /// Periodic cumulative work from `MONDAY0`.
    fn periodic(&self, t: Minute) -> Minute {
        let k = (t - MONDAY0).div_euclid(WEEK);
        let r = (t - MONDAY0).rem_euclid(WEEK);
        k * self.week.total + self.week.work(r)
    }

    fn periodic_end_of(&self, p: Minute) -> Minute {
        let ww = self.week.total;
        let (k, r) = (p.div_euclid(ww), p.rem_euclid(ww));
        if r == 0 {
            MONDAY0 + (k - 1) * WEEK + self.week.end_of(ww)
        } else {
            MONDAY0 + k * WEEK + self.week.end_of(r)
        }
    }

    fn periodic_start_of(&self, p: Minute) -> Minute {
        let ww = self.week.total;
        let (k, r) = (p.div_euclid(ww), p.rem_euclid(ww));
        MONDAY0 + k * WEEK + self.week.start_of(r)
    }

    /// Working minutes from a fixed reference (the start of the explicit section) to `t`;
    /// negative before it. Differences of this are working time between two instants.
    pub fn work_at(&self, t: Minute) -> Minute {
        if t < self.lo {
            self.periodic(t) - self.periodic(self.lo)
        } else if t < self.hi {
            self.explicit.work(t - self.lo)
        } else {
            self.explicit.total + self.periodic(t) - self.periodic(self.hi)
        }
    }

    /// Working minutes in `[a, b)` (negative when `b < a`).
    pub fn work_between(&self, a: Minute, b: Minute) -> Minute {
        self.work_at(b) - self.work_at(a)
    }

    /// The earliest instant at which `work_at` reaches `w`: where a task that needs
    /// exactly `w` ends (the end of its last working minute). `None` when the calendar
    /// has no such working time.
    pub fn end_of(&self, w: Minute) -> Option<Minute> {
        if w <= 0 {
            if self.week.total == 0 {
                return (w == 0).then_some(self.lo);
            }
            Some(
                self.periodic_end_of(self.periodic(self.lo) + w)
                    .min(self.lo),
            )
        } else if w <= self.explicit.total {
            Some(self.lo + self.explicit.end_of(w))
        } else if self.week.total == 0 {
            None
        } else {
            Some(self.periodic_end_of(self.periodic(self.hi) + w - self.explicit.total))
        }
    }

    /// The start of working minute number `w` (counted like `work_at`): where work
    /// that has done `w` minutes continues. `None` when there is no such minute.
    pub fn start_of(&self, w: Minute) -> Option<Minute> {
        if w < 0 {
            if self.week.total == 0 {
                return None;
            }
            Some(self.periodic_start_of(self.periodic(self.lo) + w))
        } else if w < self.explicit.total {
            Some(self.lo + self.explicit.start_of(w))
        } else if self.week.total == 0 {
            None
        } else {
            Some(self.periodic_start_of(self.periodic(self.hi) + w - self.explicit.total))
        }
    }

    /// The first working minute at or after `t`.
    pub fn next_working(&self, t: Minute) -> Option<Minute> {
        self.start_of(self.work_at(t)).map(|s| s.max(t))
    }

    /// Where `d >= 0` working minutes started at `t` end (`t` itself when `d == 0`).
    pub fn add(&self, t: Minute, d: Minute) -> Option<Minute> {
        if d == 0 {
            return Some(t);
        }
        self.end_of(self.work_at(t) + d)
    }

    /// The latest instant from which `d >= 0` working minutes still end by `t`
    /// (`t` itself when `d == 0`).
    pub fn sub(&self, t: Minute, d: Minute) -> Option<Minute> {
        if d == 0 {
            return Some(t);
        }
        self.start_of(self.work_at(t) - d).map(|s| s.min(t))
    }

    /// The earliest start from which `d >= 0` working minutes end at or after `t`
    /// (`t` itself when `d == 0`): how a finish-no-earlier-than bound becomes a start bound.
    pub fn start_to_finish_after(&self, t: Minute, d: Minute) -> Option<Minute> {
        if d == 0 {
            return Some(t);
        }
        let w = self.work_at(t);
        let w = if self.end_of(w)? >= t { w } else { w + 1 };
        self.start_of(w - d)
    }

    /// Move `t` by `lag` working minutes (either sign): the earliest instant `x` with
    /// `work_between(t, x) >= lag`; `t` itself when `lag == 0`.
    pub fn shift(&self, t: Minute, lag: Minute) -> Option<Minute> {
        if lag == 0 {
            Some(t)
        } else {
            self.end_of(self.work_at(t) + lag)
        }
    }

    /// The latest instant `x` with `work_between(x, t) >= lag`: the inverse of [`Calendar::shift`].
    pub fn unshift(&self, t: Minute, lag: Minute) -> Option<Minute> {
        if lag == 0 {
            Some(t)
        } else {
            self.start_of(self.work_at(t) - lag)
        }
    }

    /// Working intervals within `[a, b)`.
    pub fn intervals(&self, a: Minute, b: Minute) -> Vec<(Minute, Minute)> {
        let mut out = Vec::new();
        let mut push = |x: Minute, y: Minute| {
            let (x, y) = (x.max(a), y.min(b));
            if y > x {
                out.push((x, y));
            }
        };
        let periodic = |from: Minute, to: Minute, push: &mut dyn FnMut(Minute, Minute)| {
            if to <= from || self.week.total == 0 {
                return;
            }
            let mut k = (from - MONDAY0).div_euclid(WEEK);
            loop {
                let base = MONDAY0 + k * WEEK;
                if base >= to {
                    break;
                }
                for &(x, y) in &self.week.iv {
                    let (x, y) = ((base + x).max(from), (base + y).min(to));
                    if y > x {
                        push(x, y);
                    }
                }
                k += 1;
            }
        };
        periodic(a, b.min(self.lo), &mut push);
        for &(x, y) in &self.explicit.iv {
            let (x, y) = (x + self.lo, y + self.lo);
            if y > a && x < b {
                push(x, y);
            }
        }
        periodic(a.max(self.hi), b, &mut push);
        out
    }

    /// The minutes that work in both calendars.
    pub fn intersect(&self, other: &Calendar) -> Calendar {
        let week = Index::new(intersect_lists(&self.week.iv, &other.week.iv));
        let (lo, hi) = match (self.hi > self.lo, other.hi > other.lo) {
            (false, false) => (MONDAY0, MONDAY0),
            (true, false) => (self.lo, self.hi),
            (false, true) => (other.lo, other.hi),
            (true, true) => (self.lo.min(other.lo), self.hi.max(other.hi)),
        };
        let explicit = if hi > lo {
            let a = self.intervals(lo, hi);
            let b = other.intervals(lo, hi);
            Index::new(
                intersect_lists(&a, &b)
                    .into_iter()
                    .map(|(x, y)| (x - lo, y - lo))
                    .collect(),
            )
        } else {
            Index::default()
        };
        Calendar {
            week,
            lo,
            hi,
            explicit,
        }
    }
}

fn intersect_lists(a: &[(Minute, Minute)], b: &[(Minute, Minute)]) -> Vec<(Minute, Minute)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let x = a[i].0.max(b[j].0);
        let y = a[i].1.min(b[j].1);
        if y > x {
            out.push((x, y));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn m(s: &str) -> Minute {
        minute_of(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
    }
    fn s(t: Minute) -> String {
        datetime_of(t).unwrap().format("%Y-%m-%dT%H:%M").to_string()
    }
    fn office() -> CalendarSpec {
        CalendarSpec::weekly(&[0, 1, 2, 3, 4], &[(480, 720), (780, 1020)])
    }

    #[test]
    fn minutes_round_trip_dates() {
        assert_eq!(minute_of_date(d("1970-01-01")), 0);
        assert_eq!(minute_of_date(d("2025-01-06")), m("2025-01-06T00:00"));
        assert_eq!(s(m("2024-02-29T13:07")), "2024-02-29T13:07");
        assert_eq!(s(m("1969-12-31T23:59")), "1969-12-31T23:59");
    }

    #[test]
    fn add_and_sub_across_lunch_nights_and_weekends() {
        let c = Calendar::new(&office()).unwrap();
        // Friday 2025-01-10 16:00 + 2 h = Monday 09:00.
        assert_eq!(
            s(c.add(m("2025-01-10T16:00"), 120).unwrap()),
            "2025-01-13T09:00"
        );
        // Monday 11:00 + 2 h = 14:00 (lunch 12-13).
        assert_eq!(
            s(c.add(m("2025-01-13T11:00"), 120).unwrap()),
            "2025-01-13T14:00"
        );
        // A full day from Monday 08:00 ends at 17:00, not Tuesday 08:00.
        assert_eq!(
            s(c.add(m("2025-01-13T08:00"), 480).unwrap()),
            "2025-01-13T17:00"
        );
        // Starting on Saturday snaps to Monday.
        assert_eq!(
            s(c.next_working(m("2025-01-11T10:00")).unwrap()),
            "2025-01-13T08:00"
        );
        assert_eq!(
            s(c.sub(m("2025-01-13T09:00"), 120).unwrap()),
            "2025-01-10T16:00"
        );
        assert_eq!(
            c.work_between(m("2025-01-10T00:00"), m("2025-01-14T00:00")),
            960
        );
        assert_eq!(
            c.work_between(m("2025-01-14T00:00"), m("2025-01-10T00:00")),
            -960
        );
        // Negative lag: two days before Wednesday 08:00 is reached at Friday 17:00
        // (the earliest instant with that much work left before Wednesday).
        assert_eq!(
            s(c.shift(m("2025-01-15T08:00"), -960).unwrap()),
            "2025-01-10T17:00"
        );
        assert_eq!(
            s(c.unshift(m("2025-01-15T08:00"), 960).unwrap()),
            "2025-01-13T08:00"
        );
        // Far past and far future use the weekly pattern.
        assert_eq!(
            s(c.add(m("1900-01-05T16:00"), 120).unwrap()),
            "1900-01-08T09:00"
        );
        assert_eq!(
            s(c.add(m("2199-12-31T16:00"), 120).unwrap()),
            "2200-01-01T09:00"
        );
    }

    #[test]
    fn holidays_vacations_and_working_exceptions() {
        let mut spec = office();
        spec.day_off(d("2025-12-25"), d("2025-12-26"));
        // A working Saturday with its own hours.
        spec.exceptions.push(Exception {
            from: d("2025-12-27"),
            to: d("2025-12-27"),
            intervals: vec![(600, 720)],
        });
        let c = Calendar::new(&spec).unwrap();
        // Wednesday 24th 16:00 + 3 h: 1 h on the 24th, 2 h on Saturday 27th 10-12.
        assert_eq!(
            s(c.add(m("2025-12-24T16:00"), 180).unwrap()),
            "2025-12-27T12:00"
        );
        // + 4 h: continues Monday 29th.
        assert_eq!(
            s(c.add(m("2025-12-24T16:00"), 240).unwrap()),
            "2025-12-29T09:00"
        );
        assert_eq!(
            c.work_between(m("2025-12-22T00:00"), m("2025-12-29T00:00")),
            3 * 480 + 120
        );
        // A resource's vacation is an exception on its own copy of the spec.
        let mut res = spec.clone();
        res.day_off(d("2026-01-05"), d("2026-01-09"));
        let r = Calendar::new(&res).unwrap();
        assert_eq!(
            s(r.next_working(m("2026-01-05T08:00")).unwrap()),
            "2026-01-12T08:00"
        );
        let both = c.intersect(&r);
        assert_eq!(
            both.work_between(m("2026-01-01T00:00"), m("2026-01-13T00:00")),
            3 * 480
        );
        // Before any exception the calendar is the plain week again.
        assert_eq!(
            s(c.add(m("2025-01-10T16:00"), 120).unwrap()),
            "2025-01-13T09:00"
        );
    }

    #[test]
    fn calendars_that_never_work_answer_none() {
        let c = Calendar::new(&CalendarSpec::default()).unwrap();
        assert!(c.never_works());
        assert_eq!(c.add(0, 10), None);
        assert_eq!(c.next_working(0), None);
        let mut spec = CalendarSpec::default();
        spec.exceptions.push(Exception {
            from: d("2025-01-06"),
            to: d("2025-01-06"),
            intervals: vec![(540, 600)],
        });
        let c = Calendar::new(&spec).unwrap();
        assert_eq!(
            s(c.add(m("2025-01-01T00:00"), 60).unwrap()),
            "2025-01-06T10:00"
        );
        assert_eq!(c.add(m("2025-01-01T00:00"), 61), None);
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(Calendar::new(&CalendarSpec::weekly(&[0], &[(600, 500)])).is_err());
        assert!(Calendar::new(&CalendarSpec::weekly(&[0], &[(0, 1441)])).is_err());
        assert!(Calendar::new(&CalendarSpec::weekly(&[0], &[(0, 600), (500, 700)])).is_err());
        let mut spec = office();
        spec.day_off(d("2025-01-02"), d("2025-01-01"));
        assert!(Calendar::new(&spec).is_err());
    }

    #[test]
    fn time_zones_are_for_callers() {
        let c = Calendar::new(&office()).unwrap();
        let start = c.next_working(m("2025-03-28T20:00")).unwrap(); // Friday evening
        let end = c.add(start, 480).unwrap();
        assert_eq!(
            (s(start), s(end)),
            ("2025-03-31T08:00".into(), "2025-03-31T17:00".into())
        );
        let tokyo = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
        let ny = chrono::FixedOffset::west_opt(4 * 3600).unwrap();
        assert_eq!(
            to_utc(start, &tokyo).unwrap().to_rfc3339(),
            "2025-03-30T23:00:00+00:00"
        );
        assert_eq!(
            to_utc(start, &ny).unwrap().to_rfc3339(),
            "2025-03-31T12:00:00+00:00"
        );
        // The same local plan in two zones is eight working hours in both.
        assert_eq!(c.work_between(start, end), 480);
    }

    #[test]
    fn brute_force_agrees_with_the_index() {
        let mut spec = CalendarSpec::weekly(&[0, 1, 2, 3, 5], &[(0, 60), (600, 1440)]);
        spec.week[6] = vec![(1380, 1440)];
        spec.day_off(d("1970-01-20"), d("1970-01-22"));
        let c = Calendar::new(&spec).unwrap();
        // Naive oracle straight from the spec: 1970-01-01 is a Thursday (weekday 3).
        let works = |t: Minute| {
            let day = t.div_euclid(DAY);
            let wd = (day + 3).rem_euclid(7) as usize;
            let mod_ = t.rem_euclid(DAY);
            !(19..=21).contains(&day)
                && spec.week[wd]
                    .iter()
                    .any(|&(a, b)| (a as Minute) <= mod_ && mod_ < b as Minute)
        };
        let mut acc = 0;
        for t in 0..(40 * DAY) {
            assert_eq!(c.work_between(0, t), acc, "at {t}");
            assert_eq!(c.work_between(t, t + 1) == 1, works(t), "at {t}");
            if works(t) {
                assert_eq!(c.next_working(t), Some(t));
                assert_eq!(c.add(t, 1), Some(t + 1));
                acc += 1;
            }
        }
    }
}
