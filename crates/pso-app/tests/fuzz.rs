//! Fuzzing (issue 8, acceptance 3), driven by proptest with a committed seed corpus
//! (`tests/fuzz/mspdi/`) and committed regressions (`tests/fuzz.proptest-regressions`):
//!
//! - **MS Project files**: seeds mutated at the byte level (flips, cuts, duplicated slices,
//!   injected markup and entities) go through the reader, the mapping onto PSO's plan and the
//!   plan rules. Nothing may panic; whatever is refused is refused with an error.
//! - **JSON inputs of plan routes**: arbitrary JSON and near-valid bodies go through the same
//!   `parse_input` + `validate` path as the API and the pages. Nothing may panic; whatever is
//!   accepted holds only values in range.
//!
//! Bounded: `PSO_FUZZ_CASES` (default 1,000 per target, about two seconds) sets the number of
//! cases; CI runs the default, a longer local run is `PSO_FUZZ_CASES=100000 cargo test --test
//! fuzz`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use pso_app::interchange::{check_plan_rules, map_document, ImportOptions};
use pso_domain::model::{
    AssignmentInput, DependencyInput, ProjectInput, Site, TaskInput, UserInput,
};
use pso_store::interchange::PersonKey;
use serde_json::{json, Value};

/// The cases of each target, and failures kept beside this file.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PSO_FUZZ_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(1000),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::SourceParallel("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/mspdi");
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    v.sort();
    assert!(
        v.len() >= 3,
        "the seed corpus is committed in {}",
        dir.display()
    );
    v
}

fn site() -> Site {
    Site {
        id: "site".into(),
        version: 1,
        code: "PAR".into(),
        name: "Paris".into(),
        country: "FR".into(),
        time_zone: "Europe/Paris".into(),
        currency: "EUR".into(),
        working_week: ["mon", "tue", "wed", "thu", "fri"]
            .map(String::from)
            .to_vec(),
        working_hours: vec![["09:00".into(), "17:00".into()]],
        holidays: vec![],
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// One byte-level mutation.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize, usize),
    Duplicate(usize, usize, usize),
    Insert(usize, &'static str),
}

const INJECTIONS: &[&str] = &[
    "<Task><UID>7</UID></Task>",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    "&#0;",
    "&#x1F;",
    "\u{0}",
    "<OutlineLevel>99</OutlineLevel>",
    "<OutlineLevel>-1</OutlineLevel>",
    "<Duration>PT99999999H0M0S</Duration>",
    "<Duration>P-1D</Duration>",
    "<PredecessorLink><PredecessorUID>2</PredecessorUID><Type>9</Type><LinkLag>-99999999999</LinkLag><LagFormat>44</LagFormat></PredecessorLink>",
    "<Units>-5</Units>",
    "<Units>NaN</Units>",
    "<Start>0001-01-01T00:00:00</Start>",
    "<StartDate>9999-12-31T23:59:59</StartDate>",
    "]]>",
    "<![CDATA[x",
    "</Tasks>",
    "<Tasks>",
    "\u{FEFF}",
    "é",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Cut(i, n)),
        (any::<usize>(), 0usize..200, any::<usize>())
            .prop_map(|(i, n, j)| Mutation::Duplicate(i, n, j)),
        (any::<usize>(), prop::sample::select(INJECTIONS))
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = b.len().max(1);
        match m {
            Mutation::Flip(i, x) => {
                if !b.is_empty() {
                    b[i % n] ^= x;
                }
            }
            Mutation::Cut(i, k) => {
                let a = (i % n).min(b.len());
                let e = (a + k).min(b.len());
                b.drain(a..e);
            }
            Mutation::Duplicate(i, k, j) => {
                let a = (i % n).min(b.len());
                let e = (a + k).min(b.len());
                let slice: Vec<u8> = b[a..e].to_vec();
                let at = (j % n).min(b.len());
                b.splice(at..at, slice);
            }
            Mutation::Insert(i, s) => {
                let at = (i % n).min(b.len());
                b.splice(at..at, s.bytes());
            }
        }
    }
    b
}

