//! Sensitivity analysis: which input matters, and how far each can move.
//!
//! Everything here calls the model ([`core()`], [`evaluate`] through
//! [`Metric`]) rather than re-deriving a formula, so it holds when profit is
//! not linear in an input:
//!
//! - [`derivatives`]: dProfit/dx by central differences, with the side shown
//!   where the model has a kink (capacity starting to bind);
//! - [`one_way`]: profit and break-even units when each input alone moves by
//!   each step, sorted by swing;
//! - [`break_evens`]: the value of each input at which profit is 0, found by
//!   [`solve`];
//! - [`grid`]: a two-way data table of any result field.
//!
//! ```
//! use plan::{Input, ScenarioFile};
//! use plan::sensitivity::derivatives;
//!
//! let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";
//! let scenario = ScenarioFile::parse(text, "seed.toml")?.base()?;
//! let d = derivatives(&scenario);
//! // Profit rises by the 10,000 units sold for each unit of price.
//! assert_eq!(d[0].input, Input::Price);
//! assert!((d[0].derivative.unwrap() - 10_000.0).abs() < 1e-6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::str::FromStr;

use serde::Serialize;

use crate::input::{Input, UnknownInput};
use crate::model::{ModelError, core, evaluate};
use crate::scenario::Scenario;
use crate::solve::{Goal, Method, Metric, SolveError, binary_step, plain, solve};

/// The steps of the one-way table when none are given, in percent.
pub const DEFAULT_STEPS: &[f64] = &[-20.0, -10.0, 10.0, 20.0];

/// The most cells a grid may have: 4,000,000 (2,000 x 2,000), about 40 MB of CSV.
pub const GRID_CELL_LIMIT: usize = 4_000_000;

/// The analysis could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SensitivityError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("step {0}% is not a finite number; give steps in percent, as `--steps=-30,-15,15,30`")]
    BadStep(f64),
}

/// Which difference a derivative is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// `(f(x + h) - f(x - h)) / 2h`: the slope is the same on both sides.
    Central,
    /// `(f(x + h) - f(x)) / h`: the slope for an increase, shown at a kink
    /// or where the input is at its minimum.
    Right,
    /// `(f(x) - f(x - h)) / h`: the slope for a decrease, shown only where
    /// the input is at its maximum or the model has no finite figure above
    /// today's value.
    Left,
}

/// dProfit/dx for one input at the scenario's values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derivative {
    #[serde(serialize_with = "crate::solve::input_name")]
    pub input: Input,
    /// The input's value today.
    pub value: f64,
    /// The slope shown: profit per unit of the input.
    pub derivative: Option<f64>,
    pub side: Side,
    /// The slope for a decrease, `(f(x) - f(x - h)) / h` (none at the minimum).
    pub left: Option<f64>,
    /// The slope for an increase, `(f(x + h) - f(x)) / h`.
    pub right: Option<f64>,
    /// Whether the left and right slopes differ: the model has a kink here.
    pub kink: bool,
    /// `derivative x value / profit`: % change in profit for a 1% change in the input.
    pub elasticity: Option<f64>,
}

/// Profit as a function of one input, the others held.
fn profit_with(scenario: &Scenario, input: Input) -> impl FnMut(f64) -> Option<f64> {
    let mut moved = scenario.clone();
    move |x| {
        input.set(&mut moved, x);
        let c = core(&moved);
        Some(c.profit).filter(|p| p.is_finite() && c.readable())
    }
}

/// dProfit/dx and the elasticity of every input present in the scenario.
///
/// The step is a power of two near 2^-20 of the input (1e-6 relative), so the
/// moved value is exact in binary. Left and right differences that disagree
/// by more than 0.1% (or by more than rounding can explain) mark a kink; the
/// right-hand slope is then shown, as it is at the input's minimum.
pub fn derivatives(scenario: &Scenario) -> Vec<Derivative> {
    let base = core(scenario).profit;
    Input::present_in(scenario)
        .into_iter()
        .filter_map(|input| {
            let x = input.get(scenario)?;
            let mut f = profit_with(scenario, input);
            // A step relative to the value; near 0 (a subnormal 1e-320 would
            // give a step that underflows to 0) the step taken at 0.
            let h = binary_step(if x.abs() < 1e-300 { 0.0 } else { x }, 20);
            let f0 = f(x)?;
            // Neither side steps outside the allowed values: an elasticity
            // at its maximum of 0 has no slope for an increase.
            let right = if x + h <= input.maximum() {
                f(x + h).map(|f1| (f1 - f0) / h).filter(|d| d.is_finite())
            } else {
                None
            };
            let left = if x - h >= input.minimum() {
                f(x - h).map(|fm| (f0 - fm) / h).filter(|d| d.is_finite())
            } else {
                None
            };
            let (derivative, side, kink) = match (left, right) {
                (Some(l), Some(r)) => {
                    let noise = 1e-12 * f0.abs().max(1.0) / h;
                    if (l - r).abs() <= 1e-3 * l.abs().max(r.abs()) + noise {
                        (Some((l + r) / 2.0), Side::Central, false)
                    } else {
                        (Some(r), Side::Right, true)
                    }
                }
                (None, r) => (r, Side::Right, false),
                (l, None) => (l, Side::Left, false),
            };
            let elasticity = match derivative {
                // `+ 0.0` turns -0 (a slope of -1 at a value of 0) into 0.
                Some(d) if base != 0.0 => Some(d * x / base + 0.0).filter(|e| e.is_finite()),
                _ => None,
            };
            Some(Derivative {
                input,
                value: x,
                derivative,
                side,
                left,
                right,
                kink,
                elasticity,
            })
        })
        .collect()
}

