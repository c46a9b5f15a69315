//! JSON Schemas of the values the validators accept, for the OpenAPI document.
//!
//! The inputs derive [`schemars::JsonSchema`]; their string fields point here
//! (`#[schemars(schema_with = "...")]`) so the document states exactly the rule that
//! [`crate::values`] and the inputs' `validate()` enforce: a value the schema allows is accepted,
//! a value it refuses is refused. That equality is what a contract fuzzer checks in both
//! directions, so these patterns follow the parsers character for character: the parsers trim
//! with Rust's `str::trim` (Unicode `White_Space`), so the patterns allow exactly that set around
//! the value; lengths are counted in characters, as the parsers count them.
//!
//! Rules a schema cannot state (a reference to an object that must exist, one field excluding
//! another, a period that must follow the previous one) stay in the validators and answer 422
//! with the rule's code; the document says so in the field's description.

use schemars::{json_schema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Unicode `White_Space` (what `str::trim` removes) that text may hold, as the inside of a
/// regex character class: the control characters among them (`\u000b`, `\u000c`, `\r`,
/// `\u0085`) are refused anywhere in text, so they are left out here too.
macro_rules! ws {
    () => {
        r"\t\n \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}

/// Text holds no control character but tab and newline (`pso_domain::values::check_text`,
/// 422 `control_character`): NUL cannot be stored by PostgreSQL, and the others hide text and
/// break exports. Every string schema of a request body says so.
pub const NO_CONTROL: &str = r"^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$";

/// A URL never holds NUL (`%00` is refused with 400 `invalid_character`): the rule of query
/// parameters.
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// A string that is 1 to `max` characters once trimmed.
fn trimmed_text(max: usize) -> String {
    format!(
        concat!(
            "^[",
            ws!(),
            "]*[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
            ws!(),
            "](?:[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]{{0,{}}}[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
            ws!(),
            "])?[",
            ws!(),
            "]*$"
        ),
        max - 2
    )
}

/// Something other than white space: the rule of fields that must not be empty.
const NOT_BLANK: &str = concat!("^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f", ws!(), "][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$");

/// [`crate::values::Code`]: 2 to 32 of letters, digits, `-`, `_`, `.`, trimmed.
pub const CODE_PATTERN: &str = concat!("^[", ws!(), "]*[A-Za-z0-9._-]{2,32}[", ws!(), "]*$");

/// [`crate::values::Email`]: one `@`, a local part, a domain with a dot inside it, no space.
pub const EMAIL_PATTERN: &str = concat!(
    "^[",
    ws!(),
    "]*[^@\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
    ws!(),
    "]+@[^@.\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
    ws!(),
    "][^@\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
    ws!(),
    "]*\\.[^@\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
    ws!(),
    "]*[^@.\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
    ws!(),
    "][",
    ws!(),
    "]*$"
);

/// [`crate::values::parse_hhmm`]: `HH:MM` from `00:00` to `24:00`.
pub const HHMM_PATTERN: &str = "^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";

/// [`crate::access::Scope::parse`]: `global`, or a kind and a code.
pub const SCOPE_PATTERN: &str = concat!(
    "^[",
    ws!(),
    "]*(?:global|(?:business_unit|site|project):[",
    ws!(),
    "]*[A-Za-z0-9._-]{2,32})[",
    ws!(),
    "]*$"
);

fn string(pattern: &str, description: &str) -> Schema {
    json_schema!({"type": "string", "pattern": pattern, "description": description})
}

/// A business code (project, site, business unit).
pub fn code(_: &mut SchemaGenerator) -> Schema {
    string(
        CODE_PATTERN,
        "2 to 32 letters, digits, '-', '_' or '.' (stored upper case)",
    )
}

/// A display name: 1 to 200 characters once trimmed.
pub fn name(_: &mut SchemaGenerator) -> Schema {
    string(&trimmed_text(200), "1 to 200 characters (trimmed)")
}

/// A label of at most `max` characters once trimmed.
pub fn label(max: usize) -> Schema {
    string(
        &trimmed_text(max),
        &format!("1 to {max} characters (trimmed)"),
    )
}

/// A skill of a person.
pub fn skills(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "items": label(60)})
}

/// Text that must contain something other than white space.
pub fn not_blank(_: &mut SchemaGenerator) -> Schema {
    string(NOT_BLANK, "must not be empty")
}

/// The id of an object that must exist (422 `unknown_reference` otherwise).
pub fn reference(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "pattern": NOT_BLANK,
        "description": "the id of an existing object (422 `unknown_reference` otherwise)"})
}

