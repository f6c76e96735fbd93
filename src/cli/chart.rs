//! `plan chart FILE --kind KIND -o out.svg`: pictures as SVG.

use std::path::PathBuf;

use anyhow::Context;
use plan::evaluate;

use super::load::load;
use super::output;
use crate::export::charts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Revenue, total cost and fixed cost against units, break-even marked.
    Breakeven,
    /// The profit waterfall of `plan diff A B` (takes two scenarios).
    Bridge,
    /// One-way sensitivity of profit, largest swing on top (`--steps` as `plan sensitivity`).
    Tornado,
    /// A heat map of a two-way data table (needs two `--grid`, as `plan sensitivity`).
    Grid,
    /// The metric against the input `plan optimize` varies, the optimum marked (needs `--vary`).
    Optimize,
    /// The distribution of profit from `plan simulate` (`--samples`, `--seed`).
    Histogram,
    /// The cumulative distribution of profit from `plan simulate` (`--samples`, `--seed`).
    Cdf,
}

/// The most cells a heat map draws; a bigger grid belongs in CSV.
const MAX_CHART_CELLS: usize = 40_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (`FILE`, `FILE#VARIANT`, or `-` for stdin); `bridge` takes two.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Which chart to draw.
    #[arg(long, short = 'k', value_enum, default_value_t = Kind::Breakeven)]
    kind: Kind,
    /// For `tornado`: the steps, in percent.
    #[arg(
        long,
        value_name = "PERCENT,...",
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "-20,-10,10,20",
        value_parser = super::sensitivity::parse_step
    )]
    steps: Vec<f64>,
    /// For `grid`: two axes, rows then columns, as `plan sensitivity --grid`.
    #[arg(long, value_name = "INPUT=START:END:STEP")]
    grid: Vec<plan::sensitivity::Axis>,
    /// For `grid`: the result field to show.
    #[arg(long, value_name = "NAME", default_value = "profit", value_parser = plan::solve::Metric::named)]
    metric: plan::solve::Metric,
    /// For `optimize`: an input to vary, as `plan optimize --vary` (one or two).
    #[arg(long, value_name = "INPUT[=LO:HI]", value_parser = super::optimize::parse_vary)]
    vary: Vec<super::optimize::Vary>,
    /// For `optimize`: the result field to maximise.
    #[arg(long, default_value = "profit", value_name = "METRIC", value_parser = super::optimize::parse_metric)]
    maximize: String,
    /// For `histogram` and `cdf`: how many samples to draw, as `plan simulate`.
    #[arg(long, short = 'n', default_value_t = super::simulate::DEFAULT_SAMPLES, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    samples: u64,
    /// For `histogram` and `cdf`: the random seed, as `plan simulate`.
    #[arg(long, default_value_t = plan::simulate::DEFAULT_SEED)]
    seed: u64,
    /// Write the SVG to PATH instead of stdout (written whole or not at all).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let wanted = match args.kind {
        Kind::Bridge => 2,
        _ => 1,
    };
    if args.files.len() != wanted {
        return Err(super::usage_error(format!(
            "`--kind {}` takes {wanted} scenario file{}, got {}",
            kind_name(args.kind),
            if wanted == 1 { "" } else { "s" },
            args.files.len()
        )));
    }
    super::load::stdin_at_most_once(&args.files)?;
    if args.kind == Kind::Grid {
        let [rows, columns] = args.grid.as_slice() else {
            return Err(super::usage_error(
                "`--kind grid` needs two `--grid INPUT=START:END:STEP`, rows then columns".to_string(),
            ));
        };
        plan::sensitivity::check_grid(rows, columns)?;
        if rows.count * columns.count > MAX_CHART_CELLS {
            anyhow::bail!(
                "a grid of {} x {} cells is too large to draw (at most {MAX_CHART_CELLS} cells); \
                 use `plan sensitivity --grid ... --format csv` for the figures",
                rows.count,
                columns.count
            );
        }
    }
    if args.kind == Kind::Tornado {
        // As `plan sensitivity`: a step given twice is bad usage, refused before any work.
        super::sensitivity::steps_given_once(&args.steps)?;
        plan::sensitivity::check_steps(&args.steps)?;
    }
    if args.kind == Kind::Optimize && !(1..=2).contains(&args.vary.len()) {
        return Err(super::usage_error(
            "`--kind optimize` needs one or two `--vary INPUT[=LO:HI]`, as `plan optimize` takes".to_string(),
        ));
    }
    output::check(args.output.as_deref())?;
    let svg = match args.kind {
        Kind::Breakeven => {
            let loaded = load(&args.files[0])?;
            let evaluation =
                evaluate(&loaded.scenario).with_context(|| format!("cannot evaluate `{}`", args.files[0]))?;
            charts::breakeven(&loaded.scenario, &evaluation.results)
        }
        Kind::Bridge => {
            let old = load(&args.files[0])?.scenario;
            let new = load(&args.files[1])?.scenario;
            let bridge = plan::diff::bridge(&old, &new)?;
            charts::bridge(&old, &new, &bridge)
        }
        Kind::Tornado => {
            let scenario = load(&args.files[0])?.scenario;
            let analysis = plan::sensitivity::analyse(&scenario, &args.steps)
                .with_context(|| format!("cannot analyse `{}`", args.files[0]))?;
            charts::tornado(&scenario, &analysis)
        }
        Kind::Grid => {
            let scenario = load(&args.files[0])?.scenario;
            let grid = plan::sensitivity::grid(&scenario, &args.grid[0], &args.grid[1], args.metric)
                .with_context(|| format!("cannot analyse `{}`", args.files[0]))?;
            charts::grid(&scenario, &grid)
        }
        Kind::Optimize => {
            let scenario = load(&args.files[0])?.scenario;
            let variables = super::optimize::variables(&args.vary, &scenario);
            let optimum = plan::optimize::optimize(&scenario, &variables, &args.maximize)
                .map_err(|e| anyhow::anyhow!("{e}").context(format!("cannot optimize `{}`", args.files[0])))?;
            charts::optimize(&scenario, &optimum)
        }
        Kind::Histogram | Kind::Cdf => {
            let settings = plan::simulate::Settings {
                samples: args.samples,
                seed: args.seed,
            };
            let (scenario, simulation) = super::simulate::run_quietly(&args.files[0], settings)?;
            if args.kind == Kind::Histogram {
                charts::simulation_histogram(&scenario, &simulation)
            } else {
                charts::simulation_cdf(&scenario, &simulation)
            }
        }
    };
    output::write(args.output.as_deref(), svg.as_bytes())?;
    Ok(0)
}

fn kind_name(kind: Kind) -> String {
    use clap::ValueEnum;
    kind.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}
