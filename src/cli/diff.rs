//! `plan diff OLD NEW`: what changed between two plans, and which input is
//! responsible for the change in profit.

use anyhow::Context;
use plan::diff::{Bridge, Diff, diff};
use plan::{FIELDS, FieldKind, NoteLevel, Scenario, evaluate};
use serde::Serialize;

use super::load::{Loaded, load};
use super::{ExitWith, OutputArgs, is_broken_pipe};
use crate::export::{Block, Cell, Document, NoteKind, NoteLine, Report, Row, Table, Unit, human_number};

/// The version of the JSON layout; raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Exit code for trouble under `--exit-code`, as `diff` and `cmp` use.
const TROUBLE: i32 = 2;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old plan (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "OLD")]
    old: String,
    /// The new plan (`FILE`, `FILE#VARIANT`, or `-` for stdin).
    #[arg(value_name = "NEW")]
    new: String,
    /// Exit 1 when any result differs and 0 when none does, as `git diff
    /// --exit-code`; an error then exits 2, as `diff` and `cmp` do.
    #[arg(long)]
    exit_code: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let outcome = compute(&args);
    let differ = match outcome {
        Ok(differ) => differ,
        // `plan diff --exit-code | head` still says whether the plans differ.
        Err(Failure::Emit(differ, error)) if is_broken_pipe(&error) => differ,
        Err(Failure::Compute(error) | Failure::Emit(_, error)) => {
            return Err(if args.exit_code {
                ExitWith { code: TROUBLE, error }.into()
            } else {
                error
            });
        }
    };
    Ok(if args.exit_code && differ { 1 } else { 0 })
}

/// What went wrong, and whether the results differ when it was in writing them.
enum Failure {
    Compute(anyhow::Error),
    Emit(bool, anyhow::Error),
}

/// Compares the plans and writes the report; returns whether any result differs.
fn compute(args: &Args) -> Result<bool, Failure> {
    let report = build(args).map_err(Failure::Compute)?;
    args.output
        .emit(&report)
        .map_err(|e| Failure::Emit(report.results_differ, e))?;
    Ok(report.results_differ)
}

fn build(args: &Args) -> anyhow::Result<DiffReport> {
    args.output.check()?;
    super::load::stdin_at_most_once(&[&args.old, &args.new])?;
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    let found = diff(&old.scenario, &new.scenario)
        .with_context(|| format!("cannot compare `{}` with `{}`", args.old, args.new))?;
    DiffReport::new(old, new, found)
}

/// One of the two plans, as JSON names it.
#[derive(Debug, Serialize)]
pub struct Side {
    pub name: String,
    pub source: String,
    pub variant: Option<String>,
    /// The column heading people read (the name, made unique).
    #[serde(skip)]
    pub label: String,
    #[serde(skip)]
    pub scenario: Scenario,
}

/// A note about the comparison: why a figure is undefined, or a warning.
#[derive(Debug, Serialize)]
pub struct DiffNote {
    /// `old` or `new` when the note is about one plan, none when about both.
    pub plan: Option<&'static str>,
    pub level: NoteLevel,
    pub fields: Vec<&'static str>,
    pub message: String,
}

/// Everything `plan diff` reports; JSON serialises it as is.
#[derive(Debug, Serialize)]
pub struct DiffReport {
    pub schema_version: u32,
    pub old: Side,
    pub new: Side,
    /// Whether any result figure, the currency or the period differs
    /// (what `--exit-code` reports).
    pub results_differ: bool,
    #[serde(flatten)]
    pub diff: Diff,
    pub notes: Vec<DiffNote>,
}

