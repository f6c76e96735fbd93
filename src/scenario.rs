//! Scenario files: parsing, variants and validation.
//!
//! A scenario is parsed in two steps. First the TOML text is read into a raw
//! form in which every field is optional and keeps its position in the text
//! (`toml::Spanned`), so that a check made after parsing can still point at
//! the line. Then the raw form is validated into a [`Scenario`] of plain
//! numbers. Variants (`[scenarios.NAME]`) are raw forms too: a variant is laid
//! over the base field by field before validation, so an error in a field a
//! variant set points at the variant's line.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostic::Diagnostic;

/// A validated scenario: the inputs of the profit model as plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Display name: the file's `name`, else the file stem (or the variant's name).
    #[serde(skip)]
    pub name: String,
    /// Display only, e.g. "CNY".
    pub currency: Option<String>,
    /// Display only, e.g. "month".
    pub period: Option<String>,
    /// Price per unit.
    pub price: f64,
    /// Variable cost per unit.
    pub unit_variable_cost: f64,
    /// Fixed cost per period (marketing spend is added to it in the model).
    pub fixed_cost: f64,
    /// Units demanded per period before any marketing uplift.
    pub demand: f64,
    /// The most units that can be sold per period, if limited.
    pub capacity: Option<f64>,
    /// A profit per period the planner wants to reach.
    pub target_profit: Option<f64>,
    /// Marketing spend and the demand uplift it buys, if the plan has any.
    pub marketing: Option<Marketing>,
}

/// Marketing spend and the demand uplift it buys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marketing {
    /// Spend per period, counted with fixed cost.
    pub spend: f64,
    /// Fractional demand uplift the spend buys: 0.5 means +50%.
    pub uplift: f64,
}

/// The top-level keys a scenario file may hold, for "did you mean" help.
pub const SCENARIO_KEYS: &[&str] = &[
    "name",
    "currency",
    "period",
    "price",
    "unit_variable_cost",
    "fixed_cost",
    "demand",
    "capacity",
    "target_profit",
    "marketing",
    "uncertainty",
    "scenarios",
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<Spanned<String>>,
    currency: Option<Spanned<String>>,
    period: Option<Spanned<String>>,
    price: Option<Spanned<f64>>,
    unit_variable_cost: Option<Spanned<f64>>,
    fixed_cost: Option<Spanned<f64>>,
    demand: Option<Spanned<f64>>,
    capacity: Option<Spanned<f64>>,
    target_profit: Option<Spanned<f64>>,
    marketing: Option<Spanned<RawMarketing>>,
    uncertainty: Option<Spanned<crate::uncertainty::RawUncertainty>>,
    scenarios: Option<Spanned<BTreeMap<String, Spanned<RawScenario>>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarketing {
    spend: Option<Spanned<f64>>,
    uplift: Option<Spanned<f64>>,
}

/// Later values win, field by field.
fn pick<T: Clone>(base: &Option<T>, over: &Option<T>) -> Option<T> {
    over.clone().or_else(|| base.clone())
}

impl RawScenario {
    /// The base with `over` laid on top, nested tables merged field by field.
    fn overlay(&self, over: &RawScenario) -> RawScenario {
        let marketing = match (&self.marketing, &over.marketing) {
            (Some(base), Some(over)) => Some(Spanned::new(
                over.span(),
                RawMarketing {
                    spend: pick(&base.get_ref().spend, &over.get_ref().spend),
                    uplift: pick(&base.get_ref().uplift, &over.get_ref().uplift),
                },
            )),
            (base, over) => pick(base, over),
        };
        RawScenario {
            name: over.name.clone(),
            currency: pick(&self.currency, &over.currency),
            period: pick(&self.period, &over.period),
            price: pick(&self.price, &over.price),
            unit_variable_cost: pick(&self.unit_variable_cost, &over.unit_variable_cost),
            fixed_cost: pick(&self.fixed_cost, &over.fixed_cost),
            demand: pick(&self.demand, &over.demand),
            capacity: pick(&self.capacity, &over.capacity),
            target_profit: pick(&self.target_profit, &over.target_profit),
            marketing,
            uncertainty: pick(&self.uncertainty, &over.uncertainty),
            scenarios: None,
        }
    }
}

/// A parsed scenario file: the base scenario and its named variants.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    source: String,
    text: String,
    raw: RawScenario,
}