/// Profit and break-even units with one input moved by one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneWayPoint {
    pub step_percent: f64,
    /// `value + value x step / 100`; none when that falls outside the input's
    /// allowed values (below its minimum, above its maximum) or overflows.
    pub value: Option<f64>,
    pub profit: Option<f64>,
    pub break_even_units: Option<f64>,
}

/// One input moved by every step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneWayRow {
    #[serde(serialize_with = "crate::solve::input_name")]
    pub input: Input,
    pub value: f64,
    pub points: Vec<OneWayPoint>,
    /// The lowest and highest profit among the steps and today's.
    pub low: f64,
    pub high: f64,
    /// `high - low`: how much this input moves profit over the steps.
    pub swing: f64,
}

/// Checks steps given in percent.
pub fn check_steps(steps: &[f64]) -> Result<(), SensitivityError> {
    match steps.iter().find(|s| !s.is_finite()) {
        Some(s) => Err(SensitivityError::BadStep(*s)),
        None => Ok(()),
    }
}

/// The one-way table: every present input moved alone by each step (percent),
/// rows sorted by swing, largest first.
pub fn one_way(scenario: &Scenario, steps: &[f64]) -> Result<Vec<OneWayRow>, SensitivityError> {
    check_steps(steps)?;
    // Figures tidied as `evaluate` tidies them (-8031, not -8031.000000000015).
    let base = core(scenario).tidy();
    let mut rows: Vec<OneWayRow> = Input::present_in(scenario)
        .into_iter()
        .filter_map(|input| {
            let x = input.get(scenario)?;
            let mut moved = scenario.clone();
            let points: Vec<OneWayPoint> = steps
                .iter()
                .map(|&step| {
                    let value = Some(crate::model::tidy(x + x * (step / 100.0)))
                        .filter(|v| v.is_finite() && *v >= input.minimum() && *v <= input.maximum());
                    let (profit, break_even_units) = match value {
                        Some(v) => {
                            input.set(&mut moved, v);
                            let c = core(&moved);
                            if c.readable() {
                                let c = c.tidy();
                                (
                                    Some(c.profit).filter(|p| p.is_finite()),
                                    c.break_even_units().map(crate::model::tidy).filter(|q| q.is_finite()),
                                )
                            } else {
                                (None, None)
                            }
                        }
                        None => (None, None),
                    };
                    OneWayPoint {
                        step_percent: step,
                        value,
                        profit,
                        break_even_units,
                    }
                })
                .collect();
            let profits = points.iter().filter_map(|p| p.profit).chain([base.profit]);
            let low = profits.clone().fold(f64::INFINITY, f64::min);
            let high = profits.fold(f64::NEG_INFINITY, f64::max);
            Some(OneWayRow {
                input,
                value: x,
                points,
                low,
                high,
                swing: crate::model::tidy(high - low),
            })
        })
        .collect();
    rows.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    Ok(rows)
}

/// The value of one input at which profit is 0, the others held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakEven {
    #[serde(serialize_with = "crate::solve::input_name")]
    pub input: Input,
    pub value: f64,
    /// The input's value at which profit is 0; none when no allowed value reaches 0.
    pub break_even: Option<f64>,
    /// `break_even - value`.
    pub headroom: Option<f64>,
    /// `(break_even - value) / |value| x 100`; none when today's value is 0.
    pub headroom_percent: Option<f64>,
    /// Profit re-evaluated at the break-even value (0 within 1e-9 x today's profit).
    pub profit_at_break_even: Option<f64>,
    pub method: Option<Method>,
    /// Why there is no break-even value.
    pub why_none: Option<String>,
}

/// The break-even value of every present input.
pub fn break_evens(scenario: &Scenario) -> Vec<BreakEven> {
    let goal = Goal {
        metric: Metric::PROFIT,
        target: 0.0,
    };
    Input::present_in(scenario)
        .into_iter()
        .filter_map(|input| {
            let value = input.get(scenario)?;
            Some(match solve(scenario, input, goal) {
                Ok(s) => BreakEven {
                    input,
                    value,
                    break_even: Some(s.value),
                    headroom: Some(s.value - value),
                    // Over |today|, so the sign is the direction of the move
                    // even for an input below 0 (an elasticity).
                    headroom_percent: (value != 0.0).then(|| (s.value - value) / value.abs() * 100.0),
                    profit_at_break_even: Some(s.achieved),
                    method: Some(s.method),
                    why_none: None,
                },
                Err(e) => BreakEven {
                    input,
                    value,
                    break_even: None,
                    headroom: None,
                    headroom_percent: None,
                    profit_at_break_even: None,
                    method: None,
                    why_none: Some(match e {
                        SolveError::NoSolution { why, .. } => why,
                        other => other.to_string(),
                    }),
                },
            })
        })
        .collect()
}