/// An optional reference: `null` or empty for none.
pub fn optional_reference(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"], "pattern": NO_CONTROL,
        "description": "the id of an existing object (422 `unknown_reference` otherwise); null or empty for none"})
}

/// A required e-mail address.
pub fn email(_: &mut SchemaGenerator) -> Schema {
    string(EMAIL_PATTERN, "an e-mail address (stored lower case)")
}

/// An optional e-mail address: `null` or blank for none.
pub fn optional_email(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"],
        "pattern": format!("^[{}]*$|{}", ws!(), EMAIL_PATTERN),
        "description": "an e-mail address (stored lower case); null or blank for none"})
}

/// [`crate::values::parse_date`]: a real day of the years [`crate::values::MIN_YEAR`] to
/// [`crate::values::MAX_YEAR`] (month lengths and leap years spelt out, since `format: date`
/// alone allows any year and a pattern beside it makes generators throw most values away),
/// trimmed.
pub const DATE_PATTERN: &str = concat!(
    "^[",
    ws!(),
    "]*(?:(?:19[0-9]{2}|2[01][0-9]{2}|2200)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    "|(?:(?:19|20|21)(?:[02468][48]|[13579][26]|[2468]0)|2000)-02-29)[",
    ws!(),
    "]*$"
);

/// [`DATE_PATTERN`] with other white space around (`ws`, the inside of a character class):
/// a URL's query may carry any that `str::trim` removes.
pub fn date_pattern(ws: &str) -> String {
    let core = DATE_PATTERN
        .strip_prefix(concat!("^[", ws!(), "]*"))
        .and_then(|s| s.strip_suffix(concat!("[", ws!(), "]*$")))
        .unwrap_or(DATE_PATTERN);
    format!("^[{ws}]*{core}[{ws}]*$")
}

/// A calendar date `YYYY-MM-DD` in the years 1900 to 2200.
pub fn date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "pattern": DATE_PATTERN,
        "description": "a date YYYY-MM-DD, years 1900 to 2200"})
}

/// An optional date: null, blank, or [`DATE_PATTERN`].
pub fn optional_date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"],
        "pattern": format!("^[{}]*$|{}", ws!(), DATE_PATTERN),
        "description": "a date YYYY-MM-DD, years 1900 to 2200; null or blank for none"})
}

/// [`crate::timesheet::parse_submit_by`]: a three-letter weekday in any case, one space, a
/// time `HH:MM` before 24:00; null or blank for none.
pub fn submit_by(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"],
        "pattern": concat!("^[", ws!(), "]*(?:(?:[Mm][Oo][Nn]|[Tt][Uu][Ee]|[Ww][Ee][Dd]|",
            "[Tt][Hh][Uu]|[Ff][Rr][Ii]|[Ss][Aa][Tt]|[Ss][Uu][Nn]) (?:[01][0-9]|2[0-3]):[0-5][0-9][",
            ws!(), "]*)?$"),
        "description": "when the week's sheet is due: a weekday and a local time, 'MON 12:00'"})
}

/// [`crate::timesheet::IsoWeek::parse`] as a pattern: `YYYY-Www` in the years 1900 to 2200,
/// weeks 01 to 52 in every year and 53 in the years that have it (listed), with `ws` (the
/// inside of a character class) around, as the parser trims.
pub fn week_pattern(ws: &str) -> String {
    let long: Vec<String> = (1900..=2200)
        .filter(|y| chrono::NaiveDate::from_isoywd_opt(*y, 53, chrono::Weekday::Mon).is_some())
        .map(|y| y.to_string())
        .collect();
    format!(
        "^[{ws}]*(?:(?:19[0-9]{{2}}|2[01][0-9]{{2}}|2200)-W(?:0[1-9]|[1-4][0-9]|5[0-2])|(?:{})-W53)[{ws}]*$",
        long.join("|")
    )
}

