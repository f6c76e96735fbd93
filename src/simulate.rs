//! Monte Carlo risk analysis: draw the uncertain inputs, run the model on
//! each draw, and summarise profit and its companions.
//!
//! # Reproducibility
//! Samples come in fixed chunks of [`CHUNK`]. Chunk `c` draws from a
//! Xoshiro256++ generator seeded from the seed and jumped `c` times (2^128
//! draws apart), and the chunks' statistics are merged in chunk order. So a
//! seed gives the same figures, to the last bit, whatever the number of threads.
//!
//! # Memory
//! A first pass computes the moments, the probabilities and a fine histogram
//! of each figure (over a range found from a pilot chunk). A second pass goes
//! over the same samples again and keeps only the values in the histogram
//! bins that hold a wanted percentile, so the percentiles are exact order
//! statistics of the f64 values. Up to [`STORE_LIMIT`] samples the first pass
//! already keeps the values in every bin that may hold a wanted percentile
//! (guessed from the pilot chunk, generously: see `GUESS_ERRORS`), so when
//! the guess holds, as it almost always does, the second pass only reads
//! them back (about 6 bytes a sample). Otherwise, and above the limit, the
//! second pass draws the samples again (the generators are deterministic),
//! so memory stays at a few megabytes at any sample count. Every way gives
//! the same figures, to the last bit.

use rand_distr::{Distribution as _, Gamma, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::input::Input;
use crate::model::core;
use crate::scenario::Scenario;
use crate::uncertainty::{Distribution, Uncertainty, normal_cdf};

/// Samples per chunk: the unit of work and of the random streams.
pub const CHUNK: usize = 1 << 16;
/// The risk drivers are measured on the first this many samples (ranks need them all in memory).
pub const DRIVER_SAMPLES: usize = 1 << 16;
/// Fine histogram bins per figure (plus one underflow and one overflow bin).
const BINS: usize = 1 << 12;
/// Above this many values in one percentile's bin, interpolate within the bin instead of keeping them.
const COLLECT_CAP: u64 = 1 << 22;
/// Up to this many samples, the first pass keeps the values the guess from
/// the pilot chunk marks (about 6 bytes a sample, at most about 80 MiB) and
/// the second pass reads them back instead of drawing the samples again.
/// Both ways give the same figures.
pub const STORE_LIMIT: u64 = 12_582_912;
/// Bars in the profit histogram people see.
pub const DISPLAY_BINS: usize = 24;

/// The percentiles reported, as fractions.
pub const PERCENTILES: [f64; 9] = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99];

/// The figures summarised, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Profit,
    UnitsSold,
    Revenue,
    BreakEvenUnits,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::Profit,
        Metric::UnitsSold,
        Metric::Revenue,
        Metric::BreakEvenUnits,
    ];

    /// The field name, as in `plan evaluate`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Profit => "profit",
            Metric::UnitsSold => "units_sold",
            Metric::Revenue => "revenue",
            Metric::BreakEvenUnits => "break_even_units",
        }
    }
}

/// How many samples and which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub samples: u64,
    pub seed: u64,
}

/// The default seed, so that two runs print the same thing.
pub const DEFAULT_SEED: u64 = 20_260_101;

/// A simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError<E> {
    #[error("the number of samples must be at least 1")]
    NoSamples,
    #[error(transparent)]
    Correlation(#[from] crate::uncertainty::NotPositiveSemiDefinite),
    /// Some samples' inputs are so large that a figure has no finite value.
    #[error(
        "`{metric}` overflows in {count} of {samples} samples: the distributions reach inputs too large for a finite result (at most about 1.8e308); narrow them or truncate them with `max`"
    )]
    Overflow {
        metric: &'static str,
        count: u64,
        samples: u64,
    },
    /// The sample sink failed (a full disk, say).
    #[error(transparent)]
    Sink(E),
}

/// The summary of one figure over the samples where it is defined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricStats {
    pub metric: Metric,
    /// Samples where the figure is defined (break-even needs a positive unit contribution).
    pub defined: u64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1).
    pub sd: Option<f64>,
    pub min: Option<f64>,
    /// `(p, value)` for each of [`PERCENTILES`]; linear interpolation between
    /// order statistics, as numpy's default (`h = (n - 1) p`).
    pub percentiles: Vec<(f64, Option<f64>)>,
    pub max: Option<f64>,
}

impl MetricStats {
    /// The value at percentile `p` (one of [`PERCENTILES`]).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        self.percentiles
            .iter()
            .find(|(q, _)| (q - p).abs() < 1e-12)
            .and_then(|(_, v)| *v)
    }
}

/// How much one uncertain input drives profit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    #[serde(serialize_with = "input_name")]
    pub input: Input,
    /// Spearman rank correlation between the input and profit.
    pub rank_correlation: Option<f64>,
    /// `rank_correlation^2` over the sum of them all: the input's share of the explained variance.
    pub variance_share: Option<f64>,
}

fn input_name<S: serde::Serializer>(input: &Input, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(input.name())
}

/// A histogram of profit: `counts[i]` samples in `[edges[i], edges[i + 1])`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// Samples below the first edge and at or above the last.
    pub below: u64,
    pub above: u64,
}

/// The result of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub samples: u64,
    pub seed: u64,
    pub metrics: Vec<MetricStats>,
    /// The share of samples with profit below 0.
    pub probability_of_loss: f64,
    /// The share of samples with profit at least the scenario's `target_profit`.
    pub probability_of_target: Option<f64>,
    /// The mean profit over the worst 5% of samples (`ceil(0.05 n)` of them).
    pub expected_profit_worst_5: Option<f64>,
    /// Sorted by the size of the rank correlation, largest first.
    pub drivers: Vec<Driver>,
    /// The samples the drivers were measured on.
    pub driver_samples: u64,
    pub histogram: Histogram,
}

impl Simulation {
    pub fn metric(&self, metric: Metric) -> &MetricStats {
        &self.metrics[Metric::ALL.iter().position(|m| *m == metric).unwrap_or(0)]
    }
}

/// The columns of each sample row given to the sink: the uncertain inputs,
/// then units sold, revenue, profit and break-even units (NaN where undefined).
pub fn sample_columns(uncertainty: &Uncertainty) -> Vec<&'static str> {
    let mut columns: Vec<&'static str> = uncertainty.inputs.iter().map(|u| u.input.name()).collect();
    columns.extend(["units_sold", "revenue", "profit", "break_even_units"]);
    columns
}

// ---------------------------------------------------------------------------
// Samplers.

/// A fast direct sampler for an untruncated distribution.
#[derive(Debug, Clone)]
enum Fast {
    Normal {
        mean: f64,
        sd: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Triangular {
        min: f64,
        max: f64,
        split: f64,
        left: f64,
        right: f64,
    },
    /// Beta(k, n + 1 - k) with whole shapes: the k-th smallest of n uniforms.
    PertOrder {
        min: f64,
        width: f64,
        k: usize,
        n: usize,
    },
    /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    PertGamma {
        min: f64,
        width: f64,
        a: Gamma<f64>,
        b: Gamma<f64>,
    },
}

/// A uniform in [0, 1) from the top 53 bits.
#[inline]
fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform in (0, 1): never exactly 0 or 1, for quantile functions.
#[inline]
fn open_uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

impl Fast {
    fn new(d: &Distribution) -> Fast {
        match *d {
            Distribution::Normal { mean, sd } => Fast::Normal { mean, sd },
            Distribution::Lognormal { mu, sigma } => Fast::Lognormal { mu, sigma },
            Distribution::Uniform { min, max } => Fast::Uniform { min, width: max - min },
            Distribution::Triangular { min, mode, max } => Fast::Triangular {
                min,
                max,
                split: (mode - min) / (max - min),
                left: (max - min) * (mode - min),
                right: (max - min) * (max - mode),
            },
            Distribution::Pert { min, mode, max } => {
                let width = max - min;
                let a = 1.0 + 4.0 * (mode - min) / width;
                let b = 1.0 + 4.0 * (max - mode) / width;
                let whole = |x: f64| (x - x.round()).abs() < 1e-9;
                if whole(a) && whole(b) && a + b - 1.0 <= 9.5 {
                    Fast::PertOrder {
                        min,
                        width,
                        k: a.round() as usize,
                        n: (a + b).round() as usize - 1,
                    }
                } else {
                    match (Gamma::new(a, 1.0), Gamma::new(b, 1.0)) {
                        (Ok(ga), Ok(gb)) => Fast::PertGamma {
                            min,
                            width,
                            a: ga,
                            b: gb,
                        },
                        // Shapes are at least 1, so Gamma::new cannot fail; stay total anyway.
                        _ => Fast::Uniform { min, width },
                    }
                }
            }
        }
    }

