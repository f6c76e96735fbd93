//! The table format: figures for people, rounded, with thousands separators.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, CellAlignment, Color, ContentArrangement};

use super::{Block, Cell, Document, NoteKind, Row, Style, Table, human_number};

/// Renders a document as text for a terminal.
pub fn render(document: &Document, style: Style) -> String {
    let mut out = String::new();
    for block in &document.blocks {
        if !out.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Heading(text) => {
                out.push_str(&paint(text, "1", style));
                out.push('\n');
            }
            Block::Paragraph(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Block::Table(table) => {
                out.push_str(&draw(table, style));
                out.push('\n');
            }
            Block::Chart(text) => {
                out.push_str(text.trim_end_matches('\n'));
                out.push('\n');
            }
            Block::Notes(notes) => {
                for note in notes {
                    let (label, code) = match note.kind {
                        NoteKind::Warning => ("warning", "33"),
                        NoteKind::Undefined => ("undefined", "2"),
                        NoteKind::Info => ("note", "36"),
                    };
                    out.push_str(&format!("{}: {}\n", paint(label, code, style), note.text));
                }
            }
        }
    }
    out
}

fn paint(text: &str, code: &str, style: Style) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Draws a table with box characters; numbers right-aligned, losses in red.
pub fn draw(table: &Table, style: Style) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(
        table
            .header
            .iter()
            .map(|h| comfy_table::Cell::new(h).add_attribute(Attribute::Bold)),
    );
    let columns = table.header.len();
    for row in &table.rows {
        match row {
            Row::Section(title) => {
                let mut cells = vec![comfy_table::Cell::new(title).add_attribute(Attribute::Bold)];
                cells.extend((1..columns).map(|_| comfy_table::Cell::new("")));
                t.add_row(cells);
            }
            Row::Cells(cells) => {
                t.add_row(cells.iter().map(|cell| match cell {
                    Cell::Text(s) => comfy_table::Cell::new(s),
                    Cell::Undefined => comfy_table::Cell::new("-").set_alignment(CellAlignment::Right),
                    Cell::Number(v, unit) => {
                        let c = comfy_table::Cell::new(human_number(*v, unit)).set_alignment(CellAlignment::Right);
                        if style.color && *v < 0.0 && matches!(unit, super::Unit::Money(_)) {
                            c.fg(Color::Red)
                        } else {
                            c
                        }
                    }
                }));
            }
        }
    }
    for (i, column) in t.column_iter_mut().enumerate() {
        if i > 0 && table.is_numeric_column(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
}
