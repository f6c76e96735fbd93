//! The best value of one or two inputs: the price, the marketing spend (or
//! any other input) that maximises profit or another result field.
//!
//! The search is global on a bounded range. A dense scan finds the best point
//! of a grid, then Brent's method (golden section with parabolic steps)
//! refines it within the bracket around that point, so a curve with two peaks
//! (an S-shaped Hill response has one at zero spend and one above it) gives
//! the higher one. Two inputs: a coarse grid over both, then coordinate
//! refinement, each step a 1-D search of the same kind. Every optimum is
//! checked by evaluating slightly on both sides of it.
//!
//! Every value comes from [`crate::evaluate`]: nothing here assumes profit is
//! linear or smooth in an input.
//!
//! ```
//! use plan::{ScenarioFile, Input, optimize::{optimize, Variable}};
//!
//! // demand = 6,400 x p^-2, unit cost 4: the best price is 4 x -2 / (1 - 2) = 8.
//! let text = "price = 1\nunit_variable_cost = 4\nfixed_cost = 200\ndemand = 6400\n\
//!             [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\n";
//! let scenario = ScenarioFile::parse(text, "shop.toml")?.base()?;
//! let best = optimize(&scenario, &[Variable { input: Input::Price, lower: 4.0, upper: 16.0 }], "profit")?;
//! assert!((best.variables[0].optimum - 8.0).abs() < 1e-6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Serialize, Serializer};

use crate::input::Input;
use crate::model::{self, Evaluation, FIELDS, FieldSpec, ModelError, evaluate};
use crate::scenario::{Scenario, did_you_mean, list};

/// Intervals of the dense scan of one input.
pub const SCAN_POINTS: usize = 200;
/// Intervals per input of the coarse grid of two inputs.
pub const GRID_POINTS: usize = 40;
/// Points of the profile drawn over the whole range.
pub const PROFILE_POINTS: usize = 60;
/// The check evaluates this fraction of the range (or of ten times the
/// optimum's size, if smaller) on each side of the optimum.
pub const CHECK_STEP: f64 = 1e-4;

/// An input to vary and the range to search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Variable {
    #[serde(serialize_with = "input_name")]
    pub input: Input,
    pub lower: f64,
    pub upper: f64,
}

fn input_name<S: Serializer>(input: &Input, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(input.name())
}

/// Why an optimisation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    #[error("nothing to optimise: give one or two inputs to vary")]
    NoInputs,
    #[error("at most two inputs can be varied at once, found {0}")]
    TooManyInputs(usize),
    #[error("`{0}` is varied twice; give each input once")]
    Repeated(&'static str),
    #[error("the range of `{input}` is empty: the lower bound {lower} must be below the upper bound {upper}")]
    EmptyRange {
        input: &'static str,
        lower: f64,
        upper: f64,
    },
    #[error("the range of `{input}` must be {allowed}, found {lower} to {upper}")]
    OutOfLimits {
        input: &'static str,
        lower: f64,
        upper: f64,
        /// The allowed values in words, as `>= 0`.
        allowed: &'static str,
    },
    #[error("unknown metric `{name}`{}; the metrics are {}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), list(&FIELDS.iter().map(|f| f.name).collect::<Vec<_>>()))]
    UnknownMetric {
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error("`{metric}` is undefined everywhere on the range searched, so it has no maximum")]
    Undefined { metric: &'static str },
    /// The metric grows without limit toward a point (operating leverage as
    /// profit falls to 0): there is no maximum to report.
    #[error(
        "`{metric}` has no maximum: it grows without limit as `{input}` approaches {near}, where the figure it is divided by falls to 0 (profit, for operating leverage)"
    )]
    Unbounded {
        metric: &'static str,
        input: &'static str,
        near: String,
    },
    /// The input has no value of its own in this scenario (a curve parameter
    /// without its curve, the uplift a Hill curve sets).
    #[error("cannot vary `{input}`: {reason}\n  = help: {help}")]
    NotInScenario {
        input: &'static str,
        reason: String,
        help: String,
    },
    #[error("cannot evaluate the scenario: {0}")]
    Model(#[from] ModelError),
}

/// The range searched when none is given, documented in the README:
/// - `price`: from the unit variable cost to 3 x the larger of price and unit cost;
/// - `marketing.spend`: from 0 to the most the uplift could ever earn back at
///   today's price, `(price - unit cost) x demand x max_uplift` (or the fixed
///   uplift), or twice today's spend if that is larger;
/// - any other input: between 0 and twice today's value, within its limits.
///
/// An empty range widens to 0 to 1 (-1 to 0 for the elasticity).
pub fn default_range(input: Input, s: &Scenario) -> (f64, f64) {
    let (lower, upper) = match input {
        Input::Price => (s.unit_variable_cost, 3.0 * s.price.max(s.unit_variable_cost)),
        Input::MarketingSpend => {
            let spend = model::marketing_spend(s);
            let most_uplift = match &s.marketing_response {
                Some(hill) => hill.max_uplift,
                None => model::uplift(s),
            };
            let earnable = (s.price - s.unit_variable_cost).max(0.0) * model::base_demand(s) * most_uplift;
            (0.0, (2.0 * spend).max(earnable))
        }
        _ => {
            let today = input.get(s).unwrap_or(0.0);
            (
                (2.0 * today).min(0.0).max(input.minimum()),
                (2.0 * today).max(0.0).min(input.maximum()),
            )
        }
    };
    if upper > lower && upper.is_finite() {
        (lower, upper)
    } else if input.maximum() <= 0.0 {
        (-1.0, 0.0)
    } else {
        (lower.max(0.0), lower.max(0.0) + 1.0)
    }
}

