//! `plan sensitivity FILE`: which assumption matters, and how far each can move.

use anyhow::Context;
use plan::sensitivity::{self, Axis, BreakEven, Derivative, Grid, OneWayRow, Sensitivity, Side};
use plan::solve::Metric;
use plan::{Input, Scenario};
use serde::{Serialize, Serializer};

use super::OutputArgs;
use super::load::load;
use crate::export::{Block, Cell, Document, Format, NoteKind, NoteLine, Report, Row, Table, Unit, human_number};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "FILE")]
    file: String,
    /// Steps of the one-way table, in percent.
    #[arg(
        long,
        value_name = "PERCENT,...",
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "-20,-10,10,20",
        value_parser = parse_step,
        conflicts_with = "grid"
    )]
    steps: Vec<f64>,
    /// A two-way data table instead: give twice, rows then columns, as
    /// `--grid price=80:120:5 --grid demand=8000:16000:1000` (both ends included;
    /// at most 4,000,000 cells).
    #[arg(long, value_name = "INPUT=START:END:STEP")]
    grid: Vec<Axis>,
    /// The result field the grid shows (any field of `plan evaluate`).
    #[arg(long, value_name = "NAME", default_value = "profit", value_parser = Metric::named, requires = "grid")]
    metric: Metric,
    #[command(flatten)]
    output: OutputArgs,
}

