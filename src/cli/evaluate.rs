//! `plan evaluate FILE...`: profit, break-even and margin of safety.

use plan::{Evaluation, FIELDS, Input, Note, NoteLevel, Scenario, evaluate};
use serde::{Serialize, Serializer};

use super::OutputArgs;
use super::load::{Loaded, load};
use crate::export::{Block, Cell, Document, NoteKind, NoteLine, Report, Row, Table, Unit};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    args.output.check()?;
    super::load::stdin_at_most_once(&args.files)?;
    let mut items = Vec::with_capacity(args.files.len());
    for spec in &args.files {
        let loaded = load(spec)?;
        let evaluation = evaluate(&loaded.scenario)
            .map_err(|e| anyhow::anyhow!("{e}").context(format!("cannot evaluate `{spec}`")))?;
        items.push(Evaluated::new(loaded, evaluation));
    }
    args.output.emit(&EvaluateReport { items })?;
    Ok(0)
}

/// One evaluated scenario, as JSON shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    pub schema_version: u32,
    pub name: String,
    pub source: String,
    pub variant: Option<String>,
    pub inputs: Scenario,
    pub results: plan::Results,
    pub notes: Vec<Note>,
}

impl Evaluated {
    pub fn new(loaded: Loaded, evaluation: Evaluation) -> Evaluated {
        Evaluated {
            schema_version: SCHEMA_VERSION,
            name: loaded.scenario.name.clone(),
            source: loaded.source,
            variant: loaded.variant,
            inputs: loaded.scenario,
            results: evaluation.results,
            notes: evaluation.notes,
        }
    }
}

/// Every evaluated scenario; JSON is one object for one file, an array for several.
pub struct EvaluateReport {
    pub items: Vec<Evaluated>,
}

impl Serialize for EvaluateReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.items.as_slice() {
            [one] => one.serialize(serializer),
            many => many.serialize(serializer),
        }
    }
}

/// The inputs the table shows, with the unit each is measured in.
fn input_rows(items: &[Evaluated]) -> Vec<(&'static str, Unit, Vec<Option<f64>>)> {
    let mut rows = Vec::new();
    for input in Input::ALL {
        let values: Vec<Option<f64>> = items.iter().map(|i| input.get(&i.inputs)).collect();
        let shown = match input {
            Input::Capacity
            | Input::MarketingMaxUplift
            | Input::MarketingHalfSaturationSpend
            | Input::MarketingShape
            | Input::DemandElasticity => values.iter().any(Option::is_some),
            Input::MarketingSpend => items.iter().any(|i| i.inputs.marketing.is_some()),
            // A Hill curve sets the uplift: the row goes when no scenario has a fixed one.
            Input::MarketingUplift => {
                items.iter().any(|i| i.inputs.marketing.is_some()) && values.iter().any(Option::is_some)
            }
            _ => true,
        };
        if shown {
            rows.push((input.name(), crate::export::input_unit(*input, None), values));
        }
    }
    if items.iter().any(|i| i.inputs.demand_curve.is_some()) {
        rows.push((
            "demand_curve.reference_price",
            Unit::Money(None),
            items
                .iter()
                .map(|i| i.inputs.demand_curve.as_ref().map(|c| c.reference_price))
                .collect(),
        ));
    }
    if items.iter().any(|i| i.inputs.target_profit.is_some()) {
        rows.push((
            "target_profit",
            Unit::Money(None),
            items.iter().map(|i| i.inputs.target_profit).collect(),
        ));
    }
    rows
}

fn with_currency(unit: Unit, scenario: &Scenario) -> Unit {
    match unit {
        Unit::Money(_) => Unit::Money(scenario.currency.clone()),
        other => other,
    }
}

impl Report for EvaluateReport {
    fn document(&self) -> Document {
        let items = &self.items;
        let mut header = vec![String::new()];
        header.extend(items.iter().map(|i| i.name.clone()));
        let mut rows = vec![Row::Section("Inputs".into())];
        for (name, unit, values) in input_rows(items) {
            let mut cells = vec![Cell::text(name)];
            cells.extend(
                values
                    .iter()
                    .zip(items)
                    .map(|(v, i)| Cell::number(*v, with_currency(unit.clone(), &i.inputs))),
            );
            rows.push(Row::Cells(cells));
        }
        let mut group = "";
        for spec in FIELDS {
            if !items.iter().any(|i| spec.applies_to(&i.inputs)) {
                continue;
            }
            if spec.group != group {
                group = spec.group;
                rows.push(Row::Section(group.into()));
            }
            let mut cells = vec![Cell::text(spec.label)];
            cells.extend(items.iter().map(|i| {
                if spec.applies_to(&i.inputs) {
                    Cell::number((spec.get)(&i.results), with_currency(spec.kind.into(), &i.inputs))
                } else {
                    Cell::Undefined
                }
            }));
            rows.push(Row::Cells(cells));
        }

        let mut blocks = Vec::new();
        if let [one] = items.as_slice() {
            let per = one
                .inputs
                .period
                .as_deref()
                .map(|p| format!(", figures per {p}"))
                .unwrap_or_default();
            blocks.push(Block::Heading(format!("{} ({}{per})", one.name, one.source)));
        }
        blocks.push(Block::Table(Table { header, rows }));
        let notes: Vec<NoteLine> = items
            .iter()
            .flat_map(|item| {
                item.notes.iter().map(move |note| NoteLine {
                    kind: match note.level {
                        NoteLevel::Warning => NoteKind::Warning,
                        NoteLevel::Undefined => NoteKind::Undefined,
                    },
                    text: note_text(note, items.len() > 1, &item.name),
                })
            })
            .collect();
        if !notes.is_empty() {
            blocks.push(Block::Notes(notes));
        }
        Document { blocks }
    }

