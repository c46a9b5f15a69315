//! Solve many PSPLIB instances in one process and print one CSV line per instance:
//! `name,makespan,lower_bound,schedules,cpu_ms`.
//!
//! `cargo run --release -p pso-formats --example psplib_bench -- [--schedules N] [--seed S] [--out-dir DIR] FILE.sm...`
//!
//! With `--out-dir`, also writes `DIR/NAME.json` as `pso schedule psplib` prints it, for
//! `shared/bench/check_psplib.py`.

use pso_schedule::rcpsp::{self, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = Options::default();
    let mut files = Vec::new();
    let mut out_dir: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--schedules" => opts.schedules = args.next().ok_or("--schedules N")?.parse()?,
            "--seed" => opts.seed = args.next().ok_or("--seed S")?.parse()?,
            "--out-dir" => out_dir = Some(args.next().ok_or("--out-dir DIR")?),
            _ => files.push(a),
        }
    }
    // Variant settings for experiments: PSO_RCPSP_TUNING="pop=40,xover=2,..." (unset: defaults).
    let spec = std::env::var("PSO_RCPSP_TUNING").unwrap_or_default();
    let tuning = |jobs: usize| -> Result<rcpsp::Tuning, Box<dyn std::error::Error>> {
        let mut tun = rcpsp::Tuning::for_jobs(jobs);
        for kv in spec.split(',').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').ok_or("PSO_RCPSP_TUNING: key=value")?;
            match k {
                "pop" => tun.pop = v.parse()?,
                "xover" => tun.xover = v.parse()?,
                "mutation" => tun.mutation = v.parse()?,
                "fbi_repeat" => tun.fbi_repeat = v.parse()?,
                "passes" => tun.passes = v.parse()?,
                "skip_seen" => tun.skip_seen = v.parse()?,
                "elite" => tun.elite = v.parse()?,
                "mutants" => tun.mutants = v.parse()?,
                "rho" => tun.rho = v.parse()?,
                "shift" => tun.shift = v.parse()?,
                "bias" => tun.bias = v.parse()?,
                "polish" => tun.polish = v.parse()?,
                _ => return Err(format!("unknown tuning key {k}").into()),
            }
        }
        Ok(tun)
    };
    for f in files {
        let inst = pso_formats::psplib::parse(&std::fs::read_to_string(&f)?)?;
        let t = std::time::Instant::now();
        let sol = rcpsp::solve_tuned(&inst, &opts, &tuning(inst.durations.len())?)?;
        let name = f.rsplit('/').next().unwrap_or(&f).trim_end_matches(".sm");
        if let Some(dir) = &out_dir {
            let json = serde_json::json!({ "makespan": sol.makespan, "starts": sol.starts });
            std::fs::write(format!("{dir}/{name}.json"), json.to_string())?;
        }
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
