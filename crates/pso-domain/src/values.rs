//! Value types that refuse bad input when built ("parse, don't validate").
//!
//! Each type has a private field and a `parse` constructor; once a value exists it is valid,
//! and nothing deeper checks again.

use crate::error::ValueError;
use serde::{Deserialize, Serialize};

/// ISO 3166-1 alpha-2 codes officially assigned.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// ISO 4217 active currency codes.
const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// A secret (a password, a session's CSRF token, a mail server's password): usable as text,
/// never printed by `Debug` or `Display`, so it cannot end up in a log line or a panic message.
/// It serialises as its text, because inputs are merged as JSON in memory; nothing that carries
/// one is ever sent back or logged whole.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself (for hashing, comparing or sending where it belongs).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

macro_rules! string_value {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(s: String) -> Result<Self, ValueError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_value!(
    /// ISO 3166-1 alpha-2 country code, upper case (`FR`, `US`, `IN`).
    CountryCode
);
impl CountryCode {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let up = s.trim().to_ascii_uppercase();
        if up.len() == 2 && COUNTRIES.split(' ').any(|c| c == up) {
            Ok(Self(up))
        } else {
            Err(ValueError::new(
                "unknown_country",
                format!("'{s}' is not an ISO 3166-1 alpha-2 country code"),
            ))
        }
    }
}

string_value!(
    /// ISO 4217 currency code (`EUR`, `USD`, `INR`).
    CurrencyCode
);
impl CurrencyCode {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let up = s.trim().to_ascii_uppercase();
        if up.len() == 3 && CURRENCIES.split(' ').any(|c| c == up) {
            Ok(Self(up))
        } else {
            Err(ValueError::new(
                "unknown_currency",
                format!("'{s}' is not an ISO 4217 currency code"),
            ))
        }
    }
}

string_value!(
    /// IANA time-zone name (`Europe/Paris`).
    TimeZoneName
);
impl TimeZoneName {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        match s.trim().parse::<chrono_tz::Tz>() {
            Ok(tz) => Ok(Self(tz.name().to_string())),
            Err(_) => Err(ValueError::new(
                "unknown_time_zone",
                format!("'{s}' is not an IANA time zone"),
            )),
        }
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0.parse().unwrap_or(chrono_tz::UTC)
    }
}

string_value!(
    /// A short business code (project, site, business unit): 2–32 of `A-Z 0-9 - _ .`, upper case.
    Code
);
impl Code {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        let ok = (2..=32).contains(&t.len())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if ok {
            Ok(Self(t.to_ascii_uppercase()))
        } else {
            Err(ValueError::new(
                "invalid_code",
                format!("'{s}' must be 2 to 32 letters, digits, '-', '_' or '.'"),
            ))
        }
    }
}

string_value!(
    /// A display name: 1–200 characters after trimming.
    Name
);
impl Name {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        if t.is_empty() {
            Err(ValueError::new("required", "must not be empty"))
        } else if t.chars().count() > 200 {
            Err(ValueError::new(
                "too_long",
                "must be at most 200 characters",
            ))
        } else {
            Ok(Self(t.to_string()))
        }
    }
}

string_value!(
    /// An e-mail address (one `@`, a dot in the domain, no spaces), lower-cased.
    Email
);
impl Email {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let t = s.trim().to_lowercase();
        let ok = match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !t.contains(char::is_whitespace)
                    && !domain.contains('@')
                    && t.len() <= 254
            }
            None => false,
        };
        if ok {
            Ok(Self(t))
        } else {
            Err(ValueError::new(
                "invalid_email",
                format!("'{s}' is not an e-mail address"),
            ))
        }
    }
}

/// The first year PSO accepts in a date (plans, holidays, rates): older dates are typing
/// mistakes, and they would send the engine through centuries of calendar.
pub const MIN_YEAR: i32 = 1900;
/// The last year PSO accepts in a date.
pub const MAX_YEAR: i32 = 2200;