/// Every sensitivity figure of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub profit: f64,
    pub break_even_units: Option<f64>,
    pub steps_percent: Vec<f64>,
    pub derivatives: Vec<Derivative>,
    pub one_way: Vec<OneWayRow>,
    pub break_even: Vec<BreakEven>,
}

/// Runs every analysis on a scenario.
pub fn analyse(scenario: &Scenario, steps: &[f64]) -> Result<Sensitivity, SensitivityError> {
    let e = evaluate(scenario)?;
    Ok(Sensitivity {
        profit: e.results.profit,
        break_even_units: e.results.break_even_units,
        steps_percent: steps.to_vec(),
        derivatives: derivatives(scenario),
        one_way: one_way(scenario, steps)?,
        break_even: break_evens(scenario),
    })
}

/// A bad `--grid` range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    #[error("grid `{0}` is not `INPUT=START:END:STEP`, as `price=80:120:5`")]
    Syntax(String),
    #[error("grid `{spec}`: {source}")]
    Input { spec: String, source: UnknownInput },
    #[error("grid `{spec}`: `{part}` is not a number")]
    Number { spec: String, part: String },
    #[error("grid `{spec}`: the step must be above 0")]
    Step { spec: String },
    #[error("grid `{spec}`: the end must not be below the start")]
    Order { spec: String },
    /// The scenario has no such input (an elasticity without a curve):
    /// varying it would silently change the model.
    #[error("grid over `{input}`: {reason}\n  = help: {help}")]
    NotInScenario { input: Input, reason: String, help: String },
    #[error("grid `{spec}`: `{input}` must be {allowed}, but the range starts at {start}", allowed = .input.allowed_in_words(), start = plain(*.start))]
    BelowMinimum {
        spec: String,
        input: Input,
        minimum: f64,
        start: f64,
    },
    #[error("grid `{spec}`: `{input}` must be at most {maximum}, but the range ends at {end}", maximum = plain(*.maximum), end = plain(*.end))]
    AboveMaximum {
        spec: String,
        input: Input,
        maximum: f64,
        end: f64,
    },
    #[error("grid `{spec}`: steps of {step} from {start} do not land on {end}; the nearest end is {nearest}", step = plain(*.step), start = plain(*.start), end = crate::solve::distinct(*.end, crate::model::tidy(*.nearest)), nearest = crate::solve::distinct(crate::model::tidy(*.nearest), *.end))]
    Misaligned {
        spec: String,
        start: f64,
        end: f64,
        step: f64,
        nearest: f64,
    },
    #[error("a grid of {cells} cells is above the limit of 4,000,000 (2,000 x 2,000); use a coarser step", cells = grouped(*.cells))]
    TooLarge { cells: f64 },
    #[error("both grid axes vary `{0}`; give two different inputs")]
    SameInput(Input),
}

/// A whole number with thousands separators (`9,006,001`), for messages.
fn grouped(v: f64) -> String {
    if v.abs() >= 1e15 {
        return plain(v);
    }
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// One axis of a grid: `INPUT=START:END:STEP`, both ends included.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub input: Input,
    pub start: f64,
    pub end: f64,
    pub step: f64,
    /// How many values: `(end - start) / step + 1`.
    pub count: usize,
    /// The most decimal places among start, end and step as written, so
    /// `0.1:0.3:0.1` gives 0.3 and not 0.30000000000000004.
    pub decimals: Option<i32>,
}

/// Decimal places of a number as written (`0.04` -> 2); none for exponent forms.
fn decimals_of(text: &str) -> Option<i32> {
    let text = text.trim();
    if text.contains(['e', 'E']) {
        return None;
    }
    Some(text.split_once('.').map_or(0, |(_, f)| f.len() as i32))
}

impl FromStr for Axis {
    type Err = GridError;

    fn from_str(spec: &str) -> Result<Axis, GridError> {
        let syntax = || GridError::Syntax(spec.to_string());
        let (name, range) = spec.split_once('=').ok_or_else(syntax)?;
        let input: Input = name.trim().parse().map_err(|source| GridError::Input {
            spec: spec.to_string(),
            source,
        })?;
        let parts: Vec<&str> = range.split(':').collect();
        let [start, end, step] = parts[..] else {
            return Err(syntax());
        };
        let number = |part: &str| {
            part.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| GridError::Number {
                    spec: spec.to_string(),
                    part: part.to_string(),
                })
        };
        let decimals = [start, end, step]
            .iter()
            .map(|t| decimals_of(t))
            .try_fold(0, |most, d| d.map(|d| most.max(d)))
            .filter(|d| *d <= 15);
        let (start, end, step) = (number(start)?, number(end)?, number(step)?);
        if step <= 0.0 {
            return Err(GridError::Step { spec: spec.into() });
        }
        if end < start {
            return Err(GridError::Order { spec: spec.into() });
        }
        if start < input.minimum() {
            return Err(GridError::BelowMinimum {
                spec: spec.into(),
                input,
                minimum: input.minimum(),
                start,
            });
        }
        if end > input.maximum() {
            return Err(GridError::AboveMaximum {
                spec: spec.into(),
                input,
                maximum: input.maximum(),
                end,
            });
        }
        let intervals = ((end - start) / step).round();
        if intervals + 1.0 > GRID_CELL_LIMIT as f64 {
            return Err(GridError::TooLarge { cells: intervals + 1.0 });
        }
        let nearest = start + intervals * step;
        if (nearest - end).abs() > 1e-9 * step.max(end.abs()) {
            let below = start + ((end - start) / step).floor() * step;
            return Err(GridError::Misaligned {
                spec: spec.into(),
                start,
                end,
                step,
                nearest: below,
            });
        }
        Ok(Axis {
            input,
            start,
            end,
            step,
            count: intervals as usize + 1,
            decimals,
        })
    }
}

