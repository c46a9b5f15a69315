//! When a recurring job runs: a schedule's spec read in its site's IANA time zone.
//!
//! A spec is either a five-field cron expression (`minute hour day-of-month month
//! day-of-week`, evaluated by the `croner` crate) or one of these phrases, which are turned into
//! cron expressions:
//!
//! | phrase | cron |
//! |---|---|
//! | `every day 03:00` | `0 3 * * *` |
//! | `every weekday 08:30` | `30 8 * * MON-FRI` |
//! | `every Monday 08:00` (`every Monday, Thursday 08:00`) | `0 8 * * MON` (`MON,THU`) |
//! | `every hour` | `0 * * * *` |
//! | `every 15 minutes` (a divisor of 60) | `*/15 * * * *` |
//!
//! The next run is computed on the wall clock of the time zone and stored in UTC, so "every
//! Monday 08:00" in Paris is 07:00 UTC in winter and 06:00 UTC in summer. Daylight saving time
//! follows the Open Cron Pattern Specification as `croner` implements it: a time that does not
//! exist on the day the clocks go forward (02:30 in Europe) runs at the first minute after the
//! gap (03:00); a time that happens twice when they go back runs once, at its first occurrence;
//! interval specs (`every 15 minutes`) run through both halves of a repeated hour.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// A parsed schedule spec.
#[derive(Debug, Clone)]
pub struct Recurrence {
    cron: Cron,
    /// The cron expression it stands for.
    pub expression: String,
}

const DAYS: [(&str, &str); 7] = [
    ("monday", "MON"),
    ("tuesday", "TUE"),
    ("wednesday", "WED"),
    ("thursday", "THU"),
    ("friday", "FRI"),
    ("saturday", "SAT"),
    ("sunday", "SUN"),
];

fn hhmm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() <= 5).then_some((h, m))
}

fn day(word: &str) -> Option<&'static str> {
    let w = word.trim().trim_end_matches('s');
    DAYS.iter()
        .find(|(name, abbr)| *name == w || abbr.eq_ignore_ascii_case(w))
        .map(|(_, abbr)| *abbr)
}

/// The cron expression of an `every ...` phrase.
fn phrase(spec: &str) -> Result<String, String> {
    let rest = spec["every".len()..].trim().to_ascii_lowercase();
    if rest == "hour" {
        return Ok("0 * * * *".into());
    }
    if rest == "minute" {
        return Ok("* * * * *".into());
    }
    if let Some(n) = rest.strip_suffix("minutes").map(str::trim) {
        return match n.parse::<u32>() {
            Ok(n) if n > 0 && 60 % n == 0 => Ok(format!("*/{n} * * * *")),
            _ => Err(format!(
                "'{spec}': the minutes of 'every N minutes' divide an hour (1, 2, 3, 5, 10, \
                 15, 20, 30)"
            )),
        };
    }
    let (days, time) = rest
        .rsplit_once(' ')
        .ok_or_else(|| format!("'{spec}': write 'every day 03:00' or 'every Monday 08:00'"))?;
    let (h, m) = hhmm(time.trim())
        .ok_or_else(|| format!("'{spec}': the time is HH:MM on a 24-hour clock"))?;
    let days = days.trim();
    let dow = match days {
        "day" => "*".to_string(),
        "weekday" => "MON-FRI".to_string(),
        list => {
            let mut out = Vec::new();
            for w in list
                .split([',', ' '])
                .filter(|w| !w.is_empty() && *w != "and")
            {
                out.push(
                    day(w).ok_or_else(|| format!("'{spec}': '{w}' is not a day of the week"))?,
                );
            }
            if out.is_empty() {
                return Err(format!("'{spec}': name the days"));
            }
            out.join(",")
        }
    };
    Ok(format!("{m} {h} * * {dow}"))
}

