//! `plan simulate FILE`: Monte Carlo risk analysis of a scenario's `[uncertainty]`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plan::simulate::{self, DRIVER_SAMPLES, Metric, MetricStats, PERCENTILES, Settings, Simulation};
use plan::{Scenario, Uncertainty};
use serde::Serialize;

use super::OutputArgs;
use super::load::load_with_file;
use crate::export::{Block, Cell, Document, NoteKind, NoteLine, Report, Row, Table, Unit, full_number, human_number};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Samples drawn when `--samples` is not given.
pub const DEFAULT_SAMPLES: u64 = 100_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file with an `[uncertainty]` table (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "FILE")]
    file: String,
    /// How many samples to draw.
    #[arg(long, short = 'n', default_value_t = DEFAULT_SAMPLES, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    samples: u64,
    /// The random seed: the same seed gives the same figures, whatever the number of threads.
    #[arg(long, default_value_t = simulate::DEFAULT_SEED)]
    seed: u64,
    /// Also write every sample (inputs and results, one row each) to this CSV file, streamed.
    #[arg(long, value_name = "FILE.csv")]
    samples_out: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    args.output.check()?;
    if let Some(path) = &args.samples_out {
        if path.as_os_str() == "-" {
            bail!(
                "`--samples-out -` would mix the samples with the report on stdout\n  = help: give a file path, as `--samples-out samples.csv` (`/dev/stdout` with `-o report.txt` to pipe them)"
            );
        }
        super::output::check(Some(path)).context("cannot write the samples")?;
        let same = |a: &Path, b: &Path| match (std::path::absolute(a), std::path::absolute(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        if let Some(report) = &args.output.output
            && same(path, report)
        {
            return Err(super::usage_error(format!(
                "`--samples-out` and `-o` both name `{}`: the report would replace the samples; give them different paths",
                path.display()
            )));
        }
    }
    let (loaded, uncertainty) = load_uncertain(&args.file)?;
    let base = plan::evaluate(&loaded.scenario)
        .map_err(|e| anyhow::anyhow!("{e}").context(format!("cannot evaluate `{}`", args.file)))?;

    let settings = Settings {
        samples: args.samples,
        seed: args.seed,
    };
    let progress = Progress::new(args.samples);
    let mut report_progress = |done: u64, total: u64| progress.update(done, total);
    let simulation = match &args.samples_out {
        None => {
            simulate::simulate::<std::io::Error>(&loaded.scenario, &uncertainty, settings, &mut report_progress, None)
        }
        Some(path) => {
            let mut writer = SampleWriter::create(path, &uncertainty)?;
            let mut sink = |rows: &[f64]| writer.write(rows);
            let result = simulate::simulate(
                &loaded.scenario,
                &uncertainty,
                settings,
                &mut report_progress,
                Some(&mut sink),
            );
            match result {
                Ok(s) => {
                    writer.finish()?;
                    Ok(s)
                }
                Err(e) => Err(e),
            }
        }
    };
    progress.finish();
    let simulation = simulation.map_err(|e| match e {
        simulate::SimulateError::Sink(io) => anyhow::Error::new(io).context(format!(
            "cannot write the samples to `{}`",
            args.samples_out.as_deref().unwrap_or(Path::new("")).display()
        )),
        other => anyhow::anyhow!("{other}"),
    })?;

    let report = SimulateReport::new(loaded, uncertainty, base.results, simulation);
    args.output.emit(&report)?;
    Ok(0)
}

/// Loads a scenario and its `[uncertainty]`; a scenario without one is an error.
pub fn load_uncertain(spec: &str) -> anyhow::Result<(super::load::Loaded, Uncertainty)> {
    let (loaded, file) = load_with_file(spec)?;
    let Some(uncertainty) = file.uncertainty(loaded.variant.as_deref())? else {
        let with_table: Vec<String> = file
            .variant_names()
            .into_iter()
            .filter(|name| loaded.variant.is_none() && matches!(file.uncertainty(Some(name)), Ok(Some(_))))
            .map(|name| {
                if loaded.source == "-" {
                    // `-#NAME` alone would read as flags.
                    format!("`-- -#{name}`")
                } else {
                    format!("`{}#{name}`", loaded.source)
                }
            })
            .collect();
        if !with_table.is_empty() {
            bail!(
                "`{}` has no `[uncertainty]` table of its own, so nothing in the base scenario is uncertain\n  = help: its variants have one: simulate {}",
                loaded.source,
                with_table.join(" or ")
            );
        }
        bail!(
            "`{}` has no `[uncertainty]` table, so nothing in it is uncertain\n  = help: give inputs distributions, as `[uncertainty]` then `price = {{ normal = {{ mean = 100, sd = 5 }} }}`",
            loaded.source
        );
    };
    Ok((loaded, uncertainty))
}

/// Simulates without a progress bar or sample file (for charts).
pub fn run_quietly(spec: &str, settings: Settings) -> anyhow::Result<(Scenario, Simulation)> {
    let (loaded, uncertainty) = load_uncertain(spec)?;
    let simulation =
        simulate::simulate::<std::io::Error>(&loaded.scenario, &uncertainty, settings, &mut |_, _| {}, None)
            .map_err(|e| anyhow::anyhow!("{e}").context(format!("cannot simulate `{spec}`")))?;
    Ok((loaded.scenario, simulation))
}

/// A progress bar on stderr, shown only on a terminal and once the run has
/// taken a second.
struct Progress {
    bar: ProgressBar,
    start: Instant,
    terminal: bool,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    fn new(samples: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(2 * samples), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent}% ({eta} left)") {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress {
            bar,
            start: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            shown: std::cell::Cell::new(false),
        }
    }

    fn update(&self, done: u64, total: u64) {
        if self.terminal && !self.shown.get() && self.start.elapsed() > Duration::from_secs(1) && done < total {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown.set(true);
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Where the samples go: a temporary file renamed over the target at the end,
/// or, for a path that exists but is not a regular file (`/dev/null`, a named
/// pipe), the path itself, written in place: renaming over it would replace
/// the device with a file.
enum Target {
    Temporary(tempfile::NamedTempFile),
    InPlace(std::fs::File),
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Target::Temporary(f) => f.write(buf),
            Target::InPlace(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Target::Temporary(f) => f.flush(),
            Target::InPlace(f) => f.flush(),
        }
    }
}

/// Streams sample rows into a temporary CSV file next to the target, renamed
/// over it at the end, so the file is written whole or not at all (a device
/// or a pipe is written in place).
struct SampleWriter {
    path: PathBuf,
    writer: csv::Writer<std::io::BufWriter<Target>>,
    /// The permissions the file gets: the old file's, or 0644 for a new one.
    permissions: Option<std::fs::Permissions>,
    columns: usize,
    next: u64,
    record: Vec<String>,
    /// The pipe's reader stopped reading (`--samples-out /dev/stdout | head`):
    /// the rest of the samples go nowhere, and the run goes on to its report.
    reader_gone: bool,
}

impl SampleWriter {
    fn create(path: &Path, uncertainty: &Uncertainty) -> anyhow::Result<SampleWriter> {
        let context = || format!("cannot write the samples to `{}`", path.display());
        let existing = std::fs::metadata(path).ok();
        let target = if existing.as_ref().is_some_and(|m| !m.is_file()) {
            Target::InPlace(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(context)?,
            )
        } else {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            Target::Temporary(tempfile::NamedTempFile::new_in(folder).with_context(context)?)
        };
        let mut writer = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, target));
        let columns = simulate::sample_columns(uncertainty);
        let mut header = vec!["sample"];
        header.extend(columns.iter().copied());
        writer.write_record(&header).with_context(context)?;
        Ok(SampleWriter {
            path: path.to_path_buf(),
            writer,
            permissions: super::output::permissions_for(existing),
            columns: columns.len(),
            next: 1,
            record: Vec::new(),
            reader_gone: false,
        })
    }

    fn write(&mut self, rows: &[f64]) -> Result<(), std::io::Error> {
        if self.reader_gone {
            return Ok(());
        }
        for row in rows.chunks(self.columns) {
            self.record.clear();
            self.record.push(self.next.to_string());
            self.record.extend(
                row.iter()
                    .map(|v| if v.is_finite() { full_number(*v) } else { String::new() }),
            );
            if let Err(e) = self.writer.write_record(&self.record) {
                // csv's own conversion to an I/O error says `Other`; take the
                // I/O error out, so that a closed pipe is known as one.
                let io = match e.into_kind() {
                    csv::ErrorKind::Io(io) => io,
                    other => std::io::Error::other(format!("{other:?}")),
                };
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    self.reader_gone = true;
                    return Ok(());
                }
                return Err(io);
            }
            self.next += 1;
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        if self.reader_gone {
            return Ok(());
        }
        let context = || format!("cannot write the samples to `{}`", self.path.display());
        let buffered = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(context)?;
        let target = buffered
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(context)?;
        match target {
            Target::InPlace(mut file) => file.flush().with_context(context)?,
            Target::Temporary(mut file) => {
                file.flush().with_context(context)?;
                file.as_file().sync_all().with_context(context)?;
                if let Some(permissions) = self.permissions {
                    file.as_file().set_permissions(permissions).with_context(context)?;
                }
                file.persist(&self.path).map_err(|e| e.error).with_context(context)?;
            }
        }
        Ok(())
    }
}