impl ScenarioFile {
    /// Parses scenario text. `source` names the file in messages (`-` or
    /// `<stdin>` for standard input) and gives the default scenario name.
    pub fn parse(text: &str, source: &str) -> Result<ScenarioFile, Diagnostic> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| toml_diagnostic(&e, text, source))?;
        if let Some(variants) = &raw.scenarios {
            for (name, variant) in variants.get_ref() {
                if let Some(nested) = &variant.get_ref().scenarios {
                    return Err(Diagnostic::new(
                        source,
                        format!("variant `{name}` holds variants of its own"),
                    )
                    .at(text, Some(nested.span()))
                    .help("variants are one level deep: declare every variant as `[scenarios.NAME]` at the top level"));
                }
            }
        }
        Ok(ScenarioFile {
            source: source.to_string(),
            text: text.to_string(),
            raw,
        })
    }

    /// The file name given to [`ScenarioFile::parse`].
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The names of the file's variants, in alphabetical order.
    pub fn variant_names(&self) -> Vec<String> {
        self.raw
            .scenarios
            .as_ref()
            .map(|v| v.get_ref().keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The base scenario, validated.
    pub fn base(&self) -> Result<Scenario, Diagnostic> {
        let default_name = default_name(&self.source);
        self.validate(&self.raw, &default_name, None)
    }

    /// The base with the named variant laid over it, validated.
    pub fn variant(&self, name: &str) -> Result<Scenario, Diagnostic> {
        let variants = self.raw.scenarios.as_ref().map(|v| v.get_ref());
        let Some(variant) = variants.and_then(|v| v.get(name)) else {
            let names = self.variant_names();
            let help = if names.is_empty() {
                "this file has no variants; add one as a `[scenarios.NAME]` table".to_string()
            } else {
                let mut help = format!("the variants in this file are {}", list(&names));
                if let Some(close) = did_you_mean(name, names.iter().map(String::as_str)) {
                    help = format!("did you mean `{close}`? {help}");
                }
                help
            };
            return Err(Diagnostic::new(&self.source, format!("no variant named `{name}`")).help(help));
        };
        let merged = self.raw.overlay(variant.get_ref());
        self.validate(&merged, name, Some(name))
    }

    /// The `[uncertainty]` table of the base (`None`) or of a variant (which
    /// replaces the base's table whole), validated; `Ok(None)` without one.
    pub fn uncertainty(&self, variant: Option<&str>) -> Result<Option<crate::Uncertainty>, Diagnostic> {
        let merged;
        let raw = match variant {
            None => &self.raw,
            Some(name) => {
                self.variant(name)?;
                let over = self.raw.scenarios.as_ref().and_then(|v| v.get_ref().get(name));
                merged = self
                    .raw
                    .overlay(over.map(|o| o.get_ref()).unwrap_or(&RawScenario::default()));
                &merged
            }
        };
        let cx = crate::uncertainty::Context {
            source: &self.source,
            text: &self.text,
            variant,
        };
        raw.uncertainty
            .as_ref()
            .map(|u| crate::uncertainty::validate(u.get_ref(), &cx))
            .transpose()
    }

    /// Every scenario in the file: the base, then each variant.
    pub fn all(&self) -> Result<Vec<Scenario>, Diagnostic> {
        let mut all = vec![self.base()?];
        for name in self.variant_names() {
            all.push(self.variant(&name)?);
        }
        Ok(all)
    }

    fn validate(&self, raw: &RawScenario, default_name: &str, variant: Option<&str>) -> Result<Scenario, Diagnostic> {
        let checker = Checker { file: self, variant };
        let price = checker.required(&raw.price, "price", Bound::NonNegative)?;
        let unit_variable_cost = checker.required(&raw.unit_variable_cost, "unit_variable_cost", Bound::NonNegative)?;
        let fixed_cost = checker.required(&raw.fixed_cost, "fixed_cost", Bound::NonNegative)?;
        let demand = checker.required(&raw.demand, "demand", Bound::NonNegative)?;
        let capacity = checker.optional(&raw.capacity, "capacity", Bound::NonNegative)?;
        let target_profit = checker.optional(&raw.target_profit, "target_profit", Bound::Any)?;
        let marketing = match &raw.marketing {
            None => None,
            Some(m) => {
                let m = m.get_ref();
                Some(Marketing {
                    spend: checker
                        .optional(&m.spend, "marketing.spend", Bound::NonNegative)?
                        .unwrap_or(0.0),
                    uplift: checker
                        .optional(&m.uplift, "marketing.uplift", Bound::NonNegative)?
                        .unwrap_or(0.0),
                })
            }
        };
        let name = raw
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| default_name.to_string());
        Ok(Scenario {
            name,
            currency: raw.currency.as_ref().map(|c| c.get_ref().clone()),
            period: raw.period.as_ref().map(|p| p.get_ref().clone()),
            price,
            unit_variable_cost,
            fixed_cost,
            demand,
            capacity,
            target_profit,
            marketing,
        })
    }
}

/// The range of values a numeric field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// Any finite number (a target profit may be a loss).
    Any,
    /// Finite and at least zero.
    NonNegative,
}