/// An ISO week in a JSON body ([`week_pattern`] with the body's white space).
pub fn week(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "pattern": week_pattern(ws!()),
        "description": "an ISO week, 2027-W03"})
}

/// A password: at least 10 characters (and at most 1024 bytes).
pub fn password(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"], "minLength": crate::model::MIN_PASSWORD_LEN,
        "pattern": NO_CONTROL,
        "writeOnly": true,
        "description": "write-only: at least 10 characters and at most 1024 bytes; never returned"})
}

/// A grant's scope.
pub fn scope(_: &mut SchemaGenerator) -> Schema {
    string(
        SCOPE_PATTERN,
        "global, business_unit:CODE, site:CODE or project:CODE (the code must exist)",
    )
}

/// Every value `parse` accepts among the upper-case `ASCII` words of `len` letters.
fn accepted_words(len: u32, parse: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for n in 0..26u32.pow(len) {
        let mut w = String::new();
        let mut k = n;
        for _ in 0..len {
            w.insert(0, char::from(b'A' + (k % 26) as u8));
            k /= 26;
        }
        if parse(&w) {
            out.push(w);
        }
    }
    out
}

fn enumeration(values: &[String], description: &str) -> Schema {
    json_schema!({"type": "string", "enum": values, "description": description})
}

/// ISO 3166-1 alpha-2 country codes.
pub fn country(_: &mut SchemaGenerator) -> Schema {
    static V: OnceLock<Vec<String>> = OnceLock::new();
    let v = V.get_or_init(|| accepted_words(2, |w| crate::values::CountryCode::parse(w).is_ok()));
    enumeration(v, "ISO 3166-1 alpha-2 country code")
}

/// ISO 4217 currency codes.
pub fn currency(_: &mut SchemaGenerator) -> Schema {
    static V: OnceLock<Vec<String>> = OnceLock::new();
    let v = V.get_or_init(|| accepted_words(3, |w| crate::values::CurrencyCode::parse(w).is_ok()));
    enumeration(v, "ISO 4217 currency code")
}

/// IANA time-zone names.
pub fn time_zone(_: &mut SchemaGenerator) -> Schema {
    static V: OnceLock<Vec<String>> = OnceLock::new();
    let v = V.get_or_init(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name().to_string())
            .collect()
    });
    enumeration(v, "IANA time zone")
}

/// A working week: distinct day names.
pub fn working_week(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "minItems": 1, "maxItems": 7, "uniqueItems": true,
        "items": {"type": "string", "enum": crate::values::WEEKDAYS}})
}

/// Working periods of a day, `[["09:00", "12:30"], ["13:30", "18:00"]]`.
pub fn working_hours(_: &mut SchemaGenerator) -> Schema {
    let t = json!({"type": "string", "pattern": HHMM_PATTERN});
    json_schema!({"type": "array", "minItems": 1,
        "items": {"type": "array", "prefixItems": [t, t], "items": false, "minItems": 2},
        "description": "periods of a working day, local time, each [from, to] after the one \
                        before (422 `invalid_period` otherwise)"})
}

/// A position among siblings (past the end: last).
pub fn index(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "minimum": 0, "maximum": usize::MAX})
}

/// Assignment units: above 0, at most 10.
pub fn units(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "number", "exclusiveMinimum": 0, "maximum": 10, "default": 1.0,
        "description": "1.0 = full time"})
}

/// A number in `[min, max]`, or `null`.
pub fn optional_number(min: f64, max: f64) -> Value {
    json!({"type": ["number", "null"], "minimum": min, "maximum": max})
}

/// Reads an integer field from any JSON number with an integral value: JSON has one number
/// type, so `3.0` is the integer 3 (as JSON Schema's `integer` says), while `3.5` is refused.
pub fn integer<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i128>,
{
    use serde::de::Error;
    let n = serde_json::Number::deserialize(d)?;
    let whole: Option<i128> = if let Some(i) = n.as_i64() {
        Some(i.into())
    } else if let Some(u) = n.as_u64() {
        Some(u.into())
    } else {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e38)
            .map(|f| f as i128)
    };
    whole.and_then(|w| T::try_from(w).ok()).ok_or_else(|| {
        D::Error::custom(format!("invalid type: `{n}`, expected an integer in range"))
    })
}

