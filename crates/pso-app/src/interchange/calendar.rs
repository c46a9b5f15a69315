//! The file's project calendar compared with the site's: differences go to the report.

use super::ImportReport;
use pso_domain::model::Site;
use pso_formats::mspdi::{self, Coded, DayType};
use std::collections::BTreeSet;

pub(super) const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn hm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Working intervals of a week day (minutes from midnight).
fn intervals(wd: &mspdi::WeekDay) -> Vec<(u32, u32)> {
    wd.working_times
        .iter()
        .filter_map(|w| {
            let a = w.from_time?.minutes();
            let mut b = w.to_time?.minutes();
            if b == 0 {
                b = 1440;
            }
            (b > a).then_some((a, b))
        })
        .collect()
}

/// A site's `HH:MM` in minutes after midnight (site hours are validated when saved).
pub(super) fn parse_hhmm(s: &str) -> Option<u32> {
    pso_domain::values::parse_hhmm(s).map(u32::from)
}

/// Compares the file's project calendar with the site's; differences go to the report.
pub(super) fn compare_calendar(doc: &mspdi::Project, site: &Site, report: &mut ImportReport) {
    let cal = doc
        .calendars
        .iter()
        .find(|c| c.uid.is_some() && c.uid == doc.calendar_uid)
        .or_else(|| {
            doc.calendars
                .iter()
                .find(|c| c.is_base_calendar == Some(true))
        });
    let Some(cal) = cal else { return };
    let cal_name = cal.name.clone().unwrap_or_else(|| "Standard".into());
    // The working week: a day the calendar does not define works Monday to Friday, 08:00-12:00
    // and 13:00-17:00 (MS Project's default).
    let mut week: Vec<(bool, Vec<(u32, u32)>)> = (0..7)
        .map(|d| {
            if (1..=5).contains(&d) {
                (true, vec![(480, 720), (780, 1020)])
            } else {
                (false, vec![])
            }
        })
        .collect();
    for wd in &cal.week_days {
        if let Some(i) = wd
            .day_type
            .and_then(Coded::known)
            .and_then(DayType::sunday_index)
        {
            let working = wd.day_working.unwrap_or(false);
            week[i] = (working, if working { intervals(wd) } else { vec![] });
        }
    }
    let file_days: Vec<&str> = (0..7).filter(|i| week[*i].0).map(|i| DAYS[i]).collect();
    let site_days: Vec<&str> = DAYS
        .iter()
        .copied()
        .filter(|d| site.working_week.iter().any(|w| w.eq_ignore_ascii_case(d)))
        .collect();
    let reason = "PSO schedules on the site's calendar; the file's calendar is kept in the \
                  stored file and exported again";
    if file_days != site_days {
        report.note(
            "calendar: working days",
            reason,
            format!(
                "'{cal_name}' works {} — site {} works {}",
                file_days.join(", "),
                site.code,
                site_days.join(", ")
            ),
        );
    }
    let site_hours: Vec<(u32, u32)> = site
        .working_hours
        .iter()
        .filter_map(|[a, b]| Some((parse_hhmm(a)?, parse_hhmm(b)?)))
        .collect();
    let fmt = |v: &[(u32, u32)]| {
        v.iter()
            .map(|(a, b)| format!("{}-{}", hm(*a), hm(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut seen = BTreeSet::new();
    for (i, (working, hours)) in week.iter().enumerate() {
        if *working && *hours != site_hours && seen.insert(hours.clone()) {
            report.note(
                "calendar: working hours",
                reason,
                format!(
                    "'{cal_name}' {} {} — site {} {}",
                    DAYS[i],
                    fmt(hours),
                    site.code,
                    fmt(&site_hours)
                ),
            );
        }
    }
    // Exceptions: non-working days that are not holidays of the site.
    let holidays: BTreeSet<&str> = site.holidays.iter().map(|h| h.date.as_str()).collect();
    let mut check_period = |name: &str, p: &mspdi::TimePeriod, working: bool, recurring: bool| {
        let (Some(a), Some(b)) = (p.from_date, p.to_date) else {
            return;
        };
        let what = if name.is_empty() {
            String::new()
        } else {
            format!("'{name}' ")
        };
        if working {
            report.note(
                "calendar: working exceptions",
                reason,
                format!("{what}{} to {}", a.date(), b.date()),
            );
            return;
        }
        if recurring {
            report.note(
                "calendar: recurring exceptions",
                reason,
                format!("{what}from {} to {}", a.date(), b.date()),
            );
            return;
        }
        let mut d = a.date();
        let mut n = 0;
        while d <= b.date() && n < 400 {
            let ds = d.to_string();
            if !holidays.contains(ds.as_str()) {
                report.note(
                    "calendar: non-working days that are not holidays of the site",
                    reason,
                    format!("{what}{ds}"),
                );
            }
            d = d.succ_opt().unwrap_or(d);
            n += 1;
        }
    };
    for e in &cal.exceptions {
        if let Some(p) = &e.time_period {
            let recurring = e.occurrences.unwrap_or(1) > 1
                || e.exception_type.is_some_and(|t| t != 1 && t != 0) && {
                    let a = p.from_date.map(|d| d.date());
                    let b = p.to_date.map(|d| d.date());
                    a != b
                };
            check_period(
                e.name.as_deref().unwrap_or(""),
                p,
                e.day_working.unwrap_or(false),
                recurring && e.occurrences.unwrap_or(1) > 1,
            );
        }
    }
    for wd in &cal.week_days {
        if wd.day_type == Some(Coded::Known(DayType::Exception)) {
            if let Some(p) = &wd.time_period {
                check_period("", p, wd.day_working.unwrap_or(false), false);
            }
        }
    }
    if !cal.work_weeks.is_empty() {
        for w in &cal.work_weeks {
            report.note(
                "calendar: work weeks",
                reason,
                w.name.clone().unwrap_or_default(),
            );
        }
    }
    for c in &doc.calendars {
        if std::ptr::eq(c, cal) {
            continue;
        }
        report.note(
            "other calendars (resource and base calendars)",
            "PSO uses the calendar of each person's site; kept in the stored file and exported \
             again",
            c.name.clone().unwrap_or_default(),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn site() -> Site {
        crate::interchange::test_site(vec![pso_domain::model::Holiday {
            date: "2025-12-25".into(),
            name: "Christmas".into(),
        }])
    }

    fn compare(calendars: &str) -> Vec<(String, Vec<String>)> {
        let xml = format!(
            "<Project xmlns=\"{}\"><CalendarUID>1</CalendarUID><Calendars>{calendars}\
             </Calendars></Project>",
            mspdi::NAMESPACE
        );
        let p = mspdi::from_str(&xml).unwrap().project;
        let mut r = ImportReport::default();
        compare_calendar(&p, &site(), &mut r);
        r.items.into_iter().map(|i| (i.topic, i.examples)).collect()
    }

    #[test]
    fn the_same_calendar_says_nothing() {
        // Days the calendar does not define are MS Project's standard days; the site's
        // holidays are no difference.
        assert!(compare(
            "<Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>\
             <Exceptions><Exception><TimePeriod><FromDate>2025-12-25T00:00:00</FromDate>\
             <ToDate>2025-12-25T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences>\
             <Type>1</Type><DayWorking>0</DayWorking></Exception></Exceptions></Calendar>"
        )
        .is_empty());
        assert!(compare("").is_empty());
    }

    #[test]
    fn differences_from_the_site() {
        let got = compare(
            "<Calendar><UID>1</UID><Name>Six days</Name><WeekDays>\
               <WeekDay><DayType>7</DayType><DayWorking>1</DayWorking><WorkingTimes>\
                 <WorkingTime><FromTime>09:00:00</FromTime><ToTime>13:00:00</ToTime>\
                 </WorkingTime></WorkingTimes></WeekDay>\
               <WeekDay><DayType>0</DayType><DayWorking>0</DayWorking><TimePeriod>\
                 <FromDate>2025-12-24T00:00:00</FromDate><ToDate>2025-12-25T23:59:00</ToDate>\
               </TimePeriod></WeekDay>\
               <WeekDay><DayType>12</DayType><DayWorking>1</DayWorking></WeekDay>\
             </WeekDays></Calendar>\
             <Calendar><UID>2</UID><Name>Ann</Name></Calendar>",
        );
        let want: Vec<(String, Vec<String>)> = vec![
            (
                "calendar: working days".into(),
                vec![
                    "'Six days' works mon, tue, wed, thu, fri, sat — site ZRH works mon, \
                      tue, wed, thu, fri"
                        .into(),
                ],
            ),
            (
                "calendar: working hours".into(),
                vec!["'Six days' sat 09:00-13:00 — site ZRH 08:00-12:00, 13:00-17:00".into()],
            ),
            (
                "calendar: non-working days that are not holidays of the site".into(),
                vec!["2025-12-24".into()],
            ),
            (
                "other calendars (resource and base calendars)".into(),
                vec!["Ann".into()],
            ),
        ];
        assert_eq!(got, want);
    }
}
