//! `plan solve FILE --target METRIC=VALUE --vary INPUT`: goal seek.

use anyhow::Context;
use plan::Input;
use plan::solve::{Goal, Method, Metric, SolveError, solve};
use serde::Serialize;

use super::OutputArgs;
use super::load::load;
use super::sensitivity::Header;
use crate::export::{Block, Cell, Document, NoteKind, NoteLine, Report, Row, Table, Unit, human_number};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "FILE")]
    file: String,
    /// The result field to reach and its value, as `profit=100000` or
    /// `margin_of_safety_ratio=0.3`.
    #[arg(long, value_name = "METRIC=VALUE", default_value = "profit=0", value_parser = parse_target)]
    target: Target,
    /// The input to solve for; give several for one answer per input.
    #[arg(long, required = true, value_name = "INPUT")]
    vary: Vec<Input>,
    #[command(flatten)]
    output: OutputArgs,
}

/// `--target METRIC=VALUE`.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    metric: Metric,
    value: f64,
}

fn parse_target(text: &str) -> Result<Target, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not `METRIC=VALUE`, as `profit=100000`"))?;
    let metric = Metric::named(name.trim()).map_err(|e| e.to_string())?;
    let value = value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{}` is not a number", value.trim()))?;
    Ok(Target { metric, value })
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    args.output.check()?;
    if let Some(twice) = args.vary.iter().enumerate().find(|(i, v)| args.vary[..*i].contains(v)) {
        return Err(super::usage_error(format!(
            "`--vary {}` is given twice; give each input once",
            twice.1
        )));
    }
    let loaded = load(&args.file)?;
    let scenario = &loaded.scenario;
    plan::evaluate(scenario).with_context(|| format!("cannot solve `{}`", args.file))?;
    let goal = Goal {
        metric: args.target.metric,
        target: args.target.value,
    };
    let mut answers = Vec::new();
    let mut failures = Vec::new();
    for &input in &args.vary {
        let today = input.get(scenario);
        match solve(scenario, input, goal) {
            Ok(s) => answers.push(Answer {
                input: input.name(),
                today,
                value: Some(s.value),
                change: Some(s.value - s.today),
                // Over |today|, so the sign is the direction of the change
                // even for an input below 0 (an elasticity).
                change_percent: (s.today != 0.0).then(|| (s.value - s.today) / s.today.abs() * 100.0),
                achieved: Some(s.achieved),
                residual: Some(s.residual),
                tolerance: Some(s.tolerance),
                method: Some(s.method),
                why_none: None,
            }),
            Err(e) => {
                let why = match &e {
                    SolveError::NoSolution { why, .. } => why.clone(),
                    other => other.to_string(),
                };
                failures.push(e.to_string());
                answers.push(Answer {
                    input: input.name(),
                    today,
                    value: None,
                    change: None,
                    change_percent: None,
                    achieved: None,
                    residual: None,
                    tolerance: None,
                    method: None,
                    why_none: Some(why),
                });
            }
        }
    }
    let any_found = answers.iter().any(|a| a.value.is_some());
    if any_found {
        args.output.emit(&SolveReport {
            header: Header {
                schema_version: SCHEMA_VERSION,
                name: scenario.name.clone(),
                source: loaded.source.clone(),
                variant: loaded.variant.clone(),
            },
            currency: scenario.currency.clone(),
            metric: goal.metric.name(),
            target: goal.target,
            answers,
        })?;
    }
    for failure in &failures {
        eprintln!("error: {failure}");
    }
    Ok(if failures.is_empty() { 0 } else { 1 })
}

/// The value of one input that reaches the target.
#[derive(Debug, Serialize)]
pub struct Answer {
    pub input: &'static str,
    /// The input's value in the scenario as given.
    pub today: Option<f64>,
    /// The value that reaches the target; null when none does.
    pub value: Option<f64>,
    /// `value - today`.
    pub change: Option<f64>,
    /// `(value - today) / |today| x 100`; null when today's value is 0.
    pub change_percent: Option<f64>,
    /// The metric re-evaluated at `value`.
    pub achieved: Option<f64>,
    /// `achieved - target`.
    pub residual: Option<f64>,
    /// The largest residual accepted: 1e-9 x max(|target|, |metric today|).
    pub tolerance: Option<f64>,
    pub method: Option<Method>,
    /// Why no value reaches the target.
    pub why_none: Option<String>,
}

/// Every answer, as JSON shows it.
#[derive(Debug, Serialize)]
pub struct SolveReport {
    #[serde(flatten)]
    pub header: Header,
    #[serde(skip)]
    pub currency: Option<String>,
    pub metric: &'static str,
    pub target: f64,
    pub answers: Vec<Answer>,
}

fn input_unit(name: &str, currency: &Option<String>) -> Unit {
    crate::export::input_unit_named(name, currency.as_ref())
}

impl Report for SolveReport {
    fn document(&self) -> Document {
        let spec = plan::model::field(self.metric);
        let metric_unit = match spec.map(|f| Unit::from(f.kind)) {
            Some(Unit::Money(_)) => Unit::Money(self.currency.clone()),
            Some(other) => other,
            None => Unit::Plain,
        };
        let mut blocks = vec![Block::Heading(format!(
            "{} ({}): what reaches {} = {}",
            self.header.name,
            self.header.source,
            self.metric,
            human_number(self.target, &metric_unit)
        ))];
        let rows = self
            .answers
            .iter()
            .map(|a| {
                let unit = input_unit(a.input, &self.currency);
                Row::Cells(vec![
                    Cell::text(a.input),
                    Cell::number(a.today, unit.clone()),
                    a.value.map_or(Cell::text("none"), |v| Cell::Number(v, unit.clone())),
                    Cell::number(a.change, unit),
                    Cell::number(a.change_percent, Unit::Percent),
                    Cell::number(a.achieved, metric_unit.clone()),
                    Cell::number(a.residual, Unit::Plain),
                    Cell::text(a.method.map_or("", Method::describe)),
                ])
            })
            .collect();
        blocks.push(Block::Table(Table {
            header: [
                "Input", "Today", "Needed", "Change", "Change %", "Reached", "Residual", "Method",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        }));
        let notes: Vec<NoteLine> = self
            .answers
            .iter()
            .filter_map(|a| {
                a.why_none.as_ref().map(|why| NoteLine {
                    kind: NoteKind::Undefined,
                    text: format!("`{}`: no value reaches the target: {why}", a.input),
                })
            })
            .collect();
        if !notes.is_empty() {
            blocks.push(Block::Notes(notes));
        }
        Document { blocks }
    }

    fn csv_table(&self) -> Table {
        let header = [
            "input",
            "today",
            "value",
            "change",
            "change_percent",
            "metric",
            "target",
            "achieved",
            "residual",
            "method",
        ]
        .map(String::from)
        .to_vec();
        let rows = self
            .answers
            .iter()
            .map(|a| {
                Row::Cells(vec![
                    Cell::text(a.input),
                    Cell::number(a.today, Unit::Plain),
                    Cell::number(a.value, Unit::Plain),
                    Cell::number(a.change, Unit::Plain),
                    Cell::number(a.change_percent, Unit::Plain),
                    Cell::text(self.metric),
                    Cell::Number(self.target, Unit::Plain),
                    Cell::number(a.achieved, Unit::Plain),
                    Cell::number(a.residual, Unit::Plain),
                    Cell::text(a.method.map_or("", |m| match m {
                        Method::Today => "today",
                        Method::Linear => "linear",
                        Method::Bracketing => "bracketing",
                    })),
                ])
            })
            .collect();
        Table { header, rows }
    }
}
