//! The cost-volume-profit model.
//!
//! `profit = price x units - fixed cost - unit variable cost x units`, with
//! units the demand after marketing uplift, capped by capacity, and marketing
//! spend counted with fixed cost. Every analysis calls [`evaluate`] rather than
//! re-deriving a formula, so a change to the model (demand that responds to
//! price, say) reaches every command at once.

use serde::Serialize;

use crate::scenario::{CurveKind, DemandCurve, HillResponse, Scenario};

/// Every figure the model computes for one scenario.
///
/// Undefined figures (a break-even when units lose money, a ratio over zero
/// revenue) are `None`, and [`Evaluation::notes`] says why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// Units demanded before marketing uplift (the scenario's `demand`).
    pub base_demand: f64,
    /// The fractional demand uplift marketing buys (0 without marketing).
    pub uplift: f64,
    /// `demand x (1 + uplift)`.
    pub units_demanded: f64,
    /// `min(units_demanded, capacity)`.
    pub units_sold: f64,
    /// `price x units_sold`.
    pub revenue: f64,
    /// `unit_variable_cost x units_sold`.
    pub variable_cost: f64,
    /// `price - unit_variable_cost`.
    pub unit_contribution: f64,
    /// `unit_contribution x units_sold` (= revenue - variable cost).
    pub contribution_margin: f64,
    /// `unit_contribution / price`.
    pub contribution_margin_ratio: Option<f64>,
    /// `fixed_cost + marketing spend`.
    pub fixed_cost_total: f64,
    /// `contribution_margin - fixed_cost_total`.
    pub profit: f64,
    /// `profit / revenue`.
    pub profit_margin: Option<f64>,
    /// `fixed_cost_total / unit_contribution`.
    pub break_even_units: Option<f64>,
    /// `break_even_units` rounded up to a whole unit.
    pub break_even_units_whole: Option<f64>,
    /// `break_even_units x price`.
    pub break_even_revenue: Option<f64>,
    /// `units_sold - break_even_units`.
    pub margin_of_safety_units: Option<f64>,
    /// `margin_of_safety_units / units_sold`.
    pub margin_of_safety_ratio: Option<f64>,
    /// `contribution_margin / profit`.
    pub operating_leverage: Option<f64>,
    /// `(fixed_cost_total + target_profit) / unit_contribution`, at least 0.
    pub target_profit_units: Option<f64>,
    /// `units_sold - min(demand, capacity)`: the units the campaign adds.
    pub marketing_incremental_units: Option<f64>,
    /// `marketing_incremental_units x unit_contribution`.
    pub marketing_incremental_contribution: Option<f64>,
    /// `(marketing_incremental_contribution - spend) / spend`.
    pub marketing_return_on_spend: Option<f64>,
    /// `spend / (demand x unit_contribution)`: the uplift at which the spend pays for itself.
    pub marketing_break_even_uplift: Option<f64>,
}

/// How a figure is measured, so renderers can format it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// An amount of money in the scenario's currency.
    Money,
    /// A number of units.
    Units,
    /// A fraction, shown as a percentage (0.5 = 50%).
    Ratio,
    /// A multiplier (operating leverage).
    Multiple,
}

/// When a figure applies to a scenario at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Always,
    WithTarget,
    WithMarketing,
}

/// A result field: its name (in JSON and CSV), how to show it, how to read it.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub group: &'static str,
    pub kind: FieldKind,
    pub applies: Applies,
    pub get: fn(&Results) -> Option<f64>,
}

impl FieldSpec {
    /// Whether the figure means anything for this scenario (a target-profit
    /// figure needs a target).
    pub fn applies_to(&self, scenario: &Scenario) -> bool {
        match self.applies {
            Applies::Always => true,
            Applies::WithTarget => scenario.target_profit.is_some(),
            Applies::WithMarketing => scenario.marketing.is_some(),
        }
    }
}

macro_rules! fields {
    ($( $group:literal : [ $( ($name:ident, $label:literal, $kind:ident, $applies:ident) ),* $(,)? ] ),* $(,)?) => {
        /// Every result field in display order. One list drives the table rows,
        /// the CSV columns and the metric names commands accept.
        pub const FIELDS: &[FieldSpec] = &[
            $( $( FieldSpec {
                name: stringify!($name),
                label: $label,
                group: $group,
                kind: FieldKind::$kind,
                applies: Applies::$applies,
                get: |r: &Results| IntoOption::into_option(r.$name),
            }, )* )*
        ];
    };
}

trait IntoOption {
    fn into_option(self) -> Option<f64>;
}
impl IntoOption for f64 {
    fn into_option(self) -> Option<f64> {
        Some(self)
    }
}
impl IntoOption for Option<f64> {
    fn into_option(self) -> Option<f64> {
        self
    }
}