impl Axis {
    /// The axis values: `start + i x step` (never a running sum, so no drift
    /// accumulates), rounded to the decimals written, the last one exactly `end`.
    pub fn values(&self) -> Vec<f64> {
        (0..self.count)
            .map(|i| {
                if i + 1 == self.count {
                    return self.end;
                }
                let v = self.start + i as f64 * self.step;
                match self.decimals {
                    Some(d) => {
                        let scale = 10f64.powi(d);
                        let n = (v * scale).round();
                        if n.abs() < 9_007_199_254_740_992.0 {
                            n / scale
                        } else {
                            v
                        }
                    }
                    None => v,
                }
            })
            .collect()
    }
}

/// A two-way data table: the metric for every (row value, column value) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub metric: Metric,
    pub rows: Input,
    pub columns: Input,
    pub row_values: Vec<f64>,
    pub column_values: Vec<f64>,
    /// Row-major: `values[i x columns + j]`; none where the metric is undefined.
    pub values: Vec<Option<f64>>,
}

/// Checks a grid's size before any work.
pub fn check_grid(rows: &Axis, columns: &Axis) -> Result<(), GridError> {
    if rows.input == columns.input {
        return Err(GridError::SameInput(rows.input));
    }
    let cells = rows.count as f64 * columns.count as f64;
    if cells > GRID_CELL_LIMIT as f64 {
        return Err(GridError::TooLarge { cells });
    }
    Ok(())
}

/// Evaluates the metric over a grid, every other input held.
/// Both axes vary inputs the scenario has, as `solve` and `optimize`
/// require: a grid over a Hill parameter without a Hill curve would start
/// one and drop the fixed uplift, without a word.
fn in_scenario(scenario: &Scenario, rows: &Axis, columns: &Axis) -> Result<(), GridError> {
    for axis in [rows, columns] {
        if let Some((reason, help)) = crate::uncertainty::unused(axis.input, scenario) {
            return Err(GridError::NotInScenario {
                input: axis.input,
                reason,
                help,
            });
        }
    }
    Ok(())
}

pub fn grid(scenario: &Scenario, rows: &Axis, columns: &Axis, metric: Metric) -> Result<Grid, GridError> {
    check_grid(rows, columns)?;
    in_scenario(scenario, rows, columns)?;
    let row_values = rows.values();
    let column_values = columns.values();
    let mut values = Vec::with_capacity(row_values.len() * column_values.len());
    let mut moved = scenario.clone();
    for &r in &row_values {
        rows.input.set(&mut moved, r);
        for &c in &column_values {
            columns.input.set(&mut moved, c);
            values.push(metric.at(&moved));
        }
    }
    Ok(Grid {
        metric,
        rows: rows.input,
        columns: columns.input,
        row_values,
        column_values,
        values,
    })
}

impl Grid {
    /// The values row by row.
    pub fn value_rows(&self) -> impl Iterator<Item = &[Option<f64>]> {
        self.values.chunks(self.column_values.len().max(1))
    }

    /// The first undefined cell, as (row value, column value), and why it is undefined.
    pub fn first_undefined(&self, scenario: &Scenario) -> Option<(f64, f64, String)> {
        let n = self.column_values.len();
        let k = self.values.iter().position(Option::is_none)?;
        let (r, c) = (self.row_values[k / n], self.column_values[k % n]);
        let moved = self.columns.with(&self.rows.with(scenario, r), c);
        Some((r, c, self.metric.why_undefined(&moved)))
    }

    /// The grid as a CSV matrix: the top-left cell names both inputs
    /// (`price \ demand`), the first row holds the column values, the first
    /// column the row values; numbers as [`write_full_number`] writes them,
    /// empty cells where undefined.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity((self.values.len() + self.row_values.len()) * 12 + 64);
        csv_header(&mut out, self.rows, self.columns, &self.column_values);
        for (&r, row) in self.row_values.iter().zip(self.value_rows()) {
            write_full_number(&mut out, r);
            for v in row {
                out.push(b',');
                if let Some(v) = v {
                    write_full_number(&mut out, *v);
                }
            }
            out.push(b'\n');
        }
        out
    }
}