/// The result field to maximise, by name.
pub fn metric(name: &str) -> Result<&'static FieldSpec, OptimizeError> {
    model::field(name).ok_or_else(|| OptimizeError::UnknownMetric {
        name: name.to_string(),
        suggestion: did_you_mean(name, FIELDS.iter().map(|f| f.name)),
    })
}

/// Where an input's optimum lies in its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// Strictly inside the range: the metric falls on both sides.
    Interior,
    /// At the input's natural limit (no spend at all): a real answer.
    AtMinimum,
    /// At the lower bound of the range searched: the metric keeps rising below it.
    LowerBound,
    /// At the upper bound of the range searched: the metric keeps rising above it.
    UpperBound,
}

/// The metric slightly on both sides of the optimum (`None` outside the range).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Check {
    /// The distance from the optimum evaluated on each side.
    pub step: f64,
    pub below: Option<f64>,
    pub above: Option<f64>,
    /// Neither side is higher than the optimum.
    pub passed: bool,
}

/// One point of a curve through the optimum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// The input's value.
    pub value: f64,
    /// The metric there (`None` where undefined).
    pub metric: Option<f64>,
    pub profit: Option<f64>,
    pub units_sold: Option<f64>,
}

/// One varied input at the optimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariableOptimum {
    #[serde(flatten)]
    pub variable: Variable,
    /// Today's value in the scenario.
    pub today: Option<f64>,
    /// The best value found.
    pub optimum: f64,
    pub binding: Binding,
    pub check: Check,
    /// A few points around the optimum, the other input held at its optimum.
    pub curve: Vec<Point>,
    /// The metric over the whole range, for a chart.
    pub profile: Vec<Point>,
}

/// The best point found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimum {
    /// The field maximised.
    pub metric: &'static str,
    pub variables: Vec<VariableOptimum>,
    /// The metric at the optimum.
    pub value: f64,
    /// The metric today (`None` where undefined).
    pub today_value: Option<f64>,
    /// Every input is inside its range or at its natural limit.
    pub interior: bool,
    /// The metric does not change over the range: any value is as good.
    pub flat: bool,
    /// Capacity caps the units sold at the optimum.
    pub capacity_binding: bool,
    /// The scenario at the optimum.
    pub scenario: Scenario,
    /// The model at the optimum and today.
    pub at_optimum: Evaluation,
    pub today: Evaluation,
}

