//! `plan report FILE [FILE#VARIANT ...] -o report.html`: one self-contained page.

use std::path::PathBuf;

use anyhow::Context;
use plan::evaluate;

use super::evaluate::{EvaluateReport, Evaluated};
use super::load::load_with_file;
use super::output;
use crate::export::{Block, Document, Report, charts, html, svg::escape};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Write the HTML to PATH instead of stdout (written whole or not at all).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    output::check(args.output.as_deref())?;
    super::load::stdin_at_most_once(&args.files)?;
    let mut items = Vec::new();
    let mut loaded_all = Vec::new();
    for spec in &args.files {
        let (loaded, file) = load_with_file(spec)?;
        let uncertainty = file.uncertainty(loaded.variant.as_deref())?;
        let evaluation = evaluate(&loaded.scenario).with_context(|| format!("cannot evaluate `{spec}`"))?;
        loaded_all.push(loaded.clone());
        items.push(Item {
            evaluated: Evaluated::new(loaded, evaluation),
            uncertainty,
        });
    }
    let comparison = if items.len() > 1 {
        Some(super::compare::from_loaded(loaded_all)?)
    } else {
        None
    };
    let html = render(&items, comparison)?;
    output::write(args.output.as_deref(), html.as_bytes())?;
    Ok(0)
}

/// A scenario of the report, with its `[uncertainty]` where it declares one.
struct Item {
    evaluated: Evaluated,
    uncertainty: Option<plan::Uncertainty>,
}

/// Builds the page from evaluated scenarios.
fn render(items: &[Item], comparison: Option<super::compare::CompareReport>) -> anyhow::Result<String> {
    let simulations = items
        .iter()
        .map(simulation_section)
        .collect::<anyhow::Result<Vec<String>>>()?;
    let items: Vec<&Evaluated> = items.iter().map(|i| &i.evaluated).collect();
    let title = match items.as_slice() {
        [one] => format!("Plan: {}", one.name),
        many => format!(
            "Plans: {}",
            many.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"meta\">From {}. Figures as <code>plan evaluate</code> prints them.</p>\n",
        escape(&title),
        escape(&items.iter().map(|i| i.source.as_str()).collect::<Vec<_>>().join(", "))
    );
    for (item, simulation) in items.iter().zip(&simulations) {
        body.push_str(&format!("<section>\n<h2>{}</h2>\n", escape(&item.name)));
        let single = EvaluateReport {
            items: vec![(*item).clone()],
        };
        let mut doc = single.document();
        doc.blocks.retain(|b| !matches!(b, crate::export::Block::Heading(_)));
        body.push_str(&html::document(&doc));
        body.push_str("<h3>Break-even chart</h3>\n");
        body.push_str(&html::figure(&charts::breakeven(&item.inputs, &item.results)));
        body.push_str(&sensitivity_section(item));
        body.push_str(simulation);
        body.push_str("</section>\n");
    }
    if let Some(comparison) = comparison {
        body.push_str("<section>\n<h2>Side by side</h2>\n");
        let mut doc = comparison.document();
        doc.blocks.retain(|b| !matches!(b, crate::export::Block::Heading(_)));
        body.push_str(&html::document(&doc));
        let first = &items[0].inputs;
        for other in &items[1..] {
            if let Ok(bridge) = plan::diff::bridge(first, &other.inputs) {
                body.push_str(&format!(
                    "<h3>Profit bridge: {} to {}</h3>\n",
                    escape(&first.name),
                    escape(&other.name)
                ));
                body.push_str(&html::figure(&charts::bridge(first, &other.inputs, &bridge)));
            }
        }
        body.push_str("</section>\n");
    }
    Ok(html::page(&title, &body))
}

/// Which input matters: the tables of `plan sensitivity` with the tornado
/// drawn as SVG in place of its text drawing.
fn sensitivity_section(item: &Evaluated) -> String {
    let Ok(analysis) = plan::sensitivity::analyse(&item.inputs, &DEFAULT_STEPS) else {
        return String::new();
    };
    let tornado = charts::tornado(&item.inputs, &analysis);
    let report = super::sensitivity::SensitivityReport {
        header: super::sensitivity::Header {
            schema_version: super::sensitivity::SCHEMA_VERSION,
            name: item.name.clone(),
            source: item.source.clone(),
            variant: item.variant.clone(),
        },
        inputs: item.inputs.clone(),
        notes: super::sensitivity::notes(&analysis),
        analysis,
    };
    let mut doc = report.document();
    let mut drawn = false;
    let mut out = String::from("<h3>Sensitivity: which input matters</h3>\n");
    doc.blocks
        .retain(|b| !matches!(b, Block::Heading(text) if text.ends_with(": sensitivity")));
    for block in doc.blocks {
        match block {
            Block::Chart(_) if !drawn => {
                out.push_str(&html::figure(&tornado));
                drawn = true;
            }
            Block::Chart(_) => {}
            other => out.push_str(&html::document(&Document { blocks: vec![other] })),
        }
    }
    out
}

/// The steps `plan sensitivity` uses by default, in percent.
const DEFAULT_STEPS: [f64; 4] = [-20.0, -10.0, 10.0, 20.0];

/// The simulation of `plan simulate` (its default samples and seed) with the
/// histogram drawn as SVG, for a scenario that declares `[uncertainty]`.
fn simulation_section(item: &Item) -> anyhow::Result<String> {
    let Some(uncertainty) = &item.uncertainty else {
        return Ok(String::new());
    };
    let e = &item.evaluated;
    let settings = plan::simulate::Settings {
        samples: super::simulate::DEFAULT_SAMPLES,
        seed: plan::simulate::DEFAULT_SEED,
    };
    let simulation = plan::simulate::simulate::<std::io::Error>(&e.inputs, uncertainty, settings, &mut |_, _| {}, None)
        .map_err(|err| anyhow::anyhow!("{err}").context(format!("cannot simulate `{}`", e.source)))?;
    let histogram = charts::simulation_histogram(&e.inputs, &simulation);
    let drivers = charts::simulation_drivers(&e.inputs, &simulation);
    let loaded = super::load::Loaded {
        scenario: e.inputs.clone(),
        source: e.source.clone(),
        variant: e.variant.clone(),
    };
    let report = super::simulate::SimulateReport::new(loaded, uncertainty.clone(), e.results.clone(), simulation);
    let mut out = format!(
        "<h3>Risk: {} samples, seed {}</h3>\n",
        crate::export::human_number(settings.samples as f64, &crate::export::Unit::Units),
        settings.seed
    );
    let mut doc = report.document();
    doc.blocks
        .retain(|b| !matches!(b, Block::Heading(text) if text.contains("samples, seed")));
    let charts = doc.blocks.iter().filter(|b| matches!(b, Block::Chart(_))).count();
    let mut seen = 0;
    for block in doc.blocks {
        match block {
            // The text drawings (drivers first, histogram last) are drawn as SVG instead.
            Block::Chart(_) => {
                seen += 1;
                if seen == charts {
                    out.push_str(&html::figure(&histogram));
                } else if seen == 1 {
                    out.push_str(&html::figure(&drivers));
                }
            }
            other => out.push_str(&html::document(&Document { blocks: vec![other] })),
        }
    }
    Ok(out)
}