struct Checker<'a> {
    file: &'a ScenarioFile,
    variant: Option<&'a str>,
}

impl Checker<'_> {
    fn required(&self, value: &Option<Spanned<f64>>, field: &str, bound: Bound) -> Result<f64, Diagnostic> {
        match value {
            Some(v) => self.check(v, field, bound),
            None => Err(self
                .diagnostic(format!("missing field `{field}`"), None)
                .help(format!("add `{field} = ...`: {}", describe(field)))),
        }
    }

    fn optional(&self, value: &Option<Spanned<f64>>, field: &str, bound: Bound) -> Result<Option<f64>, Diagnostic> {
        value.as_ref().map(|v| self.check(v, field, bound)).transpose()
    }

    fn check(&self, value: &Spanned<f64>, field: &str, bound: Bound) -> Result<f64, Diagnostic> {
        let v = *value.get_ref();
        let allowed = match bound {
            Bound::Any => "a finite number",
            Bound::NonNegative => "a finite number at least 0",
        };
        let problem = if v.is_nan() {
            Some(format!("`{field}` is nan"))
        } else if v.is_infinite() {
            Some(format!("`{field}` is infinite"))
        } else if bound == Bound::NonNegative && v < 0.0 {
            Some(format!("`{field}` must be at least 0, found {v}"))
        } else {
            None
        };
        match problem {
            None => Ok(v),
            Some(message) => Err(self
                .diagnostic(message, Some(value.span()))
                .help(format!("`{field}` is {}; it must be {allowed}", describe(field)))),
        }
    }

    fn diagnostic(&self, message: String, span: Option<Range<usize>>) -> Diagnostic {
        let message = match self.variant {
            Some(variant) => format!("in variant `{variant}`: {message}"),
            None => message,
        };
        Diagnostic::new(&self.file.source, message).at(&self.file.text, span)
    }
}

/// What a field means, for help texts.
pub fn describe(field: &str) -> &'static str {
    match field {
        "price" => "the price per unit",
        "unit_variable_cost" => "the variable cost per unit",
        "fixed_cost" => "the fixed cost per period",
        "demand" => "the units demanded per period before marketing uplift",
        "capacity" => "the most units that can be sold per period",
        "target_profit" => "the profit per period to plan for",
        "marketing.spend" => "the marketing spend per period",
        "marketing.uplift" => "the fractional demand uplift the spend buys (0.5 = +50%)",
        _ => "a scenario input",
    }
}

/// The scenario name used when a file gives none: the file stem.
fn default_name(source: &str) -> String {
    if source == "-" || source == "<stdin>" {
        return "stdin".to_string();
    }
    std::path::Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.to_string())
}

