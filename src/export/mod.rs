//! One renderer per output format, as hyperfine's `export/` does.
//!
//! Every command builds a typed report. JSON serialises the report itself;
//! the table and Markdown formats render the [`Document`] the report describes
//! itself as; CSV renders the report's one tidy [`Table`]. Renderers are pure:
//! they return text, so they are tested without starting a process.

pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod svg;
pub mod table;

use serde::Serialize;

/// The output formats every command offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (the default).
    Table,
    /// JSON for programs: plain numbers written in full.
    Json,
    /// CSV for spreadsheets: one header row, plain numbers written in full.
    Csv,
    /// Markdown tables, for documents and pull requests.
    Markdown,
}

/// How to draw for people.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Colour (ANSI escapes) in the table format.
    pub color: bool,
}

/// A report a command produced, renderable in every format.
pub trait Report: Serialize {
    /// The report as people read it: headings, tables, charts and notes.
    fn document(&self) -> Document;
    /// The report as one tidy table for spreadsheets.
    fn csv_table(&self) -> Table;
}

/// Renders a report in a format.
pub fn render(report: &impl Report, format: Format, style: Style) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table::render(&report.document(), style),
        Format::Markdown => markdown::render(&report.document()),
        Format::Json => json::render(report)?,
        Format::Csv => csv::render(&report.csv_table())?,
    })
}

/// What a person reads: a sequence of blocks.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
#[allow(dead_code)] // Paragraph and Chart serve the analysis commands.
pub enum Block {
    /// A heading above what follows.
    Heading(String),
    /// A paragraph of prose.
    Paragraph(String),
    /// A table of figures.
    Table(Table),
    /// Text drawn with characters (a tornado, a histogram): shown as is.
    Chart(String),
    /// Warnings and explanations.
    Notes(Vec<NoteLine>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // Info serves the analysis commands.
pub enum NoteKind {
    Warning,
    Undefined,
    Info,
}

#[derive(Debug, Clone)]
pub struct NoteLine {
    pub kind: NoteKind,
    pub text: String,
}

/// Rows of cells under a header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub enum Row {
    /// A group label spanning the table (left out of CSV).
    Section(String),
    Cells(Vec<Cell>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64, Unit),
    /// No value: a dash for people, empty in CSV.
    Undefined,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn number(value: Option<f64>, unit: Unit) -> Cell {
        value
            .filter(|v| v.is_finite())
            .map_or(Cell::Undefined, |v| Cell::Number(v, unit.clone()))
    }
}

impl Table {
    /// Whether column `i` holds figures (aligned right) rather than words: most
    /// of its cells are numbers, dashes or text that starts like a number
    /// (`+250,000 CNY`).
    pub fn is_numeric_column(&self, i: usize) -> bool {
        let (mut figures, mut words) = (0, 0);
        for row in &self.rows {
            if let Row::Cells(cells) = row {
                match cells.get(i) {
                    Some(Cell::Number(..) | Cell::Undefined) => figures += 1,
                    Some(Cell::Text(t)) if t.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) => {
                        figures += 1
                    }
                    Some(Cell::Text(t)) if !t.is_empty() => words += 1,
                    _ => {}
                }
            }
        }
        figures > words
    }
}

/// How a number is shown to people. CSV and JSON ignore it.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)] // Percent serves the comparison commands.
pub enum Unit {
    /// Money, with the currency code shown after it when known.
    Money(Option<String>),
    /// A count of units: whole numbers without decimals.
    Units,
    /// A fraction shown as a percentage: 0.45 is 45.0%.
    Ratio,
    /// A change in percent already (12.5 is +12.5%).
    Percent,
    /// A multiplier: 1.11x.
    Multiple,
    /// Any other number, to 6 significant digits.
    Plain,
}

impl From<plan::FieldKind> for Unit {
    fn from(kind: plan::FieldKind) -> Unit {
        match kind {
            plan::FieldKind::Money => Unit::Money(None),
            plan::FieldKind::Units => Unit::Units,
            plan::FieldKind::Ratio => Unit::Ratio,
            plan::FieldKind::Multiple => Unit::Multiple,
        }
    }
}

/// How a scenario input is measured, for people: units of volume, a ratio,
/// a plain number (curve shapes), or money in the scenario's currency.
pub fn input_unit(input: plan::Input, currency: Option<&String>) -> Unit {
    use plan::Input;
    match input {
        Input::Demand | Input::Capacity => Unit::Units,
        Input::MarketingUplift | Input::MarketingMaxUplift => Unit::Ratio,
        Input::MarketingShape | Input::DemandElasticity => Unit::Plain,
        Input::Price
        | Input::UnitVariableCost
        | Input::FixedCost
        | Input::MarketingSpend
        | Input::MarketingHalfSaturationSpend => Unit::Money(currency.cloned()),
    }
}

/// [`input_unit`] by the input's name; `target_profit` is money.
pub fn input_unit_named(name: &str, currency: Option<&String>) -> Unit {
    name.parse()
        .map_or(Unit::Money(currency.cloned()), |input| input_unit(input, currency))
}

/// A number written in full for programs: the shortest text that reads back
/// as the same `f64`, whole numbers without a decimal point.
pub fn full_number(v: f64) -> String {
    // The analyses report an undefined figure as `None`; should a non-finite
    // one slip through, it is written empty, never as `inf` or `NaN`.
    if !v.is_finite() {
        String::new()
    } else if v == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{v:.0}")
    } else {
        ryu::Buffer::new().format_finite(v).to_string()
    }
}

