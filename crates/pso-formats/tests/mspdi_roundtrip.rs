//! MSPDI read → write → read over the shared sample corpus and hand-made documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod shared;

use pso_formats::mspdi::{self, Document};
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    shared::mspdi()
}

fn corpus_files() -> Vec<PathBuf> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for d in [dir.clone(), dir.join("from-mpp")] {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "xml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Element names and non-blank texts of a document in document order, as an independent
/// check that writing dropped or moved nothing (numbers compared as numbers).
fn skeleton(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => out.push(format!("<{}", String::from_utf8_lossy(e.name().as_ref()))),
            Event::Empty(e) => {
                out.push(format!("<{}", String::from_utf8_lossy(e.name().as_ref())));
                out.push(">".into());
            }
            Event::End(_) => out.push(">".into()),
            ev @ (Event::Text(_) | Event::CData(_)) => {
                let s = match ev {
                    Event::Text(t) => t.unescape().unwrap().into_owned(),
                    Event::CData(t) => String::from_utf8_lossy(&t).into_owned(),
                    _ => unreachable!(),
                };
                if !s.trim().is_empty() {
                    let s = match s.trim().parse::<f64>() {
                        Ok(v) => format!("{v}"),
                        Err(_) if s == "true" => "1".into(),
                        Err(_) if s == "false" => "0".into(),
                        Err(_) => s,
                    };
                    out.push(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn corpus_round_trips_to_the_same_model_and_the_same_elements() {
    let files = corpus_files();
    for f in &files {
        let doc = mspdi::read_file(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let text = mspdi::to_string(&doc);
        let again = mspdi::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(doc == again, "{}: model changed on round trip", f.display());
        let input = std::fs::read_to_string(f).unwrap();
        let input = input.trim_start_matches('\u{feff}');
        let (a, b) = (skeleton(input), skeleton(&text));
        if a != b {
            let i = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            panic!(
                "{}: element sequence differs at {i}: {:?} vs {:?}",
                f.display(),
                &a[i.saturating_sub(3)..(i + 3).min(a.len())],
                &b[i.saturating_sub(3)..(i + 3).min(b.len())]
            );
        }
    }
    eprintln!("{} corpus files round-tripped", files.len());
}

#[test]
fn typed_fields_of_a_real_file() {
    let Some(dir) = corpus_dir() else { return };
    let doc = mspdi::read_file(&dir.join("mpxj_task-links-project2019-mspdi.xml")).unwrap();
    let p = &doc.project;
    assert_eq!(p.minutes_per_day, Some(480));
    assert_eq!(p.calendar_uid, Some(1));
    assert!(!p.tasks.is_empty());
    let linked: Vec<_> = p.tasks.iter().flat_map(|t| &t.predecessor_links).collect();
    assert!(!linked.is_empty());
    assert!(linked
        .iter()
        .all(|l| l.predecessor_uid.is_some() && l.link_type.is_some()));
    assert!(!p.calendars.is_empty());
    let std_cal = p.calendars.iter().find(|c| c.uid == Some(1)).unwrap();
    assert_eq!(
        std_cal
            .week_days
            .iter()
            .filter(|d| d.day_type.is_some())
            .count(),
        7
    );
}

const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project xmlns="http://schemas.microsoft.com/project">
	<Name>Small &amp; tidy</Name>
	<Unknown a="1"><Deep>x &lt; y</Deep><!-- note --></Unknown>
	<MinutesPerDay>480</MinutesPerDay>
	<Tasks>
		<Task>
			<UID>1</UID>
			<Name>Design</Name>
			<HideBar>0</HideBar>
			<Duration>PT16H0M0S</Duration>
			<PredecessorLink><PredecessorUID>0</PredecessorUID><Type>1</Type><LinkLag>-4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink>
			<Notes>line 1&#13;
line 2</Notes>
			<OutlineLevel>not a number</OutlineLevel>
		</Task>
	</Tasks>
</Project>
"#;

#[test]
fn unknown_elements_and_odd_values_survive() {
    let doc = mspdi::from_str(SMALL).unwrap();
    let t = &doc.project.tasks[0];
    assert_eq!(doc.project.name.as_deref(), Some("Small & tidy"));
    assert_eq!(t.duration.as_ref().and_then(|d| d.minutes()), Some(960.0));
    assert_eq!(t.predecessor_links[0].link_lag, Some(-4800));
    assert_eq!(t.notes.as_deref(), Some("line 1\r\nline 2"));
    // Not a number: untyped, kept verbatim.
    assert_eq!(t.outline_level, None);
    assert!(t
        .extra
        .iter()
        .any(|r| r.xml == "<OutlineLevel>not a number</OutlineLevel>"));
    assert_eq!(
        doc.project.extra[0].xml,
        r#"<Unknown a="1"><Deep>x &lt; y</Deep><!-- note --></Unknown>"#
    );
    let text = mspdi::to_string(&doc);
    assert!(text.contains("&#13;"));
    let again = mspdi::from_str(&text).unwrap();
    assert_eq!(doc, again);
    // Order kept: the unknown element still sits between Name and MinutesPerDay.
    let (n, u, m) = (
        text.find("<Name>").unwrap(),
        text.find("<Unknown").unwrap(),
        text.find("<MinutesPerDay>").unwrap(),
    );
    assert!(n < u && u < m);
}

#[test]
fn a_model_built_in_code_is_written_and_read_back() {
    let mut project = mspdi::Project {
        name: Some("Built".into()),
        ..Default::default()
    };
    project.tasks.push(mspdi::Task {
        uid: Some(7),
        name: Some("T".into()),
        duration: Some(mspdi::Duration::from_minutes(480)),
        ..Default::default()
    });
    let doc = Document::new(project);
    let back = mspdi::from_str(&mspdi::to_string(&doc)).unwrap();
    assert_eq!(back.project.tasks[0].uid, Some(7));
    assert_eq!(
        back.project.tasks[0].duration.as_ref().unwrap().as_str(),
        "PT8H0M0S"
    );
    assert_eq!(back.project.name.as_deref(), Some("Built"));
}

#[test]
fn a_model_built_in_code_is_written_in_schema_order() {
    let task = mspdi::Task {
        predecessor_links: vec![mspdi::PredecessorLink {
            predecessor_uid: Some(1),
            ..Default::default()
        }],
        notes: Some("n".into()),
        name: Some("T".into()),
        uid: Some(2),
        ..Default::default()
    };
    let project = mspdi::Project {
        tasks: vec![task],
        name: Some("P".into()),
        ..Default::default()
    };
    let text = mspdi::to_string(&Document::new(project));
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("<Name>P") < at("<Tasks>"));
    assert!(at("<UID>2") < at("<Name>T"));
    assert!(at("<Name>T") < at("<Notes>"));
    assert!(at("<Notes>") < at("<PredecessorLink>"));
}

#[test]
fn a_field_set_on_a_read_model_goes_to_its_schema_place() {
    let mut doc =
        mspdi::from_str("<Project><Tasks><Task><UID>1</UID><Name>A</Name><HideBar>0</HideBar><PredecessorLink><PredecessorUID>0</PredecessorUID></PredecessorLink></Task></Tasks></Project>")
            .unwrap();
    doc.project.tasks[0].notes = Some("added".into());
    doc.project.tasks[0].outline_level = Some(1);
    let text = mspdi::to_string(&doc);
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("<Name>A") < at("<OutlineLevel>"));
    // Untyped elements have no known schema place: the new field goes before the next typed one.
    assert!(at("<OutlineLevel>") < at("<PredecessorLink>"));
    assert!(at("<Notes>") < at("<PredecessorLink>"));
    let back = mspdi::from_str(&text).unwrap();
    assert_eq!(back.project.tasks[0].notes.as_deref(), Some("added"));
}

#[test]
fn a_prefixed_document_is_written_in_the_mspdi_namespace() {
    let input = r#"<ns0:Project xmlns:ns0="http://schemas.microsoft.com/project"><ns0:Name>P</ns0:Name><ns0:Odd>1</ns0:Odd></ns0:Project>"#;
    let doc = mspdi::from_str(input).unwrap();
    assert_eq!(doc.project.name.as_deref(), Some("P"));
    let text = mspdi::to_string(&doc);
    assert!(text.contains(r#"<Project xmlns:ns0="http://schemas.microsoft.com/project" xmlns="http://schemas.microsoft.com/project">"#), "{text}");
    assert!(text.contains("<ns0:Odd>1</ns0:Odd>"));
    assert_eq!(mspdi::from_str(&text).unwrap(), doc);
}
