//! What changed between two plans, and why.
//!
//! [`diff`] compares two scenarios the way `git diff` compares two files: the
//! inputs that differ, every result field before and after, and the **profit
//! bridge**, which splits the change in profit into one part per changed
//! input. The parts are Shapley values: each input's part is the average of
//! its effect on profit over every order in which the changes could be
//! applied, so the parts add up to the total change and do not depend on an
//! order. With `k` changed inputs that takes `2^k` evaluations of the model
//! ([`crate::core`]); nothing assumes profit is linear in an input, so demand
//! that responds to price is bridged correctly.
//!
//! ```
//! use plan::{ScenarioFile, diff::diff};
//!
//! let seed = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";
//! let a = ScenarioFile::parse(seed, "a.toml")?.base()?;
//! let b = ScenarioFile::parse(&format!("{seed}[marketing]\nuplift = 0.5\n"), "b.toml")?.base()?;
//! let d = diff(&a, &b)?;
//! // 50 x 15,000 - 50,000 = 700,000 against 450,000: all of it the uplift's.
//! assert_eq!(d.bridge.total, 250_000.0);
//! assert_eq!(d.bridge.parts[0].input, "marketing.uplift");
//! assert_eq!(d.bridge.parts[0].contribution, 250_000.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

use crate::input::Input;
use crate::model::{FIELDS, FieldKind, ModelError, Results, core, evaluate};
use crate::scenario::Scenario;

/// The most changed inputs the bridge splits profit over. The bridge takes
/// `2^k` evaluations of the model; 16 inputs would be 65,536 evaluations,
/// still well under a second, and the model has only 7 inputs today. The cap
/// keeps a future model with many inputs from silently taking hours.
pub const MAX_BRIDGE_INPUTS: usize = 16;

/// Why two plans cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiffError {
    /// One of the two plans cannot be evaluated.
    #[error("cannot evaluate the {which} plan")]
    Model {
        which: &'static str,
        #[source]
        source: ModelError,
    },
    /// A mix of the two plans' inputs has no finite profit.
    #[error(
        "the profit bridge overflows when {inputs} take the new plan's values and the rest keep the old; the inputs are too large to bridge"
    )]
    BridgeOverflow { inputs: String },
    /// A mix of the two plans has infinite demand (price 0 from one plan on
    /// the other's constant-elasticity curve), which the model cannot read.
    #[error(
        "the profit bridge cannot split this change: when {inputs} take the new plan's values and the rest keep the old, demand is infinite (a price of 0 on a constant-elasticity curve); compare the plans with `plan compare` instead"
    )]
    BridgeUnreadable { inputs: String },
    /// More inputs changed than the bridge splits over.
    #[error(
        "{changed} inputs changed, more than the {max} the profit bridge splits over (it needs 2^k evaluations of the model)"
    )]
    TooManyInputs { changed: usize, max: usize },
}

/// A change in one numeric input (or `target_profit`, which is not a model input
/// but is part of the plan).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputChange {
    /// The input's path in the scenario file (`price`, `marketing.uplift`).
    pub input: &'static str,
    /// The value in the old plan; `None` where not set (no capacity limit).
    pub old: Option<f64>,
    pub new: Option<f64>,
    /// `new - old`, when both are set.
    pub change: Option<f64>,
    /// `(new - old) / |old| x 100`, when both are set and `old` is not 0.
    pub percent_change: Option<f64>,
    /// Whether the value differs (set <-> unset is a change).
    pub changed: bool,
}

/// A change in a text setting (`currency`, `period`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingChange {
    pub setting: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
    pub changed: bool,
}

/// One result field in both plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field's name, as in [`FIELDS`].
    pub field: &'static str,
    pub kind: FieldKind,
    /// The figure in the old plan; `None` where it is undefined.
    pub old: Option<f64>,
    pub new: Option<f64>,
    /// `new - old`, when both are defined.
    pub change: Option<f64>,
    /// `(new - old) / |old| x 100`, when both are defined and `old` is not 0.
    pub percent_change: Option<f64>,
    /// Whether the figure differs: a different number, or defined in one plan
    /// and undefined in the other ("none -> 1,000 units").
    pub changed: bool,
}