fields! {
    "Volume": [
        (base_demand, "Demand before uplift", Units, Always),
        (uplift, "Marketing uplift", Ratio, WithMarketing),
        (units_demanded, "Units demanded", Units, Always),
        (units_sold, "Units sold", Units, Always),
    ],
    "Revenue and costs": [
        (revenue, "Revenue", Money, Always),
        (variable_cost, "Variable cost", Money, Always),
        (unit_contribution, "Unit contribution", Money, Always),
        (contribution_margin, "Contribution margin", Money, Always),
        (contribution_margin_ratio, "Contribution margin ratio", Ratio, Always),
        (fixed_cost_total, "Fixed cost (incl. marketing)", Money, Always),
    ],
    "Profitability": [
        (profit, "Profit", Money, Always),
        (profit_margin, "Profit margin", Ratio, Always),
    ],
    "Break-even and safety": [
        (break_even_units, "Break-even units", Units, Always),
        (break_even_units_whole, "Break-even units (whole)", Units, Always),
        (break_even_revenue, "Break-even revenue", Money, Always),
        (margin_of_safety_units, "Margin of safety (units)", Units, Always),
        (margin_of_safety_ratio, "Margin of safety ratio", Ratio, Always),
        (operating_leverage, "Operating leverage", Multiple, Always),
    ],
    "Target": [
        (target_profit_units, "Units for target profit", Units, WithTarget),
    ],
    "Marketing": [
        (marketing_incremental_units, "Campaign incremental units", Units, WithMarketing),
        (marketing_incremental_contribution, "Campaign incremental contribution", Money, WithMarketing),
        (marketing_return_on_spend, "Campaign return on spend", Ratio, WithMarketing),
        (marketing_break_even_uplift, "Uplift for spend to pay off", Ratio, WithMarketing),
    ],
}

/// The spec of a result field by its name.
pub fn field(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.name == name)
}

impl Results {
    /// A result field by name: `None` for an unknown name, `Some(None)` for
    /// a figure that is undefined for this scenario.
    pub fn metric(&self, name: &str) -> Option<Option<f64>> {
        field(name).map(|f| (f.get)(self))
    }
}

/// Whether a note explains an undefined figure or warns about the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteLevel {
    /// The named fields have no value; the message says why.
    Undefined,
    /// The plan has a condition a planner must see (a loss, a binding capacity).
    Warning,
}

/// One line of explanation attached to an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub level: NoteLevel,
    /// The result fields the note is about.
    pub fields: Vec<&'static str>,
    pub message: String,
}

/// The model's results for one scenario, with the notes that explain them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub results: Results,
    pub notes: Vec<Note>,
}

/// The model could not produce a finite figure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error(
        "`{field}` overflows: the inputs are too large for a finite result (at most about 1.8e308); check the magnitudes of price, costs and demand"
    )]
    Overflow { field: &'static str },
    #[error(
        "demand is infinite at price 0 on a constant-elasticity curve (elasticity {elasticity}): `demand x (price / reference_price)^elasticity` has no value there; set a price above 0"
    )]
    InfiniteDemandAtZeroPrice { elasticity: f64 },
}

/// Units demanded before marketing uplift, at the scenario's price: the
/// scenario's `demand`, moved along its demand curve when it has one. The one
/// place demand is read.
pub fn base_demand(scenario: &Scenario) -> f64 {
    match &scenario.demand_curve {
        None => scenario.demand,
        Some(curve) => demand_on_curve(curve, scenario.demand, scenario.price),
    }
}

/// Demand at `price` on a curve through `(reference_price, demand)`.
///
/// Constant elasticity: `demand x (price / reference_price)^elasticity`.
/// Linear: `demand x (1 + elasticity x (price - reference_price) / reference_price)`,
/// the line whose elasticity at the reference point is `elasticity`, never below 0.
pub fn demand_on_curve(curve: &DemandCurve, demand: f64, price: f64) -> f64 {
    let (e, p0) = (curve.elasticity, curve.reference_price);
    if demand == 0.0 || e == 0.0 {
        return demand;
    }
    match curve.kind {
        CurveKind::ConstantElasticity => demand * (price / p0).powf(e),
        CurveKind::Linear => (demand * (1.0 + e * (price - p0) / p0)).max(0.0),
    }
}

/// The fractional demand uplift marketing buys: the fixed `uplift`, or the
/// Hill curve's uplift at the scenario's spend. The one place uplift is read.
pub fn uplift(scenario: &Scenario) -> f64 {
    match &scenario.marketing_response {
        Some(hill) => hill_uplift(hill, marketing_spend(scenario)),
        None => scenario.marketing.as_ref().map_or(0.0, |m| m.uplift),
    }
}

/// `max_uplift x s^shape / (s^shape + half_saturation_spend^shape)`, written as
/// `max_uplift / (1 + (half_saturation_spend / s)^shape)` so large spends do not
/// overflow; 0 at no spend.
pub fn hill_uplift(hill: &HillResponse, spend: f64) -> f64 {
    if spend <= 0.0 {
        return 0.0;
    }
    hill.max_uplift / (1.0 + (hill.half_saturation_spend / spend).powf(hill.shape))
}

/// Marketing spend per period (0 without marketing).
pub fn marketing_spend(scenario: &Scenario) -> f64 {
    scenario.marketing.as_ref().map_or(0.0, |m| m.spend)
}

/// Profit at a given volume, the other inputs held: the line the break-even
/// chart draws and the property tests check.
pub fn profit_at_units(scenario: &Scenario, units: f64) -> f64 {
    (scenario.price - scenario.unit_variable_cost) * units - scenario.fixed_cost - marketing_spend(scenario)
}

/// Rounds a break-even volume up to whole units, without letting a
/// floating-point hair above an integer (1000.0000000001) add a unit.
fn whole_units(units: f64) -> f64 {
    let nearest = units.round();
    if (units - nearest).abs() <= 1e-9 * nearest.abs().max(1.0) {
        nearest
    } else {
        units.ceil()
    }
}

/// The heart of the model: volume, revenue, costs and profit, without the
/// derived ratios and notes. Cheap (no allocation), for analyses that evaluate
/// a scenario millions of times; [`evaluate`] builds on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Core {
    pub base_demand: f64,
    pub uplift: f64,
    pub units_demanded: f64,
    pub units_sold: f64,
    pub revenue: f64,
    pub variable_cost: f64,
    pub unit_contribution: f64,
    pub contribution_margin: f64,
    pub fixed_cost_total: f64,
    pub profit: f64,
}