/// A field that must be present but may be `null` (serde otherwise reads a missing
/// `Option` as `None`).
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// [`integer`] of an optional field.
pub fn optional_integer<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i128>,
{
    #[derive(Deserialize)]
    struct Wrap<T: TryFrom<i128>>(#[serde(deserialize_with = "integer")] T);
    Ok(Option::<Wrap<T>>::deserialize(d)?.map(|w| w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_follow_the_parsers() {
        let mut g = SchemaGenerator::default();
        let c = country(&mut g);
        let list = c.get("enum").and_then(Value::as_array).map(Vec::len);
        assert_eq!(list, Some(249));
        let c = currency(&mut g);
        let list = c.get("enum").and_then(Value::as_array).map(Vec::len);
        assert!(list.unwrap_or(0) > 150);
    }

    #[test]
    fn week_pattern_is_the_parser() {
        use crate::timesheet::IsoWeek;
        let ws = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
        let re = regex_automata::meta::Regex::new(&week_pattern(ws)).unwrap();
        let mut accepted = 0;
        for y in (1890..=2210).chain([0, 9999]) {
            for w in 0..=54 {
                let s = format!("{y:04}-W{w:02}");
                assert_eq!(re.is_match(&s), IsoWeek::parse(&s).is_ok(), "{s}");
                accepted += usize::from(IsoWeek::parse(&s).is_ok());
            }
        }
        assert!(accepted > 301 * 52);
        for s in [
            " 2027-W03",
            "2027-W03\r",
            "2027-W3",
            "2027W03",
            "2027-w03",
            "2026-W53",
        ] {
            assert_eq!(re.is_match(s), IsoWeek::parse(s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn date_pattern_takes_other_white_space() {
        assert_eq!(date_pattern(ws!()), DATE_PATTERN);
        let re = regex_automata::meta::Regex::new(&date_pattern(r"\t-\r ")).unwrap();
        assert!(re.is_match("\r2027-01-18\x0b"));
        assert!(!re.is_match("2027-02-30"));
    }

    #[test]
    fn date_pattern_is_the_parser() {
        use crate::values::parse_date;
        let re = regex_automata::meta::Regex::new(DATE_PATTERN).unwrap();
        let mut accepted = 0;
        for y in (1890..=2210).chain([0, 999, 1000, 9999]) {
            for m in 0..=13 {
                for d in 0..=32 {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    assert_eq!(re.is_match(&s), parse_date(&s).is_ok(), "{s}");
                    accepted += usize::from(parse_date(&s).is_ok());
                }
            }
        }
        // 301 years of 365 days and 73 leap days (1900, 2100 and 2200 are not leap years).
        assert_eq!(accepted, 301 * 365 + 73);
        for s in [
            " 2026-01-05",
            "2026-01-05\n",
            "2026-1-5",
            "20260105",
            "2026-01-05T00:00",
        ] {
            assert_eq!(re.is_match(s), parse_date(s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn integers_from_any_integral_number() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "integer")]
            a: usize,
            #[serde(default, deserialize_with = "optional_integer")]
            b: Option<i64>,
        }
        let t: T = serde_json::from_value(json!({"a": 35233.0, "b": -2})).unwrap();
        assert_eq!((t.a, t.b), (35233, Some(-2)));
        let t: T = serde_json::from_value(json!({"a": 1, "b": null})).unwrap();
        assert_eq!((t.a, t.b), (1, None));
        assert!(serde_json::from_value::<T>(json!({"a": 1.5})).is_err());
        assert!(serde_json::from_value::<T>(json!({"a": -1})).is_err());
        assert!(serde_json::from_value::<T>(json!({"a": "1"})).is_err());
    }

    #[test]
    fn trimmed_text_counts_characters() {
        assert_eq!(
            trimmed_text(200),
            concat!(
                "^[",
                ws!(),
                "]*[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
                ws!(),
                "](?:[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]{0,198}[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f",
                ws!(),
                "])?[",
                ws!(),
                "]*$"
            )
        );
    }
}
