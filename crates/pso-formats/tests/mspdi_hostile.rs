//! Hostile and broken MSPDI input: refused with a clear error, located by line and column.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pso_formats::mspdi::{self, Error};

const XXE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE Project [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&xxe;</Name></Project>
"#;

const LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<Project><Name>&lol2;</Name></Project>
"#;

#[test]
fn external_entities_are_refused() {
    match mspdi::from_str(XXE) {
        Err(Error::Refused { reason, line, .. }) => {
            assert!(reason.contains("XXE"), "{reason}");
            assert_eq!(line, 2);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn entity_expansion_is_refused() {
    let err = mspdi::from_str(LAUGHS).unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("billion laughs"), "{err}");
}

#[test]
fn an_external_dtd_is_refused() {
    let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE Project SYSTEM \"http://example.invalid/p.dtd\">\n<Project/>";
    assert!(matches!(mspdi::from_str(doc), Err(Error::Refused { .. })));
}

#[test]
fn an_undeclared_entity_is_an_error_with_its_position() {
    let doc = "<Project>\n  <Name>a &undefined; b</Name>\n</Project>";
    match mspdi::from_str(doc) {
        Err(Error::Syntax { line, column, .. }) => assert_eq!((line, column), (2, 9)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_input_reports_line_and_column() {
    let doc =
        "<?xml version=\"1.0\"?>\n<Project>\n\t<Tasks>\n\t\t<Task>\n\t\t\t<UID>1</UID>\n\t\t\t<Na";
    match mspdi::from_str(doc) {
        Err(Error::Syntax { line, message, .. }) => {
            assert_eq!(line, 6, "{message}");
        }
        other => panic!("{other:?}"),
    }
    let cut = "<Project>\n<Tasks>\n<Task>\n<UID>1</UID>\n";
    match mspdi::from_str(cut) {
        Err(Error::Syntax {
            line,
            column,
            message,
        }) => {
            assert!(message.contains("<Task> is not closed"), "{message}");
            assert_eq!((line, column), (5, 1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mismatched_tags_report_line_and_column() {
    let doc = "<Project>\n<Tasks>\n  <Task><UID>1</Name></Task>\n</Tasks>\n</Project>";
    match mspdi::from_str(doc) {
        Err(e @ Error::Syntax { line, column, .. }) => {
            assert_eq!(line, 3, "{e}");
            assert!(column > 1, "{e}");
            assert!(e.to_string().starts_with("line 3, column"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn positions_are_right_deep_into_a_large_file() {
    let mut doc = String::from("<Project>\n<Tasks>\n");
    for i in 0..50_000 {
        doc.push_str(&format!("<Task>\n<UID>{i}</UID>\n</Task>\n"));
    }
    let bad_line = 2 + 50_000 * 3 + 1;
    doc.push_str("<Task><UID>x</UID></Tsk>\n");
    match mspdi::from_str(&doc) {
        Err(Error::Syntax { line, .. }) => assert_eq!(line, bad_line),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_xml_is_not_taken_for_mspdi() {
    assert!(matches!(
        mspdi::from_str("<html><body/></html>"),
        Err(Error::NotMspdi(_))
    ));
    assert!(matches!(mspdi::from_str(""), Err(Error::Syntax { .. })));
}

#[test]
fn a_failed_write_leaves_no_file_behind() {
    let dir = std::env::temp_dir().join(format!("pso-mspdi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = mspdi::from_str("<Project><Name>x</Name></Project>").unwrap();
    // The target is a directory: the rename fails, and the temporary file must be gone.
    let target = dir.join("taken");
    std::fs::create_dir_all(&target).unwrap();
    assert!(mspdi::write_file(&doc, &target).is_err());
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let ok = dir.join("ok.xml");
    mspdi::write_file(&doc, &ok).unwrap();
    assert_eq!(mspdi::read_file(&ok).unwrap(), doc);
    std::fs::remove_dir_all(&dir).unwrap();
}