proptest! {
    #![proptest_config(config())]

    /// Mutated MS Project files: read, mapped and checked without a panic.
    #[test]
    fn mspdi_reader_and_mapping_never_panic(
        seed in 0usize..16,
        muts in prop::collection::vec(mutation(), 1..8),
    ) {
        let seeds = seeds();
        let bytes = apply(seeds[seed % seeds.len()].clone(), &muts);
        if let Ok(doc) = pso_formats::mspdi::read(bytes.as_slice()) {
            let content = String::from_utf8_lossy(&bytes).into_owned();
            let people = vec![PersonKey {
                id: "p1".into(),
                name: "Ada Lovelace".into(),
                email: Some("ada@example.org".into()),
            }];
            let opts = ImportOptions {
                site_id: "site".into(),
                business_unit_id: "bu".into(),
                code: None,
                create_people: true,
                file_name: "fuzz.xml".into(),
            };
            if let Ok((plan, _report)) = map_document(&doc, content, &site(), &people, &opts) {
                let _ = check_plan_rules(&plan, 50_000);
                // What the mapping accepts holds no refused control character.
                if check_plan_rules(&plan, 50_000).is_ok() {
                    for t in &plan.tasks {
                        prop_assert!(pso_domain::values::check_text(&t.name).is_ok());
                    }
                }
            }
            // Writing back what was read never panics either.
            let _ = pso_formats::mspdi::to_string(&doc);
        }
    }
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop::sample::select(vec![
            "",
            "FS",
            "SS",
            "FF",
            "SF",
            "2026-01-05",
            "0001-01-01",
            "9999-12-31",
            "global",
            "site:PAR",
            "project:X",
            "1e309",
            "-0",
            "\u{0}",
            "a\u{7}b",
            "line\r\nbreak",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body with the fields of a plan input, each given an arbitrary value.
fn near_valid(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (prop::sample::select(fields), json_value()),
        0..fields.len() + 2,
    )
    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

const TASK: &[&str] = &[
    "name",
    "parent_id",
    "position",
    "duration_days",
    "effort_hours",
    "milestone",
];
const DEP: &[&str] = &["predecessor_id", "successor_id", "type", "lag_days"];
const ASG: &[&str] = &["person_id", "units"];
const PROJECT: &[&str] = &[
    "code",
    "name",
    "description",
    "site_id",
    "business_unit_id",
    "manager_id",
    "status",
    "priority",
    "start_date",
];
const USER: &[&str] = &[
    "email",
    "name",
    "person_id",
    "grants",
    "disabled",
    "password",
];

proptest! {
    #![proptest_config(config())]

    /// Plan inputs through the API's own parsing and validation: no panic, and what passes is
    /// in range.
    #[test]
    fn plan_inputs_never_panic(
        task in near_valid(TASK),
        dep in near_valid(DEP),
        asg in near_valid(ASG),
        project in near_valid(PROJECT),
        user in near_valid(USER),
        noise in json_value(),
    ) {
        use pso_app::service::parse_input;
        for body in [&task, &noise] {
            if let Ok(t) = parse_input::<TaskInput>(body.clone()) {
                if let Ok(n) = t.validate() {
                    prop_assert!(n.duration_minutes.is_none_or(|m| (0..=100_000 * 480).contains(&m)));
                    prop_assert!(n.effort_minutes.is_none_or(|m| m >= 0));
                    prop_assert!(pso_domain::values::check_text(n.name.as_str()).is_ok());
                }
            }
        }
        for body in [&dep, &noise] {
            if let Ok(d) = parse_input::<DependencyInput>(body.clone()) {
                let _ = d.validate();
            }
        }
        for body in [&asg, &noise] {
            if let Ok(a) = parse_input::<AssignmentInput>(body.clone()) {
                let _ = a.validate();
            }
        }
        for body in [&project, &noise] {
            if let Ok(p) = parse_input::<ProjectInput>(body.clone()) {
                if let Ok(n) = p.validate() {
                    use chrono::Datelike;
                    let y = n.start_date.year();
                    prop_assert!((pso_domain::values::MIN_YEAR..=pso_domain::values::MAX_YEAR).contains(&y));
                }
            }
        }
        for body in [&user, &noise] {
            if let Ok(u) = parse_input::<UserInput>(body.clone()) {
                let _ = u.validate();
            }
        }
        let _ = parse_input::<pso_domain::plan::WbsMove>(noise.clone());
    }
}