/// Maximises `metric` over one or two inputs, each within its range.
pub fn optimize(scenario: &Scenario, variables: &[Variable], metric_name: &str) -> Result<Optimum, OptimizeError> {
    let spec = metric(metric_name)?;
    // A range from 0 of an input that must be above 0 (a Hill parameter)
    // starts just above 0: `shape=0:3` is what people write.
    let from_above_zero: Vec<Variable> = variables
        .iter()
        .map(|v| Variable {
            lower: if v.input.must_be_positive() && v.lower == 0.0 {
                v.input.minimum()
            } else {
                v.lower
            },
            ..*v
        })
        .collect();
    let variables = from_above_zero.as_slice();
    validate(variables)?;
    for v in variables {
        if let Some((reason, help)) = crate::uncertainty::unused(v.input, scenario) {
            return Err(OptimizeError::NotInScenario {
                input: v.input.name(),
                reason,
                help,
            });
        }
    }
    let today = evaluate(scenario)?;
    let value_at = |s: &Scenario| -> Option<f64> {
        model::evaluate_exact(s)
            .ok()
            .and_then(|e| (spec.get)(&e.results))
            .filter(|v| v.is_finite())
    };
    let place = |x: &[f64]| -> Scenario {
        let mut s = scenario.clone();
        for (v, value) in variables.iter().zip(x) {
            v.input.set(&mut s, *value);
        }
        s
    };
    let f = |x: &[f64]| value_at(&place(x));

    let (x, value) = match variables {
        [one] => {
            let (x, v) = maximize_1d(&mut |t| f(&[t]), one.lower, one.upper, SCAN_POINTS)
                .ok_or(OptimizeError::Undefined { metric: spec.name })?;
            (vec![x], v)
        }
        [a, b] => maximize_2d(&f, a, b).ok_or(OptimizeError::Undefined { metric: spec.name })?,
        _ => unreachable!("validated"),
    };
    // Today's values, where the ranges hold them, are a candidate too: a scan
    // over a vast range (spend 0 to 1e20) can step over a narrow peak, and
    // must never recommend something worse than what the plan already does.
    let today_x: Option<Vec<f64>> = variables
        .iter()
        .map(|v| v.input.get(scenario).filter(|t| (v.lower..=v.upper).contains(t)))
        .collect();
    let (x, value) = match today_x.and_then(|t| f(&t).map(|v| (t, v))) {
        Some((t, v)) if v > value => {
            // Today beats the scan: search again near it, within ten times
            // its distance from the lower bound, where the scan is fine enough.
            match variables {
                [one] => {
                    let upper = one.upper.min(t[0] + 10.0 * (t[0] - one.lower).abs());
                    match maximize_1d(&mut |y| f(&[y]), one.lower, upper, SCAN_POINTS) {
                        Some((y, w)) if w > v => (vec![y], w),
                        _ => (t, v),
                    }
                }
                _ => (t, v),
            }
        }
        _ => (x, value),
    };
    // An optimum a hair from a short decimal (13.000000000000032) reads as
    // that decimal where the metric there is as high, within rounding.
    let tidied: Vec<f64> = x.iter().map(|&t| model::tidy(t)).collect();
    let (x, value) = match f(&tidied) {
        Some(v)
            if tidied != x
                && variables
                    .iter()
                    .zip(&tidied)
                    .all(|(var, t)| (var.lower..=var.upper).contains(t))
                && v >= value - 1e-12 * value.abs().max(1.0) =>
        {
            (tidied, v.max(value))
        }
        _ => (x, value),
    };

    // The metric over the scan, to tell a flat metric from an optimum.
    let mut low = value;
    for (k, var) in variables.iter().enumerate() {
        for i in 0..=GRID_POINTS {
            let mut y = x.clone();
            y[k] = at(var.lower, var.upper, i, GRID_POINTS);
            if let Some(v) = f(&y) {
                low = low.min(v);
            }
        }
    }
    // A maximum holds its ground as the probe closes in; a pole inside the
    // range does not: halving the distance to it doubles the metric. Probe
    // each input toward its optimum on both sides (a pole at a bound, profit
    // as a price falls to 0, is reported as the bound it is, below).
    for (k, var) in variables.iter().enumerate() {
        let scale = (var.upper - var.lower).min(10.0 * x[k].abs().max(1.0));
        if x[k] - var.lower <= 1e-7 * scale || var.upper - x[k] <= 1e-7 * scale {
            continue;
        }
        for j in 4..=40 {
            let h = scale * 2f64.powi(-j);
            for t in [x[k] - h, x[k] + h] {
                if t < var.lower || t > var.upper {
                    continue;
                }
                let mut y = x.clone();
                y[k] = t;
                if let Some(v) = f(&y)
                    && v > value + 0.5 * value.abs()
                {
                    return Err(OptimizeError::Unbounded {
                        metric: spec.name,
                        input: var.input.name(),
                        near: crate::solve::plain(x[k]),
                    });
                }
            }
        }
    }
    let flat = value - low <= 1e-12 * value.abs().max(1.0);

    let at_optimum_scenario = place(&x);
    let at_optimum = evaluate(&at_optimum_scenario)?;
    let tolerance = 1e-9 * value.abs().max(1.0);
    let mut results = Vec::with_capacity(variables.len());
    for (k, var) in variables.iter().enumerate() {
        // Checks and "at a bound" are measured on the optimum's own scale,
        // not the range's: over spend 0 to 1e20, 51,208 is not "at 0".
        let width = (var.upper - var.lower).min(10.0 * x[k].abs().max(1.0));
        let step = CHECK_STEP * width;
        let side = |t: f64| -> Option<f64> {
            if t < var.lower || t > var.upper {
                return None;
            }
            let mut y = x.clone();
            y[k] = t;
            f(&y)
        };
        let below = side(x[k] - step);
        let above = side(x[k] + step);
        let passed = below.is_none_or(|v| v <= value + tolerance) && above.is_none_or(|v| v <= value + tolerance);
        let near = 1e-7 * width;
        let binding = if flat {
            Binding::Interior
        } else if x[k] - var.lower <= near {
            // The input's lowest value is an answer (no spend at all) only where
            // the model is defined there: a price falling toward 0 on a
            // constant-elasticity curve sells without limit, and has no optimum.
            if var.lower <= var.input.minimum() && side(var.lower).is_some() {
                Binding::AtMinimum
            } else {
                Binding::LowerBound
            }
        } else if var.upper - x[k] <= near {
            Binding::UpperBound
        } else {
            Binding::Interior
        };
        let point = |t: f64| -> Point {
            let mut y = x.clone();
            y[k] = t;
            let e = evaluate(&place(&y)).ok();
            Point {
                value: model::tidy(t),
                metric: e.as_ref().and_then(|e| (spec.get)(&e.results)),
                profit: e.as_ref().map(|e| e.results.profit),
                units_sold: e.as_ref().map(|e| e.results.units_sold),
            }
        };
        let curve = neighbourhood(x[k], var.lower, var.upper)
            .into_iter()
            .map(point)
            .collect();
        let profile = (0..=PROFILE_POINTS)
            .map(|i| point(at(var.lower, var.upper, i, PROFILE_POINTS)))
            .collect();
        results.push(VariableOptimum {
            variable: *var,
            today: var.input.get(scenario),
            optimum: x[k],
            binding,
            // Reported as every analysis reports figures (see `model::tidy`);
            // the search itself runs on the exact ones.
            check: Check {
                step: model::tidy(step),
                below: below.map(model::tidy),
                above: above.map(model::tidy),
                passed,
            },
            curve,
            profile,
        });
    }
    // Two inputs: a ridge across both axes can fall along each axis and still
    // rise along a diagonal, so the check also steps diagonally; a higher
    // point there fails the check of both inputs.
    if let [a, b] = variables {
        let steps = [CHECK_STEP * (a.upper - a.lower), CHECK_STEP * (b.upper - b.lower)];
        let ranges = [(a.lower, a.upper), (b.lower, b.upper)];
        if !diagonals_no_higher(&f, &x, steps, ranges, value + tolerance) {
            for r in &mut results {
                r.check.passed = false;
            }
        }
    }
    let capacity_binding = at_optimum_scenario
        .capacity
        .is_some_and(|c| at_optimum.results.units_demanded >= c * (1.0 - 1e-6));
    Ok(Optimum {
        metric: spec.name,
        interior: results
            .iter()
            .all(|r| matches!(r.binding, Binding::Interior | Binding::AtMinimum)),
        variables: results,
        value,
        today_value: (spec.get)(&today.results),
        flat,
        capacity_binding,
        scenario: at_optimum_scenario,
        at_optimum,
        today,
    })
}

