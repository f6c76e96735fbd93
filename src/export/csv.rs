//! The CSV format: one header row, numbers written in full, empty cells for
//! undefined figures, so a spreadsheet reads every figure as a number.

use super::{Cell, Row, Table, full_number};

/// Renders a table as CSV. Section rows are for people and are left out.
pub fn render(table: &Table) -> anyhow::Result<String> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.header)?;
    let mut record: Vec<String> = Vec::with_capacity(table.header.len());
    for row in &table.rows {
        if let Row::Cells(cells) = row {
            record.clear();
            record.extend(cells.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Number(v, _) => full_number(*v),
                Cell::Undefined => String::new(),
            }));
            writer.write_record(&record)?;
        }
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}
