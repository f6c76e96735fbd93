//! Evaluate the seed case with the library and walk along its break-even.
//!
//! Run with `cargo run --example evaluate`.

use plan::{Input, ScenarioFile, evaluate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = include_str!("../scenarios/medical-imaging.toml");
    let scenario = ScenarioFile::parse(text, "scenarios/medical-imaging.toml")?.base()?;
    let evaluation = evaluate(&scenario)?;
    let r = &evaluation.results;
    println!("{}: profit {} on {} units", scenario.name, r.profit, r.units_sold);
    if let Some(units) = r.break_even_units {
        println!("break-even at {units} units");
    }

    // What does profit do as the price moves? Every analysis moves inputs by name.
    for price in [60.0, 80.0, 100.0, 120.0] {
        let moved = Input::Price.with(&scenario, price);
        println!("price {price}: profit {}", evaluate(&moved)?.results.profit);
    }
    for note in &evaluation.notes {
        println!("{:?}: {}", note.level, note.message);
    }
    Ok(())
}