fn validate(variables: &[Variable]) -> Result<(), OptimizeError> {
    match variables.len() {
        0 => return Err(OptimizeError::NoInputs),
        1 | 2 => {}
        n => return Err(OptimizeError::TooManyInputs(n)),
    }
    if let [a, b] = variables
        && a.input == b.input
    {
        return Err(OptimizeError::Repeated(a.input.name()));
    }
    for v in variables {
        let input = v.input.name();
        if v.lower >= v.upper || !v.lower.is_finite() || !v.upper.is_finite() {
            return Err(OptimizeError::EmptyRange {
                input,
                lower: v.lower,
                upper: v.upper,
            });
        }
        if v.lower < v.input.minimum() || v.upper > v.input.maximum() {
            return Err(OptimizeError::OutOfLimits {
                input,
                lower: v.lower,
                upper: v.upper,
                allowed: v.input.allowed(),
            });
        }
    }
    Ok(())
}

/// Whether `f` is at most `limit` at the four diagonal neighbours of `x`
/// (`x +- steps`, each coordinate kept to its range; points outside are skipped).
fn diagonals_no_higher(
    f: &impl Fn(&[f64]) -> Option<f64>,
    x: &[f64],
    steps: [f64; 2],
    ranges: [(f64, f64); 2],
    limit: f64,
) -> bool {
    [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)]
        .iter()
        .all(|(da, db)| {
            let y = [x[0] + da * steps[0], x[1] + db * steps[1]];
            let inside = (0..2).all(|k| y[k] >= ranges[k].0 && y[k] <= ranges[k].1);
            !inside || f(&y).is_none_or(|v| v <= limit)
        })
}

/// The `i`-th of `n` equal steps from `lower` to `upper`, landing exactly on both ends.
fn at(lower: f64, upper: f64, i: usize, n: usize) -> f64 {
    if i == n {
        upper
    } else {
        lower + (upper - lower) * i as f64 / n as f64
    }
}

/// Nine points around the optimum for a small table: +-25% of it in steps of
/// 6.25% (+-12.5% of the range when the optimum is 0), kept within the range,
/// the optimum itself always among them.
fn neighbourhood(x: f64, lower: f64, upper: f64) -> Vec<f64> {
    let half = if x != 0.0 {
        0.25 * x.abs()
    } else {
        0.125 * (upper - lower)
    };
    let mut points: Vec<f64> = (-4..=4)
        .map(|k| if k == 0 { x } else { x + half * k as f64 / 4.0 })
        .filter(|t| *t >= lower && *t <= upper)
        .collect();
    points.dedup();
    points
}

/// The global maximum of `f` on `[lower, upper]`: a scan of `n` intervals,
/// then Brent's method in the bracket around the best point. `None` when `f`
/// is undefined at every point of the scan.
pub fn maximize_1d(f: &mut impl FnMut(f64) -> Option<f64>, lower: f64, upper: f64, n: usize) -> Option<(f64, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for i in 0..=n {
        if let Some(v) = f(at(lower, upper, i, n))
            && best.is_none_or(|(_, b)| v > b)
        {
            best = Some((i, v));
        }
    }
    let (i, v) = best?;
    let (a, b) = (
        at(lower, upper, i.saturating_sub(1), n),
        at(lower, upper, (i + 1).min(n), n),
    );
    let (bx, bv) = brent_max(f, a, b, 1e-10 * (upper - lower));
    Some(if bv > v { (bx, bv) } else { (at(lower, upper, i, n), v) })
}

