//! Goal seek: the value of one input at which a result field reaches a target,
//! all other inputs held.
//!
//! The solver knows nothing of the model's formulas. It first tries the
//! straight line through two evaluations near today's value (the closed form
//! when the model is linear in the input, as it is today for profit in every
//! input) and keeps that answer only if re-evaluating the scenario there hits
//! the target. Otherwise it scans outward from today's value, doubling its
//! stride on both sides, until the metric crosses the target, and closes the
//! bracket with Brent's method. The scan does not depend on a lucky start:
//! it walks down to the input's minimum and up until the model overflows.
//!
//! ```
//! use plan::{Input, ScenarioFile};
//! use plan::solve::{Goal, Metric, solve};
//!
//! let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";
//! let scenario = ScenarioFile::parse(text, "seed.toml")?.base()?;
//! let goal = Goal { metric: Metric::PROFIT, target: 0.0 };
//! let answer = solve(&scenario, Input::Price, goal)?;
//! // 50,000 / 10,000 + 50 = 55
//! assert!((answer.value - 55.0).abs() < 1e-9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

use crate::input::Input;
use crate::model::{Core, FIELDS, FieldSpec, core, evaluate, field};
use crate::scenario::{Scenario, did_you_mean, list};

/// A result field that analyses evaluate by name, read from the allocation-free
/// [`core()`] when the field lives there and from [`evaluate`] otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    spec: &'static FieldSpec,
    fast: Option<fn(&Core) -> Option<f64>>,
}

impl PartialEq for Metric {
    fn eq(&self, other: &Metric) -> bool {
        self.name() == other.name()
    }
}

/// A metric name that is not a result field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric `{name}`{}; the metrics are {}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), list(&FIELDS.iter().map(|f| f.name).collect::<Vec<_>>()))]
pub struct UnknownMetric {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

impl Metric {
    /// Profit, the metric most analyses use.
    pub const PROFIT: Metric = Metric {
        spec: &FIELDS[profit_index()],
        fast: Some(|c| Some(c.profit)),
    };

    /// The metric with this field name.
    pub fn named(name: &str) -> Result<Metric, UnknownMetric> {
        let spec = field(name).ok_or_else(|| UnknownMetric {
            name: name.to_string(),
            suggestion: did_you_mean(name, FIELDS.iter().map(|f| f.name)),
        })?;
        let fast: Option<fn(&Core) -> Option<f64>> = match name {
            "base_demand" => Some(|c| Some(c.base_demand)),
            "uplift" => Some(|c| Some(c.uplift)),
            "units_demanded" => Some(|c| Some(c.units_demanded)),
            "units_sold" => Some(|c| Some(c.units_sold)),
            "revenue" => Some(|c| Some(c.revenue)),
            "variable_cost" => Some(|c| Some(c.variable_cost)),
            "unit_contribution" => Some(|c| Some(c.unit_contribution)),
            "contribution_margin" => Some(|c| Some(c.contribution_margin)),
            "fixed_cost_total" => Some(|c| Some(c.fixed_cost_total)),
            "profit" => Some(|c| Some(c.profit)),
            "break_even_units" => Some(Core::break_even_units),
            _ => None,
        };
        Ok(Metric { spec, fast })
    }

    /// The field's name (`profit`).
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// The field's spec: label and kind.
    pub fn spec(&self) -> &'static FieldSpec {
        self.spec
    }

    /// The metric for a scenario: `None` where it is undefined, not finite,
    /// or the model overflows.
    pub fn at(&self, scenario: &Scenario) -> Option<f64> {
        let value = match self.fast {
            // Tidied as `evaluate` tidies, so a grid cell reads exactly as
            // `plan evaluate` prints the same figure.
            Some(fast) => {
                let c = core(scenario);
                fast(&c).filter(|_| c.readable()).map(crate::model::tidy)
            }
            None => evaluate(scenario).ok().and_then(|e| (self.spec.get)(&e.results)),
        };
        value.filter(|v| v.is_finite())
    }

    /// Why the metric is undefined for a scenario, in the model's words.
    pub fn why_undefined(&self, scenario: &Scenario) -> String {
        match evaluate(scenario) {
            Err(e) => e.to_string(),
            Ok(e) => e
                .notes
                .iter()
                .find(|n| n.fields.contains(&self.spec.name))
                .map(|n| n.message.clone())
                .unwrap_or_else(|| match self.spec.name {
                    "target_profit_units" if scenario.target_profit.is_none() => {
                        "the scenario sets no `target_profit`".to_string()
                    }
                    name if name.starts_with("marketing_") && scenario.marketing.is_none() => {
                        "the scenario has no `[marketing]` table".to_string()
                    }
                    _ => "the figure is not finite".to_string(),
                }),
        }
    }
}