    #[inline]
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        match self {
            Fast::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Fast::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Fast::Uniform { min, width } => min + width * uniform(rng),
            Fast::Triangular {
                min,
                max,
                split,
                left,
                right,
            } => {
                let u = uniform(rng);
                if u < *split {
                    min + (u * left).sqrt()
                } else {
                    max - ((1.0 - u) * right).sqrt()
                }
            }
            Fast::PertOrder { min, width, k, n } => {
                let mut u = [0.0f64; 9];
                for slot in u.iter_mut().take(*n) {
                    *slot = uniform(rng);
                }
                // A branch-free sorting network of min/max pairs: n is at most 9.
                for i in 0..*n {
                    for j in 0..*n - 1 - i {
                        let (a, b) = (u[j], u[j + 1]);
                        u[j] = a.min(b);
                        u[j + 1] = a.max(b);
                    }
                }
                min + width * u[k - 1]
            }
            Fast::PertGamma { min, width, a, b } => {
                let x = a.sample(rng);
                let y = b.sample(rng);
                min + width * x / (x + y)
            }
        }
    }
}

/// The median of five numbers (not NaN) in nine comparisons, not the ten
/// compare-exchanges of a full sort: of the first four, the smaller of the
/// two pair maxima and the larger of the two pair minima bracket the median,
/// which is then the median of those two and the fifth number. Returns one of
/// the five, so the same bits as sorting and taking the middle.
#[inline]
fn median_of_5([a, b, c, d, e]: [f64; 5]) -> f64 {
    let low = a.min(b).max(c.min(d));
    let high = a.max(b).min(c.max(d));
    e.min(low).max(e.max(low).min(high))
}

/// How one input is drawn.
#[derive(Debug, Clone)]
struct Prepared {
    input: Input,
    distribution: Distribution,
    fast: Fast,
    min: f64,
    max: f64,
    /// `F(min)` and `F(max)`: the probability range the truncation keeps.
    p_lo: f64,
    p_hi: f64,
    truncated: bool,
    /// By inverse CDF (correlated, or truncation keeps too little for rejection).
    inverse: bool,
    /// Index among the correlated inputs, when correlated.
    correlated: Option<usize>,
}

impl Prepared {
    #[inline]
    fn at_uniform(&self, u: f64) -> f64 {
        self.distribution
            .quantile(self.p_lo + u * (self.p_hi - self.p_lo))
            .clamp(self.min, self.max)
    }

    #[inline]
    fn at_normal(&self, z: f64) -> f64 {
        if !self.truncated {
            match self.distribution {
                Distribution::Normal { mean, sd } => return mean + sd * z,
                Distribution::Lognormal { mu, sigma } => return (mu + sigma * z).exp(),
                _ => {}
            }
        }
        self.at_uniform(normal_cdf(z).clamp(1e-300, 1.0 - 1e-16))
    }

    /// Fills a column with independent draws, choosing the sampler once.
    fn fill(&self, rng: &mut Xoshiro256PlusPlus, column: &mut [f64]) {
        #[inline(always)]
        fn each(
            p: &Prepared,
            rng: &mut Xoshiro256PlusPlus,
            column: &mut [f64],
            draw: impl Fn(&mut Xoshiro256PlusPlus) -> f64,
        ) {
            for slot in column.iter_mut() {
                let mut x = draw(rng);
                let mut tries = 0;
                while !(x >= p.min && x <= p.max) {
                    tries += 1;
                    x = if tries < 1000 {
                        draw(rng)
                    } else {
                        p.at_uniform(open_uniform(rng))
                    };
                }
                *slot = x;
            }
        }
        if self.inverse {
            for slot in column.iter_mut() {
                *slot = self.at_uniform(open_uniform(rng));
            }
            return;
        }
        match &self.fast {
            Fast::Normal { mean, sd } => each(self, rng, column, |rng| {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }),
            Fast::Lognormal { mu, sigma } => each(self, rng, column, |rng| {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }),
            Fast::Uniform { min, width } => each(self, rng, column, |rng| min + width * uniform(rng)),
            Fast::Triangular {
                min,
                max,
                split,
                left,
                right,
            } => each(self, rng, column, |rng| {
                // The same arithmetic as `Fast::sample`, with selects in
                // place of a branch that goes either way at random.
                let u = uniform(rng);
                let left_side = u < *split;
                let root = if left_side { u * left } else { (1.0 - u) * right }.sqrt();
                if left_side { min + root } else { max - root }
            }),
            // Beta(3, 3), the PERT of a mode midway: the median of five uniforms.
            Fast::PertOrder { min, width, k: 3, n: 5 } => each(self, rng, column, |rng| {
                let u = [uniform(rng), uniform(rng), uniform(rng), uniform(rng), uniform(rng)];
                min + width * median_of_5(u)
            }),
            fast => each(self, rng, column, |rng| fast.sample(rng)),
        }
    }
}

/// Everything needed to draw samples, shared by the threads.
struct Sampler {
    inputs: Vec<Prepared>,
    /// Cholesky factor over the correlated inputs (row-major, m x m).
    factor: Vec<f64>,
    correlated: usize,
}

impl Sampler {
    fn new(uncertainty: &Uncertainty) -> Result<Sampler, crate::uncertainty::NotPositiveSemiDefinite> {
        let full = uncertainty.correlation_factor()?;
        let k = uncertainty.inputs.len();
        let is_correlated: Vec<bool> = uncertainty
            .inputs
            .iter()
            .map(|u| {
                uncertainty
                    .correlations
                    .iter()
                    .any(|c| c.a == u.input || c.b == u.input)
            })
            .collect();
        let order: Vec<usize> = (0..k).filter(|&i| is_correlated[i]).collect();
        let m = order.len();
        let mut factor = vec![0.0; m * m];
        if let Some(full) = &full {
            for (r, &i) in order.iter().enumerate() {
                for (c, &j) in order.iter().enumerate() {
                    factor[r * m + c] = full[i * k + j];
                }
            }
        }
        let inputs = uncertainty
            .inputs
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let p_lo = u.distribution.cdf(u.min);
                let p_hi = u.distribution.cdf(u.max);
                let correlated = order.iter().position(|&j| j == i);
                Prepared {
                    input: u.input,
                    distribution: u.distribution,
                    fast: Fast::new(&u.distribution),
                    min: u.min,
                    max: u.max,
                    p_lo,
                    p_hi,
                    truncated: u.truncated_share > 0.0,
                    inverse: p_hi - p_lo < 0.25,
                    correlated,
                }
            })
            .collect();
        Ok(Sampler {
            inputs,
            factor,
            correlated: m,
        })
    }
}

// ---------------------------------------------------------------------------
// Statistics.

/// Count, mean, sum of squared deviations, min and max, merged by Chan's formula.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

/// Sums within one chunk, shifted by a value near the mean (the pilot's) so
/// that the sum of squares loses no precision.
#[derive(Debug, Clone, Copy)]
struct Sums {
    shift: f64,
    n: u64,
    sum: f64,
    sum2: f64,
    min: f64,
    max: f64,
}

