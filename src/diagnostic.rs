//! Error messages that point at the offending text.
//!
//! Every problem with a scenario becomes a [`Diagnostic`]: what is wrong, the
//! file, and where there is one, the line and column with a caret under the
//! offending text, then what is allowed. The shape follows `just` and `toml`:
//!
//! ```text
//! error: `price` must be at least 0, found -5
//!   --> scenarios/shop.toml:4:9
//!    |
//!  4 | price = -5
//!    |         ^^
//!    = help: the price per unit, in the scenario's currency
//! ```

use std::fmt;
use std::ops::Range;

/// A position in a source text, resolved to a line and column for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The whole line the position is on, without its line break.
    pub line_text: String,
    /// How many characters the caret underlines (at least 1).
    pub width: usize,
}

impl Location {
    /// Resolves a byte span of `text` to a line, a column and the line's text.
    pub fn from_span(text: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = text[line_start..line_end].trim_end_matches('\r').to_string();
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        Location {
            line: text[..start].matches('\n').count() + 1,
            column,
            line_text,
            width,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A problem found in a scenario, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// What went wrong, in one line.
    pub message: String,
    /// The file (or `<stdin>`) the scenario came from.
    pub source: String,
    /// Where in the file, when the problem has a position.
    pub location: Option<Location>,
    /// What is allowed, or what to do instead.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(source: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            source: source.to_string(),
            location: None,
            help: None,
        }
    }

    /// Points the diagnostic at a byte span of the source text.
    pub fn at(mut self, text: &str, span: Option<Range<usize>>) -> Diagnostic {
        self.location = span.map(|span| Location::from_span(text, span));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        match &self.location {
            Some(loc) => {
                let gutter = loc.line.to_string().len();
                writeln!(f, "{:gutter$}--> {}:{}:{}", "", self.source, loc.line, loc.column)?;
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{} | {}", loc.line, loc.line_text)?;
                write!(
                    f,
                    "{:gutter$} | {}{}",
                    "",
                    " ".repeat(loc.column - 1),
                    "^".repeat(loc.width)
                )?;
                if let Some(help) = &self.help {
                    write!(f, "\n{:gutter$} = help: {help}", "")?;
                }
            }
            None => {
                write!(f, " --> {}", self.source)?;
                if let Some(help) = &self.help {
                    write!(f, "\n  = help: {help}")?;
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_columns_from_one() {
        let text = "a = 1\nprice = -5\n";
        let loc = Location::from_span(text, 14..16);
        assert_eq!(loc.line, 2);
        assert_eq!(loc.column, 9);
        assert_eq!(loc.line_text, "price = -5");
        assert_eq!(loc.width, 2);
    }

    #[test]
    fn location_survives_spans_past_the_end_and_inside_characters() {
        let text = "name = \"é\"";
        let loc = Location::from_span(text, 9..40);
        assert_eq!(loc.line, 1);
        assert!(loc.column >= 1);
    }

    #[test]
    fn display_draws_a_caret_under_the_offending_text() {
        let text = "price = -5\n";
        let d = Diagnostic::new("shop.toml", "`price` must be at least 0, found -5")
            .at(text, Some(8..10))
            .help("the price per unit");
        let shown = d.to_string();
        assert!(shown.contains("--> shop.toml:1:9"), "{shown}");
        assert!(shown.contains("1 | price = -5"), "{shown}");
        assert!(shown.contains("  |         ^^"), "{shown}");
        assert!(shown.contains("= help: the price per unit"), "{shown}");
    }
}
