//! `cargo run -p pso-formats --example mspdi_calendar -- IN.xml FROM TO`: for every calendar of
//! the file, the working minutes of each day from FROM to TO (YYYY-MM-DD) as the engine sees
//! them, as JSON `{calendar_uid: {date: minutes}}`; `tools/mspdi/calendar_check.py` compares
//! this with MPXJ.

use chrono::NaiveDate;
use pso_formats::mspdi::{self, schedule};
use pso_schedule::calendar::{minute_of_date, Calendar, DAY};
use std::collections::BTreeMap;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, from, to] = args.as_slice() else {
        return Err("usage: mspdi_calendar IN.xml FROM TO".into());
    };
    let from = NaiveDate::parse_from_str(from, "%Y-%m-%d")?;
    let to = NaiveDate::parse_from_str(to, "%Y-%m-%d")?;
    let doc = mspdi::read_file(Path::new(input))?;
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for c in &doc.project.calendars {
        let Some(uid) = c.uid else { continue };
        let cal = Calendar::new(&schedule::calendar_spec(&doc.project, uid)?)?;
        let days = out.entry(uid.to_string()).or_default();
        let mut d = from;
        while d <= to {
            let m = minute_of_date(d);
            days.insert(d.to_string(), cal.work_between(m, m + DAY));
            d = d.succ_opt().ok_or("date out of range")?;
        }
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