impl Core {
    /// `fixed_cost_total / unit_contribution`, when units contribute.
    pub fn break_even_units(&self) -> Option<f64> {
        (self.unit_contribution > 0.0).then(|| self.fixed_cost_total / self.unit_contribution)
    }
}

/// Computes the heart of the model for one scenario. Figures may be infinite
/// for absurd inputs; [`evaluate`] turns that into an error.
pub fn core(scenario: &Scenario) -> Core {
    let price = scenario.price;
    let base_demand = base_demand(scenario);
    let uplift = uplift(scenario);
    let units_demanded = base_demand * (1.0 + uplift);
    let units_sold = match scenario.capacity {
        Some(capacity) if capacity < units_demanded => capacity,
        _ => units_demanded,
    };
    let unit_contribution = price - scenario.unit_variable_cost;
    let contribution_margin = unit_contribution * units_sold;
    let fixed_cost_total = scenario.fixed_cost + marketing_spend(scenario);
    Core {
        base_demand,
        uplift,
        units_demanded,
        units_sold,
        revenue: price * units_sold,
        variable_cost: scenario.unit_variable_cost * units_sold,
        unit_contribution,
        contribution_margin,
        fixed_cost_total,
        profit: contribution_margin - fixed_cost_total,
    }
}

impl Core {
    /// Whether `evaluate` can read the plan: demand is finite. At price 0 a
    /// constant-elasticity curve demands without limit; capacity may still
    /// cap the units, but `evaluate` refuses the plan, so no analysis may
    /// answer with it either.
    pub fn readable(&self) -> bool {
        self.base_demand.is_finite()
    }

    /// The same figures with binary floating-point noise removed (see [`tidy`]).
    pub fn tidy(self) -> Core {
        Core {
            base_demand: tidy(self.base_demand),
            uplift: tidy(self.uplift),
            units_demanded: tidy(self.units_demanded),
            units_sold: tidy(self.units_sold),
            revenue: tidy(self.revenue),
            variable_cost: tidy(self.variable_cost),
            unit_contribution: tidy(self.unit_contribution),
            contribution_margin: tidy(self.contribution_margin),
            fixed_cost_total: tidy(self.fixed_cost_total),
            profit: tidy(self.profit),
        }
    }
}