/// A calendar date `YYYY-MM-DD` (in the time zone of the site it belongs to), in the years
/// [`MIN_YEAR`] to [`MAX_YEAR`].
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, ValueError> {
    use chrono::Datelike;
    let bad = || {
        ValueError::new(
            "invalid_date",
            format!("'{s}' is not a date in the form YYYY-MM-DD"),
        )
    };
    // Exactly YYYY-MM-DD (chrono alone also takes `2026-1-5` and signed years).
    let t = s.trim().as_bytes();
    let shape = t.len() == 10
        && t.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(bad());
    }
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        return Err(ValueError::new(
            "date_out_of_range",
            format!("'{s}' is outside the years {MIN_YEAR} to {MAX_YEAR}"),
        ));
    }
    Ok(d)
}

/// Is `c` a control character PSO refuses in text (everything but tab and newline)? NUL cannot
/// be stored by PostgreSQL and no XML reader accepts it; the others hide text and break exports.
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// Refuses text with a control character other than tab and newline (a carriage return too:
/// pages turn text areas' `\r\n` into `\n` before their input reaches this rule).
pub fn check_text(s: &str) -> Result<(), ValueError> {
    match s.char_indices().find(|(_, c)| is_refused_control(*c)) {
        None => Ok(()),
        Some((i, c)) => Err(ValueError::new(
            "control_character",
            format!(
                "contains the control character U+{:04X} at byte {i}; only tab and newline are \
                 allowed",
                c as u32
            ),
        )),
    }
}

/// Minutes after midnight of a `HH:MM` time of day, `00:00` to `24:00` (two digits each).
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let digits = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

/// Working-week day names, in the order Monday..Sunday.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Parses a working week (`["mon", ..., "fri"]`): known names, no duplicates, at least one day.
pub fn parse_working_week(days: &[String]) -> Result<Vec<String>, ValueError> {
    let mut seen = [false; 7];
    for d in days {
        let low = d.trim().to_ascii_lowercase();
        let Some(i) = WEEKDAYS.iter().position(|w| **w == low) else {
            return Err(ValueError::new(
                "invalid_weekday",
                format!("'{d}' is not one of mon, tue, wed, thu, fri, sat, sun"),
            ));
        };
        if seen[i] {
            return Err(ValueError::new(
                "duplicate_weekday",
                format!("'{d}' is listed twice"),
            ));
        }
        seen[i] = true;
    }
    if days.is_empty() {
        return Err(ValueError::new(
            "required",
            "a working week needs at least one day",
        ));
    }
    Ok(WEEKDAYS
        .iter()
        .zip(seen)
        .filter(|(_, s)| *s)
        .map(|(d, _)| d.to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_currencies_zones() {
        assert_eq!(CountryCode::parse("fr").unwrap().as_str(), "FR");
        assert_eq!(
            CountryCode::parse("XX").unwrap_err().code,
            "unknown_country"
        );
        assert_eq!(CurrencyCode::parse("inr").unwrap().as_str(), "INR");
        assert!(CurrencyCode::parse("EURO").is_err());
        assert_eq!(
            TimeZoneName::parse("Asia/Kolkata").unwrap().as_str(),
            "Asia/Kolkata"
        );
        assert_eq!(
            TimeZoneName::parse("Mars/Olympus").unwrap_err().code,
            "unknown_time_zone"
        );
    }

    #[test]
    fn codes_names_emails() {
        assert_eq!(Code::parse("ab-12").unwrap().as_str(), "AB-12");
        assert!(Code::parse("a").is_err());
        assert!(Code::parse("has space").is_err());
        assert!(Name::parse("   ").is_err());
        assert_eq!(Email::parse("A@B.com").unwrap().as_str(), "a@b.com");
        assert!(Email::parse("a@b").is_err());
        assert!(Email::parse("a b@c.de").is_err());
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_hhmm("09:30"), Some(570));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        for bad in ["24:01", "9:30", "09:60", "0930", "ab:cd"] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
    }

    #[test]
    fn working_week() {
        let w = parse_working_week(&["fri".into(), "Mon".into()]).unwrap();
        assert_eq!(w, vec!["mon", "fri"]);
        assert!(parse_working_week(&["mon".into(), "mon".into()]).is_err());
        assert!(parse_working_week(&["funday".into()]).is_err());
        assert!(parse_working_week(&[]).is_err());
    }
}
