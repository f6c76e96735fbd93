//! The JSON format: the typed report itself, serialised with plain numbers.

use serde::Serialize;

/// Renders any report as pretty-printed JSON with a trailing newline.
pub fn render(report: &impl Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