    fn csv_table(&self) -> Table {
        let mut header: Vec<String> = ["name", "source", "variant", "currency", "period"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(Input::ALL.iter().map(|i| i.name().to_string()));
        // The curve's kind and reference point tell a `linear` variant from
        // the constant-elasticity base it equals at today's price.
        header.extend(["demand_curve.kind".into(), "demand_curve.reference_price".into()]);
        header.push("target_profit".into());
        header.extend(FIELDS.iter().map(|f| f.name.to_string()));
        let rows = self
            .items
            .iter()
            .map(|item| {
                let s = &item.inputs;
                let mut cells = vec![
                    Cell::text(&item.name),
                    Cell::text(&item.source),
                    Cell::text(item.variant.clone().unwrap_or_default()),
                    Cell::text(s.currency.clone().unwrap_or_default()),
                    Cell::text(s.period.clone().unwrap_or_default()),
                ];
                cells.extend(Input::ALL.iter().map(|i| Cell::number(i.get(s), Unit::Plain)));
                let curve = s.demand_curve.as_ref();
                cells.push(curve.map_or(Cell::Undefined, |c| Cell::text(c.kind.name())));
                cells.push(Cell::number(curve.map(|c| c.reference_price), Unit::Plain));
                cells.push(Cell::number(s.target_profit, Unit::Plain));
                cells.extend(FIELDS.iter().map(|f| Cell::number((f.get)(&item.results), Unit::Plain)));
                Row::Cells(cells)
            })
            .collect();
        Table { header, rows }
    }
}

/// A note for people: which figures it is about, and which scenario when several.
fn note_text(note: &Note, name_it: bool, name: &str) -> String {
    let fields = note
        .fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let prefix = if name_it { format!("{name}: ") } else { String::new() };
    match note.level {
        NoteLevel::Undefined => format!("{prefix}{fields}: {}", note.message),
        NoteLevel::Warning => format!("{prefix}{}", note.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Format, Style, render};
    use plan::Marketing;
    use proptest::prelude::*;

    fn scenario(price: f64, unit_variable_cost: f64, fixed_cost: f64, demand: f64, uplift: f64) -> Scenario {
        Scenario {
            name: "property".into(),
            currency: None,
            period: None,
            price,
            unit_variable_cost,
            fixed_cost,
            demand,
            capacity: None,
            target_profit: Some(1_000.0),
            marketing: Some(Marketing { spend: 500.0, uplift }),
            demand_curve: None,
            marketing_response: None,
        }
    }

    proptest! {
        /// Every figure in the JSON reads back as exactly the number the model computed.
        #[test]
        fn json_output_parses_and_round_trips(
            price in 0.0..1e5f64, cost in 0.0..1e5f64, fixed in 0.0..1e8f64, demand in 0.0..1e7f64, uplift in 0.0..3.0f64,
        ) {
            let s = scenario(price, cost, fixed, demand, uplift);
            let evaluation = evaluate(&s).unwrap();
            let loaded = Loaded { scenario: s, source: "p.toml".into(), variant: None };
            let report = EvaluateReport { items: vec![Evaluated::new(loaded, evaluation.clone())] };
            let text = render(&report, Format::Json, Style::default()).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            for spec in FIELDS {
                let expected = (spec.get)(&evaluation.results);
                let actual = json["results"][spec.name].as_f64();
                prop_assert_eq!(actual, expected, "{}", spec.name);
            }
            prop_assert_eq!(json["inputs"]["price"].as_f64(), Some(price));
        }

        /// CSV figures read back exactly too, and undefined ones are empty.
        #[test]
        fn csv_figures_read_back_exactly(price in 0.0..1e5f64, cost in 0.0..1e5f64, demand in 0.0..1e7f64) {
            let s = scenario(price, cost, 1e4, demand, 0.1);
            let evaluation = evaluate(&s).unwrap();
            let loaded = Loaded { scenario: s, source: "p.toml".into(), variant: None };
            let report = EvaluateReport { items: vec![Evaluated::new(loaded, evaluation.clone())] };
            let text = render(&report, Format::Csv, Style::default()).unwrap();
            let mut reader = ::csv::Reader::from_reader(text.as_bytes());
            let header = reader.headers().unwrap().clone();
            let row = reader.records().next().unwrap().unwrap();
            for spec in FIELDS {
                let cell = &row[header.iter().position(|h| h == spec.name).unwrap()];
                let expected = (spec.get)(&evaluation.results);
                prop_assert_eq!(if cell.is_empty() { None } else { Some(cell.parse::<f64>().unwrap()) }, expected);
            }
        }
    }
}
