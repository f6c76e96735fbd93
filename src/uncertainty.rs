//! Uncertain inputs: the `[uncertainty]` table of a scenario.
//!
//! Each uncertain input gets a [`Distribution`], optionally truncated, and
//! pairs of inputs may be rank-correlated through a Gaussian copula. The raw
//! form keeps positions (`toml::Spanned`) so that every error names the line;
//! `validate` turns it into an [`Uncertainty`] of plain numbers.

use std::collections::BTreeMap;
use std::f64::consts::{PI, SQRT_2};
use std::fmt;
use std::ops::Range;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::input::Input;

/// The z of a 95% one-sided normal quantile: a 90% interval is mean +/- Z90 sd.
const Z90: f64 = 1.644_853_626_951_472_2;

/// A probability distribution of one input, before truncation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Distribution {
    /// Normal with a mean and a standard deviation (> 0).
    Normal { mean: f64, sd: f64 },
    /// `exp(mu + sigma z)`: median `exp(mu)`, `sigma` (> 0) on the log scale.
    Lognormal { mu: f64, sigma: f64 },
    /// Every value in `[min, max]` equally likely.
    Uniform { min: f64, max: f64 },
    /// Triangular on `[min, max]`, peaking at `mode`.
    Triangular { min: f64, mode: f64, max: f64 },
    /// PERT: a Beta(alpha, beta) scaled to `[min, max]`, with
    /// `alpha = 1 + 4 (mode - min) / (max - min)`, `beta = 1 + 4 (max - mode) / (max - min)`.
    Pert { min: f64, mode: f64, max: f64 },
}

impl Distribution {
    /// The PERT shape parameters (alpha, beta).
    fn pert_shape(min: f64, mode: f64, max: f64) -> (f64, f64) {
        let w = max - min;
        (1.0 + 4.0 * (mode - min) / w, 1.0 + 4.0 * (max - mode) / w)
    }

    /// The mean of the untruncated distribution.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Normal { mean, .. } => mean,
            Distribution::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Uniform { min, max } => (min + max) / 2.0,
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Pert { min, mode, max } => (min + 4.0 * mode + max) / 6.0,
        }
    }

    /// The variance of the untruncated distribution.
    pub fn variance(&self) -> f64 {
        match *self {
            Distribution::Normal { sd, .. } => sd * sd,
            Distribution::Lognormal { mu, sigma } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * (2.0 * mu + s2).exp()
            }
            Distribution::Uniform { min, max } => (max - min).powi(2) / 12.0,
            Distribution::Triangular { min, mode, max } => {
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0
            }
            Distribution::Pert { min, mode, max } => {
                let (a, b) = Distribution::pert_shape(min, mode, max);
                (max - min).powi(2) * a * b / ((a + b).powi(2) * (a + b + 1.0))
            }
        }
    }

    /// The cumulative distribution function.
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            Distribution::Normal { mean, sd } => normal_cdf((x - mean) / sd),
            Distribution::Lognormal { mu, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    normal_cdf((x.ln() - mu) / sigma)
                }
            }
            Distribution::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
            Distribution::Triangular { min, mode, max } => {
                if x <= min {
                    0.0
                } else if x >= max {
                    1.0
                } else if x <= mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
            Distribution::Pert { min, mode, max } => {
                let (a, b) = Distribution::pert_shape(min, mode, max);
                beta_cdf(((x - min) / (max - min)).clamp(0.0, 1.0), a, b)
            }
        }
    }

    /// The quantile function (inverse CDF) for `p` in (0, 1).
    pub fn quantile(&self, p: f64) -> f64 {
        match *self {
            Distribution::Normal { mean, sd } => mean + sd * normal_quantile(p),
            Distribution::Lognormal { mu, sigma } => (mu + sigma * normal_quantile(p)).exp(),
            Distribution::Uniform { min, max } => min + p * (max - min),
            Distribution::Triangular { min, mode, max } => {
                let w = max - min;
                if p * w <= mode - min {
                    min + (p * w * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * w * (max - mode)).sqrt()
                }
            }
            Distribution::Pert { min, mode, max } => {
                let (a, b) = Distribution::pert_shape(min, mode, max);
                min + (max - min) * beta_quantile(p, a, b)
            }
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Six significant digits, trailing zeros trimmed.
        let g = |v: f64| {
            if v == 0.0 {
                return "0".to_string();
            }
            if v.abs() >= 1e15 || v.abs() < 1e-6 {
                let text = format!("{v:.5e}");
                let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
                return format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'));
            }
            let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
            let text = format!("{v:.decimals$}");
            if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        };
        match *self {
            Distribution::Normal { mean, sd } => write!(f, "normal(mean {}, sd {})", g(mean), g(sd)),
            Distribution::Lognormal { mu, sigma } => {
                write!(f, "lognormal(median {}, sigma {})", g(mu.exp()), g(sigma))
            }
            Distribution::Uniform { min, max } => write!(f, "uniform({}, {})", g(min), g(max)),
            Distribution::Triangular { min, mode, max } => {
                write!(f, "triangular({}, {}, {})", g(min), g(mode), g(max))
            }
            Distribution::Pert { min, mode, max } => write!(f, "pert({}, {}, {})", g(min), g(mode), g(max)),
        }
    }
}

/// One uncertain input: its distribution, truncated to `[min, max]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertainInput {
    #[serde(serialize_with = "serialize_input")]
    pub input: Input,
    pub distribution: Distribution,
    /// The lower truncation bound: the larger of the `min` given and the input's own minimum.
    #[serde(serialize_with = "serialize_bound")]
    pub min: f64,
    /// The upper truncation bound (+infinity when none).
    #[serde(serialize_with = "serialize_bound")]
    pub max: f64,
    /// The share of the untruncated distribution outside `[min, max]`: how
    /// often a draw had to be truncated.
    pub truncated_share: f64,
    /// Whether the truncation came (at least in part) from the input's own bounds.
    pub truncated_by_input_bounds: bool,
}