impl DiffReport {
    fn new(old: Loaded, new: Loaded, diff: Diff) -> anyhow::Result<DiffReport> {
        let mut notes = Vec::new();
        for (plan, loaded) in [("old", &old), ("new", &new)] {
            let evaluation = evaluate(&loaded.scenario)?;
            notes.extend(evaluation.notes.into_iter().map(|n| DiffNote {
                plan: Some(plan),
                level: n.level,
                fields: n.fields,
                message: n.message,
            }));
        }
        for setting in diff.settings.iter().filter(|s| s.changed) {
            let what = match setting.setting {
                "currency" => "plan does not convert currencies, so money changes compare unlike amounts",
                "period" => "plan does not convert periods, so changes compare figures over unlike spans",
                // A reshaped curve or response is a change in the model, shown
                // with the inputs and bridged; nothing to warn about.
                _ => continue,
            };
            notes.push(DiffNote {
                plan: None,
                level: NoteLevel::Warning,
                fields: vec![],
                message: format!(
                    "the {} changes from {} to {}: {what}",
                    setting.setting,
                    setting.old.as_deref().unwrap_or("none"),
                    setting.new.as_deref().unwrap_or("none"),
                ),
            });
        }
        let from_zero: Vec<&'static str> = (diff.inputs.iter().map(|i| (i.input, i.old, i.new)))
            .chain(diff.fields.iter().map(|f| (f.field, f.old, f.new)))
            .filter(|(_, old, new)| *old == Some(0.0) && new.is_some_and(|v| v != 0.0))
            .map(|(name, _, _)| name)
            .collect();
        if !from_zero.is_empty() {
            notes.push(DiffNote {
                plan: None,
                level: NoteLevel::Undefined,
                fields: from_zero,
                message: "the % change is undefined where the old value is 0".into(),
            });
        }
        let (old_label, new_label) = labels(&old, &new);
        let side = |loaded: Loaded, label: String| Side {
            name: loaded.scenario.name.clone(),
            source: loaded.source,
            variant: loaded.variant,
            label,
            scenario: loaded.scenario,
        };
        Ok(DiffReport {
            schema_version: SCHEMA_VERSION,
            results_differ: diff.results_differ(),
            old: side(old, old_label),
            new: side(new, new_label),
            diff,
            notes,
        })
    }
}

fn spec(loaded: &Loaded) -> String {
    match &loaded.variant {
        Some(v) => format!("{}#{v}", loaded.source),
        None => loaded.source.clone(),
    }
}

/// Column headings: the scenario names, or where they agree the file specs,
/// or where those agree too, the name marked old and new.
fn labels(old: &Loaded, new: &Loaded) -> (String, String) {
    if old.scenario.name != new.scenario.name {
        (old.scenario.name.clone(), new.scenario.name.clone())
    } else if spec(old) != spec(new) {
        (spec(old), spec(new))
    } else {
        (
            format!("{} (old)", old.scenario.name),
            format!("{} (new)", new.scenario.name),
        )
    }
}

/// The unit a scenario input is measured in.
pub(super) fn input_unit(input: &str, currency: Option<&String>) -> Unit {
    crate::export::input_unit_named(input, currency)
}

/// The unit a result field is measured in.
pub(super) fn field_unit(kind: FieldKind, currency: Option<&String>) -> Unit {
    match Unit::from(kind) {
        Unit::Money(_) => Unit::Money(currency.cloned()),
        other => other,
    }
}

/// A change for people, with its sign: `+250,000`, `-5.0 pp` for a ratio.
pub(super) fn signed(change: f64, unit: &Unit) -> String {
    if let Unit::Ratio = unit {
        let points = human_number(change * 100.0, &Unit::Percent);
        return format!("{} pp", points.trim_end_matches('%'));
    }
    let text = human_number(change, unit);
    let nonzero = text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    if change > 0.0 && nonzero {
        format!("+{text}")
    } else {
        text
    }
}

/// The change cell: signed, or what happened when one side has no value.
pub(super) fn change_cell(old: Option<f64>, new: Option<f64>, unit: &Unit, unset: &str) -> Cell {
    match (old, new) {
        (Some(a), Some(b)) => Cell::text(signed(b - a, unit)),
        (None, Some(_)) => Cell::text(format!("was {unset}")),
        (Some(_), None) => Cell::text(format!("now {unset}")),
        (None, None) => Cell::Undefined,
    }
}