impl Sums {
    fn new(shift: f64) -> Sums {
        Sums {
            shift,
            n: 0,
            sum: 0.0,
            sum2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds every value that is not NaN, calling `each` on it; the running
    /// figures stay in registers.
    #[inline]
    fn push_all(&mut self, values: &[f64], mut each: impl FnMut(f64)) {
        let (mut n, mut sum, mut sum2, mut min, mut max) = (self.n, self.sum, self.sum2, self.min, self.max);
        let shift = self.shift;
        for &x in values {
            if x.is_nan() {
                continue;
            }
            let d = x - shift;
            n += 1;
            sum += d;
            sum2 += d * d;
            if x < min {
                min = x;
            }
            if x > max {
                max = x;
            }
            each(x);
        }
        (self.n, self.sum, self.sum2, self.min, self.max) = (n, sum, sum2, min, max);
    }

    fn moments(&self) -> Moments {
        if self.n == 0 {
            return Moments::default();
        }
        let n = self.n as f64;
        let mean_d = self.sum / n;
        Moments {
            n: self.n,
            mean: self.shift + mean_d,
            m2: (self.sum2 - self.sum * mean_d).max(0.0),
            min: self.min,
            max: self.max,
        }
    }
}

impl Moments {
    #[inline]
    fn push(&mut self, x: f64) {
        if self.n == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        self.mean += d * o.n as f64 / n as f64;
        self.m2 += o.m2 + d * d * self.n as f64 * o.n as f64 / n as f64;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.n = n;
    }
}

/// Equal-width bins over `[lo, hi)`, with bin 0 below and bin `BINS + 1` above.
#[derive(Debug, Clone, Copy)]
struct Binning {
    lo: f64,
    hi: f64,
    scale: f64,
}

impl Binning {
    fn new(min: f64, max: f64) -> Binning {
        let span = max - min;
        let pad = if span > 0.0 {
            span * 0.25
        } else {
            min.abs().max(1.0) * 1e-6
        };
        let (lo, hi) = (min - pad, max + pad);
        Binning {
            lo,
            hi,
            scale: BINS as f64 / (hi - lo),
        }
    }

    #[inline]
    fn bin(&self, x: f64) -> usize {
        let t = (x - self.lo) * self.scale;
        if t < 0.0 {
            0
        } else if t >= BINS as f64 {
            BINS + 1
        } else {
            t as usize + 1
        }
    }

    /// The value range of a bin, given the figure's overall min and max.
    fn range(&self, bin: usize, min: f64, max: f64) -> (f64, f64) {
        let w = (self.hi - self.lo) / BINS as f64;
        match bin {
            0 => (min, self.lo),
            b if b == BINS + 1 => (self.hi, max),
            b => (self.lo + (b - 1) as f64 * w, self.lo + b as f64 * w),
        }
    }
}

/// The four figures of one sample; NaN where undefined or not finite.
#[inline]
fn figures_of(scenario: &Scenario) -> [f64; 4] {
    let c = core(scenario);
    let finite = |x: f64| if x.is_finite() { x } else { f64::NAN };
    [
        finite(c.profit),
        finite(c.units_sold),
        finite(c.revenue),
        c.break_even_units().map_or(f64::NAN, finite),
    ]
}

/// One chunk's samples, column by column: each input's draws, then each figure.
#[derive(Default)]
struct Columns {
    /// The copula's standard normals, one column per correlated input.
    normals: Vec<f64>,
    len: usize,
    /// `inputs[i * len + t]`: input `i` of sample `t`.
    inputs: Vec<f64>,
    /// `figures[m * len + t]`: figure `m` (in [`Metric::ALL`] order) of sample `t`; NaN where undefined.
    figures: Vec<f64>,
    /// Room for the values the first pass keeps, reused from chunk to chunk.
    kept: Vec<f64>,
    low: Vec<f64>,
}

impl Columns {
    fn figure(&self, m: usize) -> &[f64] {
        &self.figures[m * self.len..(m + 1) * self.len]
    }
}

/// Draws a chunk of `len` samples column by column (one input at a time, so
/// each sampler runs in a tight loop), then runs the model on each sample.
///
/// `scratch` lends its buffers (one per thread, so that each chunk does not
/// ask the system for fresh memory); the columns are returned in it.
fn run_chunk(sampler: &Sampler, base: &Scenario, rng: &Xoshiro256PlusPlus, len: usize, scratch: &mut Columns) {
    let mut rng = rng.clone();
    let k = sampler.inputs.len();
    let m = sampler.correlated;
    let Columns {
        len: scratch_len,
        inputs,
        figures,
        normals,
        ..
    } = scratch;
    *scratch_len = len;
    normals.resize(m * len, 0.0);
    for n in normals.iter_mut() {
        *n = StandardNormal.sample(&mut rng);
    }
    inputs.resize(k * len, 0.0);
    for (p, column) in sampler.inputs.iter().zip(inputs.chunks_exact_mut(len)) {
        match p.correlated {
            Some(r) => {
                let row = &sampler.factor[r * m..r * m + r + 1];
                for (t, slot) in column.iter_mut().enumerate() {
                    let z: f64 = row.iter().enumerate().map(|(j, l)| l * normals[j * len + t]).sum();
                    *slot = p.at_normal(z);
                }
            }
            None => p.fill(&mut rng, column),
        }
    }
    let mut scenario = base.clone();
    figures.resize(4 * len, 0.0);
    // Which column feeds each input, in the order of `Input::ALL`: a loop over
    // that constant list lets the compiler resolve each `Input::set`.
    // Only the inputs that are uncertain, still in that order.
    let setters: Vec<(Input, usize)> = Input::ALL
        .iter()
        .filter_map(|a| sampler.inputs.iter().position(|p| p.input == *a).map(|i| (*a, i * len)))
        .collect();
    for t in 0..len {
        for &(input, start) in &setters {
            input.set(&mut scenario, inputs[start + t]);
        }
        let f = figures_of(&scenario);
        for (j, v) in f.into_iter().enumerate() {
            figures[j * len + t] = v;
        }
    }
}

struct Pass1 {
    moments: [Sums; 4],
    hist: Vec<u32>,
    loss: u64,
    target: u64,
    drivers: Vec<f64>,
    rows: Vec<f64>,
    /// Values of each figure in the bins the guess keeps.
    kept: [Vec<f64>; 4],
    /// Profits in the bins below `Guess::low_bins`, in sample order.
    low: Vec<f64>,
}

struct Pass2 {
    collected: [Vec<f64>; 4],
    below_sum: f64,
    display: Vec<u64>,
}

/// Where a wanted rank falls after the first pass.
#[derive(Debug, Clone, Copy)]
struct Wanted {
    bin: usize,
    /// The rank within the bin (0-based).
    offset: u64,
    /// How many values the bin holds.
    count: u64,
}

/// The bins whose values the first pass keeps, guessed from the pilot chunk
/// so widely that the second pass is almost never needed: around each
/// wanted percentile, around the worst 5% of profit, and around every
/// possible edge of the display histogram.
struct Guess {
    /// `keep[i * (BINS + 2) + b]`: keep the values of figure `i` in bin `b`.
    keep: Vec<bool>,
    /// Profits in bins below this are kept in sample order, for the worst 5%.
    low_bins: usize,
}

/// How many pilot standard errors the kept range reaches either side of a percentile.
const GUESS_ERRORS: f64 = 6.0;

impl Guess {
    fn new(pilot: &Columns, binnings: &[Binning; 4], errors: f64) -> Guess {
        let mut keep = vec![false; 4 * (BINS + 2)];
        let mut low_bins = 0;
        for (i, binning) in binnings.iter().enumerate() {
            if errors < 0.0 {
                break;
            }
            // The pilot's own histogram: the bin of its r-th smallest value
            // is where the running count passes r, no sorting needed.
            let mut hist = vec![0u64; BINS + 2];
            let mut sums = Sums::new(0.0);
            sums.push_all(pilot.figure(i), |x| hist[binning.bin(x)] += 1);
            if sums.n == 0 {
                continue;
            }
            let (n0, count) = (sums.n as f64, sums.n);
            // The bins that may hold percentile p: p give or take its pilot error.
            let window = |p: f64| -> (usize, usize) {
                let d = errors * (p * (1.0 - p) / n0).sqrt() + 4.0 / n0;
                let at = |q: f64| locate(&hist, ((q * (n0 - 1.0)) as u64).min(count - 1)).bin;
                let first = if p - d <= 0.0 { 0 } else { at(p - d) };
                let last = if p + d >= 1.0 { BINS + 1 } else { at(p + d) };
                (first, last)
            };
            let row = &mut keep[i * (BINS + 2)..(i + 1) * (BINS + 2)];
            for &p in &PERCENTILES {
                let (first, last) = window(p);
                row[first..=last].fill(true);
            }
            if i > 0 {
                continue;
            }
            low_bins = window(0.05).1 + 1;
            // Display edges sit near multiples of the bar width, which comes
            // from P0.5 and P99.5; keep the bins around each candidate edge.
            let (lo0, lo1) = window(0.005);
            let (hi0, hi1) = window(0.995);
            let mid = |b: usize| {
                let (a, c) = binning.range(b, sums.min, sums.max);
                (a + c) / 2.0
            };
            let (lo_min, lo_max, hi_min, hi_max) = (mid(lo0), mid(lo1), mid(hi0), mid(hi1));
            let (narrow, wide) = (
                nice_width((hi_min - lo_max) / DISPLAY_BINS as f64),
                nice_width((hi_max - lo_min) / DISPLAY_BINS as f64),
            );
            let mut width = narrow;
            while width.is_finite() && width > 0.0 && width <= wide * (1.0 + 1e-9) {
                let (k0, k1) = ((lo_min / width).floor() - 1.0, (hi_max / width).ceil() + 1.0);
                if k1 - k0 <= 4.0 * DISPLAY_BINS as f64 {
                    let mut k = k0;
                    while k <= k1 {
                        let b = binning.bin(k * width);
                        row[b.saturating_sub(1)..=(b + 1).min(BINS + 1)].fill(true);
                        k += 1.0;
                    }
                }
                width = nice_width(width * (1.0 + 1e-6));
            }
        }
        Guess { keep, low_bins }
    }
}

fn locate(hist: &[u64], rank: u64) -> Wanted {
    let mut before = 0;
    for (bin, &count) in hist.iter().enumerate() {
        if rank < before + count {
            return Wanted {
                bin,
                offset: rank - before,
                count,
            };
        }
        before += count;
    }
    let bin = hist.len() - 1;
    Wanted {
        bin,
        offset: hist[bin].saturating_sub(1),
        count: hist[bin],
    }
}

/// The calling thread's buffers. Each thread takes only its own, and holds
/// them only while no other rayon work can run on it, so the lock never waits.
fn scratch_of(scratch: &[Mutex<Columns>]) -> MutexGuard<'_, Columns> {
    let i = rayon::current_thread_index().unwrap_or(0) % scratch.len();
    scratch[i].lock().unwrap_or_else(PoisonError::into_inner)
}

/// Receives sample rows in order; its error stops the simulation.
pub type Sink<'a, E> = &'a mut dyn FnMut(&[f64]) -> Result<(), E>;

/// Runs a simulation. `progress(done, total)` is called after each batch of
/// chunks (from the calling thread); `sink`, when given, receives every
/// sample in order as flat rows of [`sample_columns`].
pub fn simulate<E>(
    scenario: &Scenario,
    uncertainty: &Uncertainty,
    settings: Settings,
    progress: &mut dyn FnMut(u64, u64),
    sink: Option<Sink<'_, E>>,
) -> Result<Simulation, SimulateError<E>> {
    let simulation = run(
        scenario,
        uncertainty,
        settings,
        progress,
        sink,
        Limits {
            store: STORE_LIMIT,
            collect_cap: COLLECT_CAP,
            guess_errors: GUESS_ERRORS,
        },
        &mut false,
    )?;
    // Profit, units and revenue have a value for every finite input; a
    // sample without one overflowed, and statistics that skip it would lie.
    for metric in [Metric::Profit, Metric::UnitsSold, Metric::Revenue] {
        let count = simulation.samples - simulation.metric(metric).defined;
        if count > 0 {
            return Err(SimulateError::Overflow {
                metric: metric.name(),
                count,
                samples: simulation.samples,
            });
        }
    }
    Ok(simulation)
}

/// The knobs of [`run`], which tests turn.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Up to this many samples, keep values in the first pass; above it, always draw twice.
    store: u64,
    collect_cap: u64,
    /// See [`GUESS_ERRORS`]; below 0, keep nothing (so the samples are drawn twice).
    guess_errors: f64,
}