fn serialize_input<S: serde::Serializer>(input: &Input, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(input.name())
}

fn serialize_bound<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else {
        s.serialize_none()
    }
}

impl UncertainInput {
    /// The probability mass kept by the truncation, `F(max) - F(min)`.
    pub fn kept_mass(&self) -> f64 {
        self.distribution.cdf(self.max) - self.distribution.cdf(self.min)
    }

    /// The quantile of the truncated distribution.
    pub fn quantile(&self, p: f64) -> f64 {
        let lo = self.distribution.cdf(self.min);
        let hi = self.distribution.cdf(self.max);
        self.distribution.quantile(lo + p * (hi - lo)).clamp(self.min, self.max)
    }
}

/// A rank (Spearman) correlation asked between two uncertain inputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankCorrelation {
    #[serde(serialize_with = "serialize_input")]
    pub a: Input,
    #[serde(serialize_with = "serialize_input")]
    pub b: Input,
    pub rank: f64,
}

/// The validated `[uncertainty]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncertainty {
    /// The uncertain inputs, in the order of [`Input::ALL`].
    pub inputs: Vec<UncertainInput>,
    pub correlations: Vec<RankCorrelation>,
}

/// The correlation matrix is not valid (not positive semi-definite).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the rank correlations are inconsistent: no set of inputs can have them all (the matrix is not positive semi-definite)"
)]
pub struct NotPositiveSemiDefinite {
    /// The index in [`Uncertainty::correlations`] of the first correlation
    /// that cannot hold together with the ones listed before it.
    pub culprit: usize,
}

impl Uncertainty {
    /// The lower-triangular Cholesky factor (row-major, `k x k`) of the Pearson
    /// correlation matrix of the copula's normals, one row and column per
    /// uncertain input; `None` when no inputs are correlated.
    ///
    /// Rank correlations become Pearson ones by `r = 2 sin(pi rho_s / 6)`, the
    /// exact relation for a bivariate normal.
    pub fn correlation_factor(&self) -> Result<Option<Vec<f64>>, NotPositiveSemiDefinite> {
        if self.correlations.is_empty() {
            return Ok(None);
        }
        match cholesky(&self.pearson_matrix(self.correlations.len())) {
            Some(l) => Ok(Some(l)),
            None => {
                let culprit = (0..self.correlations.len())
                    .find(|&last| cholesky(&self.pearson_matrix(last + 1)).is_none())
                    .unwrap_or(self.correlations.len() - 1);
                Err(NotPositiveSemiDefinite { culprit })
            }
        }
    }

    fn index_of(&self, input: Input) -> usize {
        self.inputs.iter().position(|u| u.input == input).unwrap_or(0)
    }

    /// The Pearson matrix of the first `count` correlations.
    fn pearson_matrix(&self, count: usize) -> Vec<f64> {
        let k = self.inputs.len();
        let mut m = vec![0.0; k * k];
        for i in 0..k {
            m[i * k + i] = 1.0;
        }
        for c in self.correlations.iter().take(count) {
            let (i, j) = (self.index_of(c.a), self.index_of(c.b));
            let r = 2.0 * (PI * c.rank / 6.0).sin();
            m[i * k + j] = r;
            m[j * k + i] = r;
        }
        m
    }
}

/// Cholesky factor of a symmetric `k x k` matrix, allowing semi-definite
/// matrices (a zero pivot within 1e-10 gives a zero column); `None` when the
/// matrix has a negative eigenvalue.
fn cholesky(m: &[f64]) -> Option<Vec<f64>> {
    let k = (m.len() as f64).sqrt().round() as usize;
    let mut l = vec![0.0; k * k];
    for j in 0..k {
        let mut d = m[j * k + j];
        for p in 0..j {
            d -= l[j * k + p] * l[j * k + p];
        }
        if d < -1e-10 {
            return None;
        }
        let d = d.max(0.0).sqrt();
        l[j * k + j] = d;
        for i in j + 1..k {
            let mut s = m[i * k + j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if d > 1e-10 {
                l[i * k + j] = s / d;
            } else if s.abs() > 1e-8 {
                return None;
            }
        }
    }
    Some(l)
}

// ---------------------------------------------------------------------------
// Special functions.

/// The standard normal CDF, from the complementary error function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// The complementary error function, by the Chebyshev fit of Numerical
/// Recipes (`erfcc`): fractional error below 1.2e-7 everywhere, far below
/// the sampling error of any simulation.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The standard normal quantile, by Acklam's rational approximation
/// (relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta function I_x(a, b) (continued fraction,
/// Numerical Recipes `betai`).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The Beta(a, b) quantile: Newton steps on [`beta_cdf`], kept inside a
/// shrinking bracket (bisection when a step leaves it).
fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let ln_norm = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b);
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    let mut x = a / (a + b);
    for _ in 0..200 {
        let f = beta_cdf(x, a, b) - p;
        if f > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        let pdf = (ln_norm + (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln()).exp();
        let mut next = x - f / pdf;
        if !next.is_finite() || next <= lo || next >= hi {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() < 1e-14 || hi - lo < 1e-15 {
            return next;
        }
        x = next;
    }
    x
}

// ---------------------------------------------------------------------------
// The raw form, as parsed from TOML.

/// The `[uncertainty]` table as written: one distribution per input name,
/// and `[[uncertainty.correlation]]` entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawUncertainty {
    inputs: Vec<(Spanned<String>, Spanned<RawDistribution>)>,
    correlation: Vec<Spanned<RawCorrelation>>,
}

impl RawUncertainty {
    /// Whether the table gives any input a distribution.
    pub(crate) fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }
}

