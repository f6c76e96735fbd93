//! The Markdown format: GitHub-flavoured tables for documents and pull requests.

use super::{Block, Cell, Document, NoteKind, Row, Table, human_number};

/// Renders a document as Markdown.
pub fn render(document: &Document) -> String {
    let mut out = String::new();
    for block in &document.blocks {
        if !out.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Heading(text) => out.push_str(&format!("## {}\n", escape(text))),
            Block::Paragraph(text) => out.push_str(&format!("{}\n", escape(text))),
            Block::Table(table) => out.push_str(&draw(table)),
            Block::Chart(text) => out.push_str(&format!("```text\n{}\n```\n", text.trim_end_matches('\n'))),
            Block::Notes(notes) => {
                for note in notes {
                    let label = match note.kind {
                        NoteKind::Warning => "**Warning:**",
                        NoteKind::Undefined => "*Undefined:*",
                        NoteKind::Info => "*Note:*",
                    };
                    out.push_str(&format!("- {label} {}\n", escape(&note.text)));
                }
            }
        }
    }
    out
}

/// A pipe table; numbers right-aligned.
pub fn draw(table: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = table.header.iter().map(|h| escape(h)).collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let aligns: Vec<&str> = (0..table.header.len())
        .map(|i| {
            if i > 0 && table.is_numeric_column(i) {
                "---:"
            } else {
                ":---"
            }
        })
        .collect();
    out.push_str(&format!("| {} |\n", aligns.join(" | ")));
    for row in &table.rows {
        let cells: Vec<String> = match row {
            Row::Section(title) => {
                let mut cells = vec![format!("**{}**", escape(title))];
                cells.resize(table.header.len().max(1), String::new());
                cells
            }
            Row::Cells(cells) => cells
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => escape(s),
                    // The currency code is the user's text, so it is escaped too.
                    Cell::Number(v, unit) => escape(&human_number(*v, unit)),
                    Cell::Undefined => "-".to_string(),
                })
                .collect(),
        };
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// Escapes the characters Markdown would read as table syntax or emphasis,
/// and folds line breaks (which would end a heading or a table row) into
/// spaces. Backticks stay: the messages quote names as `code`, as Markdown does.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\n' | '\r') {
            out.push(' ');
            continue;
        }
        if matches!(c, '|' | '*' | '\\' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_break_a_table_or_a_heading() {
        assert_eq!(escape("C|D"), "C\\|D");
        assert_eq!(escape("two\nlines"), "two lines");
        let table = Table {
            header: vec!["".into(), "a|b".into()],
            rows: vec![Row::Cells(vec![
                Cell::text("price"),
                Cell::Number(100.0, super::super::Unit::Money(Some("C|D".into()))),
            ])],
        };
        assert_eq!(draw(&table).lines().nth(2), Some("| price | 100 C\\|D |"));
    }
}
