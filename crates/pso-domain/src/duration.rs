//! Time typed into a timesheet cell: `7.5` (hours, `,` also taken as the decimal mark),
//! `7:30` (hours and minutes), `7h30` / `7h` / `7h30m` (hours and minutes), or `450m`
//! (minutes). The week grid's script (`assets/time.js`) reads cells by the same rule, so a
//! value the page accepts while typing is the one the server stores.

use crate::error::ValueError;
use crate::timesheet::MINUTES_PER_DAY;

/// Minutes of a typed duration: 0 for an empty cell (nothing booked), at most 24 hours.
pub fn parse_duration(s: &str) -> Result<i64, ValueError> {
    let bad = || {
        ValueError::new(
            "invalid_duration",
            format!("'{}' is not a time like 7.5, 7:30, 7h30 or 450m", s.trim()),
        )
    };
    let t: String = s
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Ok(0);
    }
    let digits = |x: &str| !x.is_empty() && x.len() <= 4 && x.bytes().all(|b| b.is_ascii_digit());
    let minutes = if let Some(m) = t.strip_suffix('m').filter(|m| !m.contains('h')) {
        // 450m
        if !digits(m) {
            return Err(bad());
        }
        m.parse::<i64>().map_err(|_| bad())?
    } else if let Some((h, m)) = t.split_once('h') {
        // 7h, 7h30, 7h30m
        let m = m.strip_suffix('m').filter(|x| !x.is_empty()).unwrap_or(m);
        if !digits(h) || !(m.is_empty() || (digits(m) && m.len() <= 2)) {
            return Err(bad());
        }
        let m: i64 = if m.is_empty() {
            0
        } else {
            m.parse().map_err(|_| bad())?
        };
        if m >= 60 {
            return Err(bad());
        }
        h.parse::<i64>().map_err(|_| bad())? * 60 + m
    } else if let Some((h, m)) = t.split_once(':') {
        // 7:30
        if !digits(h) || !digits(m) || m.len() != 2 {
            return Err(bad());
        }
        let m: i64 = m.parse().map_err(|_| bad())?;
        if m >= 60 {
            return Err(bad());
        }
        h.parse::<i64>().map_err(|_| bad())? * 60 + m
    } else {
        // 7.5, 7,5, 8, .5
        let t = t.replace(',', ".");
        let (whole, frac) = match t.split_once('.') {
            // A separator needs a decimal after it: `7.` is a typo, not 7 hours.
            Some((_, "")) => return Err(bad()),
            Some(parts) => parts,
            None => (t.as_str(), ""),
        };
        if (whole.is_empty() && frac.is_empty())
            || !(whole.is_empty() || digits(whole))
            || !(frac.is_empty() || (digits(frac) && frac.len() <= 2))
        {
            return Err(bad());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        // Hundredths of an hour, rounded to the nearest minute (0.25 h = 15 min).
        let hundredths: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse::<i64>().map_err(|_| bad())?,
        };
        whole * 60 + (hundredths * 60 + 50) / 100
    };
    if minutes > MINUTES_PER_DAY {
        return Err(ValueError::new(
            "duration_too_long",
            format!("'{}' is more than 24 hours", s.trim()),
        ));
    }
    Ok(minutes)
}

/// Minutes written as the grid shows them: `7:30`, `8:00`, `0:45`.
pub fn format_minutes(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let m = m.abs();
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notation_reads_the_same() {
        for s in [
            "7.5", "7,5", "7:30", "7h30", "7h30m", "450m", " 7H30 ", "450 m",
        ] {
            assert_eq!(parse_duration(s).unwrap(), 450, "{s}");
        }
        assert_eq!(parse_duration("8").unwrap(), 480);
        assert_eq!(parse_duration("8h").unwrap(), 480);
        assert_eq!(parse_duration(".25").unwrap(), 15);
        assert_eq!(parse_duration("0:05").unwrap(), 5);
        assert_eq!(parse_duration("1.33").unwrap(), 80);
        assert_eq!(parse_duration("24").unwrap(), 1440);
        assert_eq!(parse_duration("").unwrap(), 0);
        assert_eq!(parse_duration("  ").unwrap(), 0);
        assert_eq!(parse_duration("0").unwrap(), 0);
    }

    #[test]
    fn nonsense_is_refused() {
        for s in [
            "abc", "7:3", "7:60", "7h60", "7.555", "-1", "1e3", "7..5", "h30", "7:30m", "m", ".",
            "12345", "7h30h",
        ] {
            let e = parse_duration(s).unwrap_err();
            assert_eq!(e.code, "invalid_duration", "{s}");
        }
        assert_eq!(
            parse_duration("24:01").unwrap_err().code,
            "duration_too_long"
        );
        assert_eq!(
            parse_duration("1441m").unwrap_err().code,
            "duration_too_long"
        );
    }

    #[test]
    fn minutes_are_shown_as_hours_and_minutes() {
        assert_eq!(format_minutes(450), "7:30");
        assert_eq!(format_minutes(5), "0:05");
        assert_eq!(format_minutes(2400), "40:00");
    }
}
