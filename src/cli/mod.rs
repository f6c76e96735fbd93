//! Arguments, dispatch and exit codes. One module per subcommand.
//!
//! Exit codes: 0 success; 1 an error (bad scenario, unreadable file, no
//! solution); 2 bad command-line usage (clap's default). `plan diff
//! --exit-code` follows `diff` and `cmp` instead: 0 no result differs, 1 some
//! result differs, 2 trouble (an error or bad usage).

mod chart;
mod compare;
mod diff;
mod evaluate;
mod load;
mod optimize;
mod output;
mod report;
mod sensitivity;
mod simulate;
mod solve;

use std::io::IsTerminal;

use clap::{Parser, Subcommand};

use crate::export::{Format, Style};

/// A business-planning calculator: break-even, profit and sensitivity from a
/// small TOML scenario file.
#[derive(Debug, Parser)]
#[command(name = "plan", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Profit, break-even and margin of safety of one or more scenarios.
    Evaluate(evaluate::Args),
    /// Which input matters: derivatives, a one-way table, break-even values, or a two-way grid.
    Sensitivity(sensitivity::Args),
    /// Goal seek: the value of an input at which a result field reaches a target.
    Solve(solve::Args),
    /// Monte Carlo risk analysis: percentiles, chance of a loss and risk drivers.
    Simulate(simulate::Args),
    /// What changed between two plans, and which input is responsible.
    Diff(diff::Args),
    /// Many scenarios side by side, with the change against the first.
    Compare(compare::Args),
    /// The price or marketing spend (one or two inputs) that maximises profit.
    Optimize(optimize::Args),
    /// Draw a chart as SVG.
    Chart(chart::Args),
    /// Write one self-contained HTML page: results, charts and analyses.
    Report(report::Args),
}

/// Output options every command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to PATH instead of stdout (written whole or not at all; `-` is stdout).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<std::path::PathBuf>,
}

impl OutputArgs {
    /// Colour only in tables on a terminal, and never when NO_COLOR is set.
    pub fn style(&self) -> Style {
        let to_stdout = self.output.as_ref().is_none_or(|p| p.as_os_str() == "-");
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: self.format == Format::Table && to_stdout && !no_color && std::io::stdout().is_terminal(),
        }
    }

    /// Fails early, before any work, when the output path cannot be written.
    pub fn check(&self) -> anyhow::Result<()> {
        output::check(self.output.as_deref())
    }

    /// Renders a report and writes it where the user asked.
    pub fn emit(&self, report: &impl crate::export::Report) -> anyhow::Result<()> {
        let text = crate::export::render(report, self.format, self.style())?;
        output::write(self.output.as_deref(), text.as_bytes())
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Evaluate(args) => evaluate::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Chart(args) => chart::run(args),
        Command::Report(args) => report::run(args),
        Command::Optimize(args) => optimize::run(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Solve(args) => solve::run(args),
        Command::Simulate(args) => simulate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            eprintln!("error: {error:#}");
            error.downcast_ref::<ExitWith>().map_or(1, |e| e.code)
        }
    }
}

/// An error that exits with its own code instead of 1.
#[derive(Debug)]
pub struct ExitWith {
    pub code: i32,
    pub error: anyhow::Error,
}

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for ExitWith {}

/// `plan ... | head` closes the pipe early: that is not an error to report.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A command-line usage error found after parsing (exit 2, as clap's own).
pub fn usage_error(message: String) -> anyhow::Error {
    anyhow::Error::new(ExitWith {
        code: 2,
        error: anyhow::anyhow!("{message}\n\nFor more information, try '--help'."),
    })
}