impl Recurrence {
    /// Reads a spec (a phrase or a five-field cron expression); the error says what is wrong.
    pub fn parse(spec: &str) -> Result<Recurrence, String> {
        let spec = spec.trim();
        let expression = if spec
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("every"))
        {
            phrase(spec)?
        } else {
            if spec.split_whitespace().count() != 5 {
                return Err(format!(
                    "'{spec}' is neither a phrase ('every Monday 08:00') nor a cron expression \
                     of five fields (minute hour day-of-month month day-of-week)"
                ));
            }
            spec.to_string()
        };
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(&expression)
            .map_err(|e| format!("'{spec}': {e}"))?;
        Ok(Recurrence { cron, expression })
    }

    /// The first run strictly after `after`, on the wall clock of `tz`, in UTC.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .with_timezone(&Utc)
    }

    fn next(spec: &str, tz: &str, after: &str) -> String {
        let r = Recurrence::parse(spec).unwrap_or_else(|e| panic!("{e}"));
        let tz: Tz = tz.parse().unwrap_or_else(|e| panic!("{e}"));
        r.next_after(utc(after), tz)
            .unwrap_or_else(|| panic!("no next run"))
            .to_rfc3339()
    }

    #[test]
    fn phrases_become_cron_expressions() {
        let cases = [
            ("every day 03:00", "0 3 * * *"),
            ("every weekday 08:30", "30 8 * * MON-FRI"),
            ("Every Monday 08:00", "0 8 * * MON"),
            ("every Mondays, Thursday 8:05", "5 8 * * MON,THU"),
            ("every tue and fri 17:45", "45 17 * * TUE,FRI"),
            ("every hour", "0 * * * *"),
            ("every 15 minutes", "*/15 * * * *"),
        ];
        for (spec, cron) in cases {
            assert_eq!(
                Recurrence::parse(spec)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .expression,
                cron,
                "{spec}"
            );
        }
        assert_eq!(
            Recurrence::parse("0 6 1 * *")
                .unwrap_or_else(|e| panic!("{e}"))
                .expression,
            "0 6 1 * *"
        );
    }

    #[test]
    fn bad_specs_say_why() {
        for (spec, needle) in [
            ("every Funday 08:00", "not a day"),
            ("every day 25:00", "HH:MM"),
            ("every 7 minutes", "divide an hour"),
            ("at noon", "neither a phrase"),
            ("0 0 0 * * *", "neither a phrase"),
            ("61 * * * *", "61"),
        ] {
            let e = Recurrence::parse(spec).expect_err(spec);
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }

    #[test]
    fn wall_clock_of_the_site() {
        // Monday 08:00 in Paris: 07:00 UTC in winter, 06:00 UTC in summer.
        assert_eq!(
            next("every Monday 08:00", "Europe/Paris", "2026-01-01T00:00:00Z"),
            "2026-01-05T07:00:00+00:00"
        );
        assert_eq!(
            next("every Monday 08:00", "Europe/Paris", "2026-07-01T00:00:00Z"),
            "2026-07-06T06:00:00+00:00"
        );
        // Strictly after: at the run itself, the next one is a week later.
        assert_eq!(
            next("every Monday 08:00", "Europe/Paris", "2026-01-05T07:00:00Z"),
            "2026-01-12T07:00:00+00:00"
        );
        // Kolkata has no DST and a half-hour offset.
        assert_eq!(
            next("every day 09:00", "Asia/Kolkata", "2026-03-01T00:00:00Z"),
            "2026-03-01T03:30:00+00:00"
        );
    }

    #[test]
    fn daily_runs_across_dst_keep_the_wall_clock() {
        // Europe/Paris goes from +01:00 to +02:00 on 2026-03-29 and back on 2026-10-25.
        let r = Recurrence::parse("every day 08:00").unwrap_or_else(|e| panic!("{e}"));
        let tz: Tz = "Europe/Paris".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut t = utc("2026-03-27T12:00:00Z");
        let mut seen = Vec::new();
        for _ in 0..4 {
            t = r.next_after(t, tz).unwrap_or_else(|| panic!("next"));
            seen.push(t.to_rfc3339());
        }
        assert_eq!(
            seen,
            [
                "2026-03-28T07:00:00+00:00",
                "2026-03-29T06:00:00+00:00",
                "2026-03-30T06:00:00+00:00",
                "2026-03-31T06:00:00+00:00",
            ]
        );
        let mut t = utc("2026-10-24T12:00:00Z");
        t = r.next_after(t, tz).unwrap_or_else(|| panic!("next"));
        assert_eq!(t.to_rfc3339(), "2026-10-25T07:00:00+00:00");
        // Every local 08:00 is 24 wall-clock hours apart, never 23 or 25 in local time.
        for _ in 0..3 {
            let n = r.next_after(t, tz).unwrap_or_else(|| panic!("next"));
            let a = t.with_timezone(&tz);
            let b = n.with_timezone(&tz);
            assert_eq!(b.time(), a.time());
            t = n;
        }
    }

    #[test]
    fn a_time_in_the_spring_gap_runs_after_the_gap() {
        // 02:30 does not exist in Paris on 2026-03-29 (02:00 → 03:00).
        let got = next("every day 02:30", "Europe/Paris", "2026-03-28T12:00:00Z");
        assert_eq!(got, "2026-03-29T01:00:00+00:00", "03:00 CEST");
        // And the day after it is 02:30 again.
        let got = next("every day 02:30", "Europe/Paris", "2026-03-29T01:00:00Z");
        assert_eq!(got, "2026-03-30T00:30:00+00:00");
    }

    #[test]
    fn a_time_in_the_autumn_overlap_runs_once() {
        // 02:30 happens twice in Paris on 2026-10-25 (CEST 00:30 UTC, then CET 01:30 UTC).
        let tz: Tz = "Europe/Paris".parse().unwrap_or_else(|e| panic!("{e}"));
        let r = Recurrence::parse("every day 02:30").unwrap_or_else(|e| panic!("{e}"));
        let first = r
            .next_after(utc("2026-10-24T12:00:00Z"), tz)
            .unwrap_or_else(|| panic!("next"));
        assert_eq!(first.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        let second = r.next_after(first, tz).unwrap_or_else(|| panic!("next"));
        assert_eq!(
            second.to_rfc3339(),
            "2026-10-26T01:30:00+00:00",
            "not again at 01:30 UTC the same night"
        );
        // New York: a weekly run keeps 08:00 local across its own DST change (2026-11-01).
        let ny: Tz = "America/New_York".parse().unwrap_or_else(|e| panic!("{e}"));
        let r = Recurrence::parse("every Monday 08:00").unwrap_or_else(|e| panic!("{e}"));
        let a = r
            .next_after(utc("2026-10-20T00:00:00Z"), ny)
            .unwrap_or_else(|| panic!("next"));
        let b = r.next_after(a, ny).unwrap_or_else(|| panic!("next"));
        assert_eq!(a.to_rfc3339(), "2026-10-26T12:00:00+00:00", "08:00 EDT");
        assert_eq!(b.to_rfc3339(), "2026-11-02T13:00:00+00:00", "08:00 EST");
        assert_eq!(b.with_timezone(&ny).time(), a.with_timezone(&ny).time());
    }
}