/// The currency both plans share, for the change column.
fn shared<'a>(a: &'a Scenario, b: &'a Scenario) -> Option<&'a String> {
    a.currency.as_ref().filter(|_| a.currency == b.currency)
}

impl Report for DiffReport {
    fn document(&self) -> Document {
        let (a, b) = (&self.old.scenario, &self.new.scenario);
        let both = shared(a, b);
        let mut blocks = vec![Block::Heading(format!(
            "{} → {} ({} → {})",
            self.old.label,
            self.new.label,
            spec_of(&self.old),
            spec_of(&self.new)
        ))];
        if !self.results_differ {
            let inputs = if self.diff.inputs.is_empty() && !self.diff.settings.iter().any(|s| s.changed) {
                "no input differs either"
            } else {
                "though some inputs differ"
            };
            blocks.push(Block::Paragraph(format!("No result differs ({inputs}).")));
        }

        let header = vec![
            String::new(),
            self.old.label.clone(),
            self.new.label.clone(),
            "change".into(),
            "% change".into(),
        ];
        let mut rows = Vec::new();
        if !self.diff.inputs.is_empty() || self.diff.settings.iter().any(|s| s.changed) {
            rows.push(Row::Section("Inputs that differ".into()));
        }
        for input in &self.diff.inputs {
            let unit = |s: &Scenario| input_unit(input.input, s.currency.as_ref());
            let value = |v: Option<f64>, s: &Scenario| v.map_or(Cell::text("not set"), |v| Cell::Number(v, unit(s)));
            rows.push(Row::Cells(vec![
                Cell::text(input.input),
                value(input.old, a),
                value(input.new, b),
                change_cell(input.old, input.new, &input_unit(input.input, both), "not set"),
                Cell::number(input.percent_change, Unit::Percent),
            ]));
        }
        for setting in self.diff.settings.iter().filter(|s| s.changed) {
            let text = |v: &Option<String>| Cell::text(v.clone().unwrap_or_else(|| "not set".into()));
            rows.push(Row::Cells(vec![
                Cell::text(setting.setting),
                text(&setting.old),
                text(&setting.new),
                Cell::text("changed"),
                Cell::Undefined,
            ]));
        }
        let mut group = "";
        for (spec, field) in FIELDS.iter().zip(&self.diff.fields) {
            if !spec.applies_to(a) && !spec.applies_to(b) {
                continue;
            }
            if spec.group != group {
                group = spec.group;
                rows.push(Row::Section(group.into()));
            }
            // Values as they are, so the change column always reads off them
            // (the uplift of a plan without marketing is 0, not undefined).
            let value = |v: Option<f64>, s: &Scenario| Cell::number(v, field_unit(spec.kind, s.currency.as_ref()));
            rows.push(Row::Cells(vec![
                Cell::text(spec.label),
                value(field.old, a),
                value(field.new, b),
                change_cell(field.old, field.new, &field_unit(spec.kind, both), "undefined"),
                Cell::number(field.percent_change, Unit::Percent),
            ]));
        }
        blocks.push(Block::Table(Table { header, rows }));

        let bridge = &self.diff.bridge;
        if bridge.parts.is_empty() {
            blocks.push(Block::Paragraph(
                "Profit bridge: no model input differs, so there is nothing to split.".into(),
            ));
        } else {
            blocks.push(Block::Paragraph(format!(
                "Profit bridge: the change in profit split by input (Shapley values over {} evaluations; the parts add up to the change).",
                bridge.evaluations
            )));
            blocks.push(Block::Chart(waterfall(bridge, &self.old.label, &self.new.label, both)));
        }

        let notes: Vec<NoteLine> = self
            .notes
            .iter()
            .map(|note| {
                let prefix = match note.plan {
                    Some("old") => format!("{}: ", self.old.label),
                    Some(_) => format!("{}: ", self.new.label),
                    None => String::new(),
                };
                let fields = note
                    .fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (kind, text) = match note.level {
                    NoteLevel::Undefined => (NoteKind::Undefined, format!("{prefix}{fields}: {}", note.message)),
                    NoteLevel::Warning => (NoteKind::Warning, format!("{prefix}{}", note.message)),
                };
                NoteLine { kind, text }
            })
            .collect();
        if !notes.is_empty() {
            blocks.push(Block::Notes(notes));
        }
        Document { blocks }
    }