fn run<E>(
    scenario: &Scenario,
    uncertainty: &Uncertainty,
    settings: Settings,
    progress: &mut dyn FnMut(u64, u64),
    mut sink: Option<Sink<'_, E>>,
    limits: Limits,
    redrawn: &mut bool,
) -> Result<Simulation, SimulateError<E>> {
    let Limits {
        store: store_limit,
        collect_cap,
        guess_errors,
    } = limits;
    let n = settings.samples;
    if n == 0 {
        return Err(SimulateError::NoSamples);
    }
    let sampler = Sampler::new(uncertainty)?;
    let k = sampler.inputs.len();
    let chunks = n.div_ceil(CHUNK as u64) as usize;
    let len_of = |c: usize| (n - c as u64 * CHUNK as u64).min(CHUNK as u64) as usize;
    let mut generators = Vec::with_capacity(chunks);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(settings.seed);
    for _ in 0..chunks {
        generators.push(rng.clone());
        rng.jump();
    }
    let batch = 4 * rayon::current_num_threads().max(1);
    // One set of buffers per thread, kept from chunk to chunk and pass to pass.
    let scratch: Vec<Mutex<Columns>> = (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::new(Columns::default()))
        .collect();
    let store = n <= store_limit;
    let total_work = if store { n } else { 2 * n };
    let mut done = 0u64;

    // Pilot: the first chunk's range sets each figure's histogram.
    let mut pilot = [Moments::default(); 4];
    let mut first = Columns::default();
    run_chunk(&sampler, scenario, &generators[0], len_of(0), &mut first);
    for (i, m) in pilot.iter_mut().enumerate() {
        for &x in first.figure(i) {
            if !x.is_nan() {
                m.push(x);
            }
        }
    }
    let binnings: [Binning; 4] = std::array::from_fn(|i| {
        if pilot[i].n == 0 {
            Binning::new(0.0, 1.0)
        } else {
            Binning::new(pilot[i].min, pilot[i].max)
        }
    });
    // Which values the first pass keeps, guessed from the pilot; with them
    // the second pass is not needed (checked after the first pass).
    let guess = store.then(|| Guess::new(&first, &binnings, guess_errors));
    drop(first);
    let target = scenario.target_profit;
    let want_rows = sink.is_some();
    let driver_chunks = DRIVER_SAMPLES.div_ceil(CHUNK);

    // Pass 1: moments, probabilities, histograms, driver samples, sample rows.
    let mut moments = [Moments::default(); 4];
    let mut hist = vec![0u64; 4 * (BINS + 2)];
    let (mut loss, mut reached) = (0u64, 0u64);
    let mut driver_rows: Vec<f64> = Vec::new();
    let mut kept: Vec<[Vec<f64>; 4]> = Vec::new();
    let mut low: Vec<Vec<f64>> = Vec::new();
    for start in (0..chunks).step_by(batch) {
        let end = (start + batch).min(chunks);
        let outs: Vec<Pass1> = (start..end)
            .into_par_iter()
            .map(|c| {
                let mut cols = scratch_of(&scratch);
                let cols = &mut *cols;
                let mut out = Pass1 {
                    moments: std::array::from_fn(|i| Sums::new(pilot[i].mean)),
                    hist: vec![0u32; 4 * (BINS + 2)],
                    loss: 0,
                    target: 0,
                    drivers: Vec::new(),
                    rows: Vec::new(),
                    kept: Default::default(),
                    low: Vec::new(),
                };
                run_chunk(&sampler, scenario, &generators[c], len_of(c), cols);
                let len = cols.len;
                let hists = out.hist.chunks_exact_mut(BINS + 2);
                for (i, ((sums, hist), binning)) in out.moments.iter_mut().zip(hists).zip(&binnings).enumerate() {
                    let figure = &cols.figures[i * len..(i + 1) * len];
                    match &guess {
                        Some(guess) => {
                            // Branch-free: write every value, advance past the kept ones.
                            let keep = &guess.keep[i * (BINS + 2)..(i + 1) * (BINS + 2)];
                            let low_bins = if i == 0 { guess.low_bins } else { 0 };
                            let (kept, low) = (&mut cols.kept, &mut cols.low);
                            kept.resize(len, 0.0);
                            low.resize(len, 0.0);
                            let (mut nk, mut nl) = (0, 0);
                            if i == 0 {
                                sums.push_all(figure, |x| {
                                    let b = binning.bin(x);
                                    hist[b] += 1;
                                    kept[nk] = x;
                                    nk += keep[b] as usize;
                                    low[nl] = x;
                                    nl += (b < low_bins) as usize;
                                });
                            } else {
                                sums.push_all(figure, |x| {
                                    let b = binning.bin(x);
                                    hist[b] += 1;
                                    kept[nk] = x;
                                    nk += keep[b] as usize;
                                });
                            }
                            out.kept[i] = kept[..nk].to_vec();
                            if i == 0 {
                                out.low = low[..nl].to_vec();
                            }
                        }
                        None => sums.push_all(figure, |x| hist[binning.bin(x)] += 1),
                    }
                }
                let profits = cols.figure(0);
                out.loss = profits.iter().filter(|p| **p < 0.0).count() as u64;
                if let Some(t) = target {
                    out.target = profits.iter().filter(|p| **p >= t).count() as u64;
                }
                if c < driver_chunks {
                    for (t, &profit) in profits.iter().enumerate() {
                        if !profit.is_nan() {
                            out.drivers.extend((0..k).map(|i| cols.inputs[i * len + t]));
                            out.drivers.push(profit);
                        }
                    }
                }
                if want_rows {
                    out.rows.reserve(len * (k + 4));
                    for t in 0..len {
                        out.rows.extend((0..k).map(|i| cols.inputs[i * len + t]));
                        out.rows.extend([1, 2, 0, 3].map(|m| cols.figures[m * len + t]));
                    }
                }
                out
            })
            .collect();
        for out in outs {
            for (m, o) in moments.iter_mut().zip(&out.moments) {
                m.merge(&o.moments());
            }
            for (h, o) in hist.iter_mut().zip(&out.hist) {
                *h += *o as u64;
            }
            loss += out.loss;
            reached += out.target;
            driver_rows.extend_from_slice(&out.drivers);
            if guess.is_some() {
                kept.push(out.kept);
                low.push(out.low);
            }
            if let Some(sink) = sink.as_mut() {
                sink(&out.rows).map_err(SimulateError::Sink)?;
            }
        }
        done += (start..end).map(|c| len_of(c) as u64).sum::<u64>();
        progress(done, total_work);
    }

    // Which bins hold the wanted ranks.
    let hists: Vec<&[u64]> = hist.chunks(BINS + 2).collect();
    let mut wanted: Vec<Vec<(Wanted, Wanted, f64)>> = Vec::new();
    let mut collect_bins: Vec<Vec<usize>> = Vec::new();
    for i in 0..4 {
        let count = moments[i].n;
        let mut per = Vec::new();
        let mut bins = Vec::new();
        if count > 0 {
            for &p in &PERCENTILES {
                let h = (count - 1) as f64 * p;
                let r0 = h.floor() as u64;
                let r1 = (r0 + 1).min(count - 1);
                let (w0, w1) = (locate(hists[i], r0), locate(hists[i], r1));
                for w in [w0, w1] {
                    if w.count <= collect_cap && !bins.contains(&w.bin) {
                        bins.push(w.bin);
                    }
                }
                per.push((w0, w1, h - r0 as f64));
            }
        }
        wanted.push(per);
        collect_bins.push(bins);
    }
    // The worst 5% of profit: every bin below the one holding rank m - 1, and part of that one.
    let worst = moments[0].n.div_ceil(20);
    let worst_bin = (worst > 0).then(|| locate(hists[0], worst - 1));
    if let Some(w) = worst_bin
        && w.count <= collect_cap
        && !collect_bins[0].contains(&w.bin)
    {
        collect_bins[0].push(w.bin);
    }
    let mut is_wanted = vec![false; 4 * (BINS + 2)];
    for (i, bins) in collect_bins.iter().enumerate() {
        for b in bins {
            is_wanted[i * (BINS + 2) + b] = true;
        }
    }

    // The display histogram: equal bars over roughly P0.5 to P99.5 of profit, one edge at 0.
    let display_edges = display_edges(hists[0], &binnings[0], &moments[0]);
    let display_bins = display_edges.len().saturating_sub(1);
    let display_scale = display_bins as f64 / (display_edges[display_bins] - display_edges[0]);

    let display_slot = |x: f64| {
        let t = (x - display_edges[0]) * display_scale;
        if t < 0.0 {
            0
        } else if t >= display_bins as f64 {
            display_bins + 1
        } else {
            t as usize + 1
        }
    };

    // Pass 2 from the kept values, when the guess kept all that is needed.
    let worst_bin_index = worst_bin.map_or(0, |w| w.bin);
    let resolved = guess.as_ref().and_then(|guess| {
        let is_kept = |i: usize, b: usize| guess.keep[i * (BINS + 2) + b];
        let all_kept = collect_bins
            .iter()
            .enumerate()
            .all(|(i, bins)| bins.iter().all(|&b| is_kept(i, b)));
        if !all_kept || worst_bin_index > guess.low_bins {
            return None;
        }
        // Display bars: a bin that was not kept must fall within one bar.
        let mut display = vec![0u64; display_bins + 2];
        let (m, binning) = (&moments[0], &binnings[0]);
        let eps = 1e-9 * (binning.lo.abs() + binning.hi.abs());
        for (b, &count) in hists[0].iter().enumerate() {
            if count == 0 || is_kept(0, b) {
                continue;
            }
            let (lo, hi) = binning.range(b, m.min, m.max);
            let slot = display_slot(lo - eps);
            if display_slot(hi + eps) != slot {
                return None;
            }
            display[slot] += count;
        }
        let mut collected: [Vec<f64>; 4] = Default::default();
        for chunk in &kept {
            for (i, values) in chunk.iter().enumerate() {
                let wanted = &is_wanted[i * (BINS + 2)..(i + 1) * (BINS + 2)];
                for &x in values {
                    if i == 0 {
                        display[display_slot(x)] += 1;
                    }
                    if wanted[binnings[i].bin(x)] {
                        collected[i].push(x);
                    }
                }
            }
        }
        // Summed chunk by chunk in sample order, as the second pass would.
        let mut below_sum = 0.0;
        for chunk in &low {
            let mut sum = 0.0;
            for &x in chunk {
                if binnings[0].bin(x) < worst_bin_index {
                    sum += x;
                }
            }
            below_sum += sum;
        }
        Some((collected, below_sum, display))
    });
    drop(kept);
    drop(low);

    // Pass 2: the same samples drawn again, keeping only values in the wanted bins.
    let (mut collected, below_sum, display) = match resolved {
        Some(resolved) => resolved,
        None => {
            *redrawn = true;
            let total_work = done + n;
            let mut collected: [Vec<f64>; 4] = Default::default();
            let mut below_sum = 0.0;
            let mut display = vec![0u64; display_bins + 2];
            for start in (0..chunks).step_by(batch) {
                let end = (start + batch).min(chunks);
                let outs: Vec<Pass2> = (start..end)
                    .into_par_iter()
                    .map(|c| {
                        let mut cols = scratch_of(&scratch);
                        let cols = &mut *cols;
                        let mut out = Pass2 {
                            collected: Default::default(),
                            below_sum: 0.0,
                            display: vec![0u64; display_bins + 2],
                        };
                        run_chunk(&sampler, scenario, &generators[c], len_of(c), cols);
                        let len = cols.len;
                        let figures = &cols.figures;
                        for i in 0..4 {
                            let binning = binnings[i];
                            let wanted = &is_wanted[i * (BINS + 2)..(i + 1) * (BINS + 2)];
                            for &x in &figures[i * len..(i + 1) * len] {
                                if !x.is_nan() && wanted[binning.bin(x)] {
                                    out.collected[i].push(x);
                                }
                            }
                        }
                        for &x in &figures[..len] {
                            if x.is_nan() {
                                continue;
                            }
                            if binnings[0].bin(x) < worst_bin_index {
                                out.below_sum += x;
                            }
                            out.display[display_slot(x)] += 1;
                        }
                        out
                    })
                    .collect();
                for out in outs {
                    for (c, o) in collected.iter_mut().zip(&out.collected) {
                        c.extend_from_slice(o);
                    }
                    below_sum += out.below_sum;
                    for (d, o) in display.iter_mut().zip(&out.display) {
                        *d += o;
                    }
                }
                done += (start..end).map(|c| len_of(c) as u64).sum::<u64>();
                progress(done, total_work);
            }
            (collected, below_sum, display)
        }
    };

    // Percentiles: exact order statistics from the kept values (or, past the
    // cap, a position within the bin).
    let mut metrics = Vec::with_capacity(4);
    for (i, metric) in Metric::ALL.iter().enumerate() {
        let m = &moments[i];
        let mut values = std::mem::take(&mut collected[i]);
        values.sort_unstable_by(f64::total_cmp);
        let value_at = |w: Wanted| -> f64 {
            if w.count > collect_cap {
                let (a, b) = binnings[i].range(w.bin, m.min, m.max);
                return (a + (b - a) * (w.offset as f64 + 0.5) / w.count as f64).clamp(m.min, m.max);
            }
            // The kept values are sorted; those of the bin are contiguous.
            let start = values.partition_point(|v| binnings[i].bin(*v) < w.bin);
            values.get(start + w.offset as usize).copied().unwrap_or(m.max)
        };
        let percentiles = PERCENTILES
            .iter()
            .enumerate()
            .map(|(j, &p)| {
                let v = wanted[i].get(j).map(|&(w0, w1, frac)| {
                    let (x0, x1) = (value_at(w0), value_at(w1));
                    x0 + frac * (x1 - x0)
                });
                (p, v)
            })
            .collect();
        metrics.push(MetricStats {
            metric: *metric,
            defined: m.n,
            mean: (m.n > 0).then_some(m.mean),
            sd: (m.n > 1).then(|| (m.m2 / (m.n - 1) as f64).sqrt()),
            min: (m.n > 0).then_some(m.min),
            percentiles,
            max: (m.n > 0).then_some(m.max),
        });
        if i == 0 {
            collected[0] = values;
        }
    }

    let expected_profit_worst_5 = worst_bin.map(|w| {
        let below_count: u64 = hists[0][..w.bin].iter().sum();
        let need = worst - below_count;
        let part: f64 = if w.count > collect_cap {
            let (a, b) = binnings[0].range(w.bin, moments[0].min, moments[0].max);
            (0..need).map(|j| a + (b - a) * (j as f64 + 0.5) / w.count as f64).sum()
        } else {
            let start = collected[0].partition_point(|v| binnings[0].bin(*v) < w.bin);
            collected[0][start..start + need as usize].iter().sum()
        };
        (below_sum + part) / worst as f64
    });

    let drivers = drivers(uncertainty, &driver_rows, k);
    let driver_samples = (driver_rows.len() / (k + 1)) as u64;
    let profits = moments[0].n.max(1) as f64;
    Ok(Simulation {
        samples: n,
        seed: settings.seed,
        metrics,
        probability_of_loss: loss as f64 / profits,
        probability_of_target: target.map(|_| reached as f64 / profits),
        expected_profit_worst_5,
        drivers,
        driver_samples,
        histogram: Histogram {
            counts: display[1..=display_bins].to_vec(),
            below: display[0],
            above: display[display_bins + 1],
            edges: display_edges,
        },
    })
}