/// The grid as a CSV matrix, exactly as [`Grid::to_csv`] writes it, computed
/// and written in one pass without storing the values: the fast path for
/// large grids. Rows are split among up to `threads` threads; the text is
/// the concatenation of the buffers returned (header first, then one per thread).
pub fn grid_csv(
    scenario: &Scenario,
    rows: &Axis,
    columns: &Axis,
    metric: Metric,
    threads: usize,
) -> Result<Vec<Vec<u8>>, GridError> {
    check_grid(rows, columns)?;
    in_scenario(scenario, rows, columns)?;
    let row_values = rows.values();
    let column_values = columns.values();
    let mut out = Vec::with_capacity(column_values.len() * 25 + 64);
    csv_header(&mut out, rows.input, columns.input, &column_values);
    let write_rows = |values: &[f64]| {
        let mut out = Vec::with_capacity(values.len() * (column_values.len() + 1) * 25);
        let mut moved = scenario.clone();
        for &r in values {
            rows.input.set(&mut moved, r);
            write_full_number(&mut out, r);
            for &c in &column_values {
                columns.input.set(&mut moved, c);
                out.push(b',');
                if let Some(v) = metric.at(&moved) {
                    write_full_number(&mut out, v);
                }
            }
            out.push(b'\n');
        }
        out
    };
    let threads = threads.clamp(1, 64).min(row_values.len().max(1));
    let mut parts = vec![out];
    if threads == 1 {
        parts.push(write_rows(&row_values));
    } else {
        let chunk = row_values.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = row_values
                .chunks(chunk)
                .map(|part| scope.spawn(|| write_rows(part)))
                .collect();
            parts.extend(handles.into_iter().map(|h| h.join().unwrap_or_default()));
        });
    }
    Ok(parts)
}

/// The first row of a grid's CSV: `rows \ columns`, then the column values.
fn csv_header(out: &mut Vec<u8>, rows: Input, columns: Input, column_values: &[f64]) {
    out.extend_from_slice(rows.name().as_bytes());
    out.extend_from_slice(b" \\ ");
    out.extend_from_slice(columns.name().as_bytes());
    for &c in column_values {
        out.push(b',');
        write_full_number(out, c);
    }
    out.push(b'\n');
}