    fn csv_table(&self) -> Table {
        let header = ["section", "field", "old", "new", "change", "percent_change", "changed"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let plain = |v: Option<f64>| Cell::number(v, Unit::Plain);
        let flag = |b: bool| Cell::text(if b { "true" } else { "false" });
        let mut rows = Vec::new();
        for input in &self.diff.inputs {
            rows.push(Row::Cells(vec![
                Cell::text("input"),
                Cell::text(input.input),
                plain(input.old),
                plain(input.new),
                plain(input.change),
                plain(input.percent_change),
                flag(input.changed),
            ]));
        }
        for setting in &self.diff.settings {
            rows.push(Row::Cells(vec![
                Cell::text("setting"),
                Cell::text(setting.setting),
                Cell::text(setting.old.clone().unwrap_or_default()),
                Cell::text(setting.new.clone().unwrap_or_default()),
                Cell::Undefined,
                Cell::Undefined,
                flag(setting.changed),
            ]));
        }
        for field in &self.diff.fields {
            rows.push(Row::Cells(vec![
                Cell::text("result"),
                Cell::text(field.field),
                plain(field.old),
                plain(field.new),
                plain(field.change),
                plain(field.percent_change),
                flag(field.changed),
            ]));
        }
        let bridge = &self.diff.bridge;
        for part in &bridge.parts {
            rows.push(Row::Cells(vec![
                Cell::text("bridge"),
                Cell::text(part.input),
                plain(part.old),
                plain(part.new),
                plain(Some(part.contribution)),
                plain(plan::diff::percent_change(
                    Some(bridge.old),
                    Some(bridge.old + part.contribution),
                )),
                flag(part.contribution != 0.0),
            ]));
        }
        Table { header, rows }
    }
}

fn spec_of(side: &Side) -> String {
    match &side.variant {
        Some(v) => format!("{}#{v}", side.source),
        None => side.source.clone(),
    }
}

/// The width of the waterfall's bars, in characters.
const BAR_WIDTH: usize = 40;

/// The profit bridge as a waterfall: the old profit, one floating bar per
/// input's part starting where the previous one ended, and the new profit.
/// Totals are drawn `█`, increases `▓`, decreases `░`; `│` marks zero when
/// the waterfall crosses it.
pub fn waterfall(bridge: &Bridge, old_label: &str, new_label: &str, currency: Option<&String>) -> String {
    let money = Unit::Money(currency.cloned());
    let mut rows: Vec<(String, String, f64, f64, char)> = Vec::new();
    rows.push((
        old_label.to_string(),
        human_number(bridge.old, &money),
        0.0,
        bridge.old,
        '█',
    ));
    let mut running = bridge.old;
    for part in &bridge.parts {
        let end = running + part.contribution;
        let glyph = if part.contribution >= 0.0 { '▓' } else { '░' };
        rows.push((
            part.input.to_string(),
            signed(part.contribution, &money),
            running,
            end,
            glyph,
        ));
        running = end;
    }
    rows.push((
        new_label.to_string(),
        human_number(bridge.new, &money),
        0.0,
        bridge.new,
        '█',
    ));

    let lo = rows.iter().flat_map(|r| [r.2, r.3]).fold(0.0f64, f64::min);
    let hi = rows.iter().flat_map(|r| [r.2, r.3]).fold(0.0f64, f64::max);
    let column = |x: f64| {
        if hi > lo {
            (((x - lo) / (hi - lo)) * BAR_WIDTH as f64).round() as usize
        } else {
            0
        }
    };
    let zero = column(0.0);
    let label_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value, start, end, glyph) in &rows {
        let (mut from, mut to) = (column(start.min(*end)), column(start.max(*end)));
        if from == to && start != end {
            // Too small to show at this scale: one cell, so it is still seen.
            if to < BAR_WIDTH {
                to += 1;
            } else {
                from -= 1;
            }
        }
        let mut bar: Vec<char> = vec![' '; BAR_WIDTH + 1];
        if lo < 0.0 {
            bar[zero] = '│';
        }
        for cell in bar.iter_mut().take(to).skip(from) {
            *cell = *glyph;
        }
        let bar: String = bar.into_iter().collect();
        let pad = label_width - label.chars().count();
        out.push_str(&format!(
            "{label}{}  {value:>value_width$}  {}\n",
            " ".repeat(pad),
            bar.trim_end()
        ));
    }
    out.push_str(&format!(
        "{}  {:value_width$}  █ profit  ▓ increase  ░ decrease\n",
        " ".repeat(label_width),
        ""
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_changes_show_their_sign_and_ratios_in_points() {
        assert_eq!(signed(250_000.0, &Unit::Money(None)), "+250,000");
        assert_eq!(signed(-1_500.0, &Unit::Units), "-1,500");
        assert_eq!(signed(0.0, &Unit::Money(None)), "0");
        // 0.4667 - 0.45 = 0.0167: +1.7 percentage points.
        assert_eq!(signed(0.7 / 1.5 - 0.45, &Unit::Ratio), "+1.7 pp");
        assert_eq!(signed(-0.05, &Unit::Ratio), "-5.0 pp");
    }

    #[test]
    fn waterfall_floats_each_part_from_where_the_last_ended() {
        // 450,000 + 250,000 = 700,000 on a 0..700,000 scale of 40 cells:
        // 450,000 is 25.7 -> 26 cells, the uplift from 26 to 40.
        let bridge = Bridge {
            old: 450_000.0,
            new: 700_000.0,
            total: 250_000.0,
            parts: vec![plan::diff::BridgePart {
                input: "marketing.uplift",
                old: Some(0.0),
                new: Some(0.5),
                contribution: 250_000.0,
            }],
            evaluations: 2,
        };
        let chart = waterfall(&bridge, "base", "campaign", None);
        let lines: Vec<&str> = chart.lines().collect();
        // Labels padded to the longest (16), values right-aligned to the widest (8).
        assert_eq!(
            lines[0],
            format!("{:<16}  {:>8}  {}", "base", "450,000", "█".repeat(26))
        );
        assert_eq!(
            lines[1],
            format!(
                "{:<16}  {:>8}  {}{}",
                "marketing.uplift",
                "+250,000",
                " ".repeat(26),
                "▓".repeat(14)
            )
        );
        assert_eq!(
            lines[2],
            format!("{:<16}  {:>8}  {}", "campaign", "700,000", "█".repeat(40))
        );
    }

    #[test]
    fn waterfall_marks_zero_when_profit_crosses_it() {
        // -100 -> +100 on a -100..100 scale: zero at cell 20.
        let bridge = Bridge {
            old: -100.0,
            new: 100.0,
            total: 200.0,
            parts: vec![plan::diff::BridgePart {
                input: "price",
                old: Some(1.0),
                new: Some(2.0),
                contribution: 200.0,
            }],
            evaluations: 2,
        };
        let chart = waterfall(&bridge, "a", "b", None);
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines[0], format!("a      -100  {}│", "█".repeat(20)));
        assert_eq!(lines[1], format!("price  +200  {}", "▓".repeat(40)));
        assert_eq!(lines[2], format!("b       100  {}{}", " ".repeat(20), "█".repeat(20)));
    }
}