/// A number rounded for people, with thousands separators.
pub fn human_number(v: f64, unit: &Unit) -> String {
    if !v.is_finite() {
        return "-".to_string();
    }
    // Beyond a quadrillion, digits stop meaning anything to a reader.
    if v.abs() >= 1e15 && !matches!(unit, Unit::Ratio | Unit::Percent) {
        let text = format!("{v:.3e}");
        return match unit {
            Unit::Money(Some(code)) => format!("{text} {code}"),
            Unit::Multiple => format!("{text}x"),
            _ => text,
        };
    }
    match unit {
        Unit::Money(currency) => {
            let text = amount(v);
            match currency {
                Some(code) => format!("{text} {code}"),
                None => text,
            }
        }
        Unit::Units => amount(v),
        Unit::Ratio if (v * 100.0).abs() >= 1e15 => {
            // In percent, by moving the exponent: v x 100 may overflow.
            let text = format!("{v:.3e}");
            let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
            format!("{mantissa}e{}%", exponent.parse::<i32>().unwrap_or(0) + 2)
        }
        Unit::Ratio => format!("{}%", grouped(v * 100.0, 1)),
        Unit::Percent if v.abs() >= 1e15 => format!("{}{v:.3e}%", if v > 0.0 { "+" } else { "" }),
        Unit::Percent => format!("{}{}%", if v > 0.0 { "+" } else { "" }, grouped(v, 1)),
        Unit::Multiple => format!("{}x", grouped(v, 2)),
        Unit::Plain => {
            if v != 0.0 && (v.abs() >= 1e12 || v.abs() < 1e-4) {
                format!("{v:.4e}")
            } else {
                let decimals = (5 - v.abs().log10().floor().max(0.0) as i32).clamp(0, 6) as usize;
                let text = grouped(v, decimals);
                if text.contains('.') {
                    text.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    text
                }
            }
        }
    }
}

/// An amount of money or units: whole where it is whole to the cent, else
/// to the cent; below 1, to four significant digits (at least two places),
/// so that a price of 0.004 a call does not read as 0. Below a billionth it
/// is rounding noise (a profit of -5e-11 at break-even) and reads as 0.
fn amount(v: f64) -> String {
    if v.abs() >= 1e-9 && v.abs() < 1.0 {
        let decimals = (3 - v.abs().log10().floor() as i32).clamp(2, 12) as usize;
        let text = grouped(v, decimals);
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let kept = fraction.trim_end_matches('0');
        return format!("{whole}.{kept:0<2}");
    }
    let decimals = if (v - v.round()).abs() < 0.005 { 0 } else { 2 };
    grouped(v, decimals)
}

/// `v` to `decimals` places with a comma every three digits.
fn grouped(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    let negative = v < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0');
    if negative {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_numbers_read_back_exactly() {
        assert_eq!(full_number(450_000.0), "450000");
        assert_eq!(full_number(-150_000.0), "-150000");
        assert_eq!(full_number(0.45), "0.45");
        assert_eq!(full_number(-0.0), "0");
        assert_eq!(full_number(500_000.0 / 450_000.0), "1.1111111111111112");
        for v in [1.0 / 3.0, 1e-7, 123_456_789.123_456_78, 1e20, 2.5e-300] {
            assert_eq!(full_number(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn human_numbers_group_thousands_and_round() {
        assert_eq!(human_number(450_000.0, &Unit::Money(Some("CNY".into()))), "450,000 CNY");
        assert_eq!(human_number(-1_234_567.891, &Unit::Money(None)), "-1,234,567.89");
        assert_eq!(human_number(24.5, &Unit::Money(None)), "24.50");
        assert_eq!(human_number(1_000.0, &Unit::Units), "1,000");
        assert_eq!(human_number(3_333.333_3, &Unit::Units), "3,333.33");
        assert_eq!(human_number(0.45, &Unit::Ratio), "45.0%");
        assert_eq!(human_number(55.555, &Unit::Percent), "+55.6%");
        assert_eq!(human_number(-33.33, &Unit::Percent), "-33.3%");
        assert_eq!(human_number(10.0 / 9.0, &Unit::Multiple), "1.11x");
        assert_eq!(human_number(-0.0001, &Unit::Money(None)), "-0.0001");
        assert_eq!(human_number(-5e-11, &Unit::Money(None)), "0");
        assert_eq!(human_number(0.004, &Unit::Money(Some("USD".into()))), "0.004 USD");
        assert_eq!(human_number(0.0015, &Unit::Money(None)), "0.0015");
        assert_eq!(human_number(0.000002, &Unit::Money(None)), "0.000002");
        assert_eq!(human_number(0.5, &Unit::Money(None)), "0.50");
        assert_eq!(human_number(0.123_456, &Unit::Money(None)), "0.1235");
        assert_eq!(human_number(0.25, &Unit::Units), "0.25");
        assert_eq!(human_number(1e307, &Unit::Ratio), "1.000e309%");
        assert_eq!(human_number(1e300, &Unit::Percent), "+1.000e300%");
        assert_eq!(human_number(f64::INFINITY, &Unit::Money(None)), "-");
        assert_eq!(full_number(f64::NAN), "");
        assert_eq!(human_number(123.456789, &Unit::Plain), "123.457");
        assert_eq!(human_number(100.0, &Unit::Plain), "100");
        assert_eq!(human_number(1e300, &Unit::Money(Some("USD".into()))), "1.000e300 USD");
    }
}