/// One figure's statistics, as JSON shows them.
#[derive(Debug, Serialize)]
pub struct Statistics {
    pub metric: Metric,
    pub defined: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub min: Option<f64>,
    pub p1: Option<f64>,
    pub p5: Option<f64>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

impl From<&MetricStats> for Statistics {
    fn from(m: &MetricStats) -> Statistics {
        let p = |q| m.percentile(q);
        Statistics {
            metric: m.metric,
            defined: m.defined,
            mean: m.mean,
            sd: m.sd,
            min: m.min,
            p1: p(0.01),
            p5: p(0.05),
            p10: p(0.10),
            p25: p(0.25),
            p50: p(0.50),
            p75: p(0.75),
            p90: p(0.90),
            p95: p(0.95),
            p99: p(0.99),
            max: m.max,
        }
    }
}

/// The chances the plan meets or misses.
#[derive(Debug, Serialize)]
pub struct Risk {
    pub base_case_profit: f64,
    pub probability_of_loss: f64,
    pub target_profit: Option<f64>,
    pub probability_of_target: Option<f64>,
    pub expected_profit_worst_5: Option<f64>,
}

/// The report `plan simulate` prints.
#[derive(Debug, Serialize)]
pub struct SimulateReport {
    pub schema_version: u32,
    pub name: String,
    pub source: String,
    pub variant: Option<String>,
    pub samples: u64,
    pub seed: u64,
    pub inputs: Scenario,
    pub uncertainty: Uncertainty,
    pub statistics: Vec<Statistics>,
    pub risk: Risk,
    pub drivers: Vec<simulate::Driver>,
    pub driver_samples: u64,
    pub histogram: simulate::Histogram,
    pub notes: Vec<String>,
    #[serde(skip)]
    simulation: Simulation,
}

impl SimulateReport {
    pub fn new(
        loaded: super::load::Loaded,
        uncertainty: Uncertainty,
        base: plan::Results,
        simulation: Simulation,
    ) -> SimulateReport {
        let mut notes = Vec::new();
        for u in &uncertainty.inputs {
            if u.truncated_share > 0.0 {
                let bounds = match (u.min.is_finite(), u.max.is_finite()) {
                    (true, true) => format!("outside {} to {}", plain(u.min), plain(u.max)),
                    (true, false) => format!("below {}", plain(u.min)),
                    _ => format!("above {}", plain(u.max)),
                };
                let why = if u.truncated_by_input_bounds {
                    let limit = if u.input.maximum().is_finite() {
                        "be above 0"
                    } else {
                        "be negative"
                    };
                    format!(" (`{}` cannot {limit})", u.input.name())
                } else {
                    String::new()
                };
                notes.push(format!(
                    "`{}`: {} of {} lies {bounds}{why}; those draws were truncated (drawn again inside the bounds)",
                    u.input.name(),
                    percent(u.truncated_share),
                    u.distribution
                ));
            }
        }
        let be = simulation.metric(Metric::BreakEvenUnits);
        if be.defined < simulation.samples {
            notes.push(format!(
                "`break_even_units` is undefined in {} of samples (price at or below unit variable cost); its statistics cover the rest",
                percent(1.0 - be.defined as f64 / simulation.samples as f64)
            ));
        }
        if simulation.samples < 2 {
            notes.push(
                "with one sample the standard deviations and the risk drivers are undefined: they need at least two samples"
                    .to_string(),
            );
        } else if simulation.drivers.iter().any(|d| d.rank_correlation.is_none()) {
            let undefined: Vec<String> = simulation
                .drivers
                .iter()
                .filter(|d| d.rank_correlation.is_none())
                .map(|d| format!("`{}`", d.input.name()))
                .collect();
            let profit_constant = simulation.metric(Metric::Profit).sd == Some(0.0);
            notes.push(if profit_constant {
                "profit is the same in every sample: the uncertain inputs do not move it, so no input drives the risk (rank correlations undefined)".to_string()
            } else {
                format!(
                    "the rank correlation with profit is undefined for {}: the input does not vary in the samples measured",
                    undefined.join(", ")
                )
            });
        }
        if simulation.samples > DRIVER_SAMPLES as u64 {
            notes.push(format!(
                "risk drivers are measured on the first {} samples (rank correlations need every value in memory)",
                human_number(simulation.driver_samples as f64, &Unit::Units)
            ));
        }
        SimulateReport {
            schema_version: SCHEMA_VERSION,
            name: loaded.scenario.name.clone(),
            source: loaded.source,
            variant: loaded.variant,
            samples: simulation.samples,
            seed: simulation.seed,
            statistics: simulation.metrics.iter().map(Statistics::from).collect(),
            risk: Risk {
                base_case_profit: base.profit,
                probability_of_loss: simulation.probability_of_loss,
                target_profit: loaded.scenario.target_profit,
                probability_of_target: simulation.probability_of_target,
                expected_profit_worst_5: simulation.expected_profit_worst_5,
            },
            inputs: loaded.scenario,
            uncertainty,
            drivers: simulation.drivers.clone(),
            driver_samples: simulation.driver_samples,
            histogram: simulation.histogram.clone(),
            notes,
            simulation,
        }
    }

