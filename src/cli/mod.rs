//! Arguments, dispatch and exit codes. One module per subcommand.
//!
//! Exit codes: 0 success; 1 an error (bad scenario, unreadable file, no
//! solution); 2 bad command-line usage (clap's default).

mod evaluate;
mod load;
mod output;
mod simulate;

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
    /// Monte Carlo risk analysis: percentiles, chance of a loss and risk drivers.
    Simulate(simulate::Args),
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
        Command::Simulate(args) => simulate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            eprintln!("error: {error:#}");
            1
        }
    }
}

/// `plan ... | head` closes the pipe early: that is not an error to report.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
