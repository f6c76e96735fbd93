//! `plan compare FILE...`: many scenarios side by side, one column each, with
//! the change against the first, like a spreadsheet's scenario summary.

use plan::diff::{FieldChange, InputChange, field_changes, input_changes};
use plan::{FIELDS, Input, Note, NoteLevel, Results, Scenario, evaluate};
use serde::Serialize;

use super::OutputArgs;
use super::diff::{field_unit, input_unit, signed};
use super::load::load_all;
use crate::export::{Block, Cell, Document, NoteKind, NoteLine, Report, Row, Table, Unit, human_number};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenarios (`FILE`, `FILE#VARIANT`, or `-` for stdin). A `FILE` that
    /// holds variants stands for its base and every variant. The first
    /// scenario is the one the others are compared against.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    args.output.check()?;
    let report = build(&args.files, true)?;
    args.output.emit(&report)?;
    Ok(0)
}

/// Loads and compares scenarios; with `expand_variants`, a file that has
/// variants stands for its base and every variant.
pub fn build(files: &[String], expand_variants: bool) -> anyhow::Result<CompareReport> {
    super::load::stdin_at_most_once(files)?;
    let mut loaded = Vec::new();
    for spec in files {
        if expand_variants {
            loaded.extend(load_all(spec)?);
        } else {
            loaded.push(super::load::load(spec)?);
        }
    }
    from_loaded(loaded)
}

/// Compares scenarios already loaded; the first is the baseline.
pub fn from_loaded(loaded: Vec<super::load::Loaded>) -> anyhow::Result<CompareReport> {
    let mut scenarios = Vec::new();
    for loaded in loaded {
        let evaluation = evaluate(&loaded.scenario)
            .map_err(|e| anyhow::anyhow!("{e}").context(format!("cannot evaluate `{}`", loaded.source)))?;
        scenarios.push(Compared {
            name: loaded.scenario.name.clone(),
            source: loaded.source,
            variant: loaded.variant,
            inputs: loaded.scenario,
            results: evaluation.results,
            notes: evaluation.notes,
            against_first: None,
        });
    }
    let Some(first) = scenarios.first() else {
        anyhow::bail!("there is nothing to compare: no scenario was given");
    };
    let (first_name, first_inputs, first_results) = (first.name.clone(), first.inputs.clone(), first.results.clone());
    for other in scenarios.iter_mut().skip(1) {
        let mut warnings = Vec::new();
        if other.inputs.currency != first_inputs.currency {
            warnings.push(format!(
                "{} is in {}, {} in {}: plan does not convert currencies, so its money changes compare unlike amounts",
                other.name,
                other.inputs.currency.as_deref().unwrap_or("no stated currency"),
                first_name,
                first_inputs.currency.as_deref().unwrap_or("no stated currency"),
            ));
        }
        other.against_first = Some(Against {
            inputs: input_changes(&first_inputs, &other.inputs),
            fields: field_changes(&first_results, &other.results),
            warnings,
        });
    }
    Ok(CompareReport {
        schema_version: SCHEMA_VERSION,
        baseline: scenarios[0].name.clone(),
        scenarios,
    })
}

/// Every compared scenario; the first is the baseline.
#[derive(Debug, Serialize)]
pub struct CompareReport {
    pub schema_version: u32,
    /// The name of the first scenario, which the others are compared against.
    pub baseline: String,
    pub scenarios: Vec<Compared>,
}

/// One scenario: its inputs, results, notes and change against the first.
#[derive(Debug, Serialize)]
pub struct Compared {
    pub name: String,
    pub source: String,
    pub variant: Option<String>,
    pub inputs: Scenario,
    pub results: Results,
    pub notes: Vec<Note>,
    /// The change against the first scenario; `null` for the first itself.
    pub against_first: Option<Against>,
}

/// Every input and result field against the first scenario.
#[derive(Debug, Serialize)]
pub struct Against {
    pub inputs: Vec<InputChange>,
    pub fields: Vec<FieldChange>,
    /// What makes the comparison unlike (a different currency).
    pub warnings: Vec<String>,
}