/// The index of the `profit` field in [`FIELDS`], found at compile time.
const fn profit_index() -> usize {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut i = 0;
    while i < FIELDS.len() {
        if same(FIELDS[i].name, "profit") {
            return i;
        }
        i += 1;
    }
    panic!("FIELDS has no `profit`")
}

/// What to reach: a metric and its target value.
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    pub metric: Metric,
    pub target: f64,
}

/// How an answer was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Today's value already reaches the target.
    Today,
    /// The straight line through two evaluations: the closed form where the
    /// model is linear in the input, kept only because re-evaluation confirmed it.
    Linear,
    /// A bracket found by scanning outward from today's value, closed by Brent's method.
    Bracketing,
}

impl Method {
    pub fn describe(self) -> &'static str {
        match self {
            Method::Today => "today's value",
            Method::Linear => "closed form (linear)",
            Method::Bracketing => "bracketing (Brent)",
        }
    }
}

/// The value of an input that reaches a goal, checked by re-evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Solution {
    #[serde(serialize_with = "crate::solve::input_name")]
    pub input: Input,
    /// The input's value in the scenario as given.
    pub today: f64,
    /// The value that reaches the target.
    pub value: f64,
    /// The metric when the scenario is re-evaluated at `value`.
    pub achieved: f64,
    /// `achieved - target`: how close the answer comes.
    pub residual: f64,
    /// The largest residual accepted: 1e-9 x max(|target|, |metric today|).
    pub tolerance: f64,
    pub method: Method,
}

/// No value of the input reaches the goal.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    #[error("`{input}` is not set in this scenario, so there is no value to start from; {}", not_set_hint(*.input))]
    NotSet { input: Input },
    #[error("no allowed value of `{input}` brings `{metric}` to {target}: {why}", target = plain(*.target))]
    NoSolution {
        input: Input,
        minimum: f64,
        metric: &'static str,
        target: f64,
        /// Why, in words: the metric stays above or below the target, or jumps across it.
        why: String,
        /// The value tried that came closest, and the metric there.
        closest: Option<(f64, f64)>,
    },
}

/// What to do about an input the scenario does not set.
fn not_set_hint(input: Input) -> &'static str {
    match input {
        Input::MarketingUplift => {
            "the uplift comes from the Hill response (`response = \"hill\"`): vary `marketing.spend` or a Hill parameter instead"
        }
        Input::MarketingMaxUplift | Input::MarketingHalfSaturationSpend | Input::MarketingShape => {
            "it belongs to a Hill response: add `response = \"hill\"` and its parameters to `[marketing]` to solve for it"
        }
        Input::DemandElasticity => "add a `[demand_curve]` table to the file to solve for it",
        _ => "set it in the file to solve for it",
    }
}

/// Serialises an input as its name (`marketing.spend`).
pub(crate) fn input_name<S: serde::Serializer>(input: &Input, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(input.name())
}