/// Removes the noise binary floating point adds to decimal arithmetic.
///
/// Inputs are written in decimal, but `0.15` has no exact binary form, so
/// `2600 x 1.15` computes as 2989.9999999999995. A figure within a relative
/// 1e-13 (several hundred units in the last place, far more than a few
/// operations accumulate, far less than a cent on any sum) of a number with
/// at most 10 significant digits is taken to be that number (2990); any other
/// figure is left exactly as computed, so genuine long fractions (1/3) keep
/// every digit. Cheap (a few nanoseconds, no logarithm), because analyses
/// tidy every cell of a million-cell grid.
pub fn tidy(x: f64) -> f64 {
    let magnitude = x.abs();
    if !(1e-12..1e22).contains(&magnitude) {
        return x;
    }
    // floor(log10(magnitude)) from the binary exponent, corrected by one step.
    let binary_exponent = ((magnitude.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let mut exponent = (binary_exponent * 1233) >> 12;
    if power_of_ten(exponent + 1) <= magnitude {
        exponent += 1;
    } else if power_of_ten(exponent) > magnitude {
        exponent -= 1;
    }
    // Scale so that 10 significant digits sit before the decimal point.
    let shift = 9 - exponent;
    let rounded = if shift >= 0 {
        let power = POWERS_OF_TEN[shift as usize];
        (x * power).round() / power
    } else {
        let power = POWERS_OF_TEN[(-shift) as usize];
        (x / power).round() * power
    };
    if (rounded - x).abs() <= 1e-13 * magnitude {
        rounded
    } else {
        x
    }
}

/// 10^0 to 10^22: every power of ten a double holds exactly.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

fn power_of_ten(exponent: i32) -> f64 {
    match exponent {
        0..=22 => POWERS_OF_TEN[exponent as usize],
        -22..=-1 => 1.0 / POWERS_OF_TEN[(-exponent) as usize],
        e if e > 22 => f64::INFINITY,
        _ => 0.0,
    }
}

/// Evaluates the profit model for one scenario, the figures tidied of binary
/// floating-point noise (see [`tidy`]): what reports show.
pub fn evaluate(scenario: &Scenario) -> Result<Evaluation, ModelError> {
    evaluate_with(scenario, true)
}

/// Evaluates the model exactly as computed, without [`tidy`]. For searches
/// and root finders: tidying makes a smooth function flat within a relative
/// 1e-12 of round numbers, which would stall them.
pub fn evaluate_exact(scenario: &Scenario) -> Result<Evaluation, ModelError> {
    evaluate_with(scenario, false)
}

fn evaluate_with(scenario: &Scenario, tidied: bool) -> Result<Evaluation, ModelError> {
    let tidy = |x: f64| if tidied { tidy(x) } else { x };
    let mut notes = Vec::new();
    let mut undefined = |fields: &[&'static str], message: String| {
        notes.push(Note {
            level: NoteLevel::Undefined,
            fields: fields.to_vec(),
            message,
        });
    };

    let price = scenario.price;
    let spend = marketing_spend(scenario);
    let Core {
        base_demand: demand,
        uplift,
        units_demanded,
        units_sold,
        revenue,
        variable_cost,
        unit_contribution,
        contribution_margin,
        fixed_cost_total,
        profit,
    } = if tidied { core(scenario).tidy() } else { core(scenario) };

    let contribution_margin_ratio = if price > 0.0 {
        Some(unit_contribution / price)
    } else {
        undefined(
            &["contribution_margin_ratio"],
            "the price is 0, so contribution has no ratio to price".into(),
        );
        None
    };
    let profit_margin = if revenue > 0.0 {
        Some(profit / revenue)
    } else {
        undefined(
            &["profit_margin"],
            "revenue is 0 (no units sold or a price of 0), so profit has no ratio to it".into(),
        );
        None
    };

    let break_even_units = if unit_contribution > 0.0 {
        Some(fixed_cost_total / unit_contribution)
    } else {
        let why = if unit_contribution < 0.0 {
            "the price is below the unit variable cost: every unit sold loses money, so no volume breaks even"
        } else if fixed_cost_total > 0.0 {
            "the price equals the unit variable cost: units contribute nothing, so fixed costs are never covered"
        } else {
            "the price equals the unit variable cost and there are no fixed costs: profit is 0 at every volume"
        };
        undefined(
            &[
                "break_even_units",
                "break_even_units_whole",
                "break_even_revenue",
                "margin_of_safety_units",
                "margin_of_safety_ratio",
            ],
            why.into(),
        );
        None
    };
    let break_even_units_whole = break_even_units.map(whole_units);
    let break_even_revenue = break_even_units.map(|q| q * price);
    let margin_of_safety_units = break_even_units.map(|q| units_sold - q);
    let margin_of_safety_ratio = match margin_of_safety_units {
        Some(_) if units_sold <= 0.0 => {
            undefined(
                &["margin_of_safety_ratio"],
                "no units are sold, so the margin of safety has no ratio to sales".into(),
            );
            None
        }
        Some(m) => Some(m / units_sold),
        None => None,
    };
    let operating_leverage = if profit != 0.0 {
        Some(contribution_margin / profit)
    } else {
        undefined(
            &["operating_leverage"],
            "profit is exactly 0, so operating leverage (contribution margin / profit) is unbounded".into(),
        );
        None
    };

    let target_profit_units = match scenario.target_profit {
        None => None,
        Some(target) if unit_contribution > 0.0 => Some(((fixed_cost_total + target) / unit_contribution).max(0.0)),
        Some(_) => {
            undefined(
                &["target_profit_units"],
                "units do not contribute (price <= unit variable cost), so no volume reaches the target profit".into(),
            );
            None
        }
    };

    let (incremental_units, incremental_contribution, return_on_spend, break_even_uplift) = match &scenario.marketing {
        None => (None, None, None, None),
        Some(_) => {
            let without = match scenario.capacity {
                Some(capacity) => demand.min(capacity),
                None => demand,
            };
            let incremental_units = units_sold - without;
            let incremental_contribution = incremental_units * unit_contribution;
            let return_on_spend = if spend > 0.0 {
                Some((incremental_contribution - spend) / spend)
            } else {
                undefined(
                    &["marketing_return_on_spend"],
                    "there is no marketing spend, so there is no return on it to measure".into(),
                );
                None
            };
            let break_even_uplift = if spend == 0.0 {
                Some(0.0)
            } else if unit_contribution <= 0.0 {
                undefined(
                    &["marketing_break_even_uplift"],
                    "units do not contribute (price <= unit variable cost), so no uplift pays for the spend".into(),
                );
                None
            } else if demand <= 0.0 {
                undefined(
                    &["marketing_break_even_uplift"],
                    "base demand is 0, so no fractional uplift adds a unit".into(),
                );
                None
            } else {
                let needed_units = spend / unit_contribution;
                let room = scenario.capacity.map_or(f64::INFINITY, |c| (c - without).max(0.0));
                if needed_units <= room {
                    Some(needed_units / demand)
                } else {
                    undefined(
                        &["marketing_break_even_uplift"],
                        format!(
                            "capacity leaves room for {} extra units, but the spend needs {} to pay for itself",
                            plain(room),
                            plain(needed_units)
                        ),
                    );
                    None
                }
            };
            (
                Some(incremental_units),
                Some(incremental_contribution),
                return_on_spend,
                break_even_uplift,
            )
        }
    };

    let results = Results {
        base_demand: demand,
        uplift,
        units_demanded,
        units_sold,
        revenue,
        variable_cost,
        unit_contribution,
        contribution_margin,
        contribution_margin_ratio,
        fixed_cost_total,
        profit,
        profit_margin,
        break_even_units,
        break_even_units_whole,
        break_even_revenue,
        margin_of_safety_units,
        margin_of_safety_ratio,
        operating_leverage,
        target_profit_units,
        marketing_incremental_units: incremental_units,
        marketing_incremental_contribution: incremental_contribution,
        marketing_return_on_spend: return_on_spend,
        marketing_break_even_uplift: break_even_uplift,
    };

    let tidy_opt = |v: Option<f64>| v.map(tidy);
    let results = Results {
        contribution_margin_ratio: tidy_opt(results.contribution_margin_ratio),
        profit_margin: tidy_opt(results.profit_margin),
        break_even_units: tidy_opt(results.break_even_units),
        break_even_units_whole: results.break_even_units_whole,
        break_even_revenue: tidy_opt(results.break_even_revenue),
        margin_of_safety_units: tidy_opt(results.margin_of_safety_units),
        margin_of_safety_ratio: tidy_opt(results.margin_of_safety_ratio),
        operating_leverage: tidy_opt(results.operating_leverage),
        target_profit_units: tidy_opt(results.target_profit_units),
        marketing_incremental_units: tidy_opt(results.marketing_incremental_units),
        marketing_incremental_contribution: tidy_opt(results.marketing_incremental_contribution),
        marketing_return_on_spend: tidy_opt(results.marketing_return_on_spend),
        marketing_break_even_uplift: tidy_opt(results.marketing_break_even_uplift),
        ..results
    };
    for spec in FIELDS {
        if let Some(v) = (spec.get)(&results)
            && !v.is_finite()
        {
            if let Some(c) = &scenario.demand_curve
                && c.kind == CurveKind::ConstantElasticity
                && c.elasticity < 0.0
                && scenario.price == 0.0
            {
                return Err(ModelError::InfiniteDemandAtZeroPrice {
                    elasticity: c.elasticity,
                });
            }
            return Err(ModelError::Overflow { field: spec.name });
        }
    }

    notes.extend(warnings(scenario, &results));
    Ok(Evaluation { results, notes })
}

/// Conditions a planner must see, even though every figure is defined.
fn warnings(scenario: &Scenario, r: &Results) -> Vec<Note> {
    let mut notes = Vec::new();
    let mut warn = |fields: &[&'static str], message: String| {
        notes.push(Note {
            level: NoteLevel::Warning,
            fields: fields.to_vec(),
            message,
        });
    };
    if r.profit < 0.0 {
        warn(
            &["profit"],
            format!("the plan makes a loss of {} per period", plain(-r.profit)),
        );
    }
    if let Some(capacity) = scenario.capacity {
        if r.units_demanded > capacity {
            warn(
                &["units_sold"],
                format!(
                    "demand of {} units is capped by capacity at {} units; {} units go unserved",
                    plain(r.units_demanded),
                    plain(capacity),
                    plain(r.units_demanded - capacity)
                ),
            );
        }
        if let Some(q) = r.break_even_units.filter(|q| *q > capacity) {
            warn(
                &["break_even_units"],
                format!(
                    "break-even needs {} units but capacity is {}: no volume within capacity makes a profit",
                    plain(q),
                    plain(capacity)
                ),
            );
        }
        if let Some(q) = r.target_profit_units.filter(|q| *q > capacity) {
            warn(
                &["target_profit_units"],
                format!(
                    "the target profit needs {} units but capacity is {}: the target is out of reach",
                    plain(q),
                    plain(capacity)
                ),
            );
        }
    }
    if let (Some(m), Some(extra)) = (&scenario.marketing, r.marketing_incremental_contribution)
        && m.spend > 0.0
        && extra < m.spend
    {
        warn(
            &["marketing_return_on_spend"],
            format!(
                "the campaign's extra contribution ({}) does not cover its spend ({})",
                plain(extra),
                plain(m.spend)
            ),
        );
    }
    notes
}

/// A number for a sentence: whole numbers without decimals, others to 4 significant places.
fn plain(v: f64) -> String {
    let text = if v == v.round() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() < 1e15 {
        format!("{v:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        return format!("{v:.4e}");
    };
    // Thousands separators in the whole part, as people write amounts.
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |d| ("-", d));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::with_capacity(text.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::scenario::Marketing;

    /// The seed case: price 100, unit variable cost 50, fixed cost 50,000, demand 10,000.
    pub(crate) fn seed() -> Scenario {
        Scenario {
            name: "seed".into(),
            currency: Some("CNY".into()),
            period: Some("month".into()),
            price: 100.0,
            unit_variable_cost: 50.0,
            fixed_cost: 50_000.0,
            demand: 10_000.0,
            capacity: None,
            target_profit: None,
            marketing: None,
            demand_curve: None,
            marketing_response: None,
        }
    }

    fn undefined_fields(e: &Evaluation) -> Vec<&'static str> {
        e.notes
            .iter()
            .filter(|n| n.level == NoteLevel::Undefined)
            .flat_map(|n| n.fields.clone())
            .collect()
    }

    #[test]
    fn seed_case_profit_is_450_000_not_the_articles_50_000() {
        let r = evaluate(&seed()).unwrap().results;
        // 100 x 10,000 = 1,000,000 revenue; 50 x 10,000 = 500,000 variable cost.
        assert_eq!(r.revenue, 1_000_000.0);
        assert_eq!(r.variable_cost, 500_000.0);
        assert_eq!(r.unit_contribution, 50.0);
        assert_eq!(r.contribution_margin, 500_000.0);
        assert_eq!(r.contribution_margin_ratio, Some(0.5));
        assert_eq!(r.fixed_cost_total, 50_000.0);
        // 1,000,000 - 50,000 - 500,000 = 450,000.
        assert_eq!(r.profit, 450_000.0);
        assert_eq!(r.profit_margin, Some(0.45));
        // 50,000 / (100 - 50) = 1,000 units; 1,000 x 100 = 100,000 revenue.
        assert_eq!(r.break_even_units, Some(1_000.0));
        assert_eq!(r.break_even_units_whole, Some(1_000.0));
        assert_eq!(r.break_even_revenue, Some(100_000.0));
        // 10,000 - 1,000 = 9,000 units; 9,000 / 10,000 = 0.9.
        assert_eq!(r.margin_of_safety_units, Some(9_000.0));
        assert_eq!(r.margin_of_safety_ratio, Some(0.9));
        // 500,000 / 450,000 = 10/9.
        assert_eq!(r.operating_leverage, Some(500_000.0 / 450_000.0));
        assert_eq!(r.target_profit_units, None);
        assert_eq!(r.marketing_incremental_units, None);
    }

    #[test]
    fn seed_campaign_with_half_uplift_and_no_spend_earns_700_000() {
        let mut s = seed();
        s.marketing = Some(Marketing {
            spend: 0.0,
            uplift: 0.5,
        });
        let e = evaluate(&s).unwrap();
        let r = e.results;
        // 10,000 x 1.5 = 15,000 units; 100 x 15,000 - 50,000 - 50 x 15,000 = 700,000.
        assert_eq!(r.units_sold, 15_000.0);
        assert_eq!(r.profit, 700_000.0);
        assert_eq!(r.marketing_incremental_units, Some(5_000.0));
        assert_eq!(r.marketing_incremental_contribution, Some(250_000.0));
        assert_eq!(r.marketing_return_on_spend, None);
        assert_eq!(r.marketing_break_even_uplift, Some(0.0));
        assert_eq!(
            undefined_fields(&evaluate(&s).unwrap()),
            vec!["marketing_return_on_spend"]
        );
    }

    #[test]
    fn campaign_spend_counts_as_fixed_cost_and_has_a_return() {
        let mut s = seed();
        s.marketing = Some(Marketing {
            spend: 100_000.0,
            uplift: 0.5,
        });
        let r = evaluate(&s).unwrap().results;
        // fixed 50,000 + spend 100,000 = 150,000; profit 50 x 15,000 - 150,000 = 600,000.
        assert_eq!(r.fixed_cost_total, 150_000.0);
        assert_eq!(r.profit, 600_000.0);
        // 5,000 extra units x 50 = 250,000; (250,000 - 100,000) / 100,000 = 1.5.
        assert_eq!(r.marketing_return_on_spend, Some(1.5));
        // 100,000 / (10,000 x 50) = 0.2.
        assert_eq!(r.marketing_break_even_uplift, Some(0.2));
        // 150,000 / 50 = 3,000 units.
        assert_eq!(r.break_even_units, Some(3_000.0));
    }

    #[test]
    fn published_example_breaks_even_at_1700_units() {
        // Price 90, unit variable cost 40, fixed cost 85,000: 85,000 / 50 = 1,700.
        let mut s = seed();
        s.price = 90.0;
        s.unit_variable_cost = 40.0;
        s.fixed_cost = 85_000.0;
        s.demand = 2_000.0;
        let r = evaluate(&s).unwrap().results;
        assert_eq!(r.break_even_units, Some(1_700.0));
        assert_eq!(r.break_even_revenue, Some(153_000.0));
        // 50 x 2,000 - 85,000 = 15,000 profit; leverage 100,000 / 15,000 = 6.667;
        // margin of safety (2,000 - 1,700) / 2,000 = 0.15 = 1 / leverage.
        assert_eq!(r.profit, 15_000.0);
        assert!((r.margin_of_safety_ratio.unwrap() - 0.15).abs() < 1e-15);
        assert!((r.margin_of_safety_ratio.unwrap() - 1.0 / r.operating_leverage.unwrap()).abs() < 1e-15);
    }

    #[test]
    fn target_profit_units_worked_example() {
        // Fixed cost 50,000, unit cost 10, price 30, target 20,000: 70,000 / 20 = 3,500 units.
        let mut s = seed();
        s.price = 30.0;
        s.unit_variable_cost = 10.0;
        s.target_profit = Some(20_000.0);
        assert_eq!(evaluate(&s).unwrap().results.target_profit_units, Some(3_500.0));
    }

    #[test]
    fn no_break_even_when_price_is_below_unit_cost() {
        let mut s = seed();
        s.price = 40.0;
        let e = evaluate(&s).unwrap();
        assert_eq!(e.results.break_even_units, None);
        assert_eq!(e.results.break_even_units_whole, None);
        assert_eq!(e.results.margin_of_safety_ratio, None);
        // (40 - 50) x 10,000 - 50,000 = -150,000.
        assert_eq!(e.results.profit, -150_000.0);
        let note = e.notes.iter().find(|n| n.fields.contains(&"break_even_units")).unwrap();
        assert!(note.message.contains("below the unit variable cost"));
        assert!(
            e.notes
                .iter()
                .any(|n| n.level == NoteLevel::Warning && n.message.contains("loss of 150,000"))
        );
    }

    #[test]
    fn price_equal_to_unit_cost_explains_itself_with_and_without_fixed_cost() {
        let mut s = seed();
        s.price = 50.0;
        let e = evaluate(&s).unwrap();
        assert!(e.notes[0].message.contains("never covered"));
        s.fixed_cost = 0.0;
        let e = evaluate(&s).unwrap();
        assert!(
            e.notes
                .iter()
                .any(|n| n.message.contains("profit is 0 at every volume"))
        );
        assert_eq!(e.results.operating_leverage, None);
    }

    #[test]
    fn zero_price_leaves_ratios_undefined_without_nan() {
        let mut s = seed();
        s.price = 0.0;
        s.unit_variable_cost = 0.0;
        let e = evaluate(&s).unwrap();
        assert_eq!(e.results.contribution_margin_ratio, None);
        assert_eq!(e.results.profit_margin, None);
        assert_eq!(e.results.profit, -50_000.0);
        for spec in FIELDS {
            if let Some(v) = (spec.get)(&e.results) {
                assert!(v.is_finite(), "{} = {v}", spec.name);
            }
        }
    }

    #[test]
    fn leverage_is_undefined_at_exactly_zero_profit() {
        let mut s = seed();
        s.demand = 1_000.0;
        let e = evaluate(&s).unwrap();
        assert_eq!(e.results.profit, 0.0);
        assert_eq!(e.results.operating_leverage, None);
        assert_eq!(e.results.margin_of_safety_ratio, Some(0.0));
    }

    #[test]
    fn zero_demand_has_no_safety_ratio() {
        let mut s = seed();
        s.demand = 0.0;
        let e = evaluate(&s).unwrap();
        assert_eq!(e.results.margin_of_safety_ratio, None);
        assert_eq!(e.results.margin_of_safety_units, Some(-1_000.0));
    }

    #[test]
    fn capacity_caps_units_and_warns() {
        let mut s = seed();
        s.capacity = Some(8_000.0);
        let e = evaluate(&s).unwrap();
        // 50 x 8,000 - 50,000 = 350,000.
        assert_eq!(e.results.units_sold, 8_000.0);
        assert_eq!(e.results.profit, 350_000.0);
        assert!(e.notes.iter().any(|n| n.message.contains("2,000 units go unserved")));
    }

    #[test]
    fn break_even_above_capacity_warns() {
        let mut s = seed();
        s.capacity = Some(500.0);
        let e = evaluate(&s).unwrap();
        assert!(
            e.notes
                .iter()
                .any(|n| n.message.contains("break-even needs 1,000 units but capacity is 500"))
        );
    }

    #[test]
    fn campaign_cannot_pay_off_when_capacity_leaves_no_room() {
        let mut s = seed();
        s.capacity = Some(10_500.0);
        s.marketing = Some(Marketing {
            spend: 50_000.0,
            uplift: 0.5,
        });
        let r = evaluate(&s).unwrap().results;
        // 500 extra units x 50 = 25,000 < 50,000 spend: the needed 1,000 units do not fit.
        assert_eq!(r.marketing_incremental_units, Some(500.0));
        assert_eq!(r.marketing_break_even_uplift, None);
        // (25,000 - 50,000) / 50,000 = -0.5.
        assert_eq!(r.marketing_return_on_spend, Some(-0.5));
    }

    #[test]
    fn tidy_removes_binary_noise_but_keeps_genuine_fractions() {
        // 2600 x 1.15 in binary floating point.
        assert_eq!(tidy(2600.0 * (1.0 + 0.15)), 2990.0);
        assert_eq!(tidy(0.1 + 0.2), 0.3);
        assert_eq!(tidy(6619.999999999985), 6620.0);
        assert_eq!(tidy(-6619.999999999985), -6620.0);
        assert_eq!(tidy(1.0 / 3.0), 1.0 / 3.0);
        assert_eq!(tidy(10.0 / 9.0), 10.0 / 9.0);
        assert_eq!(tidy(123_456_789_012.0), 123_456_789_012.0);
        assert_eq!(tidy(1e-300), 1e-300);
        assert_eq!(tidy(0.0), 0.0);
        // A figure whose own digits run past the 13th place is left alone.
        assert_eq!(tidy(-5_252_708.573_004_091), -5_252_708.573_004_091);
        assert_eq!(tidy(0.45), 0.45);
        assert_eq!(tidy(9_999_999_999.999_998), 10_000_000_000.0);
        assert_eq!(tidy(1e21 + 1e9), 1e21 + 1e9);
    }

    proptest::proptest! {
        /// Tidying moves a figure by at most a relative 1e-13, and leaves a
        /// number with at most 10 significant digits exactly as it is.
        #[test]
        fn tidy_moves_figures_by_at_most_a_relative_1e_13(x in -1e15..1e15f64, digits in 1u32..10, scale in -6i32..6) {
            let t = tidy(x);
            proptest::prop_assert!((t - x).abs() <= 1e-13 * x.abs());
            let short = (x / 10f64.powi(15 - digits as i32)).round() * 10f64.powi(scale);
            let short: f64 = format!("{short:.6e}").parse().unwrap();
            proptest::prop_assert_eq!(tidy(short), short);
        }
    }

    #[test]
    fn subscription_figures_come_out_to_the_cent() {
        // 2,600 seats x 1.15 = 2,990 seats; (49 - 11) x 2,990 = 113,620;
        // 113,620 - 95,000 - 12,000 = 6,620; revenue 49 x 2,990 = 146,510.
        let mut s = seed();
        s.price = 49.0;
        s.unit_variable_cost = 11.0;
        s.fixed_cost = 95_000.0;
        s.demand = 2_600.0;
        s.marketing = Some(Marketing {
            spend: 12_000.0,
            uplift: 0.15,
        });
        let r = evaluate(&s).unwrap().results;
        assert_eq!(r.units_sold, 2_990.0);
        assert_eq!(r.revenue, 146_510.0);
        assert_eq!(r.profit, 6_620.0);
        // 390 extra seats x 38 = 14,820.
        assert_eq!(r.marketing_incremental_units, Some(390.0));
        assert_eq!(r.marketing_incremental_contribution, Some(14_820.0));
        // (14,820 - 12,000) / 12,000 = 0.235.
        assert_eq!(r.marketing_return_on_spend, Some(0.235));
    }

    #[test]
    fn whole_units_ignores_floating_point_hairs() {
        assert_eq!(whole_units(1000.0000000001), 1000.0);
        assert_eq!(whole_units(1000.2), 1001.0);
        assert_eq!(whole_units(0.0), 0.0);
        // 100,000 / 30 = 3,333.33 -> 3,334 units.
        assert_eq!(whole_units(100_000.0 / 30.0), 3_334.0);
    }

    #[test]
    fn huge_inputs_are_an_overflow_error_not_inf() {
        let mut s = seed();
        s.price = 1e300;
        s.demand = 1e300;
        assert!(matches!(
            evaluate(&s),
            Err(ModelError::Overflow { field: "units_sold" } | ModelError::Overflow { .. })
        ));
    }

    /// Regression: price 0 on a constant-elasticity curve was reported as an
    /// overflow ("check the magnitudes"), which does not say what is wrong.
    #[test]
    fn price_zero_on_a_constant_elasticity_curve_says_demand_is_infinite() {
        let s = crate::ScenarioFile::parse(
            "price = 0\nunit_variable_cost = 0\nfixed_cost = 1\ndemand = 100\n\
             [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\nreference_price = 5\n",
            "zero.toml",
        )
        .unwrap()
        .base()
        .unwrap();
        let e = evaluate(&s).unwrap_err();
        assert_eq!(e, ModelError::InfiniteDemandAtZeroPrice { elasticity: -2.0 });
        assert!(e.to_string().contains("set a price above 0"));
    }

    #[test]
    fn constant_elasticity_moves_demand_along_the_curve() {
        let mut s = seed();
        s.demand_curve = Some(DemandCurve {
            kind: CurveKind::ConstantElasticity,
            elasticity: -2.0,
            reference_price: 100.0,
        });
        // At the reference price demand is the file's: the model is as without a curve.
        assert_eq!(evaluate(&s).unwrap().results.profit, 450_000.0);
        // Price 200: 10,000 x (200 / 100)^-2 = 2,500 units; 150 x 2,500 - 50,000 = 325,000.
        s.price = 200.0;
        let r = evaluate(&s).unwrap().results;
        assert_eq!(r.base_demand, 2_500.0);
        assert_eq!(r.profit, 325_000.0);
    }

    #[test]
    fn linear_demand_has_the_given_elasticity_and_never_goes_below_zero() {
        let mut s = seed();
        s.demand_curve = Some(DemandCurve {
            kind: CurveKind::Linear,
            elasticity: -2.0,
            reference_price: 100.0,
        });
        // Q = 10,000 x (1 - 2 (p - 100) / 100): at 120, 10,000 x 0.6 = 6,000.
        s.price = 120.0;
        assert!((base_demand(&s) - 6_000.0).abs() < 1e-9);
        // The line reaches 0 at 150; above it, demand stays 0.
        s.price = 170.0;
        assert_eq!(base_demand(&s), 0.0);
    }

    #[test]
    fn hill_uplift_is_half_the_maximum_at_the_half_saturation_spend() {
        let mut s = seed();
        s.marketing = Some(Marketing {
            spend: 15_000.0,
            uplift: 0.0,
        });
        s.marketing_response = Some(HillResponse {
            max_uplift: 0.8,
            half_saturation_spend: 15_000.0,
            shape: 2.0,
        });
        // 0.8 x 15,000^2 / (15,000^2 + 15,000^2) = 0.4: 14,000 units.
        let r = evaluate(&s).unwrap().results;
        assert!((r.uplift - 0.4).abs() < 1e-15);
        assert!((r.units_sold - 14_000.0).abs() < 1e-9);
        // Spend 30,000, shape 2: 0.8 x 4 / 5 = 0.64.
        s.marketing.as_mut().unwrap().spend = 30_000.0;
        assert!((uplift(&s) - 0.64).abs() < 1e-15);
        // No spend, no uplift.
        s.marketing.as_mut().unwrap().spend = 0.0;
        assert_eq!(uplift(&s), 0.0);
    }

    #[test]
    fn every_field_is_serialised_under_its_spec_name() {
        let r = evaluate(&seed()).unwrap().results;
        let json = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        let mut sorted_names = names.clone();
        sorted_names.sort();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        assert_eq!(sorted_keys, sorted_names);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn scenario() -> impl Strategy<Value = Scenario> {
            (0.01..1e4f64, 0.0..1e4f64, 0.0..1e7f64, 0.0..1e6f64, 0.0..2.0f64).prop_map(
                |(price, unit_variable_cost, fixed_cost, demand, uplift)| Scenario {
                    price,
                    unit_variable_cost,
                    fixed_cost,
                    demand,
                    marketing: Some(Marketing { spend: 0.0, uplift }),
                    ..seed()
                },
            )
        }

        proptest! {
            #[test]
            fn profit_at_break_even_volume_is_zero(s in scenario()) {
                let r = evaluate(&s).unwrap().results;
                if let Some(q) = r.break_even_units {
                    let p = profit_at_units(&s, q);
                    prop_assert!(p.abs() <= 1e-9 * r.fixed_cost_total.max(1.0), "profit {p} at {q}");
                } else {
                    prop_assert!(s.price <= s.unit_variable_cost);
                }
            }

            #[test]
            fn profit_is_linear_in_price_and_fixed_cost(s in scenario(), dp in -10.0..10.0f64, df in -1e4..1e4f64) {
                let base = evaluate(&s).unwrap().results;
                let mut moved = s.clone();
                moved.price += dp;
                moved.fixed_cost += df;
                let r = evaluate(&moved).unwrap().results;
                let expected = base.profit + dp * base.units_sold - df;
                prop_assert!((r.profit - expected).abs() <= 1e-9 * base.revenue.abs().max(1e4));
            }

            #[test]
            fn margin_of_safety_ratio_is_the_inverse_of_leverage(s in scenario()) {
                let r = evaluate(&s).unwrap().results;
                if let (Some(m), Some(l)) = (r.margin_of_safety_ratio, r.operating_leverage) {
                    prop_assert!((m * l - 1.0).abs() < 1e-6, "{m} x {l}");
                }
            }

            #[test]
            fn every_figure_is_finite(s in scenario()) {
                let r = evaluate(&s).unwrap().results;
                for spec in FIELDS {
                    if let Some(v) = (spec.get)(&r) {
                        prop_assert!(v.is_finite());
                    }
                }
            }
        }
    }
}