impl<'de> Deserialize<'de> for RawUncertainty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawUncertainty;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of input distributions, as `price = { normal = { mean = 100, sd = 5 } }`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawUncertainty, A::Error> {
                let mut raw = RawUncertainty::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    if key.get_ref() == "correlation" {
                        raw.correlation = map.next_value()?;
                    } else {
                        let entry: Spanned<Entry> = map.next_value()?;
                        let span = entry.span();
                        raw.inputs.push((key, Spanned::new(span, entry.into_inner().0)));
                    }
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A distribution table, or a clear error for anything else (`price = 5`).
struct Entry(RawDistribution);

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a distribution, as `{ normal = { mean = 100, sd = 5 } }`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
                use serde::de::Error;
                let distribution = RawDistribution::deserialize(serde::de::value::MapAccessDeserializer::new(&mut map))
                    .map_err(|e| match e.to_string().strip_prefix("unknown variant ") {
                        Some(rest) => A::Error::custom(format!(
                            "unknown distribution {}",
                            rest.replacen("expected one of", "the distributions are", 1)
                        )),
                        None => e,
                    })?;
                // An enum read from a map takes its first entry and would ignore the rest.
                if let Some(second) = map.next_key::<String>()? {
                    return Err(A::Error::custom(format!(
                        "one input takes one distribution, found `{}` and `{second}`",
                        distribution.kind()
                    )));
                }
                Ok(Entry(distribution))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum RawDistribution {
    Normal {
        mean: Spanned<f64>,
        sd: Spanned<f64>,
        min: Option<Spanned<f64>>,
        max: Option<Spanned<f64>>,
    },
    Lognormal {
        median: Option<Spanned<f64>>,
        sigma: Option<Spanned<f64>>,
        mean: Option<Spanned<f64>>,
        sd: Option<Spanned<f64>>,
        min: Option<Spanned<f64>>,
        max: Option<Spanned<f64>>,
    },
    Uniform {
        min: Spanned<f64>,
        max: Spanned<f64>,
    },
    Triangular {
        min: Spanned<f64>,
        mode: Spanned<f64>,
        max: Spanned<f64>,
    },
    Pert {
        min: Spanned<f64>,
        mode: Spanned<f64>,
        max: Spanned<f64>,
    },
    Range {
        low: Spanned<f64>,
        high: Spanned<f64>,
        min: Option<Spanned<f64>>,
        max: Option<Spanned<f64>>,
    },
}

impl RawDistribution {
    /// The distribution's name, as written in the file.
    fn kind(&self) -> &'static str {
        match self {
            RawDistribution::Normal { .. } => "normal",
            RawDistribution::Lognormal { .. } => "lognormal",
            RawDistribution::Uniform { .. } => "uniform",
            RawDistribution::Triangular { .. } => "triangular",
            RawDistribution::Pert { .. } => "pert",
            RawDistribution::Range { .. } => "range",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorrelation {
    inputs: Spanned<Vec<Spanned<String>>>,
    rank: Spanned<f64>,
}

/// Where diagnostics point: the file, its text and the variant being read.
pub(crate) struct Context<'a> {
    pub source: &'a str,
    pub text: &'a str,
    pub variant: Option<&'a str>,
    /// The scenario the table belongs to: an uncertain input must be one it uses.
    pub scenario: &'a crate::Scenario,
}

impl Context<'_> {
    pub(crate) fn error(&self, message: String, span: Range<usize>, help: impl Into<String>) -> Diagnostic {
        let message = match self.variant {
            Some(v) => format!("in variant `{v}`: {message}"),
            None => message,
        };
        Diagnostic::new(self.source, message)
            .at(self.text, Some(span))
            .help(help)
    }
}

/// Validates the raw `[uncertainty]` table.
pub(crate) fn validate(raw: &RawUncertainty, cx: &Context) -> Result<Uncertainty, Diagnostic> {
    let mut by_input: BTreeMap<Input, UncertainInput> = BTreeMap::new();
    for (key, dist) in &raw.inputs {
        let input: Input = key
            .get_ref()
            .parse()
            .map_err(|e: crate::input::UnknownInput| {
                cx.error(
                    format!("`uncertainty`: {e}"),
                    key.span(),
                    "name an input by its path in the scenario, as `price` or `\"marketing.uplift\"` (quoted, for a dotted name)",
                )
            })?;
        let field = format!("uncertainty.{}", input.name());
        if let Some((message, help)) = unused(input, cx.scenario) {
            return Err(cx.error(format!("`{field}`: {message}"), key.span(), help));
        }
        let uncertain = validate_distribution(input, &field, dist, cx)?;
        if by_input.insert(input, uncertain).is_some() {
            return Err(cx.error(
                format!("`{}` is given two distributions", input.name()),
                key.span(),
                "give each input one distribution",
            ));
        }
    }
    let inputs: Vec<UncertainInput> = by_input.into_values().collect();

    let mut correlations: Vec<RankCorrelation> = Vec::new();
    let mut spans = Vec::new();
    for entry in &raw.correlation {
        let c = entry.get_ref();
        let names = c.inputs.get_ref();
        if names.len() != 2 {
            return Err(cx.error(
                format!("a correlation names two inputs, found {}", names.len()),
                c.inputs.span(),
                "write `inputs = [\"price\", \"demand\"]`",
            ));
        }
        let mut pair = [Input::Price; 2];
        for (slot, name) in pair.iter_mut().zip(names) {
            let input: Input = name.get_ref().parse().map_err(|e: crate::input::UnknownInput| {
                cx.error(
                    format!("`uncertainty.correlation`: {e}"),
                    name.span(),
                    "name two uncertain inputs",
                )
            })?;
            if !inputs.iter().any(|u| u.input == input) {
                return Err(cx.error(
                    format!("`{}` is correlated but has no distribution", input.name()),
                    name.span(),
                    format!(
                        "give it one in `[uncertainty]`, as `{} = {{ normal = {{ mean = ..., sd = ... }} }}`",
                        quoted_key(input)
                    ),
                ));
            }
            *slot = input;
        }
        if pair[0] == pair[1] {
            return Err(cx.error(
                format!("`{}` is correlated with itself", pair[0].name()),
                c.inputs.span(),
                "a correlation names two different inputs",
            ));
        }
        let rank = *c.rank.get_ref();
        if !(-1.0..=1.0).contains(&rank) {
            return Err(cx.error(
                format!(
                    "the rank correlation of `{}` and `{}` is {rank}",
                    pair[0].name(),
                    pair[1].name()
                ),
                c.rank.span(),
                "`rank` is a rank (Spearman) correlation: a number from -1 to 1",
            ));
        }
        if correlations
            .iter()
            .any(|o| (o.a == pair[0] && o.b == pair[1]) || (o.a == pair[1] && o.b == pair[0]))
        {
            return Err(cx.error(
                format!("`{}` and `{}` are correlated twice", pair[0].name(), pair[1].name()),
                c.inputs.span(),
                "give each pair of inputs one correlation",
            ));
        }
        correlations.push(RankCorrelation {
            a: pair[0],
            b: pair[1],
            rank,
        });
        spans.push(entry.span());
    }
    let uncertainty = Uncertainty { inputs, correlations };
    if let Err(e) = uncertainty.correlation_factor() {
        let c = &uncertainty.correlations[e.culprit];
        let message = format!(
            "the rank correlation of `{}` and `{}` ({}) is inconsistent with the correlations before it (pairs not listed count as uncorrelated)",
            c.a.name(),
            c.b.name(),
            c.rank
        );
        let span = spans[e.culprit].clone();
        return Err(cx.error(
            message,
            span,
            "no set of inputs can have all these correlations at once (the matrix is not positive semi-definite): weaken this one or the ones it conflicts with",
        ));
    }
    Ok(uncertainty)
}

/// Why an input has no value of its own in this scenario, when it has none: a
/// curve parameter without its curve (setting it would start a curve the file
/// does not have, or do nothing), and a fixed uplift when a Hill curve sets it
/// (setting it would replace the curve). Capacity and a fixed uplift may be
/// set without a point value. Used by `[uncertainty]` and `plan optimize`.
pub fn unused(input: Input, s: &crate::Scenario) -> Option<(String, String)> {
    match input {
        Input::DemandElasticity if s.demand_curve.is_none() => Some((
            "the scenario has no `[demand_curve]`, so it has no elasticity".into(),
            "add a `[demand_curve]` (`kind` and `elasticity`)".into(),
        )),
        Input::MarketingMaxUplift | Input::MarketingHalfSaturationSpend | Input::MarketingShape
            if s.marketing_response.is_none() =>
        {
            Some((
                format!(
                    "`{}` is a Hill curve parameter, and the scenario has no Hill curve (`response = \"hill\"` in `[marketing]`)",
                    input.name()
                ),
                "add the Hill curve to `[marketing]`, or use `marketing.uplift` instead".into(),
            ))
        }
        Input::MarketingUplift if s.marketing_response.is_some() => Some((
            "the uplift here comes from the Hill curve (`response = \"hill\"`), so it has no value of its own".into(),
            "use the curve's `marketing.max_uplift` (or `marketing.half_saturation_spend`, `marketing.shape`), or `marketing.spend`, instead".into(),
        )),
        _ => None,
    }
}

fn quoted_key(input: Input) -> String {
    if input.name().contains('.') {
        format!("\"{}\"", input.name())
    } else {
        input.name().to_string()
    }
}

fn validate_distribution(
    input: Input,
    field: &str,
    dist: &Spanned<RawDistribution>,
    cx: &Context,
) -> Result<UncertainInput, Diagnostic> {
    let finite = |v: &Spanned<f64>, name: &str| -> Result<f64, Diagnostic> {
        let x = *v.get_ref();
        if x.is_finite() {
            Ok(x)
        } else {
            Err(cx.error(
                format!("`{field}`: `{name}` is {x}"),
                v.span(),
                "distribution parameters are finite numbers",
            ))
        }
    };
    let positive = |v: &Spanned<f64>, name: &str| -> Result<f64, Diagnostic> {
        let x = finite(v, name)?;
        if x > 0.0 {
            Ok(x)
        } else {
            Err(cx.error(
                format!("`{field}`: `{name}` must be greater than 0, found {x}"),
                v.span(),
                format!(
                    "`{name}` measures the spread; 0 would make `{}` certain: give it a point value instead",
                    input.name()
                ),
            ))
        }
    };
    // A lognormal's median and mean place it; they must be above 0 because a
    // lognormal takes only positive values.
    let positive_centre = |v: &Spanned<f64>, name: &str| -> Result<f64, Diagnostic> {
        let x = finite(v, name)?;
        if x > 0.0 {
            Ok(x)
        } else {
            Err(cx.error(
                format!("`{field}`: a lognormal's `{name}` must be greater than 0, found {x}"),
                v.span(),
                "a lognormal takes only positive values; for a quantity that may be 0 or negative use `normal` or `range`",
            ))
        }
    };
    let ordered = |lo: &Spanned<f64>, lo_name: &str, hi: &Spanned<f64>, hi_name: &str, strict: bool| {
        let (a, b) = (finite(lo, lo_name)?, finite(hi, hi_name)?);
        if b < a || (strict && b == a) {
            Err(cx.error(
                format!(
                    "`{field}`: `{lo_name}` ({a}) must be {} `{hi_name}` ({b})",
                    if strict { "less than" } else { "at most" }
                ),
                hi.span(),
                format!("swap them, or give `{}` a point value if it is certain", input.name()),
            ))
        } else {
            Ok((a, b))
        }
    };
    let whole = dist.span();
    let (distribution, min, max) = match dist.get_ref() {
        RawDistribution::Normal { mean, sd, min, max } => (
            Distribution::Normal {
                mean: finite(mean, "mean")?,
                sd: positive(sd, "sd")?,
            },
            min,
            max,
        ),
        RawDistribution::Lognormal {
            median,
            sigma,
            mean,
            sd,
            min,
            max,
        } => {
            let d = match (median, sigma, mean, sd) {
                (Some(median), Some(sigma), None, None) => Distribution::Lognormal {
                    mu: positive_centre(median, "median")?.ln(),
                    sigma: positive(sigma, "sigma")?,
                },
                (None, None, Some(mean), Some(sd)) => {
                    let (m, s) = (positive_centre(mean, "mean")?, positive(sd, "sd")?);
                    // For a lognormal, sigma^2 = ln(1 + sd^2/mean^2) and mu = ln(mean) - sigma^2/2.
                    let s2 = (1.0 + (s / m).powi(2)).ln();
                    Distribution::Lognormal {
                        mu: m.ln() - s2 / 2.0,
                        sigma: s2.sqrt(),
                    }
                }
                _ => {
                    return Err(cx.error(
                        format!("`{field}`: a lognormal takes `median` and `sigma`, or `mean` and `sd`"),
                        whole,
                        "as `{ lognormal = { median = 10000, sigma = 0.2 } }` or `{ lognormal = { mean = 10200, sd = 2000 } }`",
                    ));
                }
            };
            (d, min, max)
        }
        RawDistribution::Uniform { min, max } => {
            let (a, b) = ordered(min, "min", max, "max", true)?;
            (Distribution::Uniform { min: a, max: b }, &None, &None)
        }
        RawDistribution::Triangular { min, mode, max } | RawDistribution::Pert { min, mode, max } => {
            ordered(min, "min", max, "max", true)?;
            let (a, m) = ordered(min, "min", mode, "mode", false)?;
            let (m, b) = ordered(mode, "mode", max, "max", false).map(|(m2, b)| (m2.max(m), b))?;
            let d = if matches!(dist.get_ref(), RawDistribution::Triangular { .. }) {
                Distribution::Triangular {
                    min: a,
                    mode: m,
                    max: b,
                }
            } else {
                Distribution::Pert {
                    min: a,
                    mode: m,
                    max: b,
                }
            };
            (d, &None, &None)
        }
        RawDistribution::Range { low, high, min, max } => {
            let (lo, hi) = ordered(low, "low", high, "high", true)?;
            // A 90% interval: 5% of the mass below `low`, 5% above `high`.
            let d = if lo > 0.0 {
                Distribution::Lognormal {
                    mu: (lo.ln() + hi.ln()) / 2.0,
                    sigma: (hi.ln() - lo.ln()) / (2.0 * Z90),
                }
            } else {
                Distribution::Normal {
                    mean: (lo + hi) / 2.0,
                    sd: (hi - lo) / (2.0 * Z90),
                }
            };
            (d, min, max)
        }
    };
    let user_min = min.as_ref().map(|v| finite(v, "min")).transpose()?;
    let user_max = max.as_ref().map(|v| finite(v, "max")).transpose()?;
    if let (Some(lo), Some(hi), Some(span)) = (user_min, user_max, max.as_ref()) {
        if lo >= hi {
            return Err(cx.error(
                format!("`{field}`: the truncation `min` ({lo}) must be less than `max` ({hi})"),
                span.span(),
                "`min` and `max` cut the distribution to the values between them",
            ));
        }
    }
    let (floor, ceiling) = (input.minimum(), input.maximum());
    let lo = user_min.map_or(floor, |m| m.max(floor));
    let hi = user_max.map_or(ceiling, |m| m.min(ceiling));
    let truncated_by_input_bounds = (user_min.is_none_or(|m| m < floor) && distribution.cdf(lo) > 0.0)
        || (user_max.is_none_or(|m| m > ceiling) && distribution.cdf(hi) < 1.0);
    let mut uncertain = UncertainInput {
        input,
        distribution,
        min: lo,
        max: hi,
        truncated_share: 0.0,
        truncated_by_input_bounds,
    };
    let kept = uncertain.kept_mass();
    if kept.is_nan() || kept <= 1e-6 {
        return Err(cx.error(
            format!(
                "`{field}`: the distribution puts (almost) no weight on values from {} to {}",
                if lo.is_finite() {
                    lo.to_string()
                } else {
                    "minus infinity".into()
                },
                if hi.is_finite() {
                    hi.to_string()
                } else {
                    "infinity".into()
                }
            ),
            whole,
            format!(
                "`{}` must be {}; move the distribution or its `min`/`max` so that it covers allowed values",
                input.name(),
                if ceiling.is_finite() {
                    format!("at most {ceiling}")
                } else {
                    format!("at least {floor}")
                }
            ),
        ));
    }
    uncertain.truncated_share = (1.0 - kept).max(0.0);
    if uncertain.truncated_share < 1e-12 {
        uncertain.truncated_share = 0.0;
    }
    Ok(uncertain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_and_quantile_match_tables() {
        // Phi(1.959964) = 0.975, Phi(0) = 0.5, Phi(-1.644854) = 0.05.
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_quantile(0.05) + 1.644_853_6).abs() < 1e-6);
        assert!((normal_quantile(0.999) - 3.090_232_3).abs() < 1e-6);
    }

