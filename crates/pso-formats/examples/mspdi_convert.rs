//! `cargo run --release -p pso-formats --example mspdi_convert -- IN.xml OUT.xml`: the same
//! round trip as `pso convert`, without building the whole `pso` binary; with `--time` it only
//! reads IN.xml and prints how long parsing took.

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, input] if flag == "--time" => {
            let t = Instant::now();
            let doc = pso_formats::mspdi::read_file(Path::new(input))?;
            let secs = t.elapsed().as_secs_f64();
            println!(
                "parsed {} tasks, {} resources, {} assignments in {secs:.3} s",
                doc.project.tasks.len(),
                doc.project.resources.len(),
                doc.project.assignments.len()
            );
            let t = Instant::now();
            let mut sink = std::io::sink();
            pso_formats::mspdi::write(&doc, &mut sink)?;
            println!("wrote it again in {:.3} s", t.elapsed().as_secs_f64());
        }
        [input, output] => {
            let doc = pso_formats::mspdi::read_file(Path::new(input))?;
            pso_formats::mspdi::write_file(&doc, Path::new(output))?;
        }
        _ => return Err("usage: mspdi_convert [--time] IN.xml [OUT.xml]".into()),
    }
    Ok(())
}
