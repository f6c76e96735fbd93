//! `plan`: a business-planning calculator built on the cost-volume-profit model.
//!
//! The library is pure: it parses scenario text, validates it, evaluates the
//! profit model and runs analyses on it. It does no I/O and never prints; the
//! `plan` binary reads files and renders the results.
//!
//! ```
//! use plan::{evaluate, ScenarioFile};
//!
//! let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";
//! let scenario = ScenarioFile::parse(text, "seed.toml")?.base()?;
//! let evaluation = evaluate(&scenario)?;
//! // 100 x 10,000 - 50,000 - 50 x 10,000
//! assert_eq!(evaluation.results.profit, 450_000.0);
//! assert_eq!(evaluation.results.break_even_units, Some(1_000.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod diagnostic;
pub mod diff;
pub mod input;
pub mod model;
pub mod optimize;
pub mod scenario;
pub mod sensitivity;
pub mod simulate;
pub mod solve;
pub mod uncertainty;

pub use diagnostic::Diagnostic;
pub use input::Input;
pub use model::{Core, Evaluation, FIELDS, FieldKind, FieldSpec, ModelError, Note, NoteLevel, Results, core, evaluate};
pub use scenario::{Marketing, Scenario, ScenarioFile};
pub use uncertainty::{Distribution, Uncertainty};