/// Brent's method (Brent 1973, `fmin`) for the maximum of `f` on `[a, b]`:
/// golden-section steps, with parabolic steps where they are safe. Undefined
/// values count as the lowest possible.
pub fn brent_max(f: &mut impl FnMut(f64) -> Option<f64>, mut a: f64, mut b: f64, tol: f64) -> (f64, f64) {
    const GOLDEN: f64 = 0.381_966_011_250_105_1; // (3 - sqrt 5) / 2
    let eps = f64::EPSILON.sqrt();
    let mut g = |x: f64| f(x).map_or(f64::INFINITY, |v| -v);
    let mut x = a + GOLDEN * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = g(x);
    let (mut fw, mut fv) = (fx, fx);
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 0..200 {
        let xm = 0.5 * (a + b);
        let tol1 = eps * x.abs() + tol / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            let mut q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let previous = e;
            e = d;
            if p.is_finite()
                && q.is_finite()
                && p.abs() < (0.5 * q * previous).abs()
                && p > q * (a - x)
                && p < q * (b - x)
            {
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = tol1.copysign(xm - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= xm { a - x } else { b - x };
            d = GOLDEN * e;
        }
        let u = if d.abs() >= tol1 { x + d } else { x + tol1.copysign(d) };
        let fu = g(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv, w, fw) = (w, fw, u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    (x, -fx)
}

/// Two inputs: the best point of a coarse grid, then coordinate refinement
/// (each input in turn searched over its whole range, the other held) until
/// neither moves.
fn maximize_2d(f: &impl Fn(&[f64]) -> Option<f64>, a: &Variable, b: &Variable) -> Option<(Vec<f64>, f64)> {
    let mut best: Option<(Vec<f64>, f64)> = None;
    for i in 0..=GRID_POINTS {
        for j in 0..=GRID_POINTS {
            let x = [
                at(a.lower, a.upper, i, GRID_POINTS),
                at(b.lower, b.upper, j, GRID_POINTS),
            ];
            if let Some(v) = f(&x)
                && best.as_ref().is_none_or(|(_, b)| v > *b)
            {
                best = Some((x.to_vec(), v));
            }
        }
    }
    let (mut x, mut value) = best?;
    let ranges = [(a.lower, a.upper), (b.lower, b.upper)];
    for _ in 0..200 {
        let before = (x.clone(), value);
        for k in 0..2 {
            let mut y = x.clone();
            let found = maximize_1d(
                &mut |t| {
                    y[k] = t;
                    f(&y)
                },
                ranges[k].0,
                ranges[k].1,
                GRID_POINTS,
            );
            if let Some((t, v)) = found
                && v > value
            {
                x[k] = t;
                value = v;
            }
        }
        let moved = (0..2).any(|k| (x[k] - before.0[k]).abs() > 1e-9 * (ranges[k].1 - ranges[k].0));
        if !moved || value - before.1 <= 1e-13 * value.abs().max(1.0) {
            break;
        }
    }
    // Coordinate moves stall on a ridge that runs across both axes, such as
    // the kink where capacity starts to bind (a dearer price needs more spend
    // to fill it): along either axis alone the metric falls. So also search
    // the profile `g(a) = max over b of f(a, b)`, each value a 1-D search of
    // its own, and keep whichever point is higher.
    let best_b = |t: f64| {
        let mut y = [t, b.lower];
        maximize_1d(
            &mut |u| {
                y[1] = u;
                f(&y)
            },
            b.lower,
            b.upper,
            GRID_POINTS,
        )
    };
    if let Some((t, _)) = maximize_1d(&mut |t| best_b(t).map(|(_, v)| v), a.lower, a.upper, GRID_POINTS)
        && let Some((u, v)) = best_b(t)
        && v > value
    {
        x = vec![t, u];
        value = v;
    }
    Some((x, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioFile;

    fn scenario(text: &str) -> Scenario {
        ScenarioFile::parse(text, "test.toml").unwrap().base().unwrap()
    }

    fn vary(input: Input, lower: f64, upper: f64) -> Variable {
        Variable { input, lower, upper }
    }

    /// demand = 6,400 x p^-2, unit cost 4, fixed cost 200.
    const ELASTIC: &str = "price = 1\nunit_variable_cost = 4\nfixed_cost = 200\ndemand = 6400\n\
                           [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\n";

    #[test]
    fn constant_elasticity_optimal_price_is_cost_times_e_over_one_plus_e() {
        let best = optimize(&scenario(ELASTIC), &[vary(Input::Price, 4.0, 16.0)], "profit").unwrap();
        let x = &best.variables[0];
        // 4 x -2 / (1 - 2) = 8; demand 6,400 / 8^2 = 100 units; (8 - 4) x 100 - 200 = 200.
        assert!((x.optimum - 8.0).abs() < 1e-6, "{}", x.optimum);
        assert!((best.at_optimum.results.units_sold - 100.0).abs() < 1e-4);
        assert!((best.value - 200.0).abs() < 1e-9);
        assert_eq!(x.binding, Binding::Interior);
        assert!(best.interior);
        assert!(x.check.passed);
        assert!(x.check.below.unwrap() < best.value && x.check.above.unwrap() < best.value);
        // Today: price 1 sells 6,400 at a loss of 3 each: -3 x 6,400 - 200 = -19,400.
        assert_eq!(best.today_value, Some(-19_400.0));
    }

    #[test]
    fn linear_demand_optimal_price_is_half_of_choke_price_plus_cost() {
        // Q = 1,000 - 10 P: through (50, 500) with slope -10, elasticity -10 x 50 / 500 = -1.
        // Optimal price (1,000 / 10 + 20) / 2 = 60, selling 400 units; (60 - 20) x 400 - 1,000 = 15,000.
        let s = scenario(
            "price = 50\nunit_variable_cost = 20\nfixed_cost = 1000\ndemand = 500\n\
             [demand_curve]\nkind = \"linear\"\nelasticity = -1\n",
        );
        let best = optimize(&s, &[vary(Input::Price, 20.0, 150.0)], "profit").unwrap();
        assert!((best.variables[0].optimum - 60.0).abs() < 1e-6);
        assert!((best.at_optimum.results.units_sold - 400.0).abs() < 1e-4);
        assert!((best.value - 15_000.0).abs() < 1e-6);
        // Today: 30 x 500 - 1,000 = 14,000.
        assert_eq!(best.today_value, Some(14_000.0));
    }

    /// The seed (contribution 50, demand 10,000, fixed 50,000) with a Hill response.
    fn seed_hill(max_uplift: f64, half: f64, shape: f64) -> Scenario {
        scenario(&format!(
            "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
             [marketing]\nspend = 20000\nresponse = \"hill\"\nmax_uplift = {max_uplift}\n\
             half_saturation_spend = {half}\nshape = {shape}\n"
        ))
    }

    #[test]
    fn hill_optimal_spend_pays_one_for_one_at_the_margin() {
        // Shape 1: d/ds [M s / (s + h)] = M h / (s + h)^2, so (P - c) D M h / (s + h)^2 = 1 at
        // s* = sqrt((P - c) D M h) - h = sqrt(50 x 10,000 x 0.5 x 10,000) - 10,000
        //    = sqrt(2.5e9) - 10,000 = 50,000 - 10,000 = 40,000.
        // Uplift 0.5 x 40,000 / 50,000 = 0.4: 14,000 units; 50 x 14,000 - 50,000 - 40,000 = 610,000.
        let s = seed_hill(0.5, 10_000.0, 1.0);
        let best = optimize(&s, &[vary(Input::MarketingSpend, 0.0, 250_000.0)], "profit").unwrap();
        let x = best.variables[0].optimum;
        assert!((x - 40_000.0).abs() < 1e-2, "{x}");
        assert!((best.value - 610_000.0).abs() < 1e-6);
        // The marginal condition: contribution x d(units)/d(spend) = 1.
        let marginal = 50.0 * 10_000.0 * 0.5 * 10_000.0 / (x + 10_000.0f64).powi(2);
        assert!((marginal - 1.0).abs() < 1e-6);
    }

    #[test]
    fn s_shaped_hill_finds_the_peak_above_zero_spend_when_it_is_higher() {
        // Shape 2, h = 10,000: profit(s) - profit(0) = 50 x 10,000 x M x x^2 / (x^2 + 1) - h x, x = s / h.
        // With 50 x 10,000 x M = r h, the spend pays off only when r > 2 (r = 2 ties at s = h).
        // M = 0.05: r = 25,000 / 10,000 = 2.5 -> a peak above 0 beats no spend, though 0 is a local peak.
        let s = seed_hill(0.05, 10_000.0, 2.0);
        let best = optimize(&s, &[vary(Input::MarketingSpend, 0.0, 100_000.0)], "profit").unwrap();
        let x = best.variables[0].optimum;
        assert!(x > 10_000.0, "{x}");
        // First-order condition at the peak: r h x 2 / (x^2 + 1)^2 = h with x = s / h.
        let t = x / 10_000.0;
        assert!((2.5 * 2.0 * t / (t * t + 1.0).powi(2) - 1.0).abs() < 1e-5);
        assert!(best.value > 450_000.0);
        assert_eq!(best.variables[0].binding, Binding::Interior);
    }

    #[test]
    fn s_shaped_hill_keeps_zero_spend_when_the_other_peak_is_lower() {
        // M = 0.038: r = 19,000 / 10,000 = 1.9 < 2. A local peak exists (3.8 x = (x^2 + 1)^2 has roots),
        // but it makes less than no spend: the best spend is 0, profit 450,000.
        let s = seed_hill(0.038, 10_000.0, 2.0);
        let best = optimize(&s, &[vary(Input::MarketingSpend, 0.0, 100_000.0)], "profit").unwrap();
        assert_eq!(best.variables[0].optimum, 0.0);
        assert_eq!(best.value, 450_000.0);
        assert_eq!(best.variables[0].binding, Binding::AtMinimum);
        assert!(best.interior);
    }

    #[test]
    fn inelastic_demand_has_no_interior_optimum() {
        // Elasticity -0.5: revenue p x p^-0.5 rises with price, so profit rises up to the bound.
        let s = scenario(
            "price = 10\nunit_variable_cost = 4\nfixed_cost = 0\ndemand = 100\n\
             [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -0.5\n",
        );
        let best = optimize(&s, &[vary(Input::Price, 4.0, 30.0)], "profit").unwrap();
        assert_eq!(best.variables[0].optimum, 30.0);
        assert_eq!(best.variables[0].binding, Binding::UpperBound);
        assert!(!best.interior);
        assert!(best.variables[0].check.below.unwrap() < best.value);
        assert_eq!(best.variables[0].check.above, None);
    }

    /// Operating leverage (contribution margin / profit) grows without limit
    /// where profit falls to 0: with the seed's costs, at price 55
    /// (10,000 x (55 - 50) = 50,000 of fixed cost). No maximum, not 1e9x.
    #[test]
    fn a_metric_with_a_pole_inside_the_range_has_no_maximum() {
        let s = scenario("price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n");
        let e = optimize(&s, &[vary(Input::Price, 51.0, 200.0)], "operating_leverage").unwrap_err();
        match e {
            OptimizeError::Unbounded { metric, input, near } => {
                assert_eq!((metric, input), ("operating_leverage", "price"));
                assert!((near.parse::<f64>().unwrap() - 55.0).abs() < 1e-3, "{near}");
            }
            other => panic!("{other}"),
        }
        // Profit itself has its maximum at the upper bound, as before.
        assert!(optimize(&s, &[vary(Input::Price, 51.0, 200.0)], "profit").is_ok());
    }

    /// Regression: profit 6,400 / p - 200 (no unit cost) rises without limit as p falls to 0,
    /// where demand is infinite; the price next to 0 was reported as `at_minimum`, a real answer.
    #[test]
    fn a_price_falling_toward_zero_without_cost_is_a_bound_not_an_answer() {
        let s = scenario(&ELASTIC.replace("unit_variable_cost = 4", "unit_variable_cost = 0"));
        let best = optimize(&s, &[vary(Input::Price, 0.0, 3.0)], "profit").unwrap();
        assert_eq!(best.variables[0].binding, Binding::LowerBound);
        assert!(!best.interior);
    }

    #[test]
    fn capacity_sets_the_price_where_demand_meets_it() {
        // Without capacity the best price is 8 (100 units). Capacity 64 units: demand 6,400 / p^2 = 64
        // at p = 10, and below 10 more demand cannot be served, so the best price is 10.
        let mut s = scenario(ELASTIC);
        s.capacity = Some(64.0);
        let best = optimize(&s, &[vary(Input::Price, 4.0, 16.0)], "profit").unwrap();
        assert!((best.variables[0].optimum - 10.0).abs() < 1e-6);
        assert!(best.capacity_binding);
        assert!(best.variables[0].check.passed);
    }

    #[test]
    fn price_and_spend_together_reach_both_first_order_conditions() {
        // Constant elasticity keeps the best price at c e / (1 + e) = 50 x -2 / -1 = 100 whatever
        // the uplift, and at p = 100 demand is 10,000, so the Hill case above gives spend 40,000.
        let s = scenario(
            "price = 80\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
             [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\nreference_price = 100\n\
             [marketing]\nspend = 20000\nresponse = \"hill\"\nmax_uplift = 0.5\nhalf_saturation_spend = 10000\n",
        );
        let best = optimize(
            &s,
            &[
                vary(Input::Price, 50.0, 300.0),
                vary(Input::MarketingSpend, 0.0, 200_000.0),
            ],
            "profit",
        )
        .unwrap();
        assert!(
            (best.variables[0].optimum - 100.0).abs() < 1e-3,
            "{}",
            best.variables[0].optimum
        );
        assert!(
            (best.variables[1].optimum - 40_000.0).abs() < 1.0,
            "{}",
            best.variables[1].optimum
        );
        assert!((best.value - 610_000.0).abs() < 1e-3);
        assert!(best.variables.iter().all(|v| v.check.passed));
    }

    /// Regression: with capacity binding, the best price and spend lie on the kink
    /// `demand(p) x (1 + uplift(s)) = capacity`, a ridge across both axes where
    /// coordinate moves stalled 329 below the optimum.
    #[test]
    fn price_and_spend_find_the_optimum_along_the_capacity_kink() {
        // demand 10,000 x (100 / p)^2 = 1e8 / p^2, uplift 0.5 s / (s + 10,000), capacity 8,000.
        // Where capacity binds, the price that just fills it is p(s) = sqrt(1e8 (1 + U(s)) / 8,000),
        // and profit (p(s) - 50) x 8,000 - 50,000 - s is best where 8,000 p'(s) = 1, with
        // p'(s) = 0.5 sqrt(1e8 / 8,000) (1 + U)^-0.5 U'(s) and U'(s) = 0.5 x 10,000 / (s + 10,000)^2.
        // Solved numerically: s* = 33,587, p* = 131.59, profit 569,137.8.
        let s = scenario(
            "price = 80\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\ncapacity = 8000\n\
             [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\nreference_price = 100\n\
             [marketing]\nspend = 20000\nresponse = \"hill\"\nmax_uplift = 0.5\nhalf_saturation_spend = 10000\n",
        );
        let best = optimize(
            &s,
            &[
                vary(Input::Price, 50.0, 300.0),
                vary(Input::MarketingSpend, 0.0, 200_000.0),
            ],
            "profit",
        )
        .unwrap();
        let (p, spend) = (best.variables[0].optimum, best.variables[1].optimum);
        let u = 0.5 * spend / (spend + 10_000.0);
        let marginal = 8_000.0 * 0.5 * (1e8f64 / 8_000.0).sqrt() / (1.0 + u).sqrt() * 0.5 * 10_000.0
            / (spend + 10_000.0f64).powi(2);
        assert!((marginal - 1.0).abs() < 1e-3, "{marginal} at spend {spend}, price {p}");
        assert!((p - (1e8 * (1.0 + u) / 8_000.0).sqrt()).abs() < 1e-3, "{p}");
        assert!(best.value > 569_137.0, "{}", best.value);
        assert!(best.capacity_binding);
    }

    #[test]
    fn without_curves_profit_rises_with_price_to_the_bound() {
        let s = scenario("price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n");
        let best = optimize(&s, &[vary(Input::Price, 50.0, 300.0)], "profit").unwrap();
        assert_eq!(best.variables[0].optimum, 300.0);
        // 250 x 10,000 - 50,000.
        assert_eq!(best.value, 2_450_000.0);
        assert!(!best.interior);
    }

    #[test]
    fn a_metric_that_ignores_the_input_is_flat() {
        let s = scenario("price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n");
        let best = optimize(&s, &[vary(Input::FixedCost, 0.0, 1000.0)], "units_sold").unwrap();
        assert!(best.flat);
    }

    #[test]
    fn bad_requests_are_typed_errors() {
        let s = scenario(ELASTIC);
        assert_eq!(optimize(&s, &[], "profit"), Err(OptimizeError::NoInputs));
        assert_eq!(
            optimize(&s, &[vary(Input::Price, 5.0, 5.0)], "profit"),
            Err(OptimizeError::EmptyRange {
                input: "price",
                lower: 5.0,
                upper: 5.0
            })
        );
        assert!(matches!(
            optimize(&s, &[vary(Input::Price, -1.0, 5.0)], "profit"),
            Err(OptimizeError::OutOfLimits { .. })
        ));
        assert_eq!(
            optimize(
                &s,
                &[vary(Input::Price, 1.0, 5.0), vary(Input::Price, 1.0, 5.0)],
                "profit"
            ),
            Err(OptimizeError::Repeated("price"))
        );
        let e = optimize(&s, &[vary(Input::Price, 1.0, 5.0)], "proft").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown metric `proft` (did you mean `profit`?)"),
            "{e}"
        );
    }

    #[test]
    fn default_ranges_follow_the_readme() {
        let s = seed_hill(0.5, 10_000.0, 1.0);
        // Price: unit cost 50 to 3 x 100.
        assert_eq!(default_range(Input::Price, &s), (50.0, 300.0));
        // Spend: 0 to 50 x 10,000 x 0.5 = 250,000 (more than 2 x 20,000).
        assert_eq!(default_range(Input::MarketingSpend, &s), (0.0, 250_000.0));
        // Fixed cost: 0 to 2 x 50,000.
        assert_eq!(default_range(Input::FixedCost, &s), (0.0, 100_000.0));
        let e = scenario(ELASTIC);
        assert_eq!(default_range(Input::DemandElasticity, &e), (-4.0, 0.0));
        // Capacity unset: 0 to 1.
        assert_eq!(default_range(Input::Capacity, &e), (0.0, 1.0));
    }

    /// Regression: varying a Hill parameter without a Hill curve started one with
    /// half-saturation 0 (the campaign's fixed uplift 0.5 vanished at spend 0), and
    /// varying the uplift under a Hill curve replaced the curve, both silently.
    #[test]
    fn an_input_the_scenario_does_not_have_cannot_be_varied() {
        let campaign = scenario(
            "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
             [marketing]\nspend = 0\nuplift = 0.5\n",
        );
        let e = optimize(&campaign, &[vary(Input::MarketingMaxUplift, 0.0, 1.0)], "profit").unwrap_err();
        assert!(
            matches!(
                e,
                OptimizeError::NotInScenario {
                    input: "marketing.max_uplift",
                    ..
                }
            ),
            "{e}"
        );
        let e = optimize(
            &seed_hill(0.5, 10_000.0, 1.0),
            &[vary(Input::MarketingUplift, 0.0, 1.0)],
            "profit",
        )
        .unwrap_err();
        assert!(e.to_string().contains("comes from the Hill curve"), "{e}");
        let e = optimize(&campaign, &[vary(Input::DemandElasticity, -3.0, 0.0)], "profit").unwrap_err();
        assert!(e.to_string().contains("no `[demand_curve]`"), "{e}");
    }

    #[test]
    fn the_diagonal_check_catches_a_ridge_the_axis_checks_miss() {
        // f(a, b) = a + b - 10 |a - b|: at (0, 0) each axis step falls (h - 10 h < 0),
        // the diagonal rises (2 h > 0).
        let f = |y: &[f64]| Some(y[0] + y[1] - 10.0 * (y[0] - y[1]).abs());
        let ranges = [(-1.0, 1.0), (-1.0, 1.0)];
        assert!(f(&[0.01, 0.0]).unwrap() < 0.0 && f(&[0.0, 0.01]).unwrap() < 0.0);
        assert!(!diagonals_no_higher(&f, &[0.0, 0.0], [0.01, 0.01], ranges, 0.0));
        // A true peak, -(a^2 + b^2), passes.
        let g = |y: &[f64]| Some(-(y[0] * y[0] + y[1] * y[1]));
        assert!(diagonals_no_higher(&g, &[0.0, 0.0], [0.01, 0.01], ranges, 0.0));
    }

    #[test]
    fn brent_finds_a_parabola_peak_to_tolerance() {
        let (x, v) = brent_max(&mut |x| Some(-(x - 0.3f64).powi(2) + 2.0), 0.0, 1.0, 1e-12);
        assert!((x - 0.3).abs() < 1e-7);
        assert!((v - 2.0).abs() < 1e-12);
    }

    #[test]
    fn neighbourhood_stays_in_range_and_keeps_the_optimum() {
        // 8 +- 25% = 6 to 10 in steps of 0.5.
        let n = neighbourhood(8.0, 4.0, 16.0);
        assert_eq!(n, vec![6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0]);
        assert_eq!(neighbourhood(0.0, 0.0, 80.0), vec![0.0, 2.5, 5.0, 7.5, 10.0]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]
            #[test]
            fn the_optimum_is_at_least_as_good_as_every_scan_point(
                e in -4.0..-1.1f64, c in 1.0..50.0f64, shape in 0.5..3.0f64, m in 0.05..1.0f64,
            ) {
                let s = scenario(&format!(
                    "price = {}\nunit_variable_cost = {c}\nfixed_cost = 1000\ndemand = 1000\n\
                     [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = {e}\n\
                     [marketing]\nspend = 100\nresponse = \"hill\"\nmax_uplift = {m}\nhalf_saturation_spend = 500\nshape = {shape}\n",
                    2.0 * c
                ));
                let best = optimize(&s, &[vary(Input::Price, c, 5.0 * c)], "profit").unwrap();
                // c e / (1 + e) is independent of the uplift.
                let expected = c * e / (1.0 + e);
                if expected < 5.0 * c {
                    prop_assert!((best.variables[0].optimum - expected).abs() < 1e-5 * expected);
                }
                for p in best.variables[0].profile.iter() {
                    prop_assert!(p.metric.unwrap() <= best.value + 1e-9 * best.value.abs().max(1.0));
                }
            }

            #[test]
            fn the_hill_optimum_with_shape_one_matches_the_closed_form(
                contribution in 5.0..100.0f64, demand in 100.0..10_000.0f64, m in 0.1..1.0f64, h in 100.0..10_000.0f64,
            ) {
                // s* = sqrt((P - c) D M h) - h when that is above 0, else 0.
                let s = scenario(&format!(
                    "price = {}\nunit_variable_cost = 1\nfixed_cost = 0\ndemand = {demand}\n\
                     [marketing]\nresponse = \"hill\"\nmax_uplift = {m}\nhalf_saturation_spend = {h}\n",
                    1.0 + contribution
                ));
                let expected = ((contribution * demand * m * h).sqrt() - h).max(0.0);
                let upper = contribution * demand * m;
                let best = optimize(&s, &[vary(Input::MarketingSpend, 0.0, upper)], "profit").unwrap();
                let x = best.variables[0].optimum;
                prop_assert!((x - expected).abs() <= 1e-5 * upper, "{x} vs {expected}");
                prop_assert!(best.variables[0].check.passed);
            }
        }
    }
}