/// One `--steps` value: a finite number of percent (`plan chart` reads it too).
pub(crate) fn parse_step(text: &str) -> Result<f64, String> {
    if text.trim().is_empty() {
        return Err("a step is empty; give steps as `--steps=-30,-15,15,30`".into());
    }
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{text}` is not a finite number of percent; give steps as `--steps=-30,-15,15,30`"))
}

/// A step given twice is bad usage (exit 2), refused before any work.
pub(crate) fn steps_given_once(steps: &[f64]) -> anyhow::Result<()> {
    match steps.iter().enumerate().find(|(i, s)| steps[..*i].contains(s)) {
        Some((_, &twice)) => Err(super::usage_error(format!(
            "`--steps` gives {} twice; give each step once, as `--steps=-30,-15,15,30`",
            step_label(twice)
        ))),
        None => Ok(()),
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    steps_given_once(&args.steps)?;
    if !args.grid.is_empty() && args.grid.len() != 2 {
        eprintln!(
            "error: `--grid` takes two axes, rows then columns, as `--grid price=80:120:5 --grid demand=8000:16000:1000`; got {}",
            args.grid.len()
        );
        return Ok(2);
    }
    if let [rows, columns] = args.grid.as_slice()
        && let Err(e) = sensitivity::check_grid(rows, columns)
    {
        // Bad usage, as a malformed `--grid` is: exit 2 before any work.
        eprintln!("error: {e}");
        return Ok(2);
    }
    sensitivity::check_steps(&args.steps)?;
    args.output.check()?;
    let loaded = load(&args.file)?;
    let context = || format!("cannot analyse `{}`", args.file);
    let header = Header {
        schema_version: SCHEMA_VERSION,
        name: loaded.scenario.name.clone(),
        source: loaded.source,
        variant: loaded.variant,
    };
    let scenario = loaded.scenario;

    if let [rows, columns] = args.grid.as_slice() {
        if args.output.format == Format::Csv {
            // A dedicated path: cells are computed and written straight into
            // buffers, one per thread, without building a table of strings.
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let csv = sensitivity::grid_csv(&scenario, rows, columns, args.metric, threads).with_context(context)?;
            super::output::write_parts(args.output.output.as_deref(), &csv)?;
            return Ok(0);
        }
        let grid = sensitivity::grid(&scenario, rows, columns, args.metric).with_context(context)?;
        let undefined = grid.values.iter().filter(|v| v.is_none()).count();
        let mut notes = Vec::new();
        if let Some((r, c, why)) = grid.first_undefined(&scenario) {
            notes.push(format!(
                "{undefined} of {} cells have no `{}`; at {} = {}, {} = {}: {why}",
                grid.values.len(),
                grid.metric.name(),
                grid.rows,
                plan_number(r),
                grid.columns,
                plan_number(c),
            ));
        }
        let report = GridReport {
            header,
            scenario,
            grid,
            undefined_cells: undefined,
            notes,
        };
        args.output.emit(&report)?;
        return Ok(0);
    }

    let analysis = sensitivity::analyse(&scenario, &args.steps).with_context(context)?;
    let notes = notes(&analysis);
    args.output.emit(&SensitivityReport {
        header,
        inputs: scenario,
        analysis,
        notes,
    })?;
    Ok(0)
}

/// Where the analysed scenario came from.
#[derive(Debug, Serialize)]
pub struct Header {
    pub schema_version: u32,
    pub name: String,
    pub source: String,
    pub variant: Option<String>,
}

/// Every sensitivity figure, as JSON shows it.
#[derive(Debug, Serialize)]
pub struct SensitivityReport {
    #[serde(flatten)]
    pub header: Header,
    pub inputs: Scenario,
    #[serde(flatten)]
    pub analysis: Sensitivity,
    pub notes: Vec<String>,
}

/// A number for a message: plain, whole numbers without decimals.
fn plan_number(v: f64) -> String {
    human_number(v, &Unit::Plain)
}

/// How an input is measured, for people.
fn input_unit(input: Input, scenario: &Scenario) -> Unit {
    crate::export::input_unit(input, scenario.currency.as_ref())
}

/// `-20%`, `+10%`.
fn step_label(step: f64) -> String {
    let text = human_number(step, &Unit::Plain);
    if step > 0.0 {
        format!("+{text}%")
    } else {
        format!("{text}%")
    }
}

pub(super) fn notes(a: &Sensitivity) -> Vec<String> {
    let mut notes = Vec::new();
    for d in &a.derivatives {
        if d.kink
            && let (Some(l), Some(r)) = (d.left, d.right)
        {
            notes.push(format!(
                "`{}`: profit has a kink at today's value (capacity starting to bind, say): the slope is {} for a decrease and {} for an increase; the increase side is shown",
                d.input,
                plan_number(l),
                plan_number(r)
            ));
        }
    }
    let at_minimum: Vec<String> = a
        .derivatives
        .iter()
        .filter(|d| d.side == Side::Right && d.left.is_none())
        .map(|d| format!("`{}`", d.input))
        .collect();
    if !at_minimum.is_empty() {
        notes.push(format!(
            "{} {} at the lowest allowed value, so the slope shown is for an increase only",
            at_minimum.join(", "),
            if at_minimum.len() == 1 { "is" } else { "are" },
        ));
    }
    let at_maximum: Vec<String> = a
        .derivatives
        .iter()
        .filter(|d| d.side == Side::Left && d.value >= d.input.maximum())
        .map(|d| format!("`{}`", d.input))
        .collect();
    if !at_maximum.is_empty() {
        notes.push(format!(
            "{} {} at the highest allowed value, so the slope shown is for a decrease only",
            at_maximum.join(", "),
            if at_maximum.len() == 1 { "is" } else { "are" },
        ));
    }
    if a.profit == 0.0 {
        notes.push("profit is exactly 0, so no elasticity (slope x value / profit) is defined".into());
    }
    let zero: Vec<String> = a
        .one_way
        .iter()
        .filter(|r| r.value == 0.0)
        .map(|r| format!("`{}`", r.input))
        .collect();
    if !zero.is_empty() {
        notes.push(format!(
            "{} {} 0 today, so percentage steps do not move {}; the break-even table gives {} headroom as an amount",
            zero.join(", "),
            if zero.len() == 1 { "is" } else { "are" },
            if zero.len() == 1 { "it" } else { "them" },
            if zero.len() == 1 { "its" } else { "their" },
        ));
    }
    for row in &a.one_way {
        // Why a step has no figures: it takes the input out of its allowed
        // values, or past what the model can compute.
        let outside = |why: fn(f64, Input) -> bool| -> Vec<String> {
            row.points
                .iter()
                .filter(|p| p.value.is_none() && why(row.value + row.value * p.step_percent / 100.0, row.input))
                .map(|p| step_label(p.step_percent))
                .collect()
        };
        let below = outside(|v, input| v < input.minimum());
        let above = outside(|v, input| v > input.maximum());
        let too_large: Vec<String> = row
            .points
            .iter()
            .filter(|p| {
                let v = row.value + row.value * p.step_percent / 100.0;
                (p.value.is_none() && !v.is_finite()) || (p.value.is_some() && p.profit.is_none())
            })
            .map(|p| step_label(p.step_percent))
            .collect();
        for (steps, what) in [
            (
                below,
                if row.input.must_be_positive() {
                    "not above 0".to_string()
                } else {
                    format!("below its minimum of {}", plan_number(row.input.minimum()))
                },
            ),
            (
                above,
                format!("above its maximum of {}", plan_number(row.input.maximum())),
            ),
            (
                too_large,
                "beyond what the model can compute (profit overflows)".to_string(),
            ),
        ] {
            if !steps.is_empty() {
                notes.push(format!(
                    "`{}`: step {} would take it {what}, so it has no figures",
                    row.input,
                    steps.join(", "),
                ));
            }
        }
    }
    for b in &a.break_even {
        if let Some(why) = &b.why_none {
            notes.push(format!("`{}` has no break-even value: {why}", b.input));
        }
    }
    notes
}

/// The slope's side, for people.
fn side_text(d: &Derivative) -> String {
    match (d.side, d.kink) {
        (Side::Central, _) => "both sides".into(),
        (Side::Right, true) => "increase (kink)".into(),
        (Side::Right, false) => "increase (at minimum)".into(),
        (Side::Left, _) if d.value >= d.input.maximum() => "decrease (at maximum)".into(),
        (Side::Left, _) => "decrease".into(),
    }
}

/// What the headroom means, in words.
fn headroom_text(b: &BreakEven, profit: f64, scenario: &Scenario) -> String {
    let (Some(be), Some(amount)) = (b.break_even, b.headroom) else {
        return "never breaks even (see notes)".into();
    };
    let size = match b.headroom_percent {
        Some(p) => human_number(p.abs(), &Unit::Percent)
            .trim_start_matches('+')
            .to_string(),
        None => format!("by {}", human_number(amount.abs(), &input_unit(b.input, scenario))),
    };
    let way = if be < b.value { "fall" } else { "rise" };
    if profit > 0.0 {
        format!("can {way} {size} before a loss")
    } else if profit < 0.0 {
        format!("must {way} {size} to break even")
    } else {
        "at break-even today".into()
    }
}

/// Tornado bars: one per row, centred on today's profit, each reaching from
/// the lowest to the highest profit among the steps, drawn with block
/// characters in half-cell steps.
pub fn tornado(rows: &[OneWayRow], base: f64, unit: &Unit) -> String {
    const HALF: usize = 20;
    let scale = rows
        .iter()
        .map(|r| (base - r.low).max(r.high - base))
        .fold(0.0, f64::max);
    let name_width = rows.iter().map(|r| r.input.name().len()).max().unwrap_or(0);
    let lows: Vec<String> = rows.iter().map(|r| human_number(r.low, unit)).collect();
    let low_width = lows.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let halves = |d: f64| {
        if scale > 0.0 {
            ((d / scale) * (2 * HALF) as f64).round().clamp(0.0, (2 * HALF) as f64) as usize
        } else {
            0
        }
    };
    let mut out = String::new();
    for (row, low) in rows.iter().zip(&lows) {
        let left = halves(base - row.low);
        let right = halves(row.high - base);
        let mut bar = String::new();
        bar.push_str(&" ".repeat(HALF - left.div_ceil(2)));
        if left % 2 == 1 {
            bar.push('▐');
        }
        bar.push_str(&"█".repeat(left / 2));
        bar.push('│');
        bar.push_str(&"█".repeat(right / 2));
        if right % 2 == 1 {
            bar.push('▌');
        }
        bar.push_str(&" ".repeat(HALF - right.div_ceil(2)));
        out.push_str(&format!(
            "{:<name_width$}  {:>low_width$} {bar} {}\n",
            row.input.name(),
            low,
            human_number(row.high, unit)
        ));
    }
    out
}

impl Report for SensitivityReport {
    fn document(&self) -> Document {
        let a = &self.analysis;
        let s = &self.inputs;
        let money = Unit::Money(s.currency.clone());
        let mut blocks = Vec::new();
        let per = s
            .period
            .as_deref()
            .map(|p| format!(", figures per {p}"))
            .unwrap_or_default();
        blocks.push(Block::Heading(format!(
            "{} ({}{per}): sensitivity",
            self.header.name, self.header.source
        )));
        let break_even = match a.break_even_units {
            Some(q) => format!("break-even at {} units", human_number(q, &Unit::Units)),
            None => "no break-even volume".into(),
        };
        blocks.push(Block::Paragraph(format!(
            "Profit today: {}; {break_even}.",
            human_number(a.profit, &money)
        )));

        blocks.push(Block::Heading("Derivatives and elasticities".into()));
        let rows = a
            .derivatives
            .iter()
            .map(|d| {
                Row::Cells(vec![
                    Cell::text(d.input.name()),
                    Cell::number(Some(d.value), input_unit(d.input, s)),
                    Cell::number(d.derivative, Unit::Plain),
                    Cell::number(d.elasticity, Unit::Plain),
                    Cell::text(side_text(d)),
                ])
            })
            .collect();
        blocks.push(Block::Table(Table {
            header: ["Input", "Value", "dProfit/dInput", "Elasticity", "Slope shown"]
                .map(String::from)
                .to_vec(),
            rows,
        }));

        let steps: Vec<String> = a.steps_percent.iter().map(|&p| step_label(p)).collect();
        let one_way_table = |get: fn(&sensitivity::OneWayPoint) -> Option<f64>, unit: Unit, swing: bool| {
            let mut header = vec!["Input".to_string(), "Value".to_string()];
            header.extend(steps.iter().cloned());
            if swing {
                header.push("Swing".into());
            }
            let rows = a
                .one_way
                .iter()
                .map(|r| {
                    let mut cells = vec![
                        Cell::text(r.input.name()),
                        Cell::number(Some(r.value), input_unit(r.input, s)),
                    ];
                    cells.extend(r.points.iter().map(|p| Cell::number(get(p), unit.clone())));
                    if swing {
                        cells.push(Cell::number(Some(r.swing), unit.clone()));
                    }
                    Row::Cells(cells)
                })
                .collect();
            Table { header, rows }
        };
        blocks.push(Block::Heading(
            "Profit when one input moves (largest swing first)".into(),
        ));
        blocks.push(Block::Table(one_way_table(|p| p.profit, money.clone(), true)));
        blocks.push(Block::Chart(format!(
            "Profit range per input; │ marks today's {}\n{}",
            human_number(a.profit, &money),
            tornado(&a.one_way, a.profit, &money)
        )));
        blocks.push(Block::Heading("Break-even units when one input moves".into()));
        blocks.push(Block::Table(one_way_table(|p| p.break_even_units, Unit::Units, false)));

        blocks.push(Block::Heading(
            "Break-even value of each input (profit = 0, others held)".into(),
        ));
        let rows = a
            .break_even
            .iter()
            .map(|b| {
                let unit = input_unit(b.input, s);
                Row::Cells(vec![
                    Cell::text(b.input.name()),
                    Cell::number(Some(b.value), unit.clone()),
                    b.break_even
                        .map_or(Cell::text("none"), |v| Cell::Number(v, unit.clone())),
                    match (b.headroom_percent, b.headroom) {
                        (Some(p), _) => Cell::Number(p, Unit::Percent),
                        (None, Some(amount)) => Cell::Number(amount, unit),
                        (None, None) => Cell::Undefined,
                    },
                    Cell::text(headroom_text(b, a.profit, s)),
                ])
            })
            .collect();
        blocks.push(Block::Table(Table {
            header: ["Input", "Today", "Break-even", "Headroom", "Meaning"]
                .map(String::from)
                .to_vec(),
            rows,
        }));
        if !self.notes.is_empty() {
            blocks.push(Block::Notes(
                self.notes
                    .iter()
                    .map(|text| NoteLine {
                        kind: NoteKind::Info,
                        text: text.clone(),
                    })
                    .collect(),
            ));
        }
        Document { blocks }
    }

    /// One row per input, in swing order, every figure in its own column.
    fn csv_table(&self) -> Table {
        let a = &self.analysis;
        let mut header: Vec<String> = [
            "input",
            "value",
            "derivative",
            "derivative_side",
            "elasticity",
            "break_even_value",
            "headroom",
            "headroom_percent",
            "swing",
        ]
        .map(String::from)
        .to_vec();
        // Plain numbers in column names (`profit_at_+1000%`, never `+1,000%`),
        // so a CSV reader sees no quoted names.
        let steps: Vec<String> = a
            .steps_percent
            .iter()
            .map(|&p| {
                let text = crate::export::full_number(p);
                if p > 0.0 {
                    format!("+{text}%")
                } else {
                    format!("{text}%")
                }
            })
            .collect();
        header.extend(steps.iter().map(|s| format!("profit_at_{s}")));
        header.extend(steps.iter().map(|s| format!("break_even_units_at_{s}")));
        let rows = a
            .one_way
            .iter()
            .map(|r| {
                let d = a.derivatives.iter().find(|d| d.input == r.input);
                let b = a.break_even.iter().find(|b| b.input == r.input);
                let mut cells = vec![
                    Cell::text(r.input.name()),
                    Cell::number(Some(r.value), Unit::Plain),
                    Cell::number(d.and_then(|d| d.derivative), Unit::Plain),
                    Cell::text(d.map_or("", |d| match d.side {
                        Side::Central => "central",
                        Side::Right => "right",
                        Side::Left => "left",
                    })),
                    Cell::number(d.and_then(|d| d.elasticity), Unit::Plain),
                    Cell::number(b.and_then(|b| b.break_even), Unit::Plain),
                    Cell::number(b.and_then(|b| b.headroom), Unit::Plain),
                    Cell::number(b.and_then(|b| b.headroom_percent), Unit::Plain),
                    Cell::number(Some(r.swing), Unit::Plain),
                ];
                cells.extend(r.points.iter().map(|p| Cell::number(p.profit, Unit::Plain)));
                cells.extend(r.points.iter().map(|p| Cell::number(p.break_even_units, Unit::Plain)));
                Row::Cells(cells)
            })
            .collect();
        Table { header, rows }
    }
}

/// A two-way data table, as JSON shows it.
pub struct GridReport {
    pub header: Header,
    pub scenario: Scenario,
    pub grid: Grid,
    pub undefined_cells: usize,
    pub notes: Vec<String>,
}

#[derive(Serialize)]
struct AxisJson<'a> {
    input: &'static str,
    values: &'a [f64],
}

impl Serialize for GridReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            #[serde(flatten)]
            header: &'a Header,
            inputs: &'a Scenario,
            metric: &'static str,
            rows: AxisJson<'a>,
            columns: AxisJson<'a>,
            /// `values[i][j]`: the metric at row value i and column value j.
            values: Vec<&'a [Option<f64>]>,
            undefined_cells: usize,
            notes: &'a [String],
        }
        let g = &self.grid;
        Json {
            header: &self.header,
            inputs: &self.scenario,
            metric: g.metric.name(),
            rows: AxisJson {
                input: g.rows.name(),
                values: &g.row_values,
            },
            columns: AxisJson {
                input: g.columns.name(),
                values: &g.column_values,
            },
            values: g.value_rows().collect(),
            undefined_cells: self.undefined_cells,
            notes: &self.notes,
        }
        .serialize(serializer)
    }
}

impl GridReport {
    fn matrix(&self, people: bool) -> Table {
        let g = &self.grid;
        let s = &self.scenario;
        let (row_unit, column_unit, unit) = if people {
            (
                input_unit(g.rows, s),
                input_unit(g.columns, s),
                match Unit::from(g.metric.spec().kind) {
                    Unit::Money(_) => Unit::Money(None),
                    other => other,
                },
            )
        } else {
            (Unit::Plain, Unit::Plain, Unit::Plain)
        };
        let mut header = vec![format!("{} \\ {}", g.rows, g.columns)];
        header.extend(g.column_values.iter().map(|&c| match column_unit {
            Unit::Plain => crate::export::full_number(c),
            ref u => human_number(c, u),
        }));
        let rows = g
            .row_values
            .iter()
            .zip(g.value_rows())
            .map(|(&r, values)| {
                let mut cells = vec![Cell::number(Some(r), row_unit.clone())];
                cells.extend(values.iter().map(|v| Cell::number(*v, unit.clone())));
                Row::Cells(cells)
            })
            .collect();
        Table { header, rows }
    }
}

impl Report for GridReport {
    fn document(&self) -> Document {
        let g = &self.grid;
        let currency = self
            .scenario
            .currency
            .as_deref()
            .filter(|_| matches!(Unit::from(g.metric.spec().kind), Unit::Money(_)))
            .map(|c| format!(", in {c}"))
            .unwrap_or_default();
        let mut blocks = vec![
            Block::Heading(format!(
                "{} ({}): {} by {} (rows) and {} (columns){currency}",
                self.header.name,
                self.header.source,
                g.metric.spec().label,
                g.rows,
                g.columns
            )),
            Block::Table(self.matrix(true)),
        ];
        if !self.notes.is_empty() {
            blocks.push(Block::Notes(
                self.notes
                    .iter()
                    .map(|text| NoteLine {
                        kind: NoteKind::Undefined,
                        text: text.clone(),
                    })
                    .collect(),
            ));
        }
        Document { blocks }
    }

    fn csv_table(&self) -> Table {
        self.matrix(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(v: f64) -> String {
        let mut out = Vec::new();
        plan::sensitivity::write_full_number(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_fast_grid_writer_matches_full_number_on_edge_cases() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            190_320.000_000_000_06,
            9_999_999_999_999_998.0,
            1e16,
            -1e16,
            1e300,
            5e-324,
            f64::MAX,
            f64::MIN,
            123_456_789.0,
        ] {
            assert_eq!(written(v), crate::export::full_number(v), "{v:e}");
        }
    }

    proptest! {
        #[test]
        fn the_fast_grid_writer_matches_full_number(bits in any::<u64>(), whole in -1e17..1e17f64) {
            let v = f64::from_bits(bits);
            if v.is_finite() {
                prop_assert_eq!(written(v), crate::export::full_number(v));
            }
            let w = whole.round();
            prop_assert_eq!(written(w), crate::export::full_number(w));
        }
    }

    #[test]
    fn headroom_reads_as_room_before_a_loss_or_distance_to_break_even() {
        let seed = Scenario {
            name: "seed".into(),
            currency: Some("CNY".into()),
            period: None,
            price: 100.0,
            unit_variable_cost: 50.0,
            fixed_cost: 50_000.0,
            demand: 10_000.0,
            capacity: None,
            target_profit: None,
            marketing: None,
            demand_curve: None,
            marketing_response: None,
        };
        let texts = |s: &Scenario| {
            let profit = plan::core(s).profit;
            plan::sensitivity::break_evens(s)
                .iter()
                .map(|b| (b.input, headroom_text(b, profit, s)))
                .collect::<Vec<_>>()
        };
        let t = texts(&seed);
        assert_eq!(t[0], (Input::Price, "can fall 45.0% before a loss".to_string()));
        assert_eq!(
            t[4],
            (
                Input::MarketingSpend,
                "can rise by 450,000 CNY before a loss".to_string()
            )
        );
        assert_eq!(
            t[5],
            (Input::MarketingUplift, "never breaks even (see notes)".to_string())
        );
        // Demand 800: 50 x 800 - 50,000 = -10,000; break-even demand 1,000 is +25%.
        let loss = Scenario { demand: 800.0, ..seed };
        let t = texts(&loss);
        assert_eq!(t[3], (Input::Demand, "must rise 25.0% to break even".to_string()));
    }

    #[test]
    fn tornado_bars_are_centred_on_the_base_profit_in_half_cells() {
        let row = |input, low: f64, high: f64| OneWayRow {
            input,
            value: 1.0,
            points: vec![],
            low,
            high,
            swing: high - low,
        };
        // Base 100; price reaches 60..140 (the widest, 20 cells each side);
        // fixed cost 95..105 is 5/40 of that: 2.5 cells each side.
        let chart = tornado(
            &[row(Input::Price, 60.0, 140.0), row(Input::FixedCost, 95.0, 105.0)],
            100.0,
            &Unit::Plain,
        );
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(
            lines[0],
            format!("price       60 {}│{} 140", "█".repeat(20), "█".repeat(20))
        );
        assert_eq!(
            lines[1],
            format!("fixed_cost  95 {}▐██│██▌{} 105", " ".repeat(17), " ".repeat(17))
        );
    }
}