/// One changed input's part of the change in profit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BridgePart {
    /// The input's path in the scenario file.
    pub input: &'static str,
    pub old: Option<f64>,
    pub new: Option<f64>,
    /// The input's Shapley value: its average effect on profit over every
    /// order of applying the changes.
    pub contribution: f64,
}

/// The change in profit split by changed input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bridge {
    /// Profit in the old plan.
    pub old: f64,
    /// Profit in the new plan.
    pub new: f64,
    /// `new - old`; the parts add up to it.
    pub total: f64,
    /// One part per changed model input, in the order of [`Input::ALL`], then
    /// `marketing.response` (a fixed uplift swapped for a Hill response, or
    /// back) and `demand_curve` (a curve added, removed, or given another
    /// kind or reference price), each taken whole with its parameters.
    pub parts: Vec<BridgePart>,
    /// How many times the model was evaluated (`2^k` for `k` parts).
    pub evaluations: usize,
}

/// Everything that differs between two plans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The numeric inputs that differ, in file order.
    pub inputs: Vec<InputChange>,
    /// `currency` and `period`, changed or not.
    pub settings: Vec<SettingChange>,
    /// Every result field, in [`FIELDS`] order.
    pub fields: Vec<FieldChange>,
    pub bridge: Bridge,
}

impl Diff {
    /// Whether any result differs: a figure, or the currency or period the
    /// figures are stated in. What `plan diff --exit-code` reports.
    pub fn results_differ(&self) -> bool {
        self.fields.iter().any(|f| f.changed)
            || self
                .settings
                .iter()
                .any(|s| s.changed && matches!(s.setting, "currency" | "period"))
    }
}

/// `(new - old) / |old| x 100`; undefined when `old` is 0 or a side is missing.
/// Dividing by `|old|` keeps the sign of the change: a loss of 100 becoming a
/// profit of 50 is +150%.
pub fn percent_change(old: Option<f64>, new: Option<f64>) -> Option<f64> {
    match (old, new) {
        (Some(a), Some(b)) if a != 0.0 => Some(crate::model::tidy((b - a) / a.abs() * 100.0)),
        _ => None,
    }
}

fn change(old: Option<f64>, new: Option<f64>) -> Option<f64> {
    Some(crate::model::tidy(new? - old?))
}