/// Appends a number written in full: the shortest text that reads back as
/// the same `f64`, whole numbers below 1e16 without a decimal point, 0 for
/// -0. The same text as the `plan` binary's `export::full_number`, without
/// allocating.
pub fn write_full_number(out: &mut Vec<u8>, v: f64) {
    let magnitude = v.abs();
    if v == 0.0 {
        out.push(b'0');
    } else if magnitude < 1e16 && (magnitude as u64) as f64 == magnitude {
        // A whole number (`fract() == 0`, without the call to `trunc`).
        let mut n = magnitude as u64;
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        while n > 0 {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        if v < 0.0 {
            out.push(b'-');
        }
        out.extend_from_slice(&digits[i..]);
    } else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Marketing;

    use crate::model::tests::seed;

    fn derivative_of(s: &Scenario, input: Input) -> Derivative {
        derivatives(s).into_iter().find(|d| d.input == input).unwrap()
    }

    fn break_even_of(s: &Scenario, input: Input) -> BreakEven {
        break_evens(s).into_iter().find(|b| b.input == input).unwrap()
    }

    /// Central finite difference with a plain decimal step, as a check.
    fn central(s: &Scenario, input: Input, h: f64) -> f64 {
        let x = input.get(s).unwrap();
        let p = |v| core(&input.with(s, v)).profit;
        (p(x + h) - p(x - h)) / (2.0 * h)
    }

    #[test]
    fn seed_derivatives_match_the_article() {
        let s = seed();
        // dProfit/dprice = units sold = 10,000; dProfit/ddemand = price - cost = 50.
        assert_eq!(derivative_of(&s, Input::Price).derivative, Some(10_000.0));
        assert_eq!(derivative_of(&s, Input::Demand).derivative, Some(50.0));
        // dProfit/dcost = -10,000; dProfit/dfixed = -1.
        assert_eq!(derivative_of(&s, Input::UnitVariableCost).derivative, Some(-10_000.0));
        assert_eq!(derivative_of(&s, Input::FixedCost).derivative, Some(-1.0));
        // Elasticity of price: 10,000 x 100 / 450,000 = 2.222...
        let e = derivative_of(&s, Input::Price).elasticity.unwrap();
        assert!((e - 10_000.0 * 100.0 / 450_000.0).abs() < 1e-12);
    }

    #[test]
    fn derivatives_agree_with_central_differences() {
        let mut s = seed();
        s.marketing = Some(Marketing {
            spend: 20_000.0,
            uplift: 0.3,
        });
        for d in derivatives(&s) {
            let fd = central(&s, d.input, 1e-3);
            assert!(
                (d.derivative.unwrap() - fd).abs() <= 1e-6 * fd.abs().max(1.0),
                "{}: {:?} vs {fd}",
                d.input,
                d.derivative
            );
            assert_eq!(d.side, Side::Central);
        }
    }

    #[test]
    fn inputs_at_zero_show_the_right_hand_slope() {
        // No marketing: spend and uplift read 0, their minimum.
        let s = seed();
        let spend = derivative_of(&s, Input::MarketingSpend);
        assert_eq!(spend.side, Side::Right);
        assert_eq!(spend.derivative, Some(-1.0));
        assert_eq!(spend.left, None);
        // Each 1.0 of uplift adds 10,000 units x 50 = 500,000.
        let uplift = derivative_of(&s, Input::MarketingUplift);
        assert_eq!(uplift.derivative, Some(500_000.0));
        assert_eq!(uplift.elasticity, Some(0.0));
    }

    #[test]
    fn a_binding_capacity_is_a_kink_and_the_increase_side_is_shown() {
        // Capacity exactly at demand: more demand sells nothing (slope 0),
        // less demand loses 50 a unit.
        let mut s = seed();
        s.capacity = Some(10_000.0);
        let d = derivative_of(&s, Input::Demand);
        assert!(d.kink);
        assert_eq!(d.side, Side::Right);
        assert_eq!(d.left, Some(50.0));
        assert_eq!(d.right, Some(0.0));
        assert_eq!(d.derivative, Some(0.0));
        // Strictly binding: no kink, slope 0 on both sides.
        s.capacity = Some(8_000.0);
        let d = derivative_of(&s, Input::Demand);
        assert!(!d.kink);
        assert_eq!(d.derivative, Some(0.0));
        // The capacity's own slope is the unit contribution, 50.
        assert_eq!(derivative_of(&s, Input::Capacity).derivative, Some(50.0));
    }

    #[test]
    fn elasticity_is_undefined_at_zero_profit() {
        let mut s = seed();
        s.demand = 1_000.0; // 50 x 1,000 - 50,000 = 0
        assert_eq!(derivative_of(&s, Input::Price).elasticity, None);
    }

    fn check_zero_profit(s: &Scenario, b: &BreakEven) {
        let at = b.input.with(s, b.break_even.unwrap());
        let p = evaluate(&at).unwrap().results.profit;
        let today = evaluate(s).unwrap().results.profit;
        assert!(p.abs() <= 1e-9 * today.abs(), "{}: profit {p}", b.input);
    }

    #[test]
    fn seed_break_even_values_and_headroom() {
        let s = seed();
        // Price: 50 + 50,000 / 10,000 = 55, (55 - 100) / 100 = -45%.
        let b = break_even_of(&s, Input::Price);
        assert!((b.break_even.unwrap() - 55.0).abs() < 1e-9);
        assert!((b.headroom_percent.unwrap() + 45.0).abs() < 1e-9);
        check_zero_profit(&s, &b);
        // Unit cost: 100 - 5 = 95, +90%.
        let b = break_even_of(&s, Input::UnitVariableCost);
        assert!((b.break_even.unwrap() - 95.0).abs() < 1e-9);
        assert!((b.headroom_percent.unwrap() - 90.0).abs() < 1e-9);
        check_zero_profit(&s, &b);
        // Fixed cost: 50 x 10,000 = 500,000, +900%.
        let b = break_even_of(&s, Input::FixedCost);
        assert!((b.break_even.unwrap() - 500_000.0).abs() < 1e-6);
        assert!((b.headroom_percent.unwrap() - 900.0).abs() < 1e-9);
        check_zero_profit(&s, &b);
        // Demand: 50,000 / 50 = 1,000, -90%.
        let b = break_even_of(&s, Input::Demand);
        assert!((b.break_even.unwrap() - 1_000.0).abs() < 1e-9);
        assert!((b.headroom_percent.unwrap() + 90.0).abs() < 1e-9);
        check_zero_profit(&s, &b);
        // Marketing spend: today 0, so headroom is an amount: 450,000.
        let b = break_even_of(&s, Input::MarketingSpend);
        assert!((b.break_even.unwrap() - 450_000.0).abs() < 1e-6);
        assert!((b.headroom.unwrap() - 450_000.0).abs() < 1e-6);
        assert_eq!(b.headroom_percent, None);
        check_zero_profit(&s, &b);
    }

    #[test]
    fn uplift_has_no_break_even_for_the_seed() {
        // Profit 450,000 at uplift 0 and rising with it: never 0 for uplift >= 0.
        let b = break_even_of(&seed(), Input::MarketingUplift);
        assert_eq!(b.break_even, None);
        let why = b.why_none.unwrap();
        assert!(why.contains("stays above 0 for every `marketing.uplift` >= 0"), "{why}");
    }

    #[test]
    fn one_way_rows_are_sorted_by_swing_with_hand_worked_profits() {
        let rows = one_way(&seed(), DEFAULT_STEPS).unwrap();
        // Price +-20% moves profit by 20 x 10,000 = +-200,000: swing 400,000;
        // unit cost (10 x 10,000 x 2) and demand (2,000 x 50 x 2) swing 200,000;
        // fixed cost moves it by 10,000 each way: swing 20,000; spend and uplift are 0.
        assert_eq!(rows[0].input, Input::Price);
        assert_eq!(rows[0].swing, 400_000.0);
        assert_eq!(rows[0].points[0].profit, Some(250_000.0));
        assert_eq!(rows[0].points[3].profit, Some(650_000.0));
        // Break-even at price 80: 50,000 / 30 = 1,666.67.
        assert!((rows[0].points[0].break_even_units.unwrap() - 50_000.0 / 30.0).abs() < 1e-9);
        let fixed = rows.iter().position(|r| r.input == Input::FixedCost).unwrap();
        assert_eq!(rows[fixed].swing, 20_000.0);
        assert_eq!(fixed, 3);
        assert_eq!(rows.last().unwrap().swing, 0.0);
        for w in rows.windows(2) {
            assert!(w[0].swing >= w[1].swing);
        }
    }

    #[test]
    fn a_step_below_the_minimum_is_undefined() {
        let rows = one_way(&seed(), &[-150.0]).unwrap();
        let price = rows.iter().find(|r| r.input == Input::Price).unwrap();
        assert_eq!(price.points[0].value, None);
        assert_eq!(price.points[0].profit, None);
    }

    /// The seed with a constant-elasticity curve through (80, 10,000).
    fn with_elasticity(elasticity: f64) -> Scenario {
        Scenario {
            demand_curve: Some(crate::scenario::DemandCurve {
                kind: crate::scenario::CurveKind::ConstantElasticity,
                elasticity,
                reference_price: 80.0,
            }),
            ..seed()
        }
    }

    #[test]
    fn an_elasticity_at_its_maximum_shows_the_decrease_slope_only() {
        // Regression: at elasticity 0 (its maximum) the right-hand step
        // evaluated a positive elasticity, which no scenario may hold.
        // Profit = 50 x 10,000 x 1.25^e - 50,000; d/de at 0 = 500,000 x ln 1.25 = 111,571.8.
        let d = derivative_of(&with_elasticity(0.0), Input::DemandElasticity);
        assert_eq!(d.side, Side::Left);
        assert_eq!(d.right, None);
        assert!(
            (d.derivative.unwrap() - 500_000.0 * 1.25f64.ln()).abs() < 1.0,
            "{:?}",
            d.derivative
        );
    }

    #[test]
    fn a_step_past_an_inputs_maximum_has_no_figures() {
        // Regression: elasticity -1 moved by -200% is +1, above the maximum of 0,
        // and used to be evaluated (575,000 at price 100).
        let rows = one_way(&with_elasticity(-1.0), &[-200.0, 20.0]).unwrap();
        let e = rows.iter().find(|r| r.input == Input::DemandElasticity).unwrap();
        assert_eq!(e.points[0].value, None);
        assert_eq!(e.points[0].profit, None);
        // +20%: -1.2; demand 10,000 x 1.25^-1.2 = 7,651.9, profit 50 x that - 50,000.
        let expected = 50.0 * 10_000.0 * 1.25f64.powf(-1.2) - 50_000.0;
        assert!((e.points[1].profit.unwrap() - expected).abs() < 1e-6);
    }

    #[test]
    fn headroom_percent_of_a_negative_input_has_the_sign_of_the_move() {
        // Regression: (be - value) / value flipped the sign for a negative value.
        // Profit 50 x 10,000 x 1.25^e - 50,000 = 0 at e = ln 0.1 / ln 1.25 = -10.319;
        // from -1 that is a fall of 9.319, -931.9% of |-1|.
        let b = break_even_of(&with_elasticity(-1.0), Input::DemandElasticity);
        let be = 0.1f64.ln() / 1.25f64.ln();
        assert!((b.break_even.unwrap() - be).abs() < 1e-9);
        assert!((b.headroom_percent.unwrap() - (be + 1.0) * 100.0).abs() < 1e-6);
        assert!(b.headroom_percent.unwrap() < 0.0);
    }

    #[test]
    fn grid_ranges_above_an_inputs_maximum_are_refused() {
        let err = "demand_curve.elasticity=-2:1:1"
            .parse::<Axis>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be at most 0, but the range ends at 1"), "{err}");
        assert!("demand_curve.elasticity=-2:0:1".parse::<Axis>().is_ok());
    }

    #[test]
    fn grid_axes_include_both_ends_without_float_drift() {
        let a: Axis = "price=80:120:5".parse().unwrap();
        assert_eq!(a.count, 9);
        assert_eq!(a.values().last(), Some(&120.0));
        let a: Axis = "marketing.uplift=0:0.3:0.1".parse().unwrap();
        assert_eq!(a.values(), vec![0.0, 0.1, 0.2, 0.3]);
        let a: Axis = "price=80:80.2:0.04".parse().unwrap();
        assert_eq!(a.values(), vec![80.0, 80.04, 80.08, 80.12, 80.16, 80.2]);
        let a: Axis = "demand=5:5:1".parse().unwrap();
        assert_eq!(a.values(), vec![5.0]);
    }

    #[test]
    fn bad_grid_ranges_say_what_is_wrong() {
        let err = |s: &str| s.parse::<Axis>().unwrap_err().to_string();
        assert!(err("price").contains("is not `INPUT=START:END:STEP`"));
        assert!(err("prise=1:2:1").contains("did you mean `price`"));
        assert!(err("price=-10:10:5").contains("`price` must be at least 0"));
        assert!(err("price=80:121:5").contains("do not land on 121; the nearest end is 120"));
        assert!(err("price=80:120:0").contains("step must be above 0"));
        assert!(err("price=120:80:5").contains("end must not be below the start"));
        assert!(err("price=a:1:1").contains("`a` is not a number"));
        assert!(err("price=0:1e12:1").contains("a grid of 1,000,000,000,001 cells is above the limit of 4,000,000"));
    }

    #[test]
    fn grids_above_the_cell_limit_are_refused_before_work() {
        let rows: Axis = "price=0:2999:1".parse().unwrap();
        let cols: Axis = "demand=0:2999:1".parse().unwrap();
        assert!(matches!(
            grid(&seed(), &rows, &cols, Metric::PROFIT),
            Err(GridError::TooLarge { cells }) if cells == 9_000_000.0
        ));
        let same: Axis = "price=1:2:1".parse().unwrap();
        assert!(matches!(
            check_grid(&same, &same),
            Err(GridError::SameInput(Input::Price))
        ));
    }

    #[test]
    fn grid_cells_are_hand_worked_profits_and_undefined_break_evens() {
        let s = seed();
        let rows: Axis = "price=40:60:10".parse().unwrap();
        let cols: Axis = "demand=1000:2000:1000".parse().unwrap();
        let g = grid(&s, &rows, &cols, Metric::PROFIT).unwrap();
        // (40 - 50) x 1,000 - 50,000 = -60,000; (60 - 50) x 2,000 - 50,000 = -30,000.
        assert_eq!(g.values[0], Some(-60_000.0));
        assert_eq!(g.values[5], Some(-30_000.0));
        let be = grid(&s, &rows, &cols, Metric::named("break_even_units").unwrap()).unwrap();
        // Price 40 and 50 do not cover the unit cost: undefined. At 60: 50,000 / 10 = 5,000.
        assert_eq!(be.values, vec![None, None, None, None, Some(5_000.0), Some(5_000.0)]);
        let (r, c, why) = be.first_undefined(&s).unwrap();
        assert_eq!((r, c), (40.0, 1_000.0));
        assert!(why.contains("below the unit variable cost"), "{why}");
        let csv = String::from_utf8(be.to_csv()).unwrap();
        assert_eq!(csv, "price \\ demand,1000,2000\n40,,\n50,,\n60,5000,5000\n");
        for threads in [1, 2, 3, 8] {
            let fast = grid_csv(&s, &rows, &cols, Metric::named("break_even_units").unwrap(), threads).unwrap();
            assert_eq!(String::from_utf8(fast.concat()).unwrap(), csv, "{threads} threads");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn scenario() -> impl Strategy<Value = Scenario> {
            (
                0.01..1e4f64,
                0.0..1e4f64,
                0.0..1e7f64,
                0.0..1e6f64,
                proptest::option::of(0.0..1e6f64),
                0.0..1e5f64,
                0.0..2.0f64,
            )
                .prop_map(|(price, cost, fixed, demand, capacity, spend, uplift)| Scenario {
                    price,
                    unit_variable_cost: cost,
                    fixed_cost: fixed,
                    demand,
                    capacity,
                    marketing: Some(Marketing { spend, uplift }),
                    demand_curve: None,
                    marketing_response: None,
                    ..seed()
                })
        }

        proptest! {
            #[test]
            fn every_break_even_value_re_evaluates_to_zero_profit(s in scenario()) {
                let today = evaluate(&s).unwrap().results.profit;
                for b in break_evens(&s) {
                    match b.break_even {
                        Some(v) => {
                            prop_assert!(v.is_finite() && v >= b.input.minimum());
                            let p = evaluate(&b.input.with(&s, v)).unwrap().results.profit;
                            prop_assert!(p.abs() <= 1e-9 * today.abs().max(1e-300), "{} = {v}: profit {p}", b.input);
                        }
                        None => prop_assert!(b.why_none.is_some()),
                    }
                }
            }

            #[test]
            fn every_figure_is_finite_and_rows_are_sorted(s in scenario()) {
                let a = analyse(&s, DEFAULT_STEPS).unwrap();
                for d in &a.derivatives {
                    prop_assert!(d.derivative.is_some_and(f64::is_finite));
                    prop_assert!(d.elasticity.is_none_or(f64::is_finite));
                }
                for w in a.one_way.windows(2) {
                    prop_assert!(w[0].swing >= w[1].swing);
                }
            }

            #[test]
            fn grid_cells_equal_the_full_model(s in scenario(), which in 0usize..4) {
                let name = ["profit", "break_even_units", "margin_of_safety_ratio", "operating_leverage"][which];
                let metric = Metric::named(name).unwrap();
                let rows: Axis = "price=10:100:30".parse().unwrap();
                let cols: Axis = "demand=0:1000:250".parse().unwrap();
                let g = grid(&s, &rows, &cols, metric).unwrap();
                for (i, &r) in g.row_values.iter().enumerate() {
                    for (j, &c) in g.column_values.iter().enumerate() {
                        let moved = Input::Demand.with(&Input::Price.with(&s, r), c);
                        let expected = evaluate(&moved).unwrap().results.metric(name).unwrap();
                        prop_assert_eq!(g.values[i * g.column_values.len() + j], expected);
                    }
                }
            }
        }
    }

    #[test]
    fn full_numbers_are_written_without_allocation() {
        let text = |v| {
            let mut out = Vec::new();
            write_full_number(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(450_000.0), "450000");
        assert_eq!(text(-150_000.0), "-150000");
        assert_eq!(text(-0.0), "0");
        assert_eq!(text(0.45), "0.45");
        assert_eq!(text(1e20), "1e20");
        assert_eq!(text(9_999_999_999_999_998.0), "9999999999999998");
    }
}
