//! Which assumption hurts most, and how far can each move before a loss?
//! The library's sensitivity analysis and goal seek on the seed case.
//!
//! Run with `cargo run --example what_if`.

use plan::solve::{Goal, Metric, solve};
use plan::{Input, ScenarioFile, sensitivity};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = include_str!("../scenarios/medical-imaging.toml");
    let scenario = ScenarioFile::parse(text, "scenarios/medical-imaging.toml")?.base()?;

    // Each input alone moved by -20% .. +20%, largest swing in profit first.
    let analysis = sensitivity::analyse(&scenario, &[-20.0, -10.0, 10.0, 20.0])?;
    for row in &analysis.one_way {
        println!("{:<20} profit from {} to {}", row.input.to_string(), row.low, row.high);
    }

    // The value of each input at which profit is exactly zero, the others held.
    for b in &analysis.break_even {
        match (b.break_even, &b.why_none) {
            (Some(value), _) => println!("{} breaks even at {value}", b.input),
            (None, Some(why)) => println!("{} never breaks even: {why}", b.input),
            (None, None) => {}
        }
    }

    // Goal seek: the price that earns 600,000 a month.
    let goal = Goal {
        metric: Metric::named("profit")?,
        target: 600_000.0,
    };
    let answer = solve(&scenario, Input::Price, goal)?;
    println!("price for a profit of 600,000: {}", answer.value);
    Ok(())
}