/// The plan's numeric inputs by name: every model input, the demand curve's
/// reference price (which shapes the curve but is not an input the analyses
/// vary), then `target_profit`.
pub fn input_values(s: &Scenario) -> Vec<(&'static str, Option<f64>)> {
    let mut values: Vec<(&'static str, Option<f64>)> = Input::ALL.iter().map(|i| (i.name(), i.get(s))).collect();
    values.push((
        "demand_curve.reference_price",
        s.demand_curve.as_ref().map(|c| c.reference_price),
    ));
    values.push(("target_profit", s.target_profit));
    values
}

/// Every numeric input of two plans, changed or not.
pub fn input_changes(old: &Scenario, new: &Scenario) -> Vec<InputChange> {
    input_values(old)
        .into_iter()
        .zip(input_values(new))
        .map(|((input, a), (_, b))| InputChange {
            input,
            old: a,
            new: b,
            change: change(a, b),
            percent_change: percent_change(a, b),
            changed: a != b,
        })
        .collect()
}

/// Every result field of two evaluations, changed or not.
pub fn field_changes(old: &Results, new: &Results) -> Vec<FieldChange> {
    FIELDS
        .iter()
        .map(|spec| {
            let (a, b) = ((spec.get)(old), (spec.get)(new));
            FieldChange {
                field: spec.name,
                kind: spec.kind,
                old: a,
                new: b,
                change: change(a, b),
                percent_change: percent_change(a, b),
                changed: a != b,
            }
        })
        .collect()
}

/// `currency` and `period`; `demand_curve.kind` where either plan has a
/// demand curve and `marketing.response` where either has a Hill response.
fn setting_changes(old: &Scenario, new: &Scenario) -> Vec<SettingChange> {
    let kind = |s: &Scenario| s.demand_curve.as_ref().map(|c| c.kind.name().to_string());
    let response = |s: &Scenario| match (&s.marketing_response, &s.marketing) {
        (Some(_), _) => Some("hill".to_string()),
        (None, Some(_)) => Some("fixed uplift".to_string()),
        (None, None) => None,
    };
    let mut settings = vec![
        ("currency", old.currency.clone(), new.currency.clone()),
        ("period", old.period.clone(), new.period.clone()),
    ];
    if old.demand_curve.is_some() || new.demand_curve.is_some() {
        settings.push(("demand_curve.kind", kind(old), kind(new)));
    }
    if old.marketing_response.is_some() || new.marketing_response.is_some() {
        settings.push(("marketing.response", response(old), response(new)));
    }
    settings
        .into_iter()
        .map(|(setting, a, b)| SettingChange {
            changed: a != b,
            setting,
            old: a,
            new: b,
        })
        .collect()
}

/// Compares two plans: inputs, results and the profit bridge.
pub fn diff(old: &Scenario, new: &Scenario) -> Result<Diff, DiffError> {
    let a = evaluate(old).map_err(|source| DiffError::Model { which: "old", source })?;
    let b = evaluate(new).map_err(|source| DiffError::Model { which: "new", source })?;
    Ok(Diff {
        inputs: input_changes(old, new).into_iter().filter(|c| c.changed).collect(),
        settings: setting_changes(old, new),
        fields: field_changes(&a.results, &b.results),
        bridge: bridge(old, new)?,
    })
}

/// One thing the bridge splits profit over: a numeric input whose value
/// differs while the plan's structure around it stays, or a part of the
/// structure itself (a demand curve added, removed or reshaped; a fixed uplift
/// swapped for a saturating response), taken whole with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Factor {
    Input(Input),
    /// `[demand_curve]` as a whole: kind, elasticity and reference price.
    DemandCurve,
    /// How marketing buys uplift: a fixed `marketing.uplift` or a Hill response.
    MarketingResponse,
}

impl Factor {
    fn name(self) -> &'static str {
        match self {
            Factor::Input(i) => i.name(),
            Factor::DemandCurve => "demand_curve",
            Factor::MarketingResponse => "marketing.response",
        }
    }

    /// Sets this factor in `to` to its value in `from`.
    fn take(self, to: &mut Scenario, from: &Scenario) {
        match self {
            Factor::Input(Input::Capacity) => to.capacity = from.capacity,
            Factor::Input(input) => {
                if let Some(v) = input.get(from) {
                    input.set(to, v)
                }
            }
            Factor::DemandCurve => to.demand_curve = from.demand_curve.clone(),
            Factor::MarketingResponse => {
                to.marketing_response = from.marketing_response.clone();
                let uplift = from.marketing.as_ref().map_or(0.0, |m| m.uplift);
                match &mut to.marketing {
                    Some(m) => m.uplift = uplift,
                    None if uplift != 0.0 => to.marketing = Some(crate::scenario::Marketing { spend: 0.0, uplift }),
                    None => {}
                }
            }
        }
    }
}

/// The demand curve's shape: everything about it but the elasticity.
fn curve_shape(s: &Scenario) -> Option<(crate::scenario::CurveKind, f64)> {
    s.demand_curve.as_ref().map(|c| (c.kind, c.reference_price))
}

/// What differs between two plans, as the bridge splits it. A reshaped
/// demand curve or a swapped marketing response is one factor that takes the
/// parameters inside it along (an elasticity has no meaning apart from its
/// curve), so every mix of the two plans is a plan the model can evaluate and
/// the mix of every factor is exactly the new plan.
fn factors(old: &Scenario, new: &Scenario) -> Vec<Factor> {
    let curve = curve_shape(old) != curve_shape(new);
    let response = old.marketing_response.is_some() != new.marketing_response.is_some();
    let mut factors: Vec<Factor> = Input::ALL
        .iter()
        .copied()
        .filter(|i| i.get(old) != i.get(new))
        .filter(|i| !(curve && *i == Input::DemandElasticity))
        .filter(|i| {
            !(response
                && matches!(
                    i,
                    Input::MarketingUplift
                        | Input::MarketingMaxUplift
                        | Input::MarketingHalfSaturationSpend
                        | Input::MarketingShape
                ))
        })
        .map(Factor::Input)
        .collect();
    if response {
        factors.push(Factor::MarketingResponse);
    }
    if curve {
        factors.push(Factor::DemandCurve);
    }
    factors
}