    #[test]
    fn the_incomplete_beta_matches_closed_forms() {
        // Beta(1, 1) is uniform: I_x = x. Beta(2, 1): I_x = x^2.
        assert!((beta_cdf(0.3, 1.0, 1.0) - 0.3).abs() < 1e-12);
        assert!((beta_cdf(0.3, 2.0, 1.0) - 0.09).abs() < 1e-12);
        // Beta(3, 3): I_x = 10x^3 - 15x^4 + 6x^5; at 0.2: 0.08 - 0.024 + 0.00192 = 0.05792.
        assert!((beta_cdf(0.2, 3.0, 3.0) - 0.057_92).abs() < 1e-12);
        assert!((beta_quantile(0.057_92, 3.0, 3.0) - 0.2).abs() < 1e-10);
        assert!((beta_quantile(0.5, 2.5, 4.0) - 0.5).abs() > 0.05); // skewed
        let q = beta_quantile(0.37, 2.5, 4.0);
        assert!((beta_cdf(q, 2.5, 4.0) - 0.37).abs() < 1e-12);
    }

    #[test]
    fn moments_follow_the_textbook_formulas() {
        // Triangular(40, 50, 65): mean 155/3; var (1600+2500+4225-2000-2600-3250)/18 = 475/18.
        let t = Distribution::Triangular {
            min: 40.0,
            mode: 50.0,
            max: 65.0,
        };
        assert!((t.mean() - 155.0 / 3.0).abs() < 1e-12);
        assert!((t.variance() - 475.0 / 18.0).abs() < 1e-12);
        // PERT(0.2, 0.5, 0.8) is 0.2 + 0.6 Beta(3, 3): mean 0.5, var 0.36 x 9/(36 x 7) = 0.36/28.
        let p = Distribution::Pert {
            min: 0.2,
            mode: 0.5,
            max: 0.8,
        };
        assert!((p.mean() - 0.5).abs() < 1e-12);
        assert!((p.variance() - 0.36 / 28.0).abs() < 1e-12);
        // Triangular quantile at the mode's CDF (10/25 = 0.4) is the mode.
        assert!((t.quantile(0.4) - 50.0).abs() < 1e-9);
        assert!((t.cdf(50.0) - 0.4).abs() < 1e-12);
    }

