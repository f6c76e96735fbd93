//! `plan optimize FILE --vary INPUT[=LO:HI] [--vary ...] [--maximize METRIC]`:
//! the price or spend (or any input) that maximises profit.

use clap::CommandFactory;
use clap::error::ErrorKind;
use plan::optimize::{self, Binding, Optimum, Point, Variable};
use plan::scenario::CurveKind;
use plan::{FieldKind, Input, NoteLevel, Scenario};
use serde::Serialize;

use super::load::load;
use super::{Cli, OutputArgs};
use crate::export::{Block, Cell, Document, NoteKind, NoteLine, Report, Row, Table, Unit, human_number};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "FILE")]
    file: String,
    /// An input to vary, with an optional range: `price`, `price=60:200`,
    /// `marketing.spend=0:50000`. Give one or two. Without a range, a default
    /// range (see the README) is searched.
    #[arg(long, required = true, value_name = "INPUT[=LO:HI]", value_parser = parse_vary)]
    vary: Vec<Vary>,
    /// The result field to maximise (any field `plan evaluate` shows, by its JSON name).
    #[arg(long, default_value = "profit", value_name = "METRIC", value_parser = parse_metric)]
    maximize: String,
    #[command(flatten)]
    output: OutputArgs,
}

/// One `--vary` argument.
#[derive(Debug, Clone, Copy)]
pub struct Vary {
    pub input: Input,
    pub range: Option<(f64, f64)>,
}

pub fn parse_vary(text: &str) -> Result<Vary, String> {
    let (name, range) = match text.split_once('=') {
        Some((name, range)) => (name.trim(), Some(range)),
        None => (text.trim(), None),
    };
    let input: Input = name.parse().map_err(|e| format!("{e}"))?;
    let range = match range {
        None => None,
        Some(range) => {
            let (lo, hi) = range
                .split_once(':')
                .ok_or_else(|| format!("the range `{range}` must be `LO:HI`, as `{name}=60:200`"))?;
            let number = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("`{s}` in `{text}` is not a finite number"))
            };
            let (lo, hi) = (number(lo)?, number(hi)?);
            if lo >= hi {
                return Err(format!(
                    "the lower bound {lo} of `{name}` must be below the upper bound {hi}"
                ));
            }
            let lowest = if input.must_be_positive() { 0.0 } else { input.minimum() };
            if lo < lowest || hi > input.maximum() {
                let limits = if input.maximum() <= 0.0 {
                    "at most 0".to_string()
                } else if input.must_be_positive() {
                    "at least 0 (0 stands for just above it)".to_string()
                } else {
                    format!("at least {}", input.minimum())
                };
                return Err(format!("the range of `{name}` must be {limits}, found {lo}:{hi}"));
            }
            Some((lo, hi))
        }
    };
    Ok(Vary { input, range })
}

pub fn parse_metric(name: &str) -> Result<String, String> {
    optimize::metric(name)
        .map(|f| f.name.to_string())
        .map_err(|e| e.to_string())
}

/// The ranges to search: as given, or the documented defaults.
pub fn variables(vary: &[Vary], scenario: &plan::Scenario) -> Vec<Variable> {
    vary.iter()
        .map(|v| {
            let (lower, upper) = v.range.unwrap_or_else(|| optimize::default_range(v.input, scenario));
            Variable {
                input: v.input,
                lower,
                upper,
            }
        })
        .collect()
}

/// The `optimize` subcommand, so a usage error shows its own usage line.
fn optimize_command() -> clap::Command {
    let mut cli = Cli::command();
    cli.build();
    cli.find_subcommand("optimize").cloned().unwrap_or(cli)
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.vary.len() > 2 {
        optimize_command()
            .error(
                ErrorKind::TooManyValues,
                format!(
                    "`--vary` is given {} times; optimize varies one or two inputs",
                    args.vary.len()
                ),
            )
            .exit();
    }
    if let [a, b] = args.vary.as_slice()
        && a.input == b.input
    {
        optimize_command()
            .error(
                ErrorKind::ArgumentConflict,
                format!("`--vary {}` is given twice; give each input once", a.input),
            )
            .exit();
    }
    args.output.check()?;
    let loaded = load(&args.file)?;
    let variables = variables(&args.vary, &loaded.scenario);
    let optimum = optimize::optimize(&loaded.scenario, &variables, &args.maximize)
        .map_err(|e| anyhow::anyhow!("{e}").context(format!("cannot optimize `{}`", args.file)))?;
    let default_ranges = args
        .vary
        .iter()
        .filter(|v| v.range.is_none())
        .map(|v| v.input.name())
        .collect();
    let report = OptimizeReport::new(loaded, optimum, default_ranges);
    args.output.emit(&report)?;
    Ok(0)
}