/// Turns a TOML error into a diagnostic, adding "did you mean" for unknown keys.
fn toml_diagnostic(error: &toml::de::Error, text: &str, source: &str) -> Diagnostic {
    let message = error.message().trim().replace("expected f64", "expected a number");
    let headline = match message.split_once(", expected one of") {
        Some((head, _)) if message.starts_with("unknown field") => head.to_string(),
        _ => message.clone(),
    };
    let mut diagnostic = Diagnostic::new(source, headline).at(text, error.span());
    if message.starts_with("invalid type") && message.ends_with("expected a number") {
        diagnostic = diagnostic.help("write numbers without quotes, as `price = 100` or `price = 99.5`");
    }
    if let Some(unknown) = backticked(&message)
        .first()
        .filter(|_| message.starts_with("unknown field"))
    {
        let expected = backticked(message.split_once("expected").map_or("", |(_, rest)| rest));
        let help = match did_you_mean(unknown, expected.iter().copied()) {
            Some(close) => format!("did you mean `{close}`? the keys allowed here are {}", list(&expected)),
            None => format!("the keys allowed here are {}", list(&expected)),
        };
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

/// The words between backticks in a message.
fn backticked(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// The candidate closest to `word`, when one is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `a`, `b` and `c`.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";

    fn parse(text: &str) -> Result<Scenario, Diagnostic> {
        ScenarioFile::parse(text, "test.toml")?.base()
    }

    #[test]
    fn integers_and_floats_both_read_as_numbers() {
        let s = parse("price = 99.5\nunit_variable_cost = 50\nfixed_cost = 5e4\ndemand = 10_000\n").unwrap();
        assert_eq!(s.price, 99.5);
        assert_eq!(s.unit_variable_cost, 50.0);
        assert_eq!(s.fixed_cost, 50_000.0);
        assert_eq!(s.demand, 10_000.0);
        assert_eq!(s.name, "test");
        assert_eq!(s.marketing, None);
    }

    #[test]
    fn missing_required_field_is_named() {
        let e = parse("price = 100\nunit_variable_cost = 50\ndemand = 1\n").unwrap_err();
        assert_eq!(e.message, "missing field `fixed_cost`");
    }

    #[test]
    fn negative_value_points_at_its_line_and_column() {
        let e = parse("price = 100\nunit_variable_cost = -5\nfixed_cost = 1\ndemand = 1\n").unwrap_err();
        assert!(
            e.message.contains("`unit_variable_cost` must be at least 0"),
            "{}",
            e.message
        );
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 22));
    }

    #[test]
    fn nan_and_inf_are_rejected() {
        let e = parse("price = nan\nunit_variable_cost = 5\nfixed_cost = 1\ndemand = 1\n").unwrap_err();
        assert_eq!(e.message, "`price` is nan");
        let e = parse("price = 1\nunit_variable_cost = 5\nfixed_cost = 1\ndemand = inf\n").unwrap_err();
        assert_eq!(e.message, "`demand` is infinite");
        assert_eq!(e.location.unwrap().line, 4);
    }

    #[test]
    fn unknown_key_suggests_the_near_miss() {
        let e = parse("prise = 100\nunit_variable_cost = 50\nfixed_cost = 1\ndemand = 1\n").unwrap_err();
        assert!(e.message.contains("unknown field `prise`"), "{}", e.message);
        assert!(e.help.unwrap().starts_with("did you mean `price`?"));
        assert_eq!(e.location.unwrap().line, 1);
    }

    #[test]
    fn unknown_key_in_marketing_suggests_within_marketing() {
        let e = parse(&format!("{SEED}[marketing]\nspnd = 5\n")).unwrap_err();
        assert!(e.help.unwrap().starts_with("did you mean `spend`?"));
    }

    #[test]
    fn a_string_where_a_number_belongs_is_located() {
        let e = parse("price = \"cheap\"\nunit_variable_cost = 50\nfixed_cost = 1\ndemand = 1\n").unwrap_err();
        assert!(e.message.contains("invalid type"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, 1);
    }

    #[test]
    fn marketing_defaults_to_no_spend_and_no_uplift() {
        let s = parse(&format!("{SEED}[marketing]\nuplift = 0.5\n")).unwrap();
        assert_eq!(
            s.marketing,
            Some(Marketing {
                spend: 0.0,
                uplift: 0.5
            })
        );
    }

    #[test]
    fn a_variant_overrides_nested_fields_and_keeps_the_rest() {
        let text = format!(
            "{SEED}[marketing]\nspend = 100\nuplift = 0.1\n[scenarios.campaign]\nmarketing = {{ uplift = 0.5 }}\n[scenarios.premium]\nprice = 130\n"
        );
        let file = ScenarioFile::parse(&text, "plan.toml").unwrap();
        assert_eq!(file.variant_names(), vec!["campaign", "premium"]);
        let campaign = file.variant("campaign").unwrap();
        assert_eq!(
            campaign.marketing,
            Some(Marketing {
                spend: 100.0,
                uplift: 0.5
            })
        );
        assert_eq!(campaign.name, "campaign");
        let premium = file.variant("premium").unwrap();
        assert_eq!(premium.price, 130.0);
        assert_eq!(premium.demand, 10_000.0);
        assert_eq!(file.all().unwrap().len(), 3);
    }

    #[test]
    fn an_unknown_variant_lists_the_variants_there_are() {
        let text = format!("{SEED}[scenarios.campaign]\nprice = 1\n[scenarios.premium]\nprice = 2\n");
        let file = ScenarioFile::parse(&text, "plan.toml").unwrap();
        let e = file.variant("premum").unwrap_err();
        assert_eq!(e.message, "no variant named `premum`");
        let help = e.help.unwrap();
        assert!(help.contains("did you mean `premium`?"), "{help}");
        assert!(help.contains("`campaign` and `premium`"), "{help}");
    }

    #[test]
    fn an_invalid_value_in_a_variant_names_the_variant_and_its_line() {
        let text = format!("{SEED}[scenarios.cheap]\nprice = -1\n");
        let e = ScenarioFile::parse(&text, "plan.toml")
            .unwrap()
            .variant("cheap")
            .unwrap_err();
        assert_eq!(e.message, "in variant `cheap`: `price` must be at least 0, found -1");
        assert_eq!(e.location.unwrap().line, 6);
    }

    #[test]
    fn an_unknown_key_in_a_variant_is_located() {
        let text = format!("{SEED}[scenarios.cheap]\nprize = 1\n");
        let e = ScenarioFile::parse(&text, "plan.toml").unwrap_err();
        assert!(e.message.contains("unknown field `prize`"));
        assert_eq!(e.location.unwrap().line, 6);
    }

    #[test]
    fn list_joins_with_and() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