    fn money(&self) -> Unit {
        Unit::Money(self.inputs.currency.clone())
    }
}

fn plain(v: f64) -> String {
    human_number(v, &Unit::Plain)
}

/// A probability for people, with enough digits for small chances.
fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct > 0.0 && pct < 0.01 {
        // Two significant digits: 2.9e-7 is 0.000029%, not 0.0000%.
        let decimals = ((-pct.log10()).ceil() as usize + 1).min(12);
        format!("{pct:.decimals$}%")
    } else {
        format!("{pct:.2}%")
    }
}

fn metric_label(m: Metric) -> &'static str {
    match m {
        Metric::Profit => "Profit",
        Metric::UnitsSold => "Units sold",
        Metric::Revenue => "Revenue",
        Metric::BreakEvenUnits => "Break-even units",
    }
}

/// The statistic rows: label, JSON/CSV name, and how to read it from the stats.
type Getter = Box<dyn Fn(&MetricStats) -> Option<f64>>;

fn statistic_rows() -> Vec<(String, String, Getter)> {
    let mut rows: Vec<(String, String, Getter)> = vec![
        ("Mean".into(), "mean".into(), Box::new(|m: &MetricStats| m.mean)),
        ("Std deviation".into(), "sd".into(), Box::new(|m: &MetricStats| m.sd)),
        ("Min".into(), "min".into(), Box::new(|m: &MetricStats| m.min)),
    ];
    for p in PERCENTILES {
        let k = (p * 100.0).round() as u32;
        rows.push((
            format!("P{k}"),
            format!("p{k}"),
            Box::new(move |m: &MetricStats| m.percentile(p)),
        ));
    }
    rows.push(("Max".into(), "max".into(), Box::new(|m: &MetricStats| m.max)));
    rows
}