/// One figure today and at the optimum.
#[derive(Debug, Serialize)]
pub struct Change {
    pub field: &'static str,
    #[serde(skip)]
    pub label: &'static str,
    #[serde(skip)]
    pub unit: Unit,
    pub today: Option<f64>,
    pub optimum: Option<f64>,
    /// `optimum - today`.
    pub change: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ReportNote {
    pub level: &'static str,
    pub message: String,
}

/// What `plan optimize` found, as JSON shows it.
#[derive(Debug, Serialize)]
pub struct OptimizeReport {
    pub schema_version: u32,
    pub name: String,
    pub source: String,
    pub variant: Option<String>,
    /// The inputs searched over a default range (no `=LO:HI` given).
    pub default_ranges: Vec<&'static str>,
    #[serde(flatten)]
    pub optimum: Optimum,
    /// The varied inputs and the main figures, today and at the optimum.
    pub changes: Vec<Change>,
    pub notes: Vec<ReportNote>,
    #[serde(skip)]
    inputs: Scenario,
}

/// The figures the "what else changes" table shows, after the varied inputs.
const CHANGED: &[&str] = &[
    "profit",
    "revenue",
    "base_demand",
    "uplift",
    "units_sold",
    "unit_contribution",
    "contribution_margin",
    "contribution_margin_ratio",
    "profit_margin",
    "break_even_units",
    "margin_of_safety_ratio",
];

fn input_unit(input: Input, currency: &Option<String>) -> Unit {
    crate::export::input_unit(input, currency.as_ref())
}

fn kind_unit(kind: FieldKind, currency: &Option<String>) -> Unit {
    match kind {
        FieldKind::Money => Unit::Money(currency.clone()),
        other => other.into(),
    }
}

impl OptimizeReport {
    pub fn new(loaded: super::load::Loaded, optimum: Optimum, default_ranges: Vec<&'static str>) -> OptimizeReport {
        let scenario = &loaded.scenario;
        let currency = &scenario.currency;
        let mut changes = Vec::new();
        for v in &optimum.variables {
            changes.push(Change {
                field: v.variable.input.name(),
                label: v.variable.input.name(),
                unit: input_unit(v.variable.input, currency),
                today: v.today,
                optimum: Some(v.optimum),
                change: v.today.map(|t| v.optimum - t),
            });
        }
        let mut fields: Vec<&str> = Vec::new();
        if !CHANGED.contains(&optimum.metric) {
            fields.push(optimum.metric);
        }
        fields.extend(
            CHANGED
                .iter()
                .filter(|f| **f != "uplift" || scenario.marketing.is_some()),
        );
        for name in fields {
            let spec = plan::model::field(name).expect("a result field");
            let today = (spec.get)(&optimum.today.results);
            let at = (spec.get)(&optimum.at_optimum.results);
            changes.push(Change {
                field: spec.name,
                label: spec.label,
                unit: kind_unit(spec.kind, currency),
                today,
                optimum: at,
                change: today.zip(at).map(|(t, o)| o - t),
            });
        }
        let notes = notes(&optimum, scenario);
        OptimizeReport {
            schema_version: SCHEMA_VERSION,
            name: scenario.name.clone(),
            source: loaded.source,
            variant: loaded.variant,
            default_ranges,
            inputs: loaded.scenario,
            optimum,
            changes,
            notes,
        }
    }

    fn metric_unit(&self) -> Unit {
        let spec = plan::model::field(self.optimum.metric).expect("a result field");
        kind_unit(spec.kind, &self.inputs.currency)
    }

    fn metric_label(&self) -> &'static str {
        plan::model::field(self.optimum.metric).expect("a result field").label
    }

