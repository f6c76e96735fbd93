//! What changed between two plans, and which input is responsible: the
//! profit bridge (Shapley values) between the seed case and its campaign.
//!
//! Run with `cargo run --example bridge`.

use plan::{ScenarioFile, diff};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let old = ScenarioFile::parse(
        include_str!("../scenarios/medical-imaging.toml"),
        "scenarios/medical-imaging.toml",
    )?
    .base()?;
    let new = ScenarioFile::parse(
        include_str!("../scenarios/medical-imaging-campaign.toml"),
        "scenarios/medical-imaging-campaign.toml",
    )?
    .base()?;

    let changes = diff::diff(&old, &new)?;
    for input in changes.inputs.iter().filter(|i| i.changed) {
        println!("{}: {:?} -> {:?}", input.input, input.old, input.new);
    }
    let bridge = &changes.bridge;
    println!("profit {} -> {} ({:+})", bridge.old, bridge.new, bridge.total);
    // The parts add up to the total change, whatever order the changes are applied in.
    for part in &bridge.parts {
        println!("  {:<20} {:+}", part.input, part.contribution);
    }
    Ok(())
}