    #[test]
    fn a_contradictory_correlation_matrix_names_the_pair_that_breaks_it() {
        let u = |input| UncertainInput {
            input,
            distribution: Distribution::Normal { mean: 1.0, sd: 1.0 },
            min: 0.0,
            max: f64::INFINITY,
            truncated_share: 0.0,
            truncated_by_input_bounds: false,
        };
        let c = |a, b, rank| RankCorrelation { a, b, rank };
        let unc = Uncertainty {
            inputs: vec![u(Input::Price), u(Input::FixedCost), u(Input::Demand)],
            correlations: vec![
                // Pearson 2 sin(0.1 pi) = 0.618 each: the first two hold (det 1 - 2 x 0.382 > 0),
                // the third breaks them (det 1 - 3 x 0.382 - 2 x 0.618^3 < 0).
                c(Input::Price, Input::Demand, 0.6),
                c(Input::Price, Input::FixedCost, 0.6),
                c(Input::FixedCost, Input::Demand, -0.6),
            ],
        };
        assert_eq!(unc.correlation_factor().unwrap_err().culprit, 2);
        // A perfect correlation is semi-definite, and allowed.
        let perfect = Uncertainty {
            inputs: vec![u(Input::Price), u(Input::Demand)],
            correlations: vec![c(Input::Price, Input::Demand, 1.0)],
        };
        assert!(perfect.correlation_factor().unwrap().is_some());
    }

