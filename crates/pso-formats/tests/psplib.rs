//! PSPLIB reader and solver on a few real instances: feasible schedules, bounds respected.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use pso_formats::psplib;
use pso_schedule::rcpsp::{self, Instance, Options};

mod shared;

/// The PSPLIB instances (`None`: not present, and not CI).
fn data() -> Option<std::path::PathBuf> {
    shared::dir("data/psplib", None)
}

fn feasible(inst: &Instance, starts: &[u32], makespan: u32) {
    let n = inst.durations.len();
    assert_eq!(starts.len(), n);
    for j in 0..n {
        for &s in &inst.successors[j] {
            assert!(
                starts[s] >= starts[j] + inst.durations[j],
                "precedence {j}->{s}"
            );
        }
        assert!(starts[j] + inst.durations[j] <= makespan);
    }
    for (r, &cap) in inst.capacities.iter().enumerate() {
        for t in 0..makespan {
            let used: u32 = (0..n)
                .filter(|&j| starts[j] <= t && t < starts[j] + inst.durations[j])
                .map(|j| inst.demands[j][r])
                .sum();
            assert!(used <= cap, "resource {r} over capacity at {t}");
        }
    }
}

#[test]
fn solves_sample_instances_feasibly() {
    let files = ["j30/j301_1.sm", "j30/j3013_4.sm", "j120-sample/j1201_1.sm"];
    let Some(data) = data() else { return };
    for f in files {
        let text = std::fs::read_to_string(data.join(f)).unwrap();
        let inst = psplib::parse(&text).unwrap();
        let sol = rcpsp::solve(
            &inst,
            &Options {
                schedules: 200,
                seed: 1,
            },
        )
        .unwrap();
        assert!(sol.makespan >= sol.lower_bound);
        assert_eq!(sol.starts[inst.durations.len() - 1], sol.makespan);
        feasible(&inst, &sol.starts, sol.makespan);
        let again = rcpsp::solve(
            &inst,
            &Options {
                schedules: 200,
                seed: 1,
            },
        )
        .unwrap();
        assert_eq!(sol, again, "deterministic for a seed");
    }
}

#[test]
fn j301_1_reaches_its_optimum() {
    let Some(data) = data() else { return };
    let text = std::fs::read_to_string(data.join("j30/j301_1.sm")).unwrap();
    let inst = psplib::parse(&text).unwrap();
    assert_eq!(inst.durations.len(), 32);
    assert_eq!(inst.capacities.len(), 4);
    let sol = rcpsp::solve(
        &inst,
        &Options {
            schedules: 1000,
            seed: 1,
        },
    )
    .unwrap();
    assert_eq!(sol.makespan, 43);
}

#[test]
fn malformed_text_is_an_error() {
    assert!(psplib::parse("nothing here").is_err());
    let text = "jobs (incl. supersource/sink ):  3\n  - renewable  :  1 R\nPRECEDENCE RELATIONS:\njobnr.\n   1  1  1  x\n";
    assert!(psplib::parse(text).is_err());
    let huge = "jobs (incl. supersource/sink ):  999999999999\n  - renewable  :  1 R\n";
    assert!(psplib::parse(huge).is_err());
}
