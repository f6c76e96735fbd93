//! Scenario inputs named by their path in the scenario file (`price`,
//! `marketing.spend`), so every analysis can read and move any input the same way.

use std::fmt;
use std::str::FromStr;

use crate::scenario::{Marketing, Scenario, did_you_mean, list};

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
    ];

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
        }
    }

    /// The input's value in a scenario; `None` where an optional input is not set
    /// (capacity without a limit). Marketing inputs read as 0 without marketing.
    pub fn get(self, s: &Scenario) -> Option<f64> {
        match self {
            Input::Price => Some(s.price),
            Input::UnitVariableCost => Some(s.unit_variable_cost),
            Input::FixedCost => Some(s.fixed_cost),
            Input::Demand => Some(s.demand),
            Input::Capacity => s.capacity,
            Input::MarketingSpend => Some(s.marketing.as_ref().map_or(0.0, |m| m.spend)),
            Input::MarketingUplift => Some(s.marketing.as_ref().map_or(0.0, |m| m.uplift)),
        }
    }

    /// Sets the input in a scenario (adding a marketing table if needed).
    pub fn set(self, s: &mut Scenario, value: f64) {
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
            Input::MarketingUplift => marketing(s).uplift = value,
        }
    }

    /// A copy of the scenario with this input set to `value`.
    pub fn with(self, s: &Scenario, value: f64) -> Scenario {
        let mut moved = s.clone();
        self.set(&mut moved, value);
        moved
    }

    /// The smallest value the input may take. Every input today is at least 0.
    pub fn minimum(self) -> f64 {
        0.0
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
#[error("unknown input `{name}`{}; the inputs are {}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), list(&Input::ALL.iter().map(|i| i.name()).collect::<Vec<_>>()))]
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