    const SEED: &str = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n[uncertainty]\n";

    fn parse(extra: &str) -> Result<Option<Uncertainty>, Diagnostic> {
        crate::ScenarioFile::parse(&format!("{SEED}{extra}"), "u.toml")
            .unwrap()
            .uncertainty(None)
    }

    fn error(extra: &str) -> Diagnostic {
        match crate::ScenarioFile::parse(&format!("{SEED}{extra}"), "u.toml") {
            Err(e) => e,
            Ok(file) => file.uncertainty(None).unwrap_err(),
        }
    }

    #[test]
    fn the_issue_example_parses_into_typed_distributions() {
        let u = parse(
            "price = { normal = { mean = 100, sd = 5 } }\nunit_variable_cost = { triangular = { min = 40, mode = 50, max = 65 } }\nfixed_cost = { uniform = { min = 45000, max = 55000 } }\ndemand = { range = { low = 8000, high = 13000 } }\n\"marketing.uplift\" = { pert = { min = 0.2, mode = 0.5, max = 0.8 } }\n[[uncertainty.correlation]]\ninputs = [\"price\", \"demand\"]\nrank = -0.6\n",
        )
        .unwrap()
        .unwrap();
        let names: Vec<&str> = u.inputs.iter().map(|i| i.input.name()).collect();
        assert_eq!(
            names,
            [
                "price",
                "unit_variable_cost",
                "fixed_cost",
                "demand",
                "marketing.uplift"
            ]
        );
        // range 8000..13000 is a lognormal with those as P5 and P95.
        let demand = &u.inputs[3].distribution;
        assert!((demand.quantile(0.05) - 8000.0).abs() < 1e-3);
        assert!((demand.quantile(0.95) - 13000.0).abs() < 1e-3);
        assert_eq!(
            u.correlations,
            vec![RankCorrelation {
                a: Input::Price,
                b: Input::Demand,
                rank: -0.6
            }]
        );
        // A normal price of mean 100, sd 5 is cut at 0 only 20 sd away: nothing is truncated.
        assert_eq!(u.inputs[0].truncated_share, 0.0);
    }

