//! Typed values of MSPDI leaf elements: how each is parsed from and written to text.
//!
//! A leaf whose text does not parse as its type is not an error: the reader keeps it verbatim
//! among the owner's untyped elements, so a file is never refused (or altered) because a tool
//! wrote a value in an unusual way.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt::Write as _;

/// A value stored in a leaf element (`<Name>text</Name>`).
pub trait Value: Sized {
    /// Parses the element's (unescaped) text; `None` when it is not a value of this type.
    fn parse(text: &str) -> Option<Self>;
    /// Appends the value's text (not yet escaped) to `out`.
    fn emit(&self, out: &mut String);
}

impl Value for String {
    fn parse(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn emit(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Value for i64 {
    fn parse(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
    fn emit(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl Value for f64 {
    fn parse(text: &str) -> Option<Self> {
        let v: f64 = text.trim().parse().ok()?;
        v.is_finite().then_some(v)
    }
    fn emit(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

/// MSPDI booleans are `0`/`1`; some tools write `true`/`false`. Written back as `0`/`1`.
impl Value for bool {
    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }
    }
    fn emit(&self, out: &mut String) {
        out.push(if *self { '1' } else { '0' });
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, local time of the project (MSPDI carries no time zone).
impl Value for NaiveDateTime {
    fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(NaiveTime::MIN))
            })
    }
    fn emit(&self, out: &mut String) {
        let _ = write!(out, "{}", self.format("%Y-%m-%dT%H:%M:%S"));
    }
}

/// A time of day, `HH:MM:SS`, from `00:00:00` to `24:00:00` inclusive (MS Project writes
/// `00:00:00` for the end of a shift that ends at midnight; others write `24:00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    seconds: u32,
}

impl TimeOfDay {
    /// `None` past 24:00:00.
    pub fn from_seconds(seconds: u32) -> Option<Self> {
        (seconds <= 86_400).then_some(Self { seconds })
    }
    /// Seconds since midnight.
    pub fn seconds(self) -> u32 {
        self.seconds
    }
    /// Whole minutes since midnight.
    pub fn minutes(self) -> u32 {
        self.seconds / 60
    }
}

impl Value for TimeOfDay {
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split(':');
        let h: u32 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let s: u32 = match parts.next() {
            Some(s) => s.split('.').next()?.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() || m > 59 || s > 59 {
            return None;
        }
        Self::from_seconds(h * 3600 + m * 60 + s)
    }
    fn emit(&self, out: &mut String) {
        let s = self.seconds;
        let _ = write!(out, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
}

/// An MSPDI duration (`PT8H0M0S`, `-PT4H0M0S`, `P1DT2H`, `PT1.5H`): the text is kept as read,
/// so writing it back re-emits exactly what the file said; [`Duration::seconds`] gives its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Duration {
    text: String,
}

impl Duration {
    /// A duration of whole minutes, written as MS Project does (`PT{h}H{m}M0S`).
    pub fn from_minutes(minutes: i64) -> Self {
        let sign = if minutes < 0 { "-" } else { "" };
        let m = minutes.unsigned_abs();
        Self {
            text: format!("{sign}PT{}H{}M0S", m / 60, m % 60),
        }
    }
    /// The text as in the file.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The value in seconds (`D` counts 24 hours, `Y`/`M` before `T` are not supported).
    pub fn seconds(&self) -> Option<f64> {
        parse_iso_duration(&self.text)
    }
    /// The value in minutes.
    pub fn minutes(&self) -> Option<f64> {
        self.seconds().map(|s| s / 60.0)
    }
}

impl Value for Duration {
    fn parse(text: &str) -> Option<Self> {
        parse_iso_duration(text)?;
        Some(Self {
            text: text.to_owned(),
        })
    }
    fn emit(&self, out: &mut String) {
        out.push_str(&self.text);
    }
}

fn parse_iso_duration(text: &str) -> Option<f64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let t = t.strip_prefix('P')?;
    let mut total = 0.0;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for c in t.chars() {
        match c {
            'T' if !in_time && num.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => num.push(if c == ',' { '.' } else { c }),
            _ => {
                let v: f64 = num.parse().ok()?;
                num.clear();
                any = true;
                total += v * match (c, in_time) {
                    ('W', false) => 7.0 * 86_400.0,
                    ('D', false) => 86_400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    if !num.is_empty() || !any {
        return None;
    }
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = Duration::parse("PT8H0M0S").unwrap();
        assert_eq!(d.minutes(), Some(480.0));
        assert_eq!(
            Duration::parse("-PT4H30M0S").unwrap().minutes(),
            Some(-270.0)
        );
        assert_eq!(Duration::parse("P1DT2H").unwrap().minutes(), Some(1560.0));
        assert_eq!(Duration::parse("PT1.5H").unwrap().minutes(), Some(90.0));
        assert!(Duration::parse("8h").is_none());
        assert!(Duration::parse("PT").is_none());
        assert_eq!(Duration::from_minutes(-90).as_str(), "-PT1H30M0S");
    }

    #[test]
    fn times_of_day() {
        let t = TimeOfDay::parse("24:00:00").unwrap();
        assert_eq!(t.minutes(), 1440);
        assert!(TimeOfDay::parse("24:00:01").is_none());
        let mut s = String::new();
        TimeOfDay::parse("08:30:00").unwrap().emit(&mut s);
        assert_eq!(s, "08:30:00");
    }
}
