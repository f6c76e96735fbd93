//! HTML for `plan report`: one self-contained page, styles and charts inline,
//! no network requests.

use super::{Block, Cell, Document, NoteKind, Row, Table, human_number, svg::escape};

/// A whole page: title, inline styles (screen, phone and print), and body.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

const STYLE: &str = "
  :root { color-scheme: light; }
  body { margin: 0; background: #f5f7fa; color: #1f2933; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; }
  main { max-width: 960px; margin: 0 auto; padding: 24px 16px 48px; }
  h1 { font-size: 28px; margin: 8px 0 4px; }
  h2 { font-size: 22px; margin: 32px 0 8px; border-bottom: 2px solid #d9e2ec; padding-bottom: 4px; }
  h3 { font-size: 17px; margin: 20px 0 8px; }
  h1, h2, h3 { overflow-wrap: anywhere; }
  .meta { color: #52606d; margin: 0 0 16px; }
  section { background: #ffffff; border: 1px solid #d9e2ec; border-radius: 8px; padding: 8px 20px 20px; margin: 20px 0; }
  .table-wrap { overflow-x: auto; }
  table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; min-width: 50%; }
  th, td { padding: 4px 12px; border-bottom: 1px solid #e4e7eb; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  th { background: #f0f4f8; }
  tr.section td { font-weight: bold; background: #f8fafc; text-align: left; }
  td.negative { color: #ba2525; }
  pre { background: #f8fafc; padding: 12px; overflow-x: auto; font-size: 13px; line-height: 1.25; }
  ul.notes { padding-left: 20px; }
  li.warning::marker { color: #cb6e17; }
  .warning strong { color: #cb6e17; }
  figure { margin: 12px 0; }
  figure svg { width: 100%; height: auto; max-width: 800px; display: block; }
  @media (max-width: 600px) { body { font-size: 13px; } main { padding: 12px 6px 24px; } section { padding: 4px 8px 12px; } th, td { padding: 3px 5px; } th:first-child, td:first-child { white-space: normal; min-width: 7em; } table { min-width: 0; } figure { overflow-x: auto; } figure svg { min-width: 560px; } }
  @media print {
    body { background: #ffffff; font-size: 11pt; }
    main { max-width: none; padding: 0; }
    section { border: none; padding: 0; margin: 0 0 12pt; }
    figure, table { break-inside: avoid; }
    h2, h3 { break-after: avoid; }
    /* On paper nothing scrolls: wide tables wrap and shrink to the page. */
    .table-wrap, pre { overflow: visible; }
    table { font-size: 8.5pt; width: 100%; }
    th, td { white-space: normal; padding: 2px 4px; }
    figure svg { min-width: 0; }
  }
";

/// Renders the blocks of a report document as HTML.
pub fn document(document: &Document) -> String {
    let mut out = String::new();
    for block in &document.blocks {
        match block {
            Block::Heading(text) => out.push_str(&format!("<h3>{}</h3>\n", escape(text))),
            Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Table(t) => out.push_str(&table(t)),
            Block::Chart(text) => out.push_str(&format!("<pre>{}</pre>\n", escape(text))),
            Block::Notes(notes) => {
                out.push_str("<ul class=\"notes\">\n");
                for note in notes {
                    let (class, label) = match note.kind {
                        NoteKind::Warning => ("warning", "Warning"),
                        NoteKind::Undefined => ("undefined", "Undefined"),
                        NoteKind::Info => ("info", "Note"),
                    };
                    out.push_str(&format!(
                        "<li class=\"{class}\"><strong>{label}:</strong> {}</li>\n",
                        with_code(&note.text)
                    ));
                }
                out.push_str("</ul>\n");
            }
        }
    }
    out
}

/// Escaped text with `quoted` names set as code.
fn with_code(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// A table with the same rounding as the terminal table.
pub fn table(table: &Table) -> String {
    let mut out = String::from("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for h in &table.header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        match row {
            Row::Section(title) => out.push_str(&format!(
                "<tr class=\"section\"><td colspan=\"{}\">{}</td></tr>\n",
                table.header.len().max(1),
                escape(title)
            )),
            Row::Cells(cells) => {
                out.push_str("<tr>");
                for cell in cells {
                    match cell {
                        Cell::Text(s) => out.push_str(&format!("<td>{}</td>", escape(s))),
                        Cell::Undefined => out.push_str("<td>-</td>"),
                        Cell::Number(v, unit) => {
                            let class = if *v < 0.0 { " class=\"negative\"" } else { "" };
                            out.push_str(&format!("<td{class}>{}</td>", escape(&human_number(*v, unit))));
                        }
                    }
                }
                out.push_str("</tr>\n");
            }
        }
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

/// An SVG chart inlined in HTML: without the XML declaration and namespace,
/// which HTML does not need, so the page holds no external reference at all.
pub fn figure(svg: &str) -> String {
    let inline = svg
        .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    format!("<figure>\n{inline}</figure>\n")
}