/// Numbers in messages: whole numbers plain, others to 6 significant digits.
pub(crate) fn plain(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v != 0.0 && (v.abs() >= 1e15 || v.abs() < 1e-4) {
        format!("{v:.4e}")
    } else {
        let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
        format!("{v:.decimals$}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// `v` as in a message, with every digit where six would read the same as
/// `other`: "stays below 268332 (the highest it gets is 268331.98...)",
/// never "... is 268332".
pub(crate) fn distinct(v: f64, other: f64) -> String {
    if v != other && plain(v) == plain(other) {
        format!("{v}")
    } else {
        plain(v)
    }
}

/// The power of two nearest `|x| x 2^-k`, with 1 standing in for 0: a step
/// that moves `x` exactly in binary, so a linear model differences exactly.
pub(crate) fn binary_step(x: f64, k: i32) -> f64 {
    let scale = if x == 0.0 { 1.0 } else { x.abs() };
    2f64.powi(scale.log2().round() as i32 - k)
}

/// The value of `input` at which `goal` is reached, the other inputs held at
/// the scenario's values. The answer is re-evaluated: its residual is within
/// 1e-9 x max(|target|, |metric today|) or the answer is not returned.
pub fn solve(scenario: &Scenario, input: Input, goal: Goal) -> Result<Solution, SolveError> {
    let solution = search(scenario, input, goal)?;
    // A Hill parameter must stay above 0: an answer at the smallest positive
    // number (or a trillionth of today's value) is the limit at 0, which the
    // scenario file would refuse, not a value a planner can set.
    if input.must_be_positive() && solution.value <= solution.today.abs() * 1e-12 {
        return Err(SolveError::NoSolution {
            input,
            minimum: input.minimum(),
            metric: goal.metric.name(),
            target: goal.target,
            why: format!(
                "`{}` reaches {} only as `{input}` approaches 0, which it may not reach (it must be above 0)",
                goal.metric.name(),
                plain(goal.target)
            ),
            closest: Some((solution.value, solution.achieved)),
        });
    }
    Ok(solution)
}

fn search(scenario: &Scenario, input: Input, goal: Goal) -> Result<Solution, SolveError> {
    let today = input.get(scenario).ok_or(SolveError::NotSet { input })?;
    let minimum = input.minimum();
    let maximum = input.maximum();
    let mut moved = scenario.clone();
    // The lowest and highest figure of the metric among the values tried,
    // kept as the metric itself: `m - target` loses it when the target
    // dwarfs it (a target of -1e300).
    let mut extremes: (Option<f64>, Option<f64>) = (None, None);
    let mut g = |x: f64| -> Option<f64> {
        input.set(&mut moved, x);
        let m = goal.metric.at(&moved)?;
        if extremes.0.is_none_or(|lo| m < lo) {
            extremes.0 = Some(m);
        }
        if extremes.1.is_none_or(|hi| m > hi) {
            extremes.1 = Some(m);
        }
        Some(m - goal.target).filter(|d| d.is_finite())
    };
    let g0 = g(today);
    let scale = goal.target.abs().max(g0.map_or(0.0, |d| (d + goal.target).abs()));
    let tolerance = crate::model::tidy(1e-9 * if scale > 0.0 { scale } else { 1.0 });
    let answer = |x: f64, d: f64, method: Method| Solution {
        input,
        today,
        value: x,
        achieved: d + goal.target,
        residual: d,
        tolerance,
        method,
    };
    // An answer a hair from a short decimal (75.00000000000003) reads as that
    // decimal (75) when the model, re-evaluated there, hits the target too.
    let tidied = |g: &mut dyn FnMut(f64) -> Option<f64>, x: f64, d: f64| {
        let t = crate::model::tidy(x);
        match g(t) {
            Some(dt) if t != x && t >= minimum && t <= maximum && dt.abs() <= tolerance => (t, dt),
            _ => (x, d),
        }
    };

    if let Some(d0) = g0 {
        if d0 == 0.0 {
            return Ok(answer(today, d0, Method::Today));
        }
        // The straight line through today's value and a nearby one.
        let x1 = today + binary_step(today, 10);
        if let Some(d1) = g(x1)
            && d1 != d0
        {
            // Clamped, so a root at the minimum that rounding puts a hair
            // below it (fixed cost 0 for zero break-even units) is still tried.
            let x = (today - d0 * (x1 - today) / (d1 - d0)).clamp(minimum, maximum);
            if x.is_finite()
                && let Some(d) = g(x)
                && d.abs() <= tolerance
            {
                let (x, d) = tidied(&mut g, x, d);
                return Ok(answer(x, d, Method::Linear));
            }
        }
    }

    // Scan outward from today's value, nearest first on both sides.
    let stride = binary_step(today, 10);
    let mut seen = Seen::default();
    if let Some(d0) = g0 {
        seen.add(today, d0);
    }
    let mut down = Some((today, g0));
    let mut up = Some((today, g0));
    let mut k = 0;
    while down.is_some() || up.is_some() {
        let reach = stride * 2f64.powi(k);
        k += 1;
        // Both sides step out by the same reach each round; where both cross
        // the target in one round, the crossing nearer today's value wins.
        let mut hits: Vec<Hit> = Vec::new();
        if let Some((last, last_d)) = down
            && let x = (today - reach).max(minimum)
            // An input without a lower limit (the elasticity) stops where the
            // scan overflows, as the upward scan does: at -inf the model
            // reads 0 x inf and a linear curve's demand falls to 0.
            && (x.is_finite() && x >= -f64::MAX / 4.0 && k <= 2100)
        {
            let (hit, d) = probe(&mut g, &mut seen, last, last_d, x, tolerance);
            hits.extend(hit);
            down = (x > minimum && last > minimum).then_some((x, d.or(last_d)));
        } else {
            down = None;
        }
        if let Some((last, last_d)) = up {
            let x = (today + reach).min(maximum);
            if !x.is_finite() || x > f64::MAX / 4.0 || k > 2100 || last >= maximum {
                up = None;
            } else {
                let (hit, d) = probe(&mut g, &mut seen, last, last_d, x, tolerance);
                hits.extend(hit);
                up = Some((x, d.or(last_d)));
            }
        }
        if let Some(hit) = hits
            .into_iter()
            .min_by(|a, b| (a.x - today).abs().total_cmp(&(b.x - today).abs()))
        {
            let (x, d) = if hit.tidy {
                tidied(&mut g, hit.x, hit.residual)
            } else {
                (hit.x, hit.residual)
            };
            return Ok(answer(x, d, Method::Bracketing));
        }
    }

    // No value tried crosses the target, but a hump (or a dip) narrower than
    // the scan's stride can still reach it between two of them: profit with
    // a demand curve peaks between prices 16 and 20 of the scan's 12, 13, 14,
    // 16, 20, 28. Search the neighbourhood of the value that came closest for
    // the metric's extreme, and bracket the target from there.
    let all_below = seen.highest.is_some_and(|(_, hi)| hi < 0.0);
    let all_above = seen.lowest.is_some_and(|(_, lo)| lo > 0.0);
    if all_below || all_above {
        let sign = if all_below { 1.0 } else { -1.0 };
        let mut points = seen.points.clone();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points.dedup_by(|a, b| a.0 == b.0);
        let best = (0..points.len()).max_by(|&i, &j| (sign * points[i].1).total_cmp(&(sign * points[j].1)));
        if let Some(i) = best {
            let (a, b) = (points[i.saturating_sub(1)].0, points[(i + 1).min(points.len() - 1)].0);
            if let Some((xe, ve)) = golden_max(&mut |x| g(x).map(|d| sign * d), a, b) {
                let de = sign * ve;
                seen.add(xe, de);
                if de.abs() <= tolerance {
                    return Ok(answer(xe, de, Method::Bracketing));
                }
                if ve > 0.0 {
                    // The target is crossed on both sides of the extreme:
                    // the answer is the crossing nearer today's value.
                    let ends = [points[i.saturating_sub(1)], points[(i + 1).min(points.len() - 1)]];
                    let mut found: Option<(f64, f64)> = None;
                    for (x0, d0) in ends {
                        if x0 == xe || (d0 < 0.0) == (de < 0.0) {
                            continue;
                        }
                        let (lo, flo, hi, fhi) = if x0 < xe { (x0, d0, xe, de) } else { (xe, de, x0, d0) };
                        if let Some((root, r)) = brent(&mut g, lo, flo, hi, fhi, tolerance)
                            && found.is_none_or(|(f, _)| (root - today).abs() < (f - today).abs())
                        {
                            found = Some((root, r));
                        }
                    }
                    if let Some((root, r)) = found {
                        let (root, r) = tidied(&mut g, root, r);
                        return Ok(answer(root, r, Method::Bracketing));
                    }
                }
            }
        }
    }

    let metric = goal.metric.name();
    let target = plain(goal.target);
    let range = match (minimum.is_finite(), maximum.is_finite()) {
        (true, true) => format!("from {} to {}", plain(minimum), plain(maximum)),
        (true, false) => input.allowed().to_string(),
        (false, true) => format!("<= {}", plain(maximum)),
        (false, false) => "at all".to_string(),
    };
    let (lowest, highest) = extremes;
    let figure = |e: Option<f64>| e.map_or_else(|| "undefined".into(), |v| distinct(v, goal.target));
    let why = match (seen.lowest, seen.highest) {
        (None, _) | (_, None) => format!(
            "`{metric}` is undefined at every value tried ({})",
            goal.metric.why_undefined(scenario)
        ),
        (Some((_, lo)), Some(_)) if lo > 0.0 => format!(
            "`{metric}` stays above {target} for every `{input}` {range} (the lowest it gets is {})",
            figure(lowest)
        ),
        (Some(_), Some((_, hi))) if hi < 0.0 => format!(
            "`{metric}` stays below {target} for every `{input}` {range} (the highest it gets is {})",
            figure(highest)
        ),
        _ => format!("`{metric}` jumps across {target} without reaching it"),
    };
    Err(SolveError::NoSolution {
        input,
        minimum,
        metric,
        target: goal.target,
        why,
        closest: seen
            .closest
            .map(|(x, d)| (x, goal.metric.at(&input.with(scenario, x)).unwrap_or(d + goal.target))),
    })
}

/// A value of the input that reaches the target, found by the scan.
struct Hit {
    x: f64,
    residual: f64,
    /// Found by root finding (so a hair from a short decimal, perhaps), not
    /// tried as it stands.
    tidy: bool,
}

/// One step of the scan to `x` from the last value tried on that side: a
/// value that hits the target (tried, or between the two), and the metric's
/// distance from the target at `x`.
fn probe(
    g: &mut impl FnMut(f64) -> Option<f64>,
    seen: &mut Seen,
    last: f64,
    last_d: Option<f64>,
    x: f64,
    tolerance: f64,
) -> (Option<Hit>, Option<f64>) {
    let d = g(x);
    if let Some(d) = d {
        seen.add(x, d);
        // A value tried that hits the target (the metric exactly at the
        // target at the input's minimum, say) is an answer, not merely one
        // end of a bracket.
        if d.abs() <= tolerance {
            return (
                Some(Hit {
                    x,
                    residual: d,
                    tidy: false,
                }),
                Some(d),
            );
        }
    }
    if let (Some(a), Some(b)) = (d, last_d)
        && (a < 0.0) != (b < 0.0)
    {
        let (lo, f_lo, hi, f_hi) = if x < last { (x, a, last, b) } else { (last, b, x, a) };
        if let Some((root, r)) = brent(g, lo, f_lo, hi, f_hi, tolerance) {
            return (
                Some(Hit {
                    x: root,
                    residual: r,
                    tidy: true,
                }),
                d,
            );
        }
    }
    if let (None, Some(b)) = (d, last_d)
        && let Some((root, r)) = toward_edge(g, last, b, x, tolerance, seen)
    {
        return (
            Some(Hit {
                x: root,
                residual: r,
                tidy: false,
            }),
            d,
        );
    }
    (None, d)
}

/// Between a defined point and an undefined one (the metric has no value at
/// 0 demand, say), walks toward the undefined point, halving the distance,
/// so a crossing near the edge of where the metric is defined is not missed.
fn toward_edge(
    g: &mut impl FnMut(f64) -> Option<f64>,
    defined: f64,
    d_defined: f64,
    undefined: f64,
    tolerance: f64,
    seen: &mut Seen,
) -> Option<(f64, f64)> {
    let (mut last, mut last_d) = (defined, d_defined);
    for j in 1..=64 {
        let x = undefined + (defined - undefined) * 2f64.powi(-j);
        if x == undefined || x == last {
            break;
        }
        let Some(d) = g(x) else { continue };
        seen.add(x, d);
        if (d < 0.0) != (last_d < 0.0) {
            let (a, fa, b, fb) = if x < last {
                (x, d, last, last_d)
            } else {
                (last, last_d, x, d)
            };
            if let Some(found) = brent(g, a, fa, b, fb, tolerance) {
                return Some(found);
            }
        }
        (last, last_d) = (x, d);
    }
    None
}

/// The highest value of `f` on `[a, b]` by golden-section search, as
/// `(x, f(x))`; exact for a function with one peak there, and the best value
/// seen otherwise. Undefined points count as the lowest.
fn golden_max(f: &mut impl FnMut(f64) -> Option<f64>, mut a: f64, mut b: f64) -> Option<(f64, f64)> {
    const R: f64 = 0.618_033_988_749_894_8;
    let mut best: Option<(f64, f64)> = None;
    let keep = |x: f64, v: Option<f64>, best: &mut Option<(f64, f64)>| {
        if let Some(v) = v
            && best.is_none_or(|(_, b)| v > b)
        {
            *best = Some((x, v));
        }
        v.unwrap_or(f64::NEG_INFINITY)
    };
    for x in [a, b] {
        let v = f(x);
        keep(x, v, &mut best);
    }
    let (mut c, mut d) = (b - R * (b - a), a + R * (b - a));
    let (vc, vd) = (f(c), f(d));
    let (mut fc, mut fd) = (keep(c, vc, &mut best), keep(d, vd, &mut best));
    for _ in 0..200 {
        if (b - a).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(f64::MIN_POSITIVE) {
            break;
        }
        if fc >= fd {
            (b, d, fd) = (d, c, fc);
            c = b - R * (b - a);
            let v = f(c);
            fc = keep(c, v, &mut best);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + R * (b - a);
            let v = f(d);
            fd = keep(d, v, &mut best);
        }
    }
    best
}

/// The extremes and the closest miss among the values tried.
#[derive(Default)]
struct Seen {
    lowest: Option<(f64, f64)>,
    highest: Option<(f64, f64)>,
    closest: Option<(f64, f64)>,
    /// Every value tried with its distance from the target.
    points: Vec<(f64, f64)>,
}

impl Seen {
    fn add(&mut self, x: f64, d: f64) {
        self.points.push((x, d));
        if self.lowest.is_none_or(|(_, lo)| d < lo) {
            self.lowest = Some((x, d));
        }
        if self.highest.is_none_or(|(_, hi)| d > hi) {
            self.highest = Some((x, d));
        }
        if self.closest.is_none_or(|(_, c)| d.abs() < c.abs()) {
            self.closest = Some((x, d));
        }
    }
}

/// Brent's method on a bracket `[a, b]` where `g(a)` and `g(b)` differ in
/// sign. Returns the root and its residual when the residual is within
/// `tolerance`; `None` when the function is undefined inside the bracket or
/// jumps across zero (a pole or a step) rather than reaching it.
fn brent(
    g: &mut impl FnMut(f64) -> Option<f64>,
    mut a: f64,
    mut fa: f64,
    mut b: f64,
    mut fb: f64,
    tolerance: f64,
) -> Option<(f64, f64)> {
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..400 {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + f64::MIN_POSITIVE;
        let xm = 0.5 * (c - b);
        if fb == 0.0 || xm.abs() <= tol1 {
            break;
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            let min1 = 3.0 * xm * q - (tol1 * q).abs();
            let min2 = (e * q).abs();
            if 2.0 * p < min1.min(min2) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 { d } else { tol1.copysign(xm) };
        if !b.is_finite() {
            return None;
        }
        fb = g(b)?;
    }
    // The better end of the final bracket.
    let (x, r) = if fc.abs() < fb.abs() { (c, fc) } else { (b, fb) };
    (r.abs() <= tolerance).then_some((x, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Marketing;

    use crate::model::tests::seed;

    fn profit(target: f64) -> Goal {
        Goal {
            metric: Metric::PROFIT,
            target,
        }
    }

    /// Re-evaluates the scenario at the answer with the full model.
    fn check(s: &Scenario, solution: &Solution, goal: Goal) {
        let moved = solution.input.with(s, solution.value);
        let e = evaluate(&moved).unwrap();
        let got = (goal.metric.spec().get)(&e.results).unwrap();
        let scale = goal
            .target
            .abs()
            .max(goal.metric.at(s).unwrap_or(0.0).abs())
            .max(1e-300);
        assert!(
            (got - goal.target).abs() <= 1e-9 * scale,
            "{} = {} gives {got}, target {}",
            solution.input,
            solution.value,
            goal.target
        );
    }

    #[test]
    fn the_seed_breaks_even_at_price_55() {
        // 100 x 10,000 - 50,000 - 50 x 10,000 = 0 -> price = 50 + 50,000 / 10,000 = 55.
        let s = seed();
        let a = solve(&s, Input::Price, profit(0.0)).unwrap();
        assert!((a.value - 55.0).abs() < 1e-9);
        check(&s, &a, profit(0.0));
    }

    #[test]
    fn target_case_needs_3500_units_or_a_price_of_24_at_5000() {
        // Fixed 50,000, unit cost 10, price 30, target 20,000:
        // units = (50,000 + 20,000) / (30 - 10) = 3,500.
        let mut s = seed();
        s.price = 30.0;
        s.unit_variable_cost = 10.0;
        let a = solve(&s, Input::Demand, profit(20_000.0)).unwrap();
        assert!((a.value - 3_500.0).abs() < 1e-9, "{}", a.value);
        check(&s, &a, profit(20_000.0));
        // At 5,000 units: price = 10 + 70,000 / 5,000 = 24.
        s.demand = 5_000.0;
        let a = solve(&s, Input::Price, profit(20_000.0)).unwrap();
        assert!((a.value - 24.0).abs() < 1e-9, "{}", a.value);
        check(&s, &a, profit(20_000.0));
    }

    #[test]
    fn demand_for_a_safety_margin_of_30_percent() {
        // Break-even 1,000 units; ratio (q - 1,000) / q = 0.3 -> q = 1,000 / 0.7.
        let s = seed();
        let goal = Goal {
            metric: Metric::named("margin_of_safety_ratio").unwrap(),
            target: 0.3,
        };
        let a = solve(&s, Input::Demand, goal).unwrap();
        assert!((a.value - 1_000.0 / 0.7).abs() < 1e-6, "{}", a.value);
        assert_eq!(a.method, Method::Bracketing);
        check(&s, &a, goal);
    }

    #[test]
    fn capacity_above_demand_makes_the_target_unreachable_by_demand() {
        // Capacity 8,000: profit is at most 50 x 8,000 - 50,000 = 350,000.
        let mut s = seed();
        s.capacity = Some(8_000.0);
        let e = solve(&s, Input::Demand, profit(1_000_000.0)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("stays below 1000000"), "{msg}");
        assert!(msg.contains("the highest it gets is 350000"), "{msg}");
    }

    #[test]
    fn break_even_demand_behind_a_binding_capacity_is_found_by_bracketing() {
        // Capacity binds (demand 10,000 > 8,000): profit is flat in demand at
        // today's value, so the straight line fails; the root is 50,000 / 50 = 1,000.
        let mut s = seed();
        s.capacity = Some(8_000.0);
        let a = solve(&s, Input::Demand, profit(0.0)).unwrap();
        assert_eq!(a.method, Method::Bracketing);
        assert!((a.value - 1_000.0).abs() < 1e-6, "{}", a.value);
        check(&s, &a, profit(0.0));
    }

    #[test]
    fn uplift_never_breaks_the_seed_even() {
        let e = solve(&seed(), Input::MarketingUplift, profit(0.0)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("stays above 0 for every `marketing.uplift` >= 0"), "{msg}");
        assert!(msg.contains("the lowest it gets is 450000"), "{msg}");
    }

    #[test]
    fn unset_capacity_cannot_be_solved_for() {
        assert_eq!(
            solve(&seed(), Input::Capacity, profit(0.0)).unwrap_err(),
            SolveError::NotSet { input: Input::Capacity }
        );
    }

    #[test]
    fn an_unset_curve_parameter_says_how_to_set_it() {
        // "set it in the file" was wrong advice for the uplift of a Hill response.
        let msg = SolveError::NotSet {
            input: Input::MarketingUplift,
        }
        .to_string();
        assert!(
            msg.contains("vary `marketing.spend` or a Hill parameter instead"),
            "{msg}"
        );
        let msg = solve(&seed(), Input::DemandElasticity, profit(0.0))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("add a `[demand_curve]` table"), "{msg}");
    }

    #[test]
    fn a_step_in_the_metric_is_not_mistaken_for_a_root() {
        // Whole break-even units jump from 1,000 to 1,001: 1,000.5 is never reached.
        let s = seed();
        let goal = Goal {
            metric: Metric::named("break_even_units_whole").unwrap(),
            target: 1_000.5,
        };
        assert!(matches!(
            solve(&s, Input::FixedCost, goal),
            Err(SolveError::NoSolution { .. })
        ));
    }

    #[test]
    fn a_target_met_exactly_at_the_inputs_minimum_is_found() {
        // Regression: break-even units are 0 exactly at fixed cost 0 (0 / 50),
        // but the scan only looked for a change of sign and reported that the
        // metric "jumps across 0 without reaching it".
        let goal = Goal {
            metric: Metric::named("break_even_units").unwrap(),
            target: 0.0,
        };
        let a = solve(&seed(), Input::FixedCost, goal).unwrap();
        assert_eq!(a.value, 0.0);
        assert_eq!(a.achieved, 0.0);
    }

    #[test]
    fn the_lowest_figure_is_reported_even_when_the_target_dwarfs_it() {
        // Regression: the message added the target back to `profit - target`,
        // and with a target of -1e300 the lowest profit read 0. It is at price 0:
        // 0 - 50,000 - 50 x 10,000 = -550,000.
        let msg = solve(&seed(), Input::Price, profit(-1e300)).unwrap_err().to_string();
        assert!(msg.contains("(the lowest it gets is -550000)"), "{msg}");
    }

    #[test]
    fn an_undefined_metric_says_why() {
        // The seed sets no target profit, so target_profit_units is undefined everywhere.
        let goal = Goal {
            metric: Metric::named("target_profit_units").unwrap(),
            target: 100.0,
        };
        let msg = solve(&seed(), Input::Price, goal).unwrap_err().to_string();
        assert!(
            msg.contains("undefined at every value tried (the scenario sets no `target_profit`)"),
            "{msg}"
        );
    }

    #[test]
    fn answers_a_hair_from_a_short_decimal_read_as_that_decimal() {
        // Break-even units 2,000: 50,000 / (p - 50) = 2,000 -> p = 75, which Brent
        // lands on as 75.00000000000003; 75 re-evaluates to exactly 2,000.
        let goal = Goal {
            metric: Metric::named("break_even_units").unwrap(),
            target: 2_000.0,
        };
        let a = solve(&seed(), Input::Price, goal).unwrap();
        assert_eq!(a.value, 75.0);
        assert_eq!(a.residual, 0.0);
        // Fixed cost: 2,000 x 50 = 100,000.
        assert_eq!(solve(&seed(), Input::FixedCost, goal).unwrap().value, 100_000.0);
    }

    #[test]
    fn a_target_inside_a_hump_narrower_than_the_scan_stride_is_found() {
        // Regression: profit peaks in price with a demand curve, and the scan
        // from 12 tried 16 and 20 but nothing between, so a reachable target
        // was reported as out of reach.
        // Profit(p) = (p - 6) x 62,500 x (p / 12)^-1.5 - 140,000, highest at
        // p = 6 x 1.5 / 0.5 = 18: 750,000 x 1.5^-1.5 - 140,000 = 268,248.3.
        // At 16: 625,000 x (4/3)^-1.5 - 140,000 = 265,949; at 20:
        // 875,000 x (5/3)^-1.5 - 140,000 = 266,663; both below 267,500.
        let s = Scenario {
            price: 12.0,
            unit_variable_cost: 6.0,
            fixed_cost: 140_000.0,
            demand: 62_500.0,
            demand_curve: Some(crate::scenario::DemandCurve {
                kind: crate::scenario::CurveKind::ConstantElasticity,
                elasticity: -1.5,
                reference_price: 12.0,
            }),
            ..seed()
        };
        let a = solve(&s, Input::Price, profit(267_500.0)).unwrap();
        check(&s, &a, profit(267_500.0));
        // The crossing nearer today's 12 is on the rising side, below 18.
        assert!(a.value > 16.0 && a.value < 18.0, "{}", a.value);
        // Above the peak, the message gives the peak, not the best value tried.
        let msg = solve(&s, Input::Price, profit(300_000.0)).unwrap_err().to_string();
        assert!(msg.contains("the highest it gets is 268248"), "{msg}");
    }

    #[test]
    fn an_input_without_a_lower_limit_is_not_tried_at_minus_infinity() {
        // Regression: the downward scan of the elasticity ran on to -inf,
        // where a linear curve's demand is max(NaN, 0) = 0 and profit
        // -50,000, and the message said profit "jumps across 0". At the
        // reference price the elasticity does not move demand: profit is
        // 450,000 for every elasticity.
        let s = Scenario {
            demand_curve: Some(crate::scenario::DemandCurve {
                kind: crate::scenario::CurveKind::Linear,
                elasticity: -1.5,
                reference_price: 100.0,
            }),
            ..seed()
        };
        let msg = solve(&s, Input::DemandElasticity, profit(0.0)).unwrap_err().to_string();
        assert!(
            msg.contains("stays above 0 for every `demand_curve.elasticity` <= 0 (the lowest it gets is 450000)"),
            "{msg}"
        );
    }

    #[test]
    fn today_value_is_returned_when_it_already_hits() {
        let a = solve(&seed(), Input::Price, profit(450_000.0)).unwrap();
        assert_eq!(a.method, Method::Today);
        assert_eq!(a.value, 100.0);
    }

    /// Profit on a linear curve is a hump, `(p - 6) x 30,000 x (24 - p) / 12
    /// less 180,000`, which is 0 where p^2 - 30p + 216 = 0: at p = 12 and
    /// p = 18. From 15.9 the scan crosses both in one round; 18 (+2.1) is
    /// nearer than 12.
    #[test]
    fn of_two_break_evens_crossed_in_one_round_the_nearer_is_given() {
        let text = "price = 15.9\nunit_variable_cost = 6\nfixed_cost = 180000\ndemand = 30000\n\
                    [demand_curve]\nkind = \"linear\"\nelasticity = -1\nreference_price = 12\n";
        let s = crate::ScenarioFile::parse(text, "f.toml").unwrap().base().unwrap();
        let found = solve(&s, Input::Price, profit(0.0)).unwrap();
        assert_eq!(found.value, 18.0);
        check(&s, &found, profit(0.0));
        let below = solve(&Input::Price.with(&s, 14.0), Input::Price, profit(0.0)).unwrap();
        assert_eq!(below.value, 12.0, "from 14, 12 (-2) is nearer than 18 (+4)");
    }

    #[test]
    fn a_figure_that_rounds_to_the_target_is_written_in_full() {
        assert_eq!(distinct(268_331.982_487_737_1, 268_332.0), "268331.9824877371");
        assert_eq!(distinct(160_000.0, 0.0), "160000");
        assert_eq!(distinct(1.0 / 3.0, 0.5), "0.333333");
    }

    #[test]
    fn unknown_metric_suggests_the_nearest() {
        let e = Metric::named("proft").unwrap_err().to_string();
        assert!(e.starts_with("unknown metric `proft` (did you mean `profit`?)"), "{e}");
    }

    #[test]
    fn a_nonlinear_metric_is_solved_by_bracketing() {
        // Profit margin = profit / revenue = 1 - 50/p - 50,000/(10,000 p) = 1 - 55/p,
        // not linear in p (0.45 at p = 100); 0.5 needs 55/p = 0.5 -> p = 110.
        let s = seed();
        let goal = Goal {
            metric: Metric::named("profit_margin").unwrap(),
            target: 0.5,
        };
        let a = solve(&s, Input::Price, goal).unwrap();
        assert!((a.value - 110.0).abs() < 1e-9, "{}", a.value);
        check(&s, &a, goal);
    }

    #[test]
    fn fast_metrics_agree_with_the_full_model() {
        let mut s = seed();
        s.capacity = Some(12_000.0);
        s.marketing = Some(Marketing {
            spend: 20_000.0,
            uplift: 0.3,
        });
        for price in [20.0, 50.0, 100.0] {
            s.price = price;
            let r = evaluate(&s).unwrap().results;
            for spec in FIELDS {
                let m = Metric::named(spec.name).unwrap();
                assert_eq!(m.at(&s), (spec.get)(&r), "{}", spec.name);
            }
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn every_solution_re_evaluates_to_its_target(
                price in 1.0..1e3f64, cost in 0.0..1e3f64, fixed in 0.0..1e6f64,
                demand in 0.0..1e5f64, capacity in proptest::option::of(0.0..1e5f64),
                target in -1e6..1e6f64, which in 0usize..6,
            ) {
                let s = Scenario { price, unit_variable_cost: cost, fixed_cost: fixed, demand, capacity, ..seed() };
                let input = [Input::Price, Input::UnitVariableCost, Input::FixedCost, Input::Demand, Input::MarketingSpend, Input::MarketingUplift][which];
                let goal = profit(target);
                match solve(&s, input, goal) {
                    Ok(a) => {
                        prop_assert!(a.value.is_finite() && a.value >= 0.0);
                        let got = evaluate(&input.with(&s, a.value)).unwrap().results.profit;
                        prop_assert!((got - target).abs() <= a.tolerance, "{} = {} gives {got}", input, a.value);
                    }
                    Err(SolveError::NoSolution { .. }) => {}
                    Err(e) => prop_assert!(false, "{e}"),
                }
            }
        }
    }
}
