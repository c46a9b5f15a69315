//! Schedule a `pso-project/1` file like `pso schedule project`, without building the
//! whole binary: `cargo run --release -p pso-formats --example schedule_project -- IN.json OUT.json [SCHEDULES]`.
//! Prints the wall time of the read, schedule and write steps to standard error.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(inp), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: schedule_project IN.json OUT.json [SCHEDULES]".into());
    };
    let t0 = Instant::now();
    let loaded = pso_formats::project_json::read(&std::fs::read_to_string(inp)?)?;
    let t1 = Instant::now();
    let mut opts = loaded.options;
    opts.schedules = match args.get(2) {
        Some(s) => s.parse()?,
        None => (250_000 / loaded.input.tasks.len().max(1)).clamp(2, 64) as u32,
    };
    let sched = pso_schedule::schedule(&loaded.input, &opts)?;
    let t2 = Instant::now();
    std::fs::write(out, pso_formats::project_json::write(&loaded, &sched)?)?;
    let t3 = Instant::now();
    eprintln!(
        "read {:.0} ms, schedule {:.0} ms ({} schedules), write {:.0} ms, {} conflicts",
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3,
        sched.schedules,
        (t3 - t2).as_secs_f64() * 1e3,
        sched.conflicts.len()
    );
    Ok(())
}