impl Report for SimulateReport {
    fn document(&self) -> Document {
        let s = &self.simulation;
        let money = self.money();
        let per = self
            .inputs
            .period
            .as_deref()
            .map(|p| format!(", figures per {p}"))
            .unwrap_or_default();
        let mut blocks = vec![Block::Heading(format!(
            "{} ({}{per}): {} sample{}, seed {}",
            self.name,
            self.source,
            human_number(self.samples as f64, &Unit::Units),
            if self.samples == 1 { "" } else { "s" },
            self.seed
        ))];

        let mut rows = Vec::new();
        for u in &self.uncertainty.inputs {
            let unit = crate::export::input_unit(u.input, self.inputs.currency.as_ref());
            rows.push(Row::Cells(vec![
                Cell::text(u.input.name()),
                Cell::text(u.distribution.to_string()),
                Cell::number(u.input.get(&self.inputs), unit),
                Cell::text(if u.truncated_share > 0.0 {
                    percent(u.truncated_share)
                } else {
                    "-".into()
                }),
            ]));
        }
        for c in &self.uncertainty.correlations {
            rows.push(Row::Cells(vec![
                Cell::text(format!("{} ~ {}", c.a.name(), c.b.name())),
                Cell::text(format!("rank correlation {}", c.rank)),
                Cell::Undefined,
                Cell::Undefined,
            ]));
        }
        blocks.push(Block::Table(Table {
            header: vec![
                "Uncertain input".into(),
                "Distribution".into(),
                "Base case".into(),
                "Truncated".into(),
            ],
            rows,
        }));

        let mut header = vec![String::new()];
        header.extend(s.metrics.iter().map(|m| metric_label(m.metric).to_string()));
        let units: Vec<Unit> = s
            .metrics
            .iter()
            .map(|m| match m.metric {
                Metric::Profit | Metric::Revenue => money.clone(),
                _ => Unit::Units,
            })
            .collect();
        let rows = statistic_rows()
            .into_iter()
            .map(|(label, _, get)| {
                let mut cells = vec![Cell::text(label)];
                cells.extend(
                    s.metrics
                        .iter()
                        .zip(&units)
                        .map(|(m, u)| Cell::number(get(m), u.clone())),
                );
                Row::Cells(cells)
            })
            .collect();
        blocks.push(Block::Table(Table { header, rows }));

        let r = &self.risk;
        let mut rows = vec![
            Row::Cells(vec![
                Cell::text("Base-case profit"),
                Cell::number(Some(r.base_case_profit), money.clone()),
            ]),
            Row::Cells(vec![
                Cell::text("Probability of a loss"),
                Cell::text(percent(r.probability_of_loss)),
            ]),
        ];
        if let (Some(t), Some(p)) = (r.target_profit, r.probability_of_target) {
            rows.push(Row::Cells(vec![
                Cell::text(format!("Probability of profit >= target ({})", human_number(t, &money))),
                Cell::text(percent(p)),
            ]));
        }
        rows.push(Row::Cells(vec![
            Cell::text("Expected profit in the worst 5%"),
            Cell::number(r.expected_profit_worst_5, money.clone()),
        ]));
        blocks.push(Block::Table(Table {
            header: vec!["Risk".into(), "Value".into()],
            rows,
        }));

        let rows = self
            .drivers
            .iter()
            .map(|d| {
                Row::Cells(vec![
                    Cell::text(d.input.name()),
                    d.rank_correlation
                        .map_or(Cell::Undefined, |r| Cell::text(format!("{r:+.3}"))),
                    Cell::number(d.variance_share, Unit::Ratio),
                ])
            })
            .collect();
        blocks.push(Block::Table(Table {
            header: vec![
                "Risk driver".into(),
                "Rank correlation with profit".into(),
                "Variance share".into(),
            ],
            rows,
        }));
        blocks.push(Block::Chart(tornado(&self.drivers)));
        blocks.push(Block::Chart(histogram_chart(&self.histogram, &money, s.samples)));
        if !self.notes.is_empty() {
            blocks.push(Block::Notes(
                self.notes
                    .iter()
                    .map(|n| NoteLine {
                        kind: NoteKind::Info,
                        text: n.clone(),
                    })
                    .collect(),
            ));
        }
        Document { blocks }
    }

