//! Solve many PSPLIB instances in one process and print one CSV line per instance:
//! `name,makespan,lower_bound,schedules,cpu_ms`.
//!
//! `cargo run --release -p pso-formats --example psplib_bench -- [--schedules N] [--seed S] FILE.sm...`

use pso_schedule::rcpsp::{self, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = Options::default();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--schedules" => opts.schedules = args.next().ok_or("--schedules N")?.parse()?,
            "--seed" => opts.seed = args.next().ok_or("--seed S")?.parse()?,
            _ => files.push(a),
        }
    }
    for f in files {
        let inst = pso_formats::psplib::parse(&std::fs::read_to_string(&f)?)?;
        let t = std::time::Instant::now();
        let sol = rcpsp::solve(&inst, &opts)?;
        let name = f.rsplit('/').next().unwrap_or(&f).trim_end_matches(".sm");
        println!(
            "{name},{},{},{},{:.1}",
            sol.makespan,
            sol.lower_bound,
            sol.schedules,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}