    /// The answer in a sentence or two.
    fn summary(&self) -> String {
        let o = &self.optimum;
        let unit = self.metric_unit();
        let currency = &self.inputs.currency;
        let show = |v: f64, input: Input| human_number(v, &input_unit(input, currency));
        let today = match o.today_value {
            Some(t) => format!(
                ", against {} today ({})",
                human_number(t, &unit),
                signed(o.value - t, &unit)
            ),
            None => ", undefined today".to_string(),
        };
        if o.flat {
            return format!(
                "{} does not change with {} over the range searched: every value is as good, so there is no optimum to report.",
                self.metric_label(),
                o.variables
                    .iter()
                    .map(|v| format!("`{}`", v.variable.input))
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
        }
        let at = o
            .variables
            .iter()
            .map(|v| {
                let input = v.variable.input;
                let today = v
                    .today
                    .map(|t| format!(", today {}", show(t, input)))
                    .unwrap_or_default();
                let default = if self.default_ranges.contains(&input.name()) {
                    ", the default range"
                } else {
                    ""
                };
                format!(
                    "`{input}` = {} (searched {} to {}{default}{today})",
                    show(v.optimum, input),
                    show(v.variable.lower, input),
                    show(v.variable.upper, input)
                )
            })
            .collect::<Vec<_>>()
            .join(" and ");
        if o.interior {
            format!(
                "Best: {at}. {} there: {}{today}.",
                self.metric_label(),
                human_number(o.value, &unit)
            )
        } else {
            format!(
                "No interior optimum: {} keeps rising up to a bound of the range, so the bound, not the market, sets this answer. At the bound, {at}, {} is {}{today}.",
                self.metric_label().to_lowercase(),
                self.metric_label().to_lowercase(),
                human_number(o.value, &unit)
            )
        }
    }
}

/// `price = 35 USD`: an input and its value, for a heading.
fn plain_input(v: f64, input: Input, currency: &Option<String>) -> String {
    format!("{input} = {}", human_number(v, &input_unit(input, currency)))
}

fn signed(v: f64, unit: &Unit) -> String {
    let text = human_number(v, unit);
    if v > 0.0 && !text.starts_with('+') {
        format!("+{text}")
    } else {
        text
    }
}

/// The notes a planner needs: checks, binding bounds and capacity, why a bound binds.
fn notes(o: &Optimum, s: &Scenario) -> Vec<ReportNote> {
    let mut notes = Vec::new();
    let mut note = |level: &'static str, message: String| notes.push(ReportNote { level, message });
    let plain = |v: f64| human_number(v, &Unit::Plain);
    for v in &o.variables {
        let input = v.variable.input;
        let side =
            |x: Option<f64>, at: f64| x.map(|m| format!("{} at {}", signed(m - o.value, &Unit::Plain), plain(at)));
        let sides: Vec<String> = [
            side(v.check.below, v.optimum - v.check.step),
            side(v.check.above, v.optimum + v.check.step),
        ]
        .into_iter()
        .flatten()
        .collect();
        if v.check.passed {
            note(
                "info",
                format!(
                    "checked: moving `{input}` {} from {} changes {} by {}; neither side is higher",
                    plain(v.check.step),
                    plain(v.optimum),
                    o.metric,
                    sides.join(" and "),
                ),
            );
        } else {
            note(
                "warning",
                format!(
                    "the check found a higher {} beside the optimum ({}): treat the optimum of `{input}` as approximate",
                    o.metric,
                    sides.join(" and ")
                ),
            );
        }
        if o.flat {
            continue;
        }
        match v.binding {
            Binding::Interior => {}
            Binding::AtMinimum => note(
                "info",
                format!(
                    "the best `{input}` is {}, its lowest possible value: no more of it pays for itself on the range searched",
                    plain(v.optimum)
                ),
            ),
            Binding::LowerBound | Binding::UpperBound => {
                let (side, way) = if v.binding == Binding::UpperBound {
                    ("upper", "higher")
                } else {
                    ("lower", "lower")
                };
                let widen = if v.binding == Binding::LowerBound && v.variable.lower <= input.minimum() {
                    format!("; `{input}` cannot go lower")
                } else {
                    format!("; a {way} bound would give more. Widen it with `--vary {input}=LO:HI`")
                };
                let mut message = format!(
                    "no interior optimum: {} keeps rising to the {side} bound {} of `{input}`{widen}",
                    o.metric,
                    plain(v.optimum)
                );
                // The reasons are about profit (and the contribution, which differs by
                // the fixed cost alone); another metric may peak elsewhere.
                if input == Input::Price && matches!(o.metric, "profit" | "contribution_margin") {
                    message.push_str(&price_bound_reason(v.binding, s));
                }
                note("warning", message);
            }
        }
    }
    if o.variables.iter().any(|v| v.variable.input == Input::MarketingSpend) && s.marketing_response.is_none() {
        let why = if s.marketing.is_some() {
            "a fixed `uplift`"
        } else {
            "no `[marketing]`"
        };
        note(
            "info",
            format!(
                "the uplift here does not depend on spend ({why}), so `marketing.spend` only adds cost; a Hill curve (`response = \"hill\"` in `[marketing]`) says what spend buys"
            ),
        );
    }
    if o.flat
        && o.variables
            .iter()
            .all(|v| v.profile.iter().all(|p| p.units_sold == Some(0.0)))
    {
        let mut message = "nothing sells anywhere on the range searched".to_string();
        if let Some(c) = &s.demand_curve
            && c.kind == CurveKind::Linear
            && c.elasticity < 0.0
            && o.variables.iter().any(|v| v.variable.input == Input::Price)
        {
            // demand x (1 + e (p - p0) / p0) = 0 at p = p0 (1 - 1/e).
            let choke = c.reference_price * (1.0 - 1.0 / c.elasticity);
            message.push_str(&format!(
                ": the linear demand curve reaches 0 at price {}",
                plain(choke)
            ));
            if choke <= s.unit_variable_cost {
                message.push_str(&format!(
                    ", at or below the unit variable cost {}, so no price above cost sells anything",
                    plain(s.unit_variable_cost)
                ));
            }
        }
        note("warning", message);
    }
    if o.capacity_binding
        && let Some(capacity) = o.scenario.capacity
    {
        note(
            "warning",
            format!(
                "capacity binds at the optimum: {} units are demanded and {} can be sold; more capacity would move the optimum",
                plain(o.at_optimum.results.units_demanded),
                plain(capacity)
            ),
        );
    }
    for n in &o.at_optimum.notes {
        if n.level == NoteLevel::Undefined && n.fields.iter().any(|f| CHANGED.contains(f) || *f == o.metric) {
            let at = if o.flat { "at the point shown" } else { "at the optimum" };
            note("undefined", format!("{at}: {}", n.message));
        }
    }
    notes
}

/// Why the metric keeps rising to a bound of the price, where the demand curve says.
fn price_bound_reason(binding: Binding, s: &Scenario) -> String {
    let plain = |v: f64| human_number(v, &Unit::Plain);
    match (binding, &s.demand_curve) {
        (Binding::UpperBound, None) => {
            "; demand here ignores price (no `[demand_curve]`), so every extra unit of price is profit".into()
        }
        (Binding::UpperBound, Some(c)) if c.kind == CurveKind::ConstantElasticity && c.elasticity > -1.0 => format!(
            "; with elasticity {} (between -1 and 0) demand falls more slowly than price rises, so a higher price always earns more until capacity or a bound stops it",
            plain(c.elasticity)
        ),
        (Binding::UpperBound, Some(c)) if c.kind == CurveKind::ConstantElasticity && c.elasticity == -1.0 => {
            "; with elasticity -1 revenue is the same at every price while fewer units cost less, so a higher price always earns more until capacity or a bound stops it".into()
        }
        (Binding::UpperBound, Some(c)) if c.kind == CurveKind::ConstantElasticity => {
            // For e < -1 the unconstrained best price is c e / (1 + e).
            let best = s.unit_variable_cost * c.elasticity / (1.0 + c.elasticity);
            format!(
                "; the best price for elasticity {}, unit cost x e / (1 + e) = {}, lies above the range",
                plain(c.elasticity),
                plain(best)
            )
        }
        (Binding::LowerBound, Some(c))
            if c.kind == CurveKind::ConstantElasticity && c.elasticity < -1.0 && s.unit_variable_cost == 0.0 =>
        {
            format!(
                "; with no unit variable cost and elasticity {} (below -1), revenue grows without limit as the price falls toward 0, so the model has no best price: give the unit cost, or a range",
                plain(c.elasticity)
            )
        }
        _ => String::new(),
    }
}

/// Profit against the input over the whole range, as a column chart in block characters.
/// `optimum` is `None` when the metric is flat (no optimum to mark); the scale
/// still includes `value`.
fn chart(
    points: &[Point],
    optimum: (Option<f64>, f64),
    today: Option<f64>,
    label: &str,
    input: Input,
    unit: &Unit,
) -> String {
    let (optimum, value) = optimum;
    const ROWS: usize = 8;
    const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<Option<f64>> = points.iter().map(|p| p.metric).collect();
    let defined = values.iter().flatten();
    // The optimum tops the scale even when it falls between two columns.
    let (low, high) = defined.fold((value, value), |(l, h), v| (l.min(*v), h.max(*v)));
    if !low.is_finite() {
        return String::new();
    }
    let span = if high > low { high - low } else { 1.0 };
    // Each column's height in eighths of a row; the lowest value still shows a sliver.
    let heights: Vec<Option<usize>> = values
        .iter()
        .map(|v| v.map(|v| 1 + ((v - low) / span * (ROWS * 8 - 1) as f64).round() as usize))
        .collect();
    let top = human_number(high, unit);
    let bottom = human_number(low, unit);
    let margin = top.chars().count().max(bottom.chars().count());
    let mut out = format!("{label} against `{input}`\n");
    for row in (0..ROWS).rev() {
        let axis = match row {
            r if r == ROWS - 1 => format!("{top:>margin$} ┤"),
            0 => format!("{bottom:>margin$} ┤"),
            _ => format!("{:>margin$} │", ""),
        };
        out.push_str(&axis);
        for h in &heights {
            let c = match h {
                None => ' ',
                Some(h) => BLOCKS[h.saturating_sub(row * 8).min(8)],
            };
            out.push(c);
        }
        out.push('\n');
    }
    let columns = points.len();
    out.push_str(&format!("{:>margin$} └{}\n", "", "─".repeat(columns)));
    let (lower, upper) = (points[0].value, points[columns - 1].value);
    let column_of = |x: f64| (((x - lower) / (upper - lower)) * (columns - 1) as f64).round() as usize;
    let mut marks = vec![' '; columns];
    if let Some(t) = today.filter(|t| *t >= lower && *t <= upper) {
        marks[column_of(t)] = '△';
    }
    if let Some(optimum) = optimum {
        marks[column_of(optimum).min(columns - 1)] = '▲';
    }
    out.push_str(&format!(
        "{:>margin$}  {}\n",
        "",
        marks.iter().collect::<String>().trim_end()
    ));
    let input_unit = match unit {
        Unit::Money(_) if matches!(input, Input::Price | Input::MarketingSpend) => Unit::Money(None),
        _ => input_unit(input, &None),
    };
    let left = human_number(lower, &input_unit);
    let right = human_number(upper, &input_unit);
    let gap = columns
        .saturating_sub(left.chars().count() + right.chars().count())
        .max(1);
    out.push_str(&format!("{:>margin$}  {left}{}{right}\n", "", " ".repeat(gap)));
    // Today is marked (and in the legend) only when it lies on the range drawn.
    let today = if today.is_some_and(|t| t >= lower && t <= upper) {
        ", △ today"
    } else {
        ""
    };
    let legend = match (optimum.is_some(), today.is_empty()) {
        (true, _) => format!("▲ optimum{today}"),
        (false, false) => today.trim_start_matches(", ").to_string(),
        (false, true) => String::new(),
    };
    if !legend.is_empty() {
        out.push_str(&format!("{:>margin$}  {legend}\n", ""));
    }
    out
}

impl Report for OptimizeReport {
    fn document(&self) -> Document {
        let o = &self.optimum;
        let per = self
            .inputs
            .period
            .as_deref()
            .map(|p| format!(", figures per {p}"))
            .unwrap_or_default();
        let mut blocks = vec![
            Block::Heading(format!(
                "{} ({}{per}): maximise {} over {}",
                self.name,
                self.source,
                o.metric,
                o.variables
                    .iter()
                    .map(|v| v.variable.input.name())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
            Block::Paragraph(self.summary()),
        ];
        let mut rows = Vec::new();
        for (i, c) in self.changes.iter().enumerate() {
            if i == 0 {
                rows.push(Row::Section("Inputs".into()));
            }
            if i == o.variables.len() {
                rows.push(Row::Section("Results".into()));
            }
            rows.push(Row::Cells(vec![
                Cell::text(c.label),
                Cell::number(c.today, c.unit.clone()),
                Cell::number(c.optimum, c.unit.clone()),
                Cell::number(c.change, c.unit.clone()),
            ]));
        }
        blocks.push(Block::Table(Table {
            header: vec![
                "".into(),
                "Today".into(),
                // A flat metric has no optimum: the column shows one point of the range.
                if o.flat {
                    o.variables
                        .iter()
                        .map(|v| format!("At {}", plain_input(v.optimum, v.variable.input, &self.inputs.currency)))
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    "At optimum".into()
                },
                "Change".into(),
            ],
            rows,
        }));
        let unit = self.metric_unit();
        for v in &o.variables {
            let input = v.variable.input;
            let input_unit = input_unit(input, &self.inputs.currency);
            let mut header = vec![input.name().to_string(), self.metric_label().to_string()];
            if o.metric != "profit" {
                header.push("Profit".into());
            }
            header.extend(["Units sold".to_string(), "vs optimum".to_string(), String::new()]);
            let rows = v
                .curve
                .iter()
                .map(|p| {
                    let mut cells = vec![
                        Cell::number(Some(p.value), input_unit.clone()),
                        Cell::number(p.metric, unit.clone()),
                    ];
                    if o.metric != "profit" {
                        cells.push(Cell::number(p.profit, Unit::Money(self.inputs.currency.clone())));
                    }
                    cells.push(Cell::number(p.units_sold, Unit::Units));
                    cells.push(Cell::number(p.metric.map(|m| m - o.value), unit.clone()));
                    cells.push(Cell::text(if p.value == v.optimum && !o.flat {
                        "◀ optimum"
                    } else {
                        ""
                    }));
                    Row::Cells(cells)
                })
                .collect();
            blocks.push(Block::Table(Table { header, rows }));
            blocks.push(Block::Chart(chart(
                &v.profile,
                ((!o.flat).then_some(v.optimum), o.value),
                v.today,
                self.metric_label(),
                input,
                &unit,
            )));
        }
        let notes: Vec<NoteLine> = self
            .notes
            .iter()
            .map(|n| NoteLine {
                kind: match n.level {
                    "warning" => NoteKind::Warning,
                    "undefined" => NoteKind::Undefined,
                    _ => NoteKind::Info,
                },
                text: n.message.clone(),
            })
            .collect();
        if !notes.is_empty() {
            blocks.push(Block::Notes(notes));
        }
        Document { blocks }
    }

    /// One row per varied input: its range, today's value and the optimum, with the metric.
    fn csv_table(&self) -> Table {
        let header = [
            "name",
            "source",
            "variant",
            "metric",
            "input",
            "lower",
            "upper",
            "default_range",
            "today",
            "optimum",
            "binding",
            "interior",
            "flat",
            "capacity_binding",
            "check_passed",
            "metric_today",
            "metric_optimum",
            "metric_change",
            "units_sold_today",
            "units_sold_optimum",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let o = &self.optimum;
        let yes_no = |b: bool| Cell::text(if b { "true" } else { "false" });
        let rows = o
            .variables
            .iter()
            .map(|v| {
                let binding = serde_json::to_value(v.binding)
                    .ok()
                    .and_then(|b| b.as_str().map(str::to_string))
                    .unwrap_or_default();
                Row::Cells(vec![
                    Cell::text(&self.name),
                    Cell::text(&self.source),
                    Cell::text(self.variant.clone().unwrap_or_default()),
                    Cell::text(o.metric),
                    Cell::text(v.variable.input.name()),
                    Cell::number(Some(v.variable.lower), Unit::Plain),
                    Cell::number(Some(v.variable.upper), Unit::Plain),
                    yes_no(self.default_ranges.contains(&v.variable.input.name())),
                    Cell::number(v.today, Unit::Plain),
                    Cell::number(Some(v.optimum), Unit::Plain),
                    Cell::text(binding),
                    yes_no(o.interior),
                    yes_no(o.flat),
                    yes_no(o.capacity_binding),
                    yes_no(v.check.passed),
                    Cell::number(o.today_value, Unit::Plain),
                    Cell::number(Some(o.value), Unit::Plain),
                    Cell::number(o.today_value.map(|t| o.value - t), Unit::Plain),
                    Cell::number(Some(o.today.results.units_sold), Unit::Plain),
                    Cell::number(Some(o.at_optimum.results.units_sold), Unit::Plain),
                ])
            })
            .collect();
        Table { header, rows }
    }
}
