//! How likely is a loss? A Monte Carlo run of the seed case with uncertain
//! inputs (`scenarios/medical-imaging-risk.toml`), reproducible by its seed.
//!
//! Run with `cargo run --release --example risk`.

use plan::ScenarioFile;
use plan::simulate::{DEFAULT_SEED, Metric, Settings, simulate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = ScenarioFile::parse(
        include_str!("../scenarios/medical-imaging-risk.toml"),
        "scenarios/medical-imaging-risk.toml",
    )?;
    let scenario = file.base()?;
    let uncertainty = file
        .uncertainty(None)?
        .ok_or("the scenario declares no [uncertainty]")?;

    let settings = Settings {
        samples: 100_000,
        seed: DEFAULT_SEED,
    };
    // No progress display and no sink for the samples: just the statistics.
    let simulation = simulate::<std::convert::Infallible>(&scenario, &uncertainty, settings, &mut |_, _| {}, None)?;

    let profit = simulation.metric(Metric::Profit);
    println!("mean profit {:?}, sd {:?}", profit.mean, profit.sd);
    // Percentiles are kept as fractions: 0.05 is P5.
    for (p, value) in &profit.percentiles {
        println!("  P{}: {value:?}", p * 100.0);
    }
    println!("chance of a loss: {}", simulation.probability_of_loss);
    for driver in &simulation.drivers {
        println!(
            "  {:<20} rank correlation {:?}",
            driver.input.to_string(),
            driver.rank_correlation
        );
    }
    Ok(())
}