/// The change cell: `+250,000 (+55.6%)`, `+1.7 pp` for ratios, or what
/// happened when one side has no value.
fn change_text(old: Option<f64>, new: Option<f64>, percent: Option<f64>, unit: &Unit, unset: &str) -> Cell {
    match (old, new) {
        (Some(a), Some(b)) if a == b => Cell::text("0"),
        (Some(a), Some(b)) => {
            let change = signed(b - a, unit);
            match percent {
                Some(p) if !matches!(unit, Unit::Ratio) => {
                    Cell::text(format!("{change} ({})", human_number(p, &Unit::Percent)))
                }
                _ => Cell::text(change),
            }
        }
        (None, Some(_)) => Cell::text(format!("was {unset}")),
        (Some(_), None) => Cell::text(format!("now {unset}")),
        (None, None) => Cell::Undefined,
    }
}

/// The inputs the table shows: capacity, marketing and target only where some scenario has them.
fn shown_inputs(items: &[Compared]) -> Vec<&'static str> {
    let any = |f: &dyn Fn(&Scenario) -> bool| items.iter().any(|i| f(&i.inputs));
    let mut names: Vec<&'static str> = Input::ALL
        .iter()
        .filter(|input| match input {
            Input::MarketingSpend | Input::MarketingUplift => any(&|s| s.marketing.is_some()),
            // Capacity and the curve parameters only where some scenario sets them.
            _ => any(&|s| input.get(s).is_some()),
        })
        .map(|i| i.name())
        .collect();
    if any(&|s| s.demand_curve.is_some()) {
        names.push("demand_curve.reference_price");
    }
    if any(&|s| s.target_profit.is_some()) {
        names.push("target_profit");
    }
    names
}