/// Display edges for the profit histogram: about [`DISPLAY_BINS`] equal bars
/// from roughly P0.5 to P99.5 (read off the fine histogram), with 0 on an edge.
fn display_edges(hist: &[u64], binning: &Binning, m: &Moments) -> Vec<f64> {
    if m.n == 0 {
        return vec![0.0, 1.0];
    }
    if m.max <= m.min {
        return vec![m.min, m.min + m.min.abs().max(1.0) * 1e-9];
    }
    let approx = |p: f64| {
        let w = locate(hist, ((m.n - 1) as f64 * p) as u64);
        let (a, b) = binning.range(w.bin, m.min, m.max);
        ((a + b) / 2.0).clamp(m.min, m.max)
    };
    let (mut lo, mut hi) = (approx(0.005), approx(0.995));
    if hi <= lo {
        lo = m.min;
        hi = m.max;
    }
    let width = nice_width((hi - lo) / DISPLAY_BINS as f64);
    let first = (lo / width).floor() * width;
    let bars = (((hi - first) / width).ceil() as usize).max(1);
    (0..=bars).map(|i| first + i as f64 * width).collect()
}

/// The next "nice" bar width at least `raw`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_width(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|w| *w >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Rank correlation of each input with profit; rows hold `k` inputs then profit.
fn drivers(uncertainty: &Uncertainty, rows: &[f64], k: usize) -> Vec<Driver> {
    let n = rows.len() / (k + 1);
    let column = |j: usize| -> Vec<f64> { (0..n).map(|r| rows[r * (k + 1) + j]).collect() };
    let profit_ranks = ranks(&column(k));
    let correlations: Vec<Option<f64>> = (0..k)
        .into_par_iter()
        .map(|j| pearson(&ranks(&column(j)), &profit_ranks))
        .collect();
    let total: f64 = correlations.iter().flatten().map(|r| r * r).sum();
    let mut drivers: Vec<Driver> = uncertainty
        .inputs
        .iter()
        .zip(correlations)
        .map(|(u, r)| Driver {
            input: u.input,
            rank_correlation: r,
            variance_share: r.and_then(|r| (total > 0.0).then(|| r * r / total)),
        })
        .collect();
    drivers.sort_by(|a, b| {
        let size = |d: &Driver| d.rank_correlation.map_or(-1.0, f64::abs);
        size(b).total_cmp(&size(a))
    });
    drivers
}