    #[test]
    fn a_range_through_zero_is_normal_and_lognormal_takes_mean_and_sd() {
        let u = parse("price = { range = { low = -10, high = 10, min = 1 } }\ndemand = { lognormal = { mean = 10000, sd = 2000 } }\n")
            .unwrap()
            .unwrap();
        assert!(matches!(u.inputs[0].distribution, Distribution::Normal { mean, .. } if mean == 0.0));
        assert_eq!(u.inputs[0].min, 1.0);
        // Half the normal lies below 0 and a bit more below 1: truncated_share = Phi(1 / (10 / 1.645)).
        assert!(u.inputs[0].truncated_share > 0.5);
        let d = &u.inputs[1].distribution;
        assert!((d.mean() - 10000.0).abs() < 1e-6);
        assert!((d.variance().sqrt() - 2000.0).abs() < 1e-6);
    }

    #[test]
    fn a_negative_demand_is_truncated_at_the_input_bound_and_reported() {
        // Normal(100, 100) has Phi(-1) = 15.87% below 0.
        let u = parse("demand = { normal = { mean = 100, sd = 100 } }\n")
            .unwrap()
            .unwrap();
        assert!((u.inputs[0].truncated_share - 0.158_655).abs() < 1e-5);
        assert!(u.inputs[0].truncated_by_input_bounds);
    }

    #[test]
    fn no_uncertainty_table_is_none() {
        let file = crate::ScenarioFile::parse(
            "price = 1\nunit_variable_cost = 0\nfixed_cost = 0\ndemand = 1\n",
            "u.toml",
        )
        .unwrap();
        assert_eq!(file.uncertainty(None).unwrap(), None);
    }

    #[test]
    fn a_variant_replaces_the_uncertainty_table() {
        let text = format!(
            "{SEED}price = {{ normal = {{ mean = 100, sd = 5 }} }}\n[scenarios.calm]\nuncertainty = {{ demand = {{ uniform = {{ min = 1, max = 2 }} }} }}\n"
        );
        let file = crate::ScenarioFile::parse(&text, "u.toml").unwrap();
        let u = file.uncertainty(Some("calm")).unwrap().unwrap();
        assert_eq!(u.inputs.len(), 1);
        assert_eq!(u.inputs[0].input, Input::Demand);
        assert!(file.uncertainty(Some("nope")).is_err());
    }

