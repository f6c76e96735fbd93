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
#[serde(into = "ScenarioOut")]
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
    /// How demand responds to price (`[demand_curve]`); without it demand ignores price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_curve: Option<DemandCurve>,
    /// A saturating response of uplift to spend (`response = "hill"` in
    /// `[marketing]`); when set, it replaces the fixed `marketing.uplift`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketing_response: Option<HillResponse>,
}

/// A scenario as reports write it: the same fields, laid out as the file
/// lays them out. Under a Hill response the curve's parameters sit in
/// `marketing` beside `response = "hill"` (as `marketing.max_uplift` is
/// named everywhere else), and `marketing.uplift` is `null` (the curve sets
/// the uplift; the 0 kept in [`Marketing`] is a placeholder, not an input).
#[derive(Serialize)]
struct ScenarioOut {
    currency: Option<String>,
    period: Option<String>,
    price: f64,
    unit_variable_cost: f64,
    fixed_cost: f64,
    demand: f64,
    capacity: Option<f64>,
    target_profit: Option<f64>,
    marketing: Option<MarketingOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    demand_curve: Option<DemandCurve>,
}

#[derive(Serialize)]
struct MarketingOut {
    spend: f64,
    uplift: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_uplift: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    half_saturation_spend: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shape: Option<f64>,
}

impl From<Scenario> for ScenarioOut {
    fn from(s: Scenario) -> ScenarioOut {
        let hill = s.marketing_response;
        let marketing = match (s.marketing, hill) {
            (None, None) => None,
            (m, hill) => Some(MarketingOut {
                spend: m.as_ref().map_or(0.0, |m| m.spend),
                uplift: m.filter(|_| hill.is_none()).map(|m| m.uplift),
                response: hill.as_ref().map(|_| "hill"),
                max_uplift: hill.as_ref().map(|h| h.max_uplift),
                half_saturation_spend: hill.as_ref().map(|h| h.half_saturation_spend),
                shape: hill.as_ref().map(|h| h.shape),
            }),
        };
        ScenarioOut {
            currency: s.currency,
            period: s.period,
            price: s.price,
            unit_variable_cost: s.unit_variable_cost,
            fixed_cost: s.fixed_cost,
            demand: s.demand,
            capacity: s.capacity,
            target_profit: s.target_profit,
            marketing,
            demand_curve: s.demand_curve,
        }
    }
}

/// The shape of the demand curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveKind {
    /// `demand x (p / reference_price)^elasticity`.
    ConstantElasticity,
    /// The straight line through `(reference_price, demand)` with that elasticity there, never below 0.
    Linear,
}

impl CurveKind {
    /// The name as the scenario file writes it.
    pub fn name(self) -> &'static str {
        match self {
            CurveKind::ConstantElasticity => "constant_elasticity",
            CurveKind::Linear => "linear",
        }
    }
}

/// Demand that falls as price rises, through `(reference_price, demand)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandCurve {
    pub kind: CurveKind,
    /// Price elasticity of demand at the reference point, at most 0.
    pub elasticity: f64,
    /// The price at which the scenario's `demand` holds (the file's `price` by default).
    pub reference_price: f64,
}