/// Ranks from 1, ties sharing their average rank.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    // Sorting (value, index) pairs keeps the comparisons in cache.
    let mut order: Vec<(f64, u32)> = values.iter().enumerate().map(|(i, v)| (*v, i as u32)).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && order[j + 1].0 == order[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &(_, o) in &order[i..=j] {
            ranks[o as usize] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Pearson correlation; `None` when either side is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    if x.len() < 2 {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Spearman rank correlation.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScenarioFile;
    use crate::uncertainty::UncertainInput;

    fn load(text: &str) -> (Scenario, Uncertainty) {
        let file = ScenarioFile::parse(text, "test.toml").unwrap();
        (file.base().unwrap(), file.uncertainty(None).unwrap().unwrap())
    }

    fn run_with(scenario: &Scenario, u: &Uncertainty, samples: u64, seed: u64, store_limit: u64) -> Simulation {
        run_limited(scenario, u, samples, seed, store_limit, GUESS_ERRORS).0
    }

    /// The simulation, and whether it drew the samples twice.
    fn run_limited(
        scenario: &Scenario,
        u: &Uncertainty,
        samples: u64,
        seed: u64,
        store: u64,
        guess_errors: f64,
    ) -> (Simulation, bool) {
        let mut redrawn = false;
        let limits = Limits {
            store,
            collect_cap: COLLECT_CAP,
            guess_errors,
        };
        let sim = run::<()>(
            scenario,
            u,
            Settings { samples, seed },
            &mut |_, _| {},
            None,
            limits,
            &mut redrawn,
        )
        .unwrap();
        (sim, redrawn)
    }

    fn quick(scenario: &Scenario, u: &Uncertainty, samples: u64) -> Simulation {
        run_with(scenario, u, samples, 7, STORE_LIMIT)
    }

    /// Every sample's rows, through the sink.
    fn rows(scenario: &Scenario, u: &Uncertainty, samples: u64) -> Vec<f64> {
        let mut all = Vec::new();
        let mut sink = |r: &[f64]| -> Result<(), ()> {
            all.extend_from_slice(r);
            Ok(())
        };
        simulate(
            scenario,
            u,
            Settings { samples, seed: 3 },
            &mut |_, _| {},
            Some(&mut sink),
        )
        .unwrap();
        all
    }

    /// Draws `n` values of one input directly from its sampler.
    fn draws(u: &UncertainInput, n: usize) -> Vec<f64> {
        let one = Uncertainty {
            inputs: vec![u.clone()],
            correlations: vec![],
        };
        let sampler = Sampler::new(&one).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut out = vec![0.0; n];
        sampler.inputs[0].fill(&mut rng, &mut out);
        out
    }

    fn mean_var(x: &[f64]) -> (f64, f64) {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        (m, x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0))
    }

    /// The empirical quantile (numpy's default, linear between order statistics).
    fn empirical(sorted: &[f64], p: f64) -> f64 {
        let h = (sorted.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    }

    fn uncertain(distribution: Distribution, min: f64, max: f64) -> UncertainInput {
        let mut u = UncertainInput {
            input: Input::Price,
            distribution,
            min,
            max,
            truncated_share: 0.0,
            truncated_by_input_bounds: false,
        };
        u.truncated_share = 1.0 - u.kept_mass();
        u
    }

    /// Checks mean, variance and quantiles of `n` draws against formulas, within
    /// about 4.5 standard errors (variance se from the fourth moment, quantile
    /// se sqrt(p(1-p)/n) / density, here via the CDF at the sample quantile).
    fn check_sampler(u: &UncertainInput, mean: f64, var: f64) {
        let n = 200_000;
        let mut x = draws(u, n);
        let (m, v) = mean_var(&x);
        let se_mean = (var / n as f64).sqrt();
        assert!(
            (m - mean).abs() < 4.5 * se_mean,
            "{:?}: mean {m} vs {mean}",
            u.distribution
        );
        let m4 = x.iter().map(|a| (a - mean).powi(4)).sum::<f64>() / n as f64;
        let se_var = ((m4 - var * var) / n as f64).sqrt();
        assert!(
            (v - var).abs() < 4.5 * se_var,
            "{:?}: variance {v} vs {var}",
            u.distribution
        );
        x.sort_by(f64::total_cmp);
        for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
            // The truncated distribution's CDF at the sample quantile is p within sampling error.
            let q = empirical(&x, p);
            let kept = u.kept_mass();
            let f = (u.distribution.cdf(q) - u.distribution.cdf(u.min)) / kept;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((f - p).abs() < 4.5 * se, "{:?}: F(P{p}) = {f}", u.distribution);
        }
    }

    #[test]
    fn every_sampler_matches_its_distribution() {
        let inf = f64::INFINITY;
        // Normal(100, 5): mean 100, var 25.
        check_sampler(
            &uncertain(Distribution::Normal { mean: 100.0, sd: 5.0 }, 0.0, inf),
            100.0,
            25.0,
        );
        // Lognormal(mu = ln 10000, sigma 0.2): mean 10000 e^0.02, var (e^0.04 - 1) e^(2 ln 10000 + 0.04).
        let mu = 10_000f64.ln();
        check_sampler(
            &uncertain(Distribution::Lognormal { mu, sigma: 0.2 }, 0.0, inf),
            10_000.0 * 0.02f64.exp(),
            (0.04f64.exp() - 1.0) * 1e8 * 0.04f64.exp(),
        );
        // Uniform(45000, 55000): mean 50000, var 10000^2 / 12.
        check_sampler(
            &uncertain(
                Distribution::Uniform {
                    min: 45_000.0,
                    max: 55_000.0,
                },
                0.0,
                inf,
            ),
            50_000.0,
            1e8 / 12.0,
        );
        // Triangular(40, 50, 65): mean 155/3, var 475/18 (see uncertainty tests).
        check_sampler(
            &uncertain(
                Distribution::Triangular {
                    min: 40.0,
                    mode: 50.0,
                    max: 65.0,
                },
                0.0,
                inf,
            ),
            155.0 / 3.0,
            475.0 / 18.0,
        );
        // PERT(0.2, 0.5, 0.8) = 0.2 + 0.6 Beta(3, 3) (the median of 5 uniforms): mean 0.5, var 0.36/28.
        let pert = uncertain(
            Distribution::Pert {
                min: 0.2,
                mode: 0.5,
                max: 0.8,
            },
            0.0,
            inf,
        );
        assert!(matches!(
            Fast::new(&pert.distribution),
            Fast::PertOrder { k: 3, n: 5, .. }
        ));
        check_sampler(&pert, 0.5, 0.36 / 28.0);
        // PERT(0, 1, 10): Beta(1.4, 4.6) by two gammas; mean 10 x 1.4/6 = 7/3,
        // var 100 x 1.4 x 4.6 / (36 x 7) = 644/252.
        let pert = uncertain(
            Distribution::Pert {
                min: 0.0,
                mode: 1.0,
                max: 10.0,
            },
            0.0,
            inf,
        );
        assert!(matches!(Fast::new(&pert.distribution), Fast::PertGamma { .. }));
        check_sampler(&pert, 7.0 / 3.0, 644.0 / 252.0);
    }

    #[test]
    fn truncation_draws_from_the_truncated_distribution() {
        // Normal(0, 1) cut at 0 is the half-normal: mean sqrt(2/pi), var 1 - 2/pi.
        let half = uncertain(Distribution::Normal { mean: 0.0, sd: 1.0 }, 0.0, f64::INFINITY);
        assert!((half.truncated_share - 0.5).abs() < 1e-6);
        check_sampler(
            &half,
            (2.0 / std::f64::consts::PI).sqrt(),
            1.0 - 2.0 / std::f64::consts::PI,
        );
        // Normal(-1, 1) cut at 0 keeps 15.9%, so it is drawn by inverse CDF:
        // mean -1 + phi(1) / (1 - Phi(1)) = -1 + 0.241971 / 0.158655 = 0.525135;
        // var 1 + 1 x 1.525135 - 1.525135^2 = 0.199097.
        let tail = uncertain(Distribution::Normal { mean: -1.0, sd: 1.0 }, 0.0, f64::INFINITY);
        check_sampler(&tail, 0.525_135, 0.199_097);
        assert!(draws(&tail, 10_000).iter().all(|x| *x >= 0.0));
    }

    const BASE: &str = "price = 100\nunit_variable_cost = 50\nfixed_cost = 450000\ndemand = 10000\n[marketing]\nspend = 20000\nuplift = 0.5\n";

    #[test]
    fn normal_demand_gives_the_closed_form_profit_distribution() {
        // profit = (100 - 50) x D x 1.5 - 470,000 = 75 D - 470,000 with D ~ N(10000, 2000):
        // mean 280,000, sd 150,000; P5/P95 = 280,000 -/+ 1.644854 x 150,000 = 33,271.9 / 526,728.1;
        // P(loss) = Phi(-280,000 / 150,000) = Phi(-1.866667) = 0.030974.
        let (s, u) = load(&format!(
            "{BASE}[uncertainty]\ndemand = {{ normal = {{ mean = 10000, sd = 2000 }} }}\n"
        ));
        let n = 200_000u64;
        let sim = quick(&s, &u, n);
        let p = sim.metric(Metric::Profit);
        let rn = (n as f64).sqrt();
        let sd = 150_000.0;
        assert!((p.mean.unwrap() - 280_000.0).abs() < 4.0 * sd / rn);
        assert!((p.sd.unwrap() - sd).abs() < 4.0 * sd / (2.0 * n as f64).sqrt());
        // Quantile se: sqrt(p(1-p)/n) / density, density = phi(1.644854) / sd = 0.103136 / sd.
        let se_q = (0.05f64 * 0.95 / n as f64).sqrt() / (0.103_136 / sd);
        assert!((p.percentile(0.05).unwrap() - 33_271.9).abs() < 4.0 * se_q);
        assert!((p.percentile(0.95).unwrap() - 526_728.1).abs() < 4.0 * se_q);
        let loss = 0.030_974;
        assert!((sim.probability_of_loss - loss).abs() < 4.0 * (loss * (1.0 - loss) / n as f64).sqrt());
        // ES 5% of a normal: mean - sd phi(z) / 0.05 = 280,000 - 150,000 x 2.06272 = -29,408;
        // its se is about sd / sqrt(0.05 n) = 1,500.
        assert!((sim.expected_profit_worst_5.unwrap() + 29_408.0).abs() < 6_000.0);
        // Units sold = 1.5 D: mean 15,000, sd 3,000.
        let units = sim.metric(Metric::UnitsSold);
        assert!((units.mean.unwrap() - 15_000.0).abs() < 4.0 * 3_000.0 / rn);
        // Demand drives everything.
        assert_eq!(sim.drivers[0].input, Input::Demand);
        assert!(sim.drivers[0].rank_correlation.unwrap() > 0.999);
        assert_eq!(sim.drivers[0].variance_share, Some(1.0));
    }

    #[test]
    fn percentiles_and_the_worst_five_percent_are_exact_order_statistics() {
        let (s, u) = load(&format!(
            "{BASE}[uncertainty]\nprice = {{ normal = {{ mean = 100, sd = 5 }} }}\ndemand = {{ range = {{ low = 8000, high = 13000 }} }}\n"
        ));
        let n = 3_001u64;
        let all = rows(&s, &u, n);
        let cols = sample_columns(&u).len();
        let mut profits: Vec<f64> = all.chunks(cols).map(|r| r[cols - 2]).collect();
        profits.sort_by(f64::total_cmp);
        let worst = n.div_ceil(20) as usize;
        let es = profits[..worst].iter().sum::<f64>() / worst as f64;
        for store_limit in [u64::MAX, 0] {
            let mut sim = run_with(&s, &u, n, 3, store_limit);
            let p = sim.metrics.remove(0);
            for q in PERCENTILES {
                assert_eq!(p.percentile(q), Some(empirical(&profits, q)), "P{q}");
            }
            assert_eq!(p.min, Some(profits[0]));
            assert_eq!(p.max, Some(profits[profits.len() - 1]));
            assert!((sim.expected_profit_worst_5.unwrap() - es).abs() < 1e-6 * es.abs());
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_figures_with_1_2_and_8_threads() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/risk.toml")).unwrap();
        let (s, u) = load(&text);
        let n = 3 * CHUNK as u64 + 123;
        let on = |threads: usize, store_limit: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| run_with(&s, &u, n, 42, store_limit))
        };
        let one = on(1, STORE_LIMIT);
        assert_eq!(one, on(2, STORE_LIMIT));
        assert_eq!(one, on(8, STORE_LIMIT));
        // Drawing the samples again (above the store limit) gives the same figures too.
        assert_eq!(one, on(2, 0));
        assert_ne!(one, run_with(&s, &u, n, 43, STORE_LIMIT));
    }

    #[test]
    fn the_median_of_5_is_the_middle_of_the_sorted_five_in_every_order() {
        // Every pattern of order and ties of five values: each takes one of 0 to 4.
        for code in 0..5usize.pow(5) {
            let u: [f64; 5] = std::array::from_fn(|i| (code / 5usize.pow(i as u32) % 5) as f64);
            let mut sorted = u;
            sorted.sort_by(f64::total_cmp);
            assert_eq!(median_of_5(u), sorted[2], "{u:?}");
        }
        // And all 120 orders of five distinct values, whose median is 0.3.
        for code in 0..5usize.pow(5) {
            let digits: [usize; 5] = std::array::from_fn(|i| code / 5usize.pow(i as u32) % 5);
            if (0..5).all(|d| digits.contains(&d)) {
                let u = digits.map(|d| (d + 1) as f64 / 10.0);
                assert_eq!(median_of_5(u), 0.3, "{u:?}");
            }
        }
    }

    #[test]
    fn the_values_kept_in_the_first_pass_give_the_figures_of_a_second_pass() {
        let risk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/risk.toml")).unwrap();
        let medical = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/medical-imaging-risk.toml"
        ))
        .unwrap();
        for text in [risk, medical] {
            let (s, u) = load(&text);
            for (n, seed) in [
                (5 * CHUNK as u64 + 7, 1),
                (9 * CHUNK as u64, 2),
                (2 * CHUNK as u64 + 1, 3),
            ] {
                let (kept, redrawn) = run_limited(&s, &u, n, seed, STORE_LIMIT, GUESS_ERRORS);
                assert!(!redrawn, "the pilot's guess kept enough ({n} samples, seed {seed})");
                // Keeping nothing forces the second pass; drawing twice without storing too.
                let (forced, redrawn) = run_limited(&s, &u, n, seed, STORE_LIMIT, -1.0);
                assert!(redrawn);
                assert_eq!(kept, forced);
                assert_eq!(kept, run_limited(&s, &u, n, seed, 0, GUESS_ERRORS).0);
            }
        }
    }

    #[test]
    fn rank_correlations_come_out_as_asked() {
        let (s, u) = load(&format!(
            "{BASE}[uncertainty]\nprice = {{ normal = {{ mean = 100, sd = 5 }} }}\ndemand = {{ lognormal = {{ median = 10000, sigma = 0.2 }} }}\nunit_variable_cost = {{ triangular = {{ min = 40, mode = 50, max = 65 }} }}\n\"marketing.uplift\" = {{ pert = {{ min = 0.2, mode = 0.5, max = 0.8 }} }}\n[[uncertainty.correlation]]\ninputs = [\"price\", \"demand\"]\nrank = -0.6\n[[uncertainty.correlation]]\ninputs = [\"unit_variable_cost\", \"marketing.uplift\"]\nrank = 0.5\n"
        ));
        let all = rows(&s, &u, 40_000);
        let cols = sample_columns(&u).len();
        let column = |name: &str| -> Vec<f64> {
            let j = sample_columns(&u).iter().position(|c| *c == name).unwrap();
            all.chunks(cols).map(|r| r[j]).collect()
        };
        // Spearman's se is about 1/sqrt(n) = 0.005 at most.
        let r = spearman(&column("price"), &column("demand")).unwrap();
        assert!((r + 0.6).abs() < 0.02, "{r}");
        let r = spearman(&column("unit_variable_cost"), &column("marketing.uplift")).unwrap();
        assert!((r - 0.5).abs() < 0.02, "{r}");
        let r = spearman(&column("price"), &column("unit_variable_cost")).unwrap();
        assert!(r.abs() < 0.02, "{r}");
        // The correlated inputs keep their distributions: triangular mean 155/3.
        let (m, _) = mean_var(&column("unit_variable_cost"));
        assert!((m - 155.0 / 3.0).abs() < 0.15, "{m}");
    }

    #[test]
    fn a_figure_that_never_moves_has_every_percentile_equal_even_past_the_collect_cap() {
        // Only price is uncertain: units sold stay 10,000 in every sample.
        let (s, u) = load(
            "price = 100\nunit_variable_cost = 50\nfixed_cost = 1000\ndemand = 10000\n[uncertainty]\nprice = { normal = { mean = 100, sd = 5 } }\n",
        );
        for cap in [COLLECT_CAP, 10] {
            let sim = run::<()>(
                &s,
                &u,
                Settings {
                    samples: 5_000,
                    seed: 1,
                },
                &mut |_, _| {},
                None,
                Limits {
                    store: STORE_LIMIT,
                    collect_cap: cap,
                    guess_errors: GUESS_ERRORS,
                },
                &mut false,
            )
            .unwrap();
            let units = sim.metric(Metric::UnitsSold);
            for (_, v) in &units.percentiles {
                assert_eq!(*v, Some(10_000.0));
            }
            assert_eq!(units.sd, Some(0.0));
        }
    }

    #[test]
    fn ranks_share_ties_and_pearson_needs_spread() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 90.0]), Some(1.0));
    }

    #[test]
    fn break_even_is_undefined_where_units_lose_money() {
        // Price uniform(40, 60) against a unit cost of 50: half the samples lose on every unit.
        let (s, u) = load(
            "price = 100\nunit_variable_cost = 50\nfixed_cost = 1000\ndemand = 100\n[uncertainty]\nprice = { uniform = { min = 40, max = 60 } }\n",
        );
        let sim = quick(&s, &u, 10_000);
        let be = sim.metric(Metric::BreakEvenUnits);
        assert!(be.defined > 4_500 && be.defined < 5_500, "{}", be.defined);
        assert!(be.min.unwrap() > 100.0); // 1000 / at most 10
        assert_eq!(sim.metric(Metric::Profit).defined, 10_000);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        #[test]
        fn statistics_are_ordered_and_probabilities_are_shares(
            mean in 0.0f64..200.0,
            sd in 0.1f64..100.0,
            low in 0.0f64..100.0,
            width in 1.0f64..100.0,
            fixed in 0.0f64..2e6,
            samples in 1u64..3000,
            seed in 0u64..1000,
        ) {
            let text = format!(
                "price = 100\nunit_variable_cost = 50\nfixed_cost = {fixed}\ndemand = 10000\ntarget_profit = 0\n[uncertainty]\nprice = {{ normal = {{ mean = {mean}, sd = {sd} }} }}\nunit_variable_cost = {{ uniform = {{ min = {low}, max = {} }} }}\n",
                low + width
            );
            let (s, u) = load(&text);
            let sim = run_with(&s, &u, samples, seed, STORE_LIMIT);
            for m in &sim.metrics {
                if m.defined == 0 {
                    proptest::prop_assert!(m.mean.is_none() && m.min.is_none());
                    continue;
                }
                let mut last = m.min.unwrap();
                for (_, v) in &m.percentiles {
                    let v = v.unwrap();
                    proptest::prop_assert!(v >= last, "{:?}", m);
                    last = v;
                }
                proptest::prop_assert!(m.max.unwrap() >= last);
                let mean = m.mean.unwrap();
                proptest::prop_assert!(mean >= m.min.unwrap() - 1e-6 * mean.abs() && mean <= m.max.unwrap() + 1e-6 * mean.abs());
            }
            // Profit >= 0 (the target) and profit < 0 split the samples.
            let target = sim.probability_of_target.unwrap();
            proptest::prop_assert!((target + sim.probability_of_loss - 1.0).abs() < 1e-12);
            let p = sim.metric(Metric::Profit);
            proptest::prop_assert!(sim.expected_profit_worst_5.unwrap() <= p.mean.unwrap() + 1e-6 * p.mean.unwrap().abs());
            let counted: u64 = sim.histogram.counts.iter().sum::<u64>() + sim.histogram.below + sim.histogram.above;
            proptest::prop_assert_eq!(counted, samples);
        }
    }
}