/// The profit bridge from `old` to `new`: the change in profit split by
/// changed model input into Shapley values.
///
/// Let `N` be the changed inputs (`k` of them) and `v(S)` the profit of the
/// old plan with the inputs in `S` set to their new values. Input `i`'s part
/// is `sum over S not holding i of |S|! (k - |S| - 1)! / k! x (v(S + i) - v(S))`:
/// its marginal effect averaged over all `k!` orders of applying the changes.
/// The parts add up to `v(N) - v({}) = new profit - old profit`.
pub fn bridge(old: &Scenario, new: &Scenario) -> Result<Bridge, DiffError> {
    let changed = factors(old, new);
    let k = changed.len();
    if k > MAX_BRIDGE_INPUTS {
        return Err(DiffError::TooManyInputs {
            changed: k,
            max: MAX_BRIDGE_INPUTS,
        });
    }

    // v[mask]: profit with the inputs whose bits are set in `mask` taken from `new`.
    let coalitions = 1usize << k;
    let mut v = Vec::with_capacity(coalitions);
    for mask in 0..coalitions {
        // Each mix starts afresh from the old plan, so no mix inherits
        // structure (a curve, a response) from the one before.
        let mut mixed = old.clone();
        for (bit, factor) in changed.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                factor.take(&mut mixed, new);
            }
        }
        // The inputs this mix takes from the new plan, for an error about it.
        let taken = || {
            let names: Vec<&str> = changed
                .iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, f)| f.name())
                .collect();
            crate::scenario::list(&names)
        };
        let c = core(&mixed);
        if !c.readable() {
            return Err(DiffError::BridgeUnreadable { inputs: taken() });
        }
        let profit = c.profit;
        if !profit.is_finite() {
            return Err(DiffError::BridgeOverflow { inputs: taken() });
        }
        // Tidied as `evaluate` tidies it, so the bridge's ends are the
        // profits the rest of the report shows (6620, not 6619.999999999985).
        v.push(crate::model::tidy(profit));
    }

    // weight[s] = s! (k - s - 1)! / k!, the share of orders in which a given
    // input follows exactly a given set of s others.
    let factorial = |n: usize| (1..=n).map(|x| x as f64).product::<f64>();
    let weight: Vec<f64> = (0..k)
        .map(|s| factorial(s) * factorial(k - s - 1) / factorial(k))
        .collect();
    let parts = changed
        .iter()
        .enumerate()
        .map(|(bit, factor)| {
            let me = 1usize << bit;
            let contribution = crate::model::tidy(
                (0..coalitions)
                    .filter(|mask| mask & me == 0)
                    .map(|mask| weight[mask.count_ones() as usize] * (v[mask | me] - v[mask]))
                    .sum(),
            );
            let value = |s: &Scenario| match factor {
                Factor::Input(input) => input.get(s),
                _ => None,
            };
            BridgePart {
                input: factor.name(),
                old: value(old),
                new: value(new),
                contribution,
            }
        })
        .collect();

    let (start, end) = (v[0], v[coalitions - 1]);
    Ok(Bridge {
        old: start,
        new: end,
        total: crate::model::tidy(end - start),
        parts,
        evaluations: coalitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CurveKind, DemandCurve, HillResponse, Marketing};

    use crate::model::tests::seed;

    fn part(d: &Bridge, input: &str) -> f64 {
        d.parts.iter().find(|p| p.input == input).unwrap().contribution
    }

    #[test]
    fn a_plan_against_itself_has_no_change_and_an_empty_bridge() {
        let d = diff(&seed(), &seed()).unwrap();
        assert!(d.inputs.is_empty());
        assert!(!d.results_differ());
        assert!(d.bridge.parts.is_empty());
        assert_eq!(d.bridge.total, 0.0);
        assert_eq!(d.bridge.evaluations, 1);
    }

    #[test]
    fn the_campaign_adds_250_000_all_from_the_uplift() {
        let mut campaign = seed();
        campaign.marketing = Some(Marketing {
            spend: 0.0,
            uplift: 0.5,
        });
        let d = diff(&seed(), &campaign).unwrap();
        // 50 x 15,000 - 50,000 = 700,000; 700,000 - 450,000 = 250,000; 250,000 / 450,000 = 55.56%.
        let profit = d.fields.iter().find(|f| f.field == "profit").unwrap();
        assert_eq!((profit.old, profit.new), (Some(450_000.0), Some(700_000.0)));
        assert_eq!(profit.change, Some(250_000.0));
        assert!((profit.percent_change.unwrap() - 55.555_555_555_555_56).abs() < 1e-9);
        // Spend is 0 in both (no marketing reads as 0), so only the uplift changed.
        assert_eq!(d.inputs.len(), 1);
        assert_eq!(d.inputs[0].input, "marketing.uplift");
        assert_eq!(d.bridge.parts.len(), 1);
        assert_eq!(part(&d.bridge, "marketing.uplift"), 250_000.0);
        assert!(d.results_differ());
    }

    #[test]
    fn hand_worked_bridge_splits_the_price_and_volume_interaction_evenly() {
        // Old: (100 - 50) x 10,000 - 50,000 = 450,000.
        // New: price 120, demand 8,000, fixed cost 60,000:
        //      (120 - 50) x 8,000 - 60,000 = 500,000. Total change +50,000.
        //
        // Fixed cost enters alone: it takes 10,000 off in every order, so its
        // part is -10,000.
        // Price: applied before demand it adds 20 x 10,000 = 200,000; after
        // demand, 20 x 8,000 = 160,000. Half the orders each: 180,000.
        // Demand: before price it costs 50 x 2,000 = 100,000; after price,
        // 70 x 2,000 = 140,000. Half the orders each: -120,000.
        // 180,000 - 120,000 - 10,000 = 50,000.
        let mut new = seed();
        new.price = 120.0;
        new.demand = 8_000.0;
        new.fixed_cost = 60_000.0;
        let b = bridge(&seed(), &new).unwrap();
        assert_eq!(b.total, 50_000.0);
        assert_eq!(b.evaluations, 8);
        let names: Vec<&str> = b.parts.iter().map(|p| p.input).collect();
        assert_eq!(names, ["price", "fixed_cost", "demand"]);
        assert!((part(&b, "price") - 180_000.0).abs() < 1e-6);
        assert!((part(&b, "demand") + 120_000.0).abs() < 1e-6);
        assert!((part(&b, "fixed_cost") + 10_000.0).abs() < 1e-6);
    }

    #[test]
    fn an_unset_capacity_is_a_change_the_bridge_can_undo() {
        // Old: no limit, 450,000. New: capacity 8,000 binds: 50 x 8,000 - 50,000 = 350,000.
        let mut new = seed();
        new.capacity = Some(8_000.0);
        let d = diff(&seed(), &new).unwrap();
        assert_eq!(d.inputs[0].input, "capacity");
        assert_eq!((d.inputs[0].old, d.inputs[0].new), (None, Some(8_000.0)));
        assert_eq!(d.inputs[0].change, None);
        assert_eq!(part(&d.bridge, "capacity"), -100_000.0);
        // And back: the capacity is removed in the bridge's mixes.
        let back = bridge(&new, &seed()).unwrap();
        assert_eq!(part(&back, "capacity"), 100_000.0);
    }

    #[test]
    fn a_figure_that_becomes_defined_is_a_change() {
        // Price 40 < unit cost 50: no break-even. Price 100: 50,000 / 50 = 1,000 units.
        let mut old = seed();
        old.price = 40.0;
        let d = diff(&old, &seed()).unwrap();
        let be = d.fields.iter().find(|f| f.field == "break_even_units").unwrap();
        assert_eq!((be.old, be.new), (None, Some(1_000.0)));
        assert!(be.changed);
        assert_eq!(be.change, None);
        assert_eq!(be.percent_change, None);
    }

    #[test]
    fn percent_change_is_undefined_from_zero_and_keeps_the_sign_of_the_change() {
        assert_eq!(percent_change(Some(0.0), Some(5.0)), None);
        assert_eq!(percent_change(None, Some(5.0)), None);
        // (50 - -100) / 100 = +150%.
        assert_eq!(percent_change(Some(-100.0), Some(50.0)), Some(150.0));
        assert_eq!(percent_change(Some(200.0), Some(150.0)), Some(-25.0));
    }

    #[test]
    fn a_changed_target_or_currency_is_listed_but_not_bridged() {
        let mut new = seed();
        new.target_profit = Some(100_000.0);
        new.currency = Some("USD".into());
        let d = diff(&seed(), &new).unwrap();
        assert_eq!(d.inputs.len(), 1);
        assert_eq!(d.inputs[0].input, "target_profit");
        assert!(d.bridge.parts.is_empty());
        assert!(d.settings.iter().any(|s| s.setting == "currency" && s.changed));
        assert!(d.results_differ());
    }

    #[test]
    fn a_bridge_whose_mixes_overflow_is_an_error_not_inf() {
        let mut old = seed();
        old.price = 1e300;
        old.demand = 1.0;
        let mut new = seed();
        new.price = 1.0;
        new.unit_variable_cost = 0.0;
        new.demand = 1e300;
        assert!(matches!(bridge(&old, &new), Err(DiffError::BridgeOverflow { .. })));
    }

    fn curved(kind: CurveKind, reference_price: f64, price: f64) -> Scenario {
        Scenario {
            price,
            unit_variable_cost: 6.0,
            fixed_cost: 120_000.0,
            demand: 50_000.0,
            demand_curve: Some(DemandCurve {
                kind,
                elasticity: -1.5,
                reference_price,
            }),
            ..seed()
        }
    }

    #[test]
    fn a_changed_curve_kind_and_reference_price_is_bridged_to_the_new_profit() {
        // Regression: the bridge used to see only the numeric inputs, so a
        // curve whose kind or reference price changed left its effect out and
        // the bridge ended at a profit the new plan does not have.
        // Old: constant elasticity through (12, 50,000), price 15:
        //   q = 50,000 x 1.25^-1.5 = 35,777.09, profit 9q - 120,000 = 201,993.79.
        // New: linear through (14, 50,000), price 20:
        //   q = 50,000 x (1 - 1.5 x 6 / 14) = 17,857.14, profit 14q - 120,000 = 130,000.
        // Mixes: price 20 on the old curve: q = 50,000 x (20/12)^-1.5 = 23,237.90,
        //   profit 205,330.60; the new curve at price 15: q = 50,000 x (1 - 1.5/14)
        //   = 44,642.86, profit 281,785.71.
        // Price: (205,330.60 - 201,993.79 + 130,000 - 281,785.71) / 2 = -74,224.45.
        // Curve: (281,785.71 - 201,993.79 + 130,000 - 205,330.60) / 2 = +2,230.66.
        let old = curved(CurveKind::ConstantElasticity, 12.0, 15.0);
        let new = curved(CurveKind::Linear, 14.0, 20.0);
        let d = diff(&old, &new).unwrap();
        let b = &d.bridge;
        assert!((b.new - 130_000.0).abs() < 1e-6, "{}", b.new);
        assert!((part(b, "price") + 74_224.45).abs() < 0.01, "{}", part(b, "price"));
        assert!((part(b, "demand_curve") - 2_230.66).abs() < 0.01);
        let names: Vec<&str> = d.inputs.iter().map(|i| i.input).collect();
        assert_eq!(names, ["price", "demand_curve.reference_price"]);
        let kind = d.settings.iter().find(|s| s.setting == "demand_curve.kind").unwrap();
        assert_eq!(
            (kind.old.as_deref(), kind.new.as_deref()),
            (Some("constant_elasticity"), Some("linear"))
        );
        assert!(kind.changed);
    }

    #[test]
    fn bridges_between_plans_of_different_structure_end_at_the_new_profit() {
        // Regression: mixes were built by updating one scenario in place, so
        // a curve or a Hill response set for one mix leaked into the next.
        let plain = seed();
        let fixed = Scenario {
            marketing: Some(Marketing {
                spend: 20_000.0,
                uplift: 0.3,
            }),
            price: 90.0,
            ..seed()
        };
        let hill = Scenario {
            marketing: Some(Marketing {
                spend: 30_000.0,
                uplift: 0.0,
            }),
            marketing_response: Some(HillResponse {
                max_uplift: 0.6,
                half_saturation_spend: 25_000.0,
                shape: 1.5,
            }),
            capacity: Some(12_000.0),
            ..curved(CurveKind::Linear, 100.0, 110.0)
        };
        let curve = curved(CurveKind::ConstantElasticity, 80.0, 100.0);
        let plans = [plain, fixed, hill, curve];
        for old in &plans {
            for new in &plans {
                let b = bridge(old, new).unwrap();
                assert_eq!(b.old, core(old).profit);
                assert_eq!(b.new, core(new).profit);
                let sum: f64 = b.parts.iter().map(|p| p.contribution).sum();
                assert!(
                    (sum - b.total).abs() <= 1e-9 * b.old.abs().max(b.new.abs()),
                    "{sum} vs {}",
                    b.total
                );
            }
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn scenario() -> impl Strategy<Value = Scenario> {
            (
                0.0..1e4f64,
                0.0..1e4f64,
                0.0..1e7f64,
                0.0..1e6f64,
                prop::option::of(0.0..1e6f64),
                prop::option::of((0.0..1e6f64, 0.0..2.0f64)),
            )
                .prop_map(|(price, unit_variable_cost, fixed_cost, demand, capacity, marketing)| {
                    Scenario {
                        price,
                        unit_variable_cost,
                        fixed_cost,
                        demand,
                        capacity,
                        marketing: marketing.map(|(spend, uplift)| Marketing { spend, uplift }),
                        ..seed()
                    }
                })
        }

        /// A plan with each input either kept or moved to the other plan's value,
        /// so that random pairs change between 0 and 7 inputs.
        fn pair() -> impl Strategy<Value = (Scenario, Scenario)> {
            (
                scenario(),
                scenario(),
                prop::collection::vec(any::<bool>(), Input::ALL.len()),
            )
                .prop_map(|(old, other, keep)| {
                    let mut new = old.clone();
                    for (input, keep) in Input::ALL.iter().zip(keep) {
                        if !keep {
                            Factor::Input(*input).take(&mut new, &other);
                        }
                    }
                    (old, new)
                })
        }

        proptest! {
            #[test]
            fn bridge_parts_sum_to_the_total_change((old, new) in pair()) {
                let b = bridge(&old, &new).unwrap();
                let sum: f64 = b.parts.iter().map(|p| p.contribution).sum();
                let scale = b.old.abs().max(b.new.abs()).max(1.0);
                prop_assert!((sum - b.total).abs() <= 1e-9 * scale, "{sum} vs {}", b.total);
                prop_assert_eq!(b.old, core(&old).tidy().profit, "the profit evaluate reports");
                prop_assert_eq!(b.new, core(&new).tidy().profit);
            }

            #[test]
            fn one_changed_input_takes_the_whole_change(old in scenario(), price in 0.0..1e4f64) {
                let new = Input::Price.with(&old, price);
                let b = bridge(&old, &new).unwrap();
                if price != old.price {
                    prop_assert_eq!(b.parts.len(), 1);
                    prop_assert_eq!(b.parts[0].contribution, b.total);
                }
            }

            #[test]
            fn swapping_the_plans_negates_every_part((old, new) in pair()) {
                let there = bridge(&old, &new).unwrap();
                let back = bridge(&new, &old).unwrap();
                for (a, b) in there.parts.iter().zip(&back.parts) {
                    let scale = there.old.abs().max(there.new.abs()).max(1.0);
                    prop_assert!((a.contribution + b.contribution).abs() <= 1e-9 * scale);
                }
            }
        }
    }
}