impl Report for CompareReport {
    fn document(&self) -> Document {
        let items = &self.scenarios;
        let first = &items[0];
        let mut header = vec![String::new(), first.name.clone()];
        for item in &items[1..] {
            header.push(item.name.clone());
            header.push("change".into());
        }

        let mut rows = vec![Row::Section("Inputs".into())];
        for name in shown_inputs(items) {
            let value = |s: &Scenario| {
                let v = plan::diff::input_values(s)
                    .into_iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, v)| v);
                v.map_or(Cell::text("not set"), |v| {
                    Cell::Number(v, input_unit(name, s.currency.as_ref()))
                })
            };
            let mut cells = vec![Cell::text(name), value(&first.inputs)];
            for item in &items[1..] {
                cells.push(value(&item.inputs));
                let change = item
                    .against_first
                    .as_ref()
                    .and_then(|a| a.inputs.iter().find(|c| c.input == name));
                cells.push(change.map_or(Cell::Undefined, |c| {
                    let unit = input_unit(name, shared(&first.inputs, &item.inputs));
                    change_text(c.old, c.new, c.percent_change, &unit, "not set")
                }));
            }
            rows.push(Row::Cells(cells));
        }

        // The demand curve's kind is text, not a number: shown to people only
        // (JSON has it in `inputs.demand_curve.kind`).
        if items.iter().any(|i| i.inputs.demand_curve.is_some()) {
            let kind = |s: &Scenario| s.demand_curve.as_ref().map(|c| c.kind.name());
            let mut cells = vec![
                Cell::text("demand_curve.kind"),
                Cell::text(kind(&first.inputs).unwrap_or("not set")),
            ];
            for item in &items[1..] {
                cells.push(Cell::text(kind(&item.inputs).unwrap_or("not set")));
                cells.push(Cell::text(if kind(&item.inputs) == kind(&first.inputs) {
                    "0"
                } else {
                    "changed"
                }));
            }
            rows.push(Row::Cells(cells));
        }

        let mut group = "";
        for (index, spec) in FIELDS.iter().enumerate() {
            if !items.iter().any(|i| spec.applies_to(&i.inputs)) {
                continue;
            }
            if spec.group != group {
                group = spec.group;
                rows.push(Row::Section(group.into()));
            }
            // Values as they are, so the change column reads off them.
            let value = |item: &Compared| {
                Cell::number(
                    (spec.get)(&item.results),
                    field_unit(spec.kind, item.inputs.currency.as_ref()),
                )
            };
            let mut cells = vec![Cell::text(spec.label), value(first)];
            for item in &items[1..] {
                cells.push(value(item));
                let change = item.against_first.as_ref().map(|a| &a.fields[index]);
                cells.push(change.map_or(Cell::Undefined, |c| {
                    let unit = field_unit(spec.kind, shared(&first.inputs, &item.inputs));
                    change_text(c.old, c.new, c.percent_change, &unit, "undefined")
                }));
            }
            rows.push(Row::Cells(cells));
        }

        let mut blocks = vec![Block::Heading(if items.len() == 1 {
            format!("{} ({})", first.name, spec_of(first))
        } else {
            format!(
                "{} scenarios; each change is against the first, {} ({})",
                items.len(),
                first.name,
                spec_of(first)
            )
        })];
        blocks.push(Block::Table(Table { header, rows }));

        let mut notes: Vec<NoteLine> = Vec::new();
        for against in items[1..].iter().filter_map(|item| item.against_first.as_ref()) {
            notes.extend(against.warnings.iter().map(|text| NoteLine {
                kind: NoteKind::Warning,
                text: text.clone(),
            }));
        }
        for item in items {
            for note in &item.notes {
                let fields = note
                    .fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                notes.push(match note.level {
                    NoteLevel::Undefined => NoteLine {
                        kind: NoteKind::Undefined,
                        text: format!("{}: {fields}: {}", item.name, note.message),
                    },
                    NoteLevel::Warning => NoteLine {
                        kind: NoteKind::Warning,
                        text: format!("{}: {}", item.name, note.message),
                    },
                });
            }
        }
        if items.len() > 1 {
            notes.push(NoteLine {
                kind: NoteKind::Info,
                text: format!(
                    "each change is against the first column, {}: % change is (value - first) / |first|, undefined where the first is 0; ratios change in percentage points (pp)",
                    first.name
                ),
            });
        }
        blocks.push(Block::Notes(notes));
        Document { blocks }
    }

    fn csv_table(&self) -> Table {
        let header = [
            "section",
            "field",
            "scenario",
            "source",
            "variant",
            "value",
            "change",
            "percent_change",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut rows = Vec::new();
        let plain = |v: Option<f64>| Cell::number(v, Unit::Plain);
        for item in &self.scenarios {
            let who = [
                Cell::text(&item.name),
                Cell::text(&item.source),
                Cell::text(item.variant.clone().unwrap_or_default()),
            ];
            for (name, value) in plan::diff::input_values(&item.inputs) {
                let change = item
                    .against_first
                    .as_ref()
                    .and_then(|a| a.inputs.iter().find(|c| c.input == name));
                let mut cells = vec![Cell::text("input"), Cell::text(name)];
                cells.extend(who.iter().cloned());
                cells.push(plain(value));
                cells.push(plain(change.and_then(|c| c.change)));
                cells.push(plain(change.and_then(|c| c.percent_change)));
                rows.push(Row::Cells(cells));
            }
            for (index, spec) in FIELDS.iter().enumerate() {
                let change = item.against_first.as_ref().map(|a| &a.fields[index]);
                let mut cells = vec![Cell::text("result"), Cell::text(spec.name)];
                cells.extend(who.iter().cloned());
                cells.push(plain((spec.get)(&item.results)));
                cells.push(plain(change.and_then(|c| c.change)));
                cells.push(plain(change.and_then(|c| c.percent_change)));
                rows.push(Row::Cells(cells));
            }
        }
        Table { header, rows }
    }
}

fn spec_of(item: &Compared) -> String {
    match &item.variant {
        Some(v) => format!("{}#{v}", item.source),
        None => item.source.clone(),
    }
}

/// The currency two scenarios share, for the change column.
fn shared<'a>(a: &'a Scenario, b: &'a Scenario) -> Option<&'a String> {
    a.currency.as_ref().filter(|_| a.currency == b.currency)
}