    #[test]
    fn an_unknown_distribution_is_located() {
        let e = error("price = { gaussian = { mean = 1, sd = 2 } }\n");
        assert!(e.message.contains("unknown distribution `gaussian`"), "{}", e.message);
        assert!(e.message.contains("`normal`"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, 6);
    }

    /// Regression: a second distribution in the same table was silently ignored.
    #[test]
    fn one_input_with_two_distributions_is_an_error() {
        let e = error("price = { uniform = { min = 1, max = 6 }, normal = { mean = 5, sd = 1 } }\n");
        assert!(e.message.contains("one input takes one distribution"), "{}", e.message);
        assert!(
            e.message.contains("`uniform`") && e.message.contains("`normal`"),
            "{}",
            e.message
        );
        assert_eq!(e.location.unwrap().line, 6);
        let e = error("[uncertainty.demand]\nuniform = { min = 1, max = 2 }\nnormal = { mean = 10, sd = 1 }\n");
        assert!(e.message.contains("one input takes one distribution"), "{}", e.message);
    }

    /// Regression: the elasticity (at most 0) was truncated only below, so
    /// about a third of normal(-0.5, 1) came out as positive elasticities.
    #[test]
    fn an_uncertain_elasticity_is_truncated_at_zero_and_reported() {
        let text = format!(
            "{}[demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -1.5\n\
             [uncertainty]\n\"demand_curve.elasticity\" = {{ normal = {{ mean = -0.5, sd = 1 }} }}\n",
            SEED.trim_end_matches("[uncertainty]\n")
        );
        let u = crate::ScenarioFile::parse(&text, "u.toml")
            .unwrap()
            .uncertainty(None)
            .unwrap()
            .unwrap();
        let e = &u.inputs[0];
        assert_eq!((e.min, e.max), (f64::NEG_INFINITY, 0.0));
        // P(N(-0.5, 1) > 0) = 1 - Phi(0.5) = 0.308538.
        assert!((e.truncated_share - 0.308_538).abs() < 1e-5, "{}", e.truncated_share);
        assert!(e.truncated_by_input_bounds);
        // Every quantile of the truncated distribution is at most 0.
        assert!(e.quantile(0.999_999) <= 0.0);
    }

    #[test]
    fn a_curve_parameter_without_its_curve_cannot_be_uncertain() {
        // Without a demand curve, drawing the elasticity would start a curve through each drawn
        // price, which does nothing: say so instead.
        let e = error("\"demand_curve.elasticity\" = { normal = { mean = -1, sd = 0.2 } }\n");
        assert!(e.message.contains("has no `[demand_curve]`"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, 6);
        let e = error("\"marketing.max_uplift\" = { uniform = { min = 0.1, max = 0.3 } }\n");
        assert!(e.message.contains("no Hill curve"), "{}", e.message);
        // Capacity and a fixed uplift may be uncertain without a point value.
        assert!(parse("capacity = { uniform = { min = 9000, max = 11000 } }\n").is_ok());
        assert!(parse("\"marketing.uplift\" = { uniform = { min = 0.1, max = 0.3 } }\n").is_ok());
    }

    /// Regression: a drawn fixed uplift silently replaced the Hill curve in every sample.
    #[test]
    fn a_drawn_uplift_cannot_replace_the_hill_curve() {
        let text = format!(
            "{}[marketing]\nspend = 100\nresponse = \"hill\"\nmax_uplift = 0.5\nhalf_saturation_spend = 100\n\
             [uncertainty]\n\"marketing.uplift\" = {{ uniform = {{ min = 0.1, max = 0.3 }} }}\n",
            SEED.trim_end_matches("[uncertainty]\n")
        );
        let e = crate::ScenarioFile::parse(&text, "u.toml")
            .unwrap()
            .uncertainty(None)
            .unwrap_err();
        assert!(e.message.contains("comes from the Hill curve"), "{}", e.message);
        assert!(e.help.unwrap().contains("marketing.max_uplift"));
    }

    #[test]
    fn a_lognormal_centre_at_or_below_zero_says_lognormals_are_positive() {
        let e = error("price = { lognormal = { median = -5, sigma = 1 } }\n");
        assert!(
            e.message.contains("a lognormal's `median` must be greater than 0"),
            "{}",
            e.message
        );
        assert!(e.help.unwrap().contains("only positive values"));
        let e = error("price = { lognormal = { mean = 0, sd = 1 } }\n");
        assert!(e.message.contains("`mean` must be greater than 0"), "{}", e.message);
    }

    #[test]
    fn a_missing_parameter_lists_what_the_distribution_takes() {
        let e = error("price = { normal = { mean = 5 } }\n");
        assert_eq!(e.message, "`uncertainty.price`: missing field `sd`");
        assert_eq!(e.location.unwrap().line, 6);
        assert_eq!(
            e.help.unwrap(),
            "a `normal` distribution takes `mean` and `sd` (above 0), and optionally `min` and `max`"
        );
        let e = error("\"marketing.uplift\" = { pert = { min = 0.1, max = 0.3 } }\n");
        assert!(e.help.unwrap().contains("`min`, `mode` and `max`"));
        let e = error("[uncertainty.price.range]\nlow = 5\n");
        assert_eq!(e.message, "`uncertainty.price.range`: missing field `high`");
        assert!(e.help.unwrap().contains("`low` and `high`"));
    }

    #[test]
    fn a_bare_number_asks_for_a_distribution() {
        let e = error("price = 5\n");
        assert!(e.message.contains("expected a distribution"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, 6);
        let e = error("price = { normal = { mean = 1, sd = 2, mx = 3 } }\n");
        assert_eq!(e.message, "unknown field `mx`");
        assert!(e.help.unwrap().contains("`mean`, `sd`, `min` and `max`"));
    }

    #[test]
    fn min_above_max_names_the_field_and_line() {
        let e = error("fixed_cost = { uniform = { min = 5, max = 1 } }\n");
        assert_eq!(
            e.message,
            "`uncertainty.fixed_cost`: `min` (5) must be less than `max` (1)"
        );
        assert_eq!(e.location.unwrap().line, 6);
        let e = error("price = { normal = { mean = 1, sd = 2, min = 3, max = 2 } }\n");
        assert!(
            e.message.contains("truncation `min` (3) must be less than `max` (2)"),
            "{}",
            e.message
        );
        let e = error("price = { triangular = { min = 1, mode = 5, max = 3 } }\n");
        assert!(
            e.message.contains("`mode` (5) must be at most `max` (3)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_range_with_low_not_below_high_is_an_error() {
        let e = error("\n\ndemand = { range = { low = 10, high = 10 } }\n");
        assert_eq!(
            e.message,
            "`uncertainty.demand`: `low` (10) must be less than `high` (10)"
        );
        assert_eq!(e.location.unwrap().line, 8);
    }

    #[test]
    fn an_unknown_input_suggests_the_near_miss() {
        let e = error("prise = { normal = { mean = 1, sd = 2 } }\n");
        assert!(
            e.message.contains("unknown input `prise` (did you mean `price`?)"),
            "{}",
            e.message
        );
        assert_eq!(e.location.unwrap().line, 6);
    }

    #[test]
    fn a_correlation_outside_minus_one_to_one_is_located() {
        let e = error(
            "price = { normal = { mean = 100, sd = 2 } }\ndemand = { normal = { mean = 100, sd = 2 } }\n[[uncertainty.correlation]]\ninputs = [\"price\", \"demand\"]\nrank = -1.5\n",
        );
        assert_eq!(e.message, "the rank correlation of `price` and `demand` is -1.5");
        assert_eq!(e.location.unwrap().line, 10);
    }

    #[test]
    fn correlating_an_input_without_a_distribution_is_an_error() {
        let e = error(
            "price = { normal = { mean = 100, sd = 2 } }\n[[uncertainty.correlation]]\ninputs = [\"price\", \"demand\"]\nrank = 0.5\n",
        );
        assert_eq!(e.message, "`demand` is correlated but has no distribution");
        assert_eq!(e.location.unwrap().line, 8);
    }

    #[test]
    fn inconsistent_correlations_name_the_offending_pair_and_its_line() {
        let e = error(concat!(
            "price = { normal = { mean = 100, sd = 2 } }\n",
            "demand = { normal = { mean = 100, sd = 2 } }\n",
            "fixed_cost = { normal = { mean = 100, sd = 2 } }\n",
            "[[uncertainty.correlation]]\ninputs = [\"price\", \"demand\"]\nrank = 0.6\n",
            "[[uncertainty.correlation]]\ninputs = [\"price\", \"fixed_cost\"]\nrank = 0.6\n",
            "[[uncertainty.correlation]]\ninputs = [\"fixed_cost\", \"demand\"]\nrank = -0.6\n",
        ));
        assert!(
            e.message
                .starts_with("the rank correlation of `fixed_cost` and `demand` (-0.6) is inconsistent"),
            "{}",
            e.message
        );
        assert_eq!(e.location.unwrap().line, 15);
        assert!(e.help.unwrap().contains("positive semi-definite"));
    }
}

#[cfg(test)]
mod display_tests {
    use super::Distribution;

    #[test]
    fn parameters_read_in_six_significant_digits_or_e_notation_when_vast() {
        let d = Distribution::Uniform { min: 0.0, max: 1e307 };
        assert_eq!(d.to_string(), "uniform(0, 1e307)");
        let d = Distribution::Uniform {
            min: 45_000.0,
            max: 1.5e20,
        };
        assert_eq!(d.to_string(), "uniform(45000, 1.5e20)");
    }
}