    fn csv_table(&self) -> Table {
        let header = ["section", "metric", "statistic", "value"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut rows = Vec::new();
        let mut row = |section: &str, metric: &str, statistic: &str, value: Option<f64>| {
            rows.push(Row::Cells(vec![
                Cell::text(section),
                Cell::text(metric),
                Cell::text(statistic),
                Cell::number(value, Unit::Plain),
            ]));
        };
        row("run", "", "samples", Some(self.samples as f64));
        row("run", "", "seed", Some(self.seed as f64));
        for u in &self.uncertainty.inputs {
            row("inputs", u.input.name(), "truncated_share", Some(u.truncated_share));
        }
        for m in &self.simulation.metrics {
            row("statistics", m.metric.name(), "defined", Some(m.defined as f64));
            for (_, name, get) in statistic_rows() {
                row("statistics", m.metric.name(), &name, get(m));
            }
        }
        let r = &self.risk;
        row("risk", "profit", "base_case_profit", Some(r.base_case_profit));
        row("risk", "profit", "probability_of_loss", Some(r.probability_of_loss));
        if r.target_profit.is_some() {
            row("risk", "profit", "target_profit", r.target_profit);
            row("risk", "profit", "probability_of_target", r.probability_of_target);
        }
        row("risk", "profit", "expected_profit_worst_5", r.expected_profit_worst_5);
        for d in &self.drivers {
            row("drivers", d.input.name(), "rank_correlation", d.rank_correlation);
            row("drivers", d.input.name(), "variance_share", d.variance_share);
        }
        Table { header, rows }
    }
}

/// Bars of `width` cells for `fraction` of full, in eighths of a block.
fn bar(fraction: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (fraction.clamp(0.0, 1.0) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        s.push(PARTS[eighths % 8]);
    }
    s
}

/// The tornado: each driver's rank correlation as a bar left (negative) or
/// right (positive) of an axis.
fn tornado(drivers: &[simulate::Driver]) -> String {
    const HALF: usize = 20;
    let name_width = drivers.iter().map(|d| d.input.name().len()).max().unwrap_or(0);
    let mut out = String::from("Risk drivers (rank correlation with profit, -1 to +1)\n");
    for d in drivers {
        let r = d.rank_correlation.unwrap_or(0.0);
        let cells = ((r.abs() * HALF as f64).round() as usize).min(HALF);
        let (left, right) = if r < 0.0 {
            (format!("{:>HALF$}", "█".repeat(cells)), String::new())
        } else {
            (" ".repeat(HALF), "█".repeat(cells))
        };
        let value = d.rank_correlation.map_or("-".to_string(), |r| format!("{r:+.3}"));
        out.push_str(&format!(
            "{:<name_width$}  {left}│{right:<HALF$}  {value}\n",
            d.input.name()
        ));
    }
    out
}

/// The profit histogram: one bar per range, loss bars drawn with ░.
fn histogram_chart(h: &simulate::Histogram, money: &Unit, samples: u64) -> String {
    const WIDTH: usize = 40;
    let label = |v: f64| human_number(v, money);
    let labels: Vec<(String, String)> = h.edges.windows(2).map(|w| (label(w[0]), label(w[1]))).collect();
    let lw = labels.iter().map(|(a, _)| a.chars().count()).max().unwrap_or(0);
    let rw = labels.iter().map(|(_, b)| b.chars().count()).max().unwrap_or(0);
    let most = h.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut out = String::from("Profit distribution (░ = loss)\n");
    let share = |c: u64| format!("{:>6.2}%", c as f64 / samples as f64 * 100.0);
    if h.below > 0 {
        out.push_str(&format!(
            "{:>width$}  {}\n",
            format!("below {}", label(h.edges[0])),
            share(h.below),
            width = lw + rw + 4 + WIDTH + 2
        ));
    }
    for ((a, b), (w, c)) in labels.iter().zip(h.edges.windows(2).zip(&h.counts)) {
        let fraction = *c as f64 / most;
        let loss = w[1] <= 0.0;
        let drawn = if loss {
            "░".repeat((fraction * WIDTH as f64).round() as usize)
        } else {
            bar(fraction, WIDTH)
        };
        let pad = WIDTH.saturating_sub(drawn.chars().count());
        out.push_str(&format!(
            "{a:>lw$} .. {b:>rw$}  {drawn}{}  {}{}\n",
            " ".repeat(pad),
            share(*c),
            if loss { "  loss" } else { "" }
        ));
    }
    if h.above > 0 {
        out.push_str(&format!(
            "{:>width$}  {}\n",
            format!("at or above {}", label(h.edges[h.edges.len() - 1])),
            share(h.above),
            width = lw + rw + 4 + WIDTH + 2
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percent;

    /// Regression: a truncated share of 2.9e-7 (normal demand 5 sd above 0) printed as 0.0000%.
    #[test]
    fn small_chances_keep_two_significant_digits() {
        assert_eq!(percent(2.866_515_7e-7), "0.000029%");
        assert_eq!(percent(0.000_03), "0.0030%");
        assert_eq!(percent(0.0123), "1.23%");
        assert_eq!(percent(0.0), "0.00%");
        assert_eq!(percent(1.0), "100.00%");
    }
}
