//! `cargo run -p pso-formats --example mspdi_schedule -- IN.xml`: the same as
//! `pso schedule mspdi IN.xml` (prints `pso-schedule/1`), without building the whole binary.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input] = args.as_slice() else {
        return Err("usage: mspdi_schedule IN.xml".into());
    };
    let doc = pso_formats::mspdi::read_file(Path::new(input))?;
    let schedule = pso_formats::mspdi::schedule::schedule(&doc.project)?;
    println!("{}", serde_json::to_string_pretty(&schedule)?);
    Ok(())
}
