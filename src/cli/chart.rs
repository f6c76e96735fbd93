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
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "FILE")]
    file: String,
    /// Which chart to draw.
    #[arg(long, short = 'k', value_enum, default_value_t = Kind::Breakeven)]
    kind: Kind,
    /// Write the SVG to PATH instead of stdout (written whole or not at all).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    output::check(args.output.as_deref())?;
    let loaded = load(&args.file)?;
    let scenario = &loaded.scenario;
    let svg = match args.kind {
        Kind::Breakeven => {
            let evaluation = evaluate(scenario).with_context(|| format!("cannot evaluate `{}`", args.file))?;
            charts::breakeven(scenario, &evaluation.results)
        }
    };
    output::write(args.output.as_deref(), svg.as_bytes())?;
    Ok(0)
}