/// Uplift that saturates with spend: `max_uplift x s^shape / (s^shape + half_saturation_spend^shape)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HillResponse {
    /// The uplift unlimited spend would approach.
    pub max_uplift: f64,
    /// The spend that buys half of `max_uplift`.
    pub half_saturation_spend: f64,
    /// 1 = diminishing returns from the first unit; above 1 = S-shaped.
    pub shape: f64,
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
    "demand_curve",
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
    demand_curve: Option<Spanned<RawDemandCurve>>,
    uncertainty: Option<Spanned<crate::uncertainty::RawUncertainty>>,
    scenarios: Option<Spanned<BTreeMap<String, Spanned<RawScenario>>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarketing {
    spend: Option<Spanned<f64>>,
    uplift: Option<Spanned<f64>>,
    response: Option<Spanned<Response>>,
    max_uplift: Option<Spanned<f64>>,
    half_saturation_spend: Option<Spanned<f64>>,
    shape: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Response {
    Hill,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemandCurve {
    kind: Option<Spanned<CurveKind>>,
    elasticity: Option<Spanned<f64>>,
    reference_price: Option<Spanned<f64>>,
}

/// Later values win, field by field.
fn pick<T: Clone>(base: &Option<T>, over: &Option<T>) -> Option<T> {
    over.clone().or_else(|| base.clone())
}

impl RawScenario {
    /// The base with `over` laid on top, nested tables merged field by field.
    fn overlay(&self, over: &RawScenario) -> RawScenario {
        let marketing = match (&self.marketing, &over.marketing) {
            (Some(base), Some(over)) => {
                let (b, o) = (base.get_ref(), over.get_ref());
                // A variant that picks a fixed uplift or a Hill curve drops the base's other choice.
                let b = match (&o.uplift, &o.response) {
                    (Some(_), _) => &RawMarketing {
                        spend: b.spend.clone(),
                        ..RawMarketing::default()
                    },
                    (None, Some(_)) => &RawMarketing {
                        uplift: None,
                        ..b.clone()
                    },
                    (None, None) => b,
                };
                Some(Spanned::new(
                    over.span(),
                    RawMarketing {
                        spend: pick(&b.spend, &o.spend),
                        uplift: pick(&b.uplift, &o.uplift),
                        response: pick(&b.response, &o.response),
                        max_uplift: pick(&b.max_uplift, &o.max_uplift),
                        half_saturation_spend: pick(&b.half_saturation_spend, &o.half_saturation_spend),
                        shape: pick(&b.shape, &o.shape),
                    },
                ))
            }
            (base, over) => pick(base, over),
        };
        let demand_curve = match (&self.demand_curve, &over.demand_curve) {
            (Some(base), Some(over)) => {
                let (b, o) = (base.get_ref(), over.get_ref());
                Some(Spanned::new(
                    over.span(),
                    RawDemandCurve {
                        kind: pick(&b.kind, &o.kind),
                        elasticity: pick(&b.elasticity, &o.elasticity),
                        reference_price: pick(&b.reference_price, &o.reference_price),
                    },
                ))
            }
            (base, over) => pick(base, over),
        };
        // `reference_price` defaults to the price at which `demand` holds:
        // the base's, unless the variant states its own demand. A variant
        // that only raises the price moves along the curve; it does not
        // carry the curve's reference point with it.
        let demand_curve = demand_curve.map(|curve| {
            let (span, mut c) = (curve.span(), curve.into_inner());
            if c.reference_price.is_none() && over.demand.is_none() && over.price.is_some() {
                c.reference_price = self.price.clone();
            }
            Spanned::new(span, c)
        });
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
            demand_curve,
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
        let scenario;
        let raw = match variant {
            None => {
                scenario = self.base()?;
                &self.raw
            }
            Some(name) => {
                scenario = self.variant(name)?;
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
            scenario: &scenario,
        };
        let Some(table) = raw.uncertainty.as_ref() else {
            return Ok(None);
        };
        if table.get_ref().is_empty() {
            // An empty table is a slip (a file half written), not a model
            // with no uncertainty: say so rather than simulate a constant.
            return Err(cx.error(
                "`uncertainty` gives no input a distribution".to_string(),
                table.span(),
                "give at least one input a distribution, as `price = { normal = { mean = 100, sd = 5 } }`, or remove the table",
            ));
        }
        crate::uncertainty::validate(table.get_ref(), &cx).map(Some)
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
        let marketing_response = match &raw.marketing {
            Some(m) => checker.hill(m.get_ref())?,
            None => None,
        };
        let demand_curve = match &raw.demand_curve {
            Some(c) => Some(checker.demand_curve(c, raw.price.as_ref(), price)?),
            None => None,
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
            demand_curve,
            marketing_response,
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
    /// Finite and above zero.
    Positive,
    /// Finite and at most zero.
    NonPositive,
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
            Bound::Positive => "a finite number greater than 0",
            Bound::NonPositive => "a finite number at most 0",
        };
        let problem = if v.is_nan() {
            Some(format!("`{field}` is nan"))
        } else if v.is_infinite() {
            Some(format!("`{field}` is infinite"))
        } else if bound == Bound::NonNegative && v < 0.0 {
            Some(format!("`{field}` must be at least 0, found {v}"))
        } else if bound == Bound::Positive && v <= 0.0 {
            Some(format!("`{field}` must be greater than 0, found {v}"))
        } else if bound == Bound::NonPositive && v > 0.0 {
            Some(format!("`{field}` must be at most 0, found {v}"))
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

    /// The Hill response of a `[marketing]` table, if it asks for one.
    fn hill(&self, m: &RawMarketing) -> Result<Option<HillResponse>, Diagnostic> {
        let Some(response) = &m.response else {
            let stray = [
                ("max_uplift", &m.max_uplift),
                ("half_saturation_spend", &m.half_saturation_spend),
                ("shape", &m.shape),
            ];
            if let Some((name, Some(value))) = stray.into_iter().find(|(_, v)| v.is_some()) {
                return Err(self
                    .diagnostic(format!("`marketing.{name}` needs `response = \"hill\"`"), Some(value.span()))
                    .help("add `response = \"hill\"` to `[marketing]` for a saturating uplift, or remove the Hill fields to keep a fixed `uplift`"));
            }
            return Ok(None);
        };
        if let Some(uplift) = &m.uplift {
            return Err(self
                .diagnostic(
                    "`marketing.uplift` and `response = \"hill\"` both set the uplift".into(),
                    Some(uplift.span()),
                )
                .help("keep `uplift` for a fixed uplift (and remove `response` and the Hill fields), or remove `uplift` to let the Hill curve compute it from spend"));
        }
        let required = |value: &Option<Spanned<f64>>, field: &str| match value {
            Some(v) => self.check(v, field, Bound::Positive),
            None => Err(self
                .diagnostic(format!("missing field `{field}`"), Some(response.span()))
                .help(format!("`response = \"hill\"` needs `{field}`: {}", describe(field)))),
        };
        Ok(Some(HillResponse {
            max_uplift: required(&m.max_uplift, "marketing.max_uplift")?,
            half_saturation_spend: required(&m.half_saturation_spend, "marketing.half_saturation_spend")?,
            shape: match &m.shape {
                Some(v) => self.check(v, "marketing.shape", Bound::Positive)?,
                None => 1.0,
            },
        }))
    }

    /// The `[demand_curve]` table; its reference price defaults to the file's price.
    fn demand_curve(
        &self,
        c: &Spanned<RawDemandCurve>,
        price_span: Option<&Spanned<f64>>,
        price: f64,
    ) -> Result<DemandCurve, Diagnostic> {
        let raw = c.get_ref();
        let kind = match &raw.kind {
            Some(kind) => *kind.get_ref(),
            None => {
                return Err(self
                    .diagnostic("missing field `demand_curve.kind`".into(), Some(c.span()))
                    .help(format!(
                        "add `kind = \"constant_elasticity\"` or `kind = \"linear\"`: {}",
                        describe("demand_curve.kind")
                    )));
            }
        };
        let elasticity = match &raw.elasticity {
            Some(e) => self.check(e, "demand_curve.elasticity", Bound::NonPositive)?,
            None => {
                return Err(self
                    .diagnostic("missing field `demand_curve.elasticity`".into(), Some(c.span()))
                    .help(format!(
                        "add `elasticity = ...`: {}",
                        describe("demand_curve.elasticity")
                    )));
            }
        };
        let reference_price = match &raw.reference_price {
            Some(p) => self.check(p, "demand_curve.reference_price", Bound::Positive)?,
            None if price > 0.0 => price,
            None => {
                return Err(self
                    .diagnostic(
                        "`demand_curve.reference_price` defaults to `price`, which is 0".into(),
                        price_span.map(Spanned::span),
                    )
                    .help("set `reference_price` in `[demand_curve]` to the price, above 0, at which `demand` holds"));
            }
        };
        Ok(DemandCurve {
            kind,
            elasticity,
            reference_price,
        })
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
        "marketing.max_uplift" => "the uplift unlimited spend would approach (0.8 = +80%)",
        "marketing.half_saturation_spend" => "the spend that buys half of `max_uplift`",
        "marketing.shape" => {
            "the Hill curve's steepness: 1 = diminishing returns from the first unit, above 1 = S-shaped"
        }
        "demand_curve.kind" => "the demand curve's shape, `constant_elasticity` or `linear`",
        "demand_curve.elasticity" => {
            "the price elasticity of demand at the reference price (-1.8: 1% dearer sells 1.8% fewer)"
        }
        "demand_curve.reference_price" => "the price at which `demand` holds",
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
    let message = plain_message(error.message().trim(), error.span().and_then(|span| text.get(span)));
    let headline = match message.split_once(", expected one of") {
        Some((head, _)) if message.starts_with("unknown field") => head.to_string(),
        _ => message.clone(),
    };
    // Name the field the error is about, unless the message already does.
    let headline = match error.span().and_then(|span| field_at(text, span.start)) {
        Some(field) if !message.starts_with("unknown field") && !message.starts_with("duplicate key") => {
            format!("`{field}`: {headline}")
        }
        _ => headline,
    };
    let headline = match error.span().and_then(|span| variant_at(text, span.start)) {
        Some(variant) => format!("in variant `{variant}`: {headline}"),
        None => headline,
    };
    let mut diagnostic = Diagnostic::new(source, headline).at(text, error.span());
    if message.starts_with("missing field")
        && let Some(help) = error.span().and_then(|span| distribution_parameters(text, span.start))
    {
        diagnostic = diagnostic.help(help);
    }
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

/// serde's and toml's messages in the words of a scenario file: no Rust
/// type names (`struct RawMarketing`), and what to write instead.
fn plain_message(message: &str, offending: Option<&str>) -> String {
    let message = message.replace("expected f64", "expected a number");
    let looks_like_date = offending.is_some_and(|t| {
        let t = t.trim();
        t.len() >= 8
            && t.bytes().next().is_some_and(|b| b.is_ascii_digit())
            && (t.contains(':') || t.get(4..).is_some_and(|r| r.starts_with('-')))
    });
    if message.starts_with("invalid type: map, expected a number") && looks_like_date {
        return "found a date or time, expected a number".to_string();
    }
    if let Some(rest) = message.strip_prefix("invalid type: integer `")
        && let Some((digits, _)) = rest.split_once("` as i128")
    {
        return format!(
            "the integer {digits} is too large for TOML (integers are 64-bit); write it as a float, as `{}`",
            digits
                .parse::<f64>()
                .map_or_else(|_| "1e20".to_string(), |v| format!("{v:e}"))
        );
    }
    let replacements = [
        (
            "expected struct RawMarketing",
            "expected a table of marketing fields, as `{ spend = 20000, uplift = 0.5 }`",
        ),
        (
            "expected struct RawDemandCurve",
            "expected a table, as `{ kind = \"constant_elasticity\", elasticity = -1.5 }`",
        ),
        (
            "expected struct RawScenario",
            "expected a table of the variant's fields, as `[scenarios.premium]` with `price = 130` under it",
        ),
        (
            "expected struct RawCorrelation",
            "expected a table, as `{ inputs = [\"price\", \"demand\"], rank = -0.6 }`",
        ),
        (
            "expected enum",
            "expected a distribution, as `{ normal = { mean = 100, sd = 5 } }`",
        ),
        (
            "expected a sequence",
            "expected an array: write correlations as `[[uncertainty.correlation]]` (double brackets), one table each",
        ),
    ];
    for (from, to) in replacements {
        if message.contains(from) {
            return message.replace(from, to);
        }
    }
    if let Some((_, variant)) = message.split_once("expected struct variant Raw") {
        // `RawDistribution::Normal`: the parameters of one distribution.
        let name = variant.rsplit("::").next().unwrap_or(variant).to_lowercase();
        let head = message.split_once(", expected").map_or(message.as_str(), |(h, _)| h);
        return format!("{head}, expected a table of the `{name}` distribution's parameters");
    }
    if message == "wanted string or table" {
        return "expected a string in quotes".to_string();
    }
    message
}

/// The dotted name of the field whose value starts at byte `offset`: the
/// key on that line (the first, for an inline table) under the table
/// header above it, as `demand_curve.kind` or `uncertainty.price`.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &before[line_start..];
    if line.trim().is_empty() {
        // The value is a table header itself: `[marketing]`.
        let header = text.get(offset..)?.strip_prefix('[')?;
        let name = header.trim_start_matches('[').split(']').next()?.trim();
        return Some(name.to_string());
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = before[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[').map(|h| {
            h.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
    });
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

/// For a missing parameter of an `[uncertainty]` distribution (the table at
/// `offset` follows `normal = `, `pert = ` ...), the parameters it takes.
fn distribution_parameters(text: &str, offset: usize) -> Option<String> {
    let name = match text.get(offset..)?.strip_prefix('[') {
        // A table header, `[uncertainty.price.range]`: its last key.
        Some(header) => header.split(']').next()?.rsplit('.').next()?.trim(),
        None => text
            .get(..offset)?
            .trim_end()
            .strip_suffix('=')?
            .trim_end()
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()?,
    };
    let takes = match name {
        "normal" => "`mean` and `sd` (above 0), and optionally `min` and `max`",
        "lognormal" => "`median` and `sigma`, or `mean` and `sd`, and optionally `min` and `max`",
        "uniform" => "`min` and `max`",
        "triangular" | "pert" => "`min`, `mode` and `max`",
        "range" => "`low` and `high` (a 90% interval), and optionally `min` and `max`",
        _ => return None,
    };
    Some(format!("a `{name}` distribution takes {takes}"))
}

/// The variant whose table holds byte `offset` of the text: the last table
/// header before it is `[scenarios.NAME]` (or `[scenarios.NAME.marketing]`),
/// or the offending line is a dotted key `scenarios.NAME.field = ...`. Lets a
/// parse error (an unknown key) name the variant, not only the line.
fn variant_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let name_after = |path: &str| -> Option<String> {
        let rest = path
            .trim()
            .strip_prefix("scenarios")?
            .trim_start()
            .strip_prefix('.')?
            .trim_start();
        let name = match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next()?,
            None => rest.split(['.', ']', '=', ' ']).next()?,
        };
        (!name.is_empty()).then(|| name.to_string())
    };
    let line = text[line_start..].lines().next().unwrap_or("");
    if let Some(name) = name_after(line) {
        return Some(name);
    }
    let header = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))?;
    name_after(header.trim_start_matches('['))
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
    fn an_unknown_key_in_a_variant_names_the_variant() {
        let text = format!("{SEED}[scenarios.cheap]\nprize = 1\n");
        let e = ScenarioFile::parse(&text, "plan.toml").unwrap_err();
        assert_eq!(e.message, "in variant `cheap`: unknown field `prize`");
        let text = format!("{SEED}[scenarios.campaign]\nmarketing = {{ spnd = 1 }}\n");
        let e = ScenarioFile::parse(&text, "plan.toml").unwrap_err();
        assert!(
            e.message.starts_with("in variant `campaign`: unknown field `spnd`"),
            "{}",
            e.message
        );
        assert!(e.help.unwrap().starts_with("did you mean `spend`?"));
        let text = format!("{SEED}scenarios.\"big push\".prize = 1\n");
        let e = ScenarioFile::parse(&text, "plan.toml").unwrap_err();
        assert_eq!(e.message, "in variant `big push`: unknown field `prize`");
    }

    #[test]
    fn an_unknown_key_in_the_base_names_no_variant() {
        let text = format!("prise = 1\n{SEED}[scenarios.cheap]\nprice = 1\n");
        let e = ScenarioFile::parse(&text, "plan.toml").unwrap_err();
        assert_eq!(e.message, "unknown field `prise`");
        let text = format!("{SEED}[scenarios.cheap]\nprice = 1\n[marketing]\nspnd = 1\n");
        let e = ScenarioFile::parse(&text, "plan.toml").unwrap_err();
        assert!(e.message.starts_with("unknown field `spnd`"), "{}", e.message);
    }

    #[test]
    fn a_demand_curve_reads_and_its_reference_price_defaults_to_the_price() {
        let s = parse(&format!("{SEED}[demand_curve]\nkind = \"linear\"\nelasticity = -1.5\n")).unwrap();
        assert_eq!(
            s.demand_curve,
            Some(DemandCurve {
                kind: CurveKind::Linear,
                elasticity: -1.5,
                reference_price: 100.0
            })
        );
    }

    /// A variant that only changes the price moves along the base's curve;
    /// one that restates demand states a new reference point.
    #[test]
    fn a_variants_price_moves_along_the_curve_its_demand_restates_the_reference() {
        let text = "price = 12\nunit_variable_cost = 5\nfixed_cost = 50000\ndemand = 30000\n\
                    [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\n\
                    [scenarios.dear]\nprice = 14\n[scenarios.restated]\nprice = 14\ndemand = 25000\n";
        let file = ScenarioFile::parse(text, "v.toml").unwrap();
        let reference = |name: &str| file.variant(name).unwrap().demand_curve.unwrap().reference_price;
        assert_eq!(reference("dear"), 12.0);
        assert_eq!(reference("restated"), 14.0);
        // 30,000 x (14 / 12)^-2 = 22,040.816...; (14 - 5) x that - 50,000 = 148,367.35
        let dear = crate::evaluate(&file.variant("dear").unwrap()).unwrap().results;
        assert!((dear.units_sold - 30_000.0 * (12.0f64 / 14.0).powi(2)).abs() < 1e-9);
        assert!((dear.profit - 148_367.346_938_775_5).abs() < 1e-6);
    }

    #[test]
    fn a_positive_elasticity_points_at_its_line() {
        let e = parse(&format!("{SEED}[demand_curve]\nkind = \"linear\"\nelasticity = 0.5\n")).unwrap_err();
        assert_eq!(e.message, "`demand_curve.elasticity` must be at most 0, found 0.5");
        assert_eq!(e.location.unwrap().line, 7);
    }

    #[test]
    fn an_unknown_curve_kind_is_located() {
        let e = parse(&format!("{SEED}[demand_curve]\nkind = \"log\"\nelasticity = -1\n")).unwrap_err();
        assert!(e.message.contains("unknown variant `log`"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, 6);
    }

    #[test]
    fn a_hill_response_reads_with_shape_one_by_default() {
        let s = parse(&format!(
            "{SEED}[marketing]\nspend = 5\nresponse = \"hill\"\nmax_uplift = 0.8\nhalf_saturation_spend = 15000\n"
        ))
        .unwrap();
        assert_eq!(
            s.marketing_response,
            Some(HillResponse {
                max_uplift: 0.8,
                half_saturation_spend: 15_000.0,
                shape: 1.0
            })
        );
        assert_eq!(s.marketing.unwrap().uplift, 0.0);
    }

    #[test]
    fn a_fixed_uplift_and_a_hill_response_together_say_which_to_keep() {
        let e = parse(&format!(
            "{SEED}[marketing]\nuplift = 0.5\nresponse = \"hill\"\nmax_uplift = 0.8\nhalf_saturation_spend = 1\n"
        ))
        .unwrap_err();
        assert_eq!(
            e.message,
            "`marketing.uplift` and `response = \"hill\"` both set the uplift"
        );
        assert_eq!(e.location.unwrap().line, 6);
        assert!(e.help.unwrap().starts_with("keep `uplift` for a fixed uplift"));
    }

    #[test]
    fn hill_parameters_must_be_positive_and_need_the_response() {
        let e = parse(&format!(
            "{SEED}[marketing]\nresponse = \"hill\"\nmax_uplift = 0.8\nhalf_saturation_spend = 0\n"
        ))
        .unwrap_err();
        assert_eq!(
            e.message,
            "`marketing.half_saturation_spend` must be greater than 0, found 0"
        );
        let e = parse(&format!("{SEED}[marketing]\nresponse = \"hill\"\nmax_uplift = 0.8\n")).unwrap_err();
        assert_eq!(e.message, "missing field `marketing.half_saturation_spend`");
        let e = parse(&format!("{SEED}[marketing]\nshape = 2\n")).unwrap_err();
        assert_eq!(e.message, "`marketing.shape` needs `response = \"hill\"`");
    }

    #[test]
    fn a_variant_can_switch_a_fixed_uplift_to_a_hill_curve_and_overlay_the_curve() {
        let text = format!(
            "{SEED}[marketing]\nspend = 100\nuplift = 0.1\n[demand_curve]\nkind = \"linear\"\nelasticity = -1\n\
             [scenarios.hill]\nmarketing = {{ response = \"hill\", max_uplift = 0.5, half_saturation_spend = 100 }}\n\
             demand_curve = {{ elasticity = -2 }}\n"
        );
        let v = ScenarioFile::parse(&text, "plan.toml")
            .unwrap()
            .variant("hill")
            .unwrap();
        assert_eq!(v.marketing.as_ref().unwrap().spend, 100.0);
        assert_eq!(v.marketing_response.unwrap().max_uplift, 0.5);
        let curve = v.demand_curve.unwrap();
        assert_eq!((curve.kind, curve.elasticity), (CurveKind::Linear, -2.0));
    }

    #[test]
    fn list_joins_with_and() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
