//! Scenario inputs named by their path in the scenario file (`price`,
//! `marketing.spend`), so every analysis can read and move any input the same way.

use std::fmt;
use std::str::FromStr;

use crate::scenario::{CurveKind, DemandCurve, HillResponse, Marketing, Scenario, did_you_mean, list};

/// A numeric input of the model, named by its path in the scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    Price,
    UnitVariableCost,
    FixedCost,
    Demand,
    Capacity,
    MarketingSpend,
    MarketingUplift,
    MarketingMaxUplift,
    MarketingHalfSaturationSpend,
    MarketingShape,
    DemandElasticity,
}

impl Input {
    /// Every input, in the order the scenario file lists them.
    pub const ALL: &'static [Input] = &[
        Input::Price,
        Input::UnitVariableCost,
        Input::FixedCost,
        Input::Demand,
        Input::Capacity,
        Input::MarketingSpend,
        Input::MarketingUplift,
        Input::MarketingMaxUplift,
        Input::MarketingHalfSaturationSpend,
        Input::MarketingShape,
        Input::DemandElasticity,
    ];

    /// Where the curve parameters start in [`Input::ALL`].
    const CURVES: usize = 7;

    /// The input's path in the scenario file.
    pub fn name(self) -> &'static str {
        match self {
            Input::Price => "price",
            Input::UnitVariableCost => "unit_variable_cost",
            Input::FixedCost => "fixed_cost",
            Input::Demand => "demand",
            Input::Capacity => "capacity",
            Input::MarketingSpend => "marketing.spend",
            Input::MarketingUplift => "marketing.uplift",
            Input::MarketingMaxUplift => "marketing.max_uplift",
            Input::MarketingHalfSaturationSpend => "marketing.half_saturation_spend",
            Input::MarketingShape => "marketing.shape",
            Input::DemandElasticity => "demand_curve.elasticity",
        }
    }

    /// The input's value in a scenario; `None` where an optional input is not set
    /// (capacity without a limit, curve parameters without the curve, a fixed
    /// uplift when a Hill curve sets it). Spend and uplift read as 0 without marketing.
    pub fn get(self, s: &Scenario) -> Option<f64> {
        let hill = s.marketing_response.as_ref();
        match self {
            Input::Price => Some(s.price),
            Input::UnitVariableCost => Some(s.unit_variable_cost),
            Input::FixedCost => Some(s.fixed_cost),
            Input::Demand => Some(s.demand),
            Input::Capacity => s.capacity,
            Input::MarketingSpend => Some(s.marketing.as_ref().map_or(0.0, |m| m.spend)),
            Input::MarketingUplift if hill.is_some() => None,
            Input::MarketingUplift => Some(s.marketing.as_ref().map_or(0.0, |m| m.uplift)),
            Input::MarketingMaxUplift => hill.map(|h| h.max_uplift),
            Input::MarketingHalfSaturationSpend => hill.map(|h| h.half_saturation_spend),
            Input::MarketingShape => hill.map(|h| h.shape),
            Input::DemandElasticity => s.demand_curve.as_ref().map(|c| c.elasticity),
        }
    }

    /// Sets the input in a scenario (adding a marketing table if needed).
    /// Setting the fixed uplift drops a Hill curve and setting a Hill parameter
    /// starts one (the others 0, shape 1), as a file cannot hold both; setting
    /// the elasticity without a curve starts a constant-elasticity curve through
    /// today's price.
    pub fn set(self, s: &mut Scenario, value: f64) {
        fn hill(s: &mut Scenario) -> &mut HillResponse {
            marketing(s).uplift = 0.0;
            s.marketing_response.get_or_insert(HillResponse {
                max_uplift: 0.0,
                half_saturation_spend: 0.0,
                shape: 1.0,
            })
        }
        fn marketing(s: &mut Scenario) -> &mut Marketing {
            s.marketing.get_or_insert(Marketing {
                spend: 0.0,
                uplift: 0.0,
            })
        }
        match self {
            Input::Price => s.price = value,
            Input::UnitVariableCost => s.unit_variable_cost = value,
            Input::FixedCost => s.fixed_cost = value,
            Input::Demand => s.demand = value,
            Input::Capacity => s.capacity = Some(value),
            Input::MarketingSpend => marketing(s).spend = value,
            Input::MarketingUplift => {
                s.marketing_response = None;
                marketing(s).uplift = value;
            }
            Input::MarketingMaxUplift => hill(s).max_uplift = value,
            Input::MarketingHalfSaturationSpend => hill(s).half_saturation_spend = value,
            Input::MarketingShape => hill(s).shape = value,
            Input::DemandElasticity => {
                let price = s.price;
                s.demand_curve
                    .get_or_insert(DemandCurve {
                        kind: CurveKind::ConstantElasticity,
                        elasticity: 0.0,
                        reference_price: price,
                    })
                    .elasticity = value
            }
        }
    }

    /// A copy of the scenario with this input set to `value`.
    pub fn with(self, s: &Scenario, value: f64) -> Scenario {
        let mut moved = s.clone();
        self.set(&mut moved, value);
        moved
    }

    /// The smallest value the input may take: 0, except the elasticity, which
    /// has no lower limit, and the Hill curve's parameters, which must be
    /// above 0 (the smallest positive number stands for "just above 0", so
    /// no analysis answers with a value the scenario file would refuse).
    pub fn minimum(self) -> f64 {
        match self {
            Input::DemandElasticity => f64::NEG_INFINITY,
            _ if self.must_be_positive() => f64::MIN_POSITIVE,
            _ => 0.0,
        }
    }

    /// Whether the input must be above 0, not merely at least 0.
    pub fn must_be_positive(self) -> bool {
        matches!(
            self,
            Input::MarketingMaxUplift | Input::MarketingHalfSaturationSpend | Input::MarketingShape
        )
    }

    /// The allowed values in words, for a sentence: "at least 0", "above 0"
    /// or "at most 0".
    pub fn allowed_in_words(self) -> &'static str {
        match self {
            Input::DemandElasticity => "at most 0",
            _ if self.must_be_positive() => "above 0",
            _ => "at least 0",
        }
    }

    /// The allowed values as a condition: `>= 0`, `> 0` or `<= 0`.
    pub fn allowed(self) -> &'static str {
        match self {
            Input::DemandElasticity => "<= 0",
            _ if self.must_be_positive() => "> 0",
            _ => ">= 0",
        }
    }

    /// The largest value the input may take: no limit, except the elasticity (at most 0).
    pub fn maximum(self) -> f64 {
        match self {
            Input::DemandElasticity => 0.0,
            _ => f64::INFINITY,
        }
    }

    /// The inputs that carry a value in this scenario: every numeric input,
    /// capacity only where set.
    pub fn present_in(s: &Scenario) -> Vec<Input> {
        Input::ALL.iter().copied().filter(|i| i.get(s).is_some()).collect()
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An input name that is not one of [`Input::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown input `{name}`{}; the inputs are {}; with demand and response curves also {}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), list(&Input::ALL[..Input::CURVES].iter().map(|i| i.name()).collect::<Vec<_>>()), list(&Input::ALL[Input::CURVES..].iter().map(|i| i.name()).collect::<Vec<_>>()))]
pub struct UnknownInput {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

impl FromStr for Input {
    type Err = UnknownInput;

    fn from_str(name: &str) -> Result<Input, UnknownInput> {
        Input::ALL
            .iter()
            .copied()
            .find(|i| i.name() == name)
            .ok_or_else(|| UnknownInput {
                name: name.to_string(),
                suggestion: did_you_mean(name, Input::ALL.iter().map(|i| i.name())),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for input in Input::ALL {
            assert_eq!(input.name().parse::<Input>(), Ok(*input));
        }
    }

    #[test]
    fn curve_inputs_are_present_only_with_their_curves() {
        let text = "price = 10\nunit_variable_cost = 4\nfixed_cost = 0\ndemand = 100\n\
                    [marketing]\nspend = 5\nresponse = \"hill\"\nmax_uplift = 0.5\nhalf_saturation_spend = 5\n";
        let mut s = crate::ScenarioFile::parse(text, "t.toml").unwrap().base().unwrap();
        let present = Input::present_in(&s);
        assert!(present.contains(&Input::MarketingShape));
        assert!(!present.contains(&Input::MarketingUplift));
        assert!(!present.contains(&Input::DemandElasticity));
        // Setting the elasticity starts a constant-elasticity curve through today's price:
        // at price 20, 100 x (20 / 10)^-1 = 50.
        Input::DemandElasticity.set(&mut s, -1.0);
        s.price = 20.0;
        assert_eq!(crate::model::base_demand(&s), 50.0);
        // Setting a fixed uplift replaces the Hill curve.
        Input::MarketingUplift.set(&mut s, 0.25);
        assert_eq!(s.marketing_response, None);
        assert_eq!(crate::model::uplift(&s), 0.25);
        assert_eq!(Input::MarketingShape.get(&s), None);
    }

    #[test]
    fn the_elasticity_is_at_most_zero_and_unbounded_below() {
        assert_eq!(Input::DemandElasticity.maximum(), 0.0);
        assert_eq!(Input::DemandElasticity.minimum(), f64::NEG_INFINITY);
        assert_eq!(Input::Price.minimum(), 0.0);
        assert_eq!(
            "demand_curve.elasticty".parse::<Input>().unwrap_err().suggestion,
            Some("demand_curve.elasticity")
        );
    }

    #[test]
    fn unknown_name_lists_the_valid_ones_and_suggests() {
        let e = "prise".parse::<Input>().unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("unknown input `prise` (did you mean `price`?)"),
            "{msg}"
        );
        assert!(msg.contains("`marketing.spend` and `marketing.uplift`"), "{msg}");
    }
}
