//! SVG charts, written directly.
//!
//! A chart here is a few lines, rectangles and labels; writing the SVG by hand
//! keeps one consistent style, needs no fonts at build time, and gives text a
//! person can read and a test can search. Every chart is valid XML with a
//! title, labelled axes and a legend.

use std::fmt::Write as _;

/// Chart size in pixels.
pub const WIDTH: f64 = 800.0;
pub const HEIGHT: f64 = 500.0;

/// The plotting area inside the margins.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Frame {
    pub fn standard() -> Frame {
        Frame {
            left: 100.0,
            top: 60.0,
            right: WIDTH - 30.0,
            bottom: HEIGHT - 90.0,
        }
    }
}

/// The most characters of a title in the large face, and in the smaller one
/// (about 11 and 8.5 pixels a character); a longer title is cut.
pub const TITLE_CHARS: usize = 64;
pub const LONG_TITLE_CHARS: usize = 84;
/// The most characters of a subtitle in its usual face (about 7 pixels a
/// character); a longer one is set smaller.
const SUBTITLE_CHARS: usize = 105;

/// About how wide a 12-pixel label is, in pixels (bold a little wider).
pub fn label_width(text: &str, strong: bool) -> f64 {
    text.chars().count() as f64 * if strong { 7.4 } else { 6.8 }
}

/// `text` cut to at most `max` characters, the cut marked with an ellipsis.
pub fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}\u{2026}", kept.trim_end())
}

/// The colours and classes every chart shares.
const STYLE: &str = "
  .title { font: bold 18px sans-serif; fill: #1f2933; }
  .title-long { font: bold 14px sans-serif; fill: #1f2933; }
  .subtitle { font: 13px sans-serif; fill: #52606d; }
  .subtitle-long { font: 11px sans-serif; fill: #52606d; }
  .note { font: 11px sans-serif; fill: #52606d; }
  .axis-label { font: 13px sans-serif; fill: #323f4b; }
  .tick { font: 11px sans-serif; fill: #52606d; }
  .label { font: 12px sans-serif; fill: #1f2933; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; stroke-linejoin: round; }
  .label-strong { font: bold 12px sans-serif; fill: #1f2933; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; stroke-linejoin: round; }
  .legend { font: 12px sans-serif; fill: #323f4b; }
  .axis { stroke: #7b8794; stroke-width: 1; }
  .grid { stroke: #e4e7eb; stroke-width: 1; }
  .zero { stroke: #3e4c59; stroke-width: 1.5; }
  .revenue { stroke: #2680c2; stroke-width: 2.5; fill: none; }
  .cost { stroke: #d64545; stroke-width: 2.5; fill: none; }
  .fixed { stroke: #7b8794; stroke-width: 2; stroke-dasharray: 6 4; fill: none; }
  .series { stroke: #2680c2; stroke-width: 2.5; fill: none; }
  .marker { stroke: #1f2933; stroke-width: 1.5; stroke-dasharray: 4 3; }
  .capacity { stroke: #9446ed; stroke-width: 1.5; stroke-dasharray: 2 3; }
  .profit-area { fill: #3ebd93; fill-opacity: 0.18; }
  .loss-area { fill: #e66a6a; fill-opacity: 0.18; }
  .bar-up { fill: #3ebd93; }
  .bar-down { fill: #e66a6a; }
  .bar-total { fill: #2680c2; }
  .bar-neutral { fill: #9fb3c8; }
  .point { fill: #1f2933; }
  .zero-contour { stroke: #1f2933; stroke-width: 2.5; }
";

/// An SVG document under construction.
pub struct Svg {
    body: String,
}

impl Svg {
    /// A chart headed by `title` and `subtitle`. A title too long for the
    /// chart is cut with an ellipsis; [`Svg::finish`] keeps it whole in the
    /// document's `<title>`.
    pub fn new(title: &str, subtitle: &str) -> Svg {
        let mut svg = Svg { body: String::new() };
        // A long title gets a smaller face rather than running off the chart.
        let class = if title.chars().count() > TITLE_CHARS {
            "title-long"
        } else {
            "title"
        };
        svg.text(WIDTH / 2.0, 28.0, "middle", class, &ellipsis(title, LONG_TITLE_CHARS));
        if !subtitle.is_empty() {
            let class = if subtitle.chars().count() > SUBTITLE_CHARS {
                "subtitle-long"
            } else {
                "subtitle"
            };
            svg.text(WIDTH / 2.0, 47.0, "middle", class, subtitle);
        }
        svg
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" class="{class}"/>"#
        );
    }

    pub fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = writeln!(self.body, r#"<polyline points="{}" class="{class}"/>"#, pts.join(" "));
    }

    pub fn polygon(&mut self, points: &[(f64, f64)], class: &str) {
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = writeln!(self.body, r#"<polygon points="{}" class="{class}"/>"#, pts.join(" "));
    }

    pub fn rect(&mut self, x: f64, y: f64, width: f64, height: f64, class: &str) {
        let (x, width) = if width < 0.0 { (x + width, -width) } else { (x, width) };
        let (y, height) = if height < 0.0 {
            (y + height, -height)
        } else {
            (y, height)
        };
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" class="{class}"/>"#
        );
    }

    /// A filled rectangle in an explicit colour (heat maps).
    pub fn rect_fill(&mut self, x: f64, y: f64, width: f64, height: f64, fill: &str, tooltip: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" fill="{fill}"><title>{}</title></rect>"#,
            escape(tooltip)
        );
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, class: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" class="{class}"/>"#
        );
    }

    pub fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            escape(text)
        );
    }

    /// Text turned 90 degrees, for a vertical axis label.
    pub fn vertical_text(&mut self, x: f64, y: f64, class: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" class="{class}" transform="rotate(-90 {x:.1} {y:.1})">{}</text>"#,
            escape(text)
        );
    }

    /// A legend row of (class, label) swatches below the plot, and a note
    /// after it: at the right of the row where it fits, else on a line below.
    pub fn legend_with_note(&mut self, entries: &[(&str, &str)], note: Option<&str>) {
        let end = self.legend(entries);
        if let Some(note) = note.filter(|n| !n.is_empty()) {
            let width = note.chars().count() as f64 * 6.2;
            if end + 24.0 + width <= WIDTH - 20.0 {
                self.text(WIDTH - 20.0, HEIGHT - 22.0, "end", "note", note);
            } else {
                self.text(100.0, HEIGHT - 6.0, "start", "note", note);
            }
        }
    }

    /// A legend row of (class, label) swatches below the plot; returns where
    /// the row ends.
    pub fn legend(&mut self, entries: &[(&str, &str)]) -> f64 {
        let mut x = 100.0;
        let y = HEIGHT - 22.0;
        for (class, label) in entries {
            if class.starts_with("bar") || class.ends_with("area") {
                self.rect(x, y - 10.0, 18.0, 12.0, class);
            } else {
                self.line(x, y - 4.0, x + 18.0, y - 4.0, class);
            }
            self.text(x + 24.0, y, "start", "legend", label);
            x += 24.0 + 7.0 * label.chars().count() as f64 + 24.0;
        }
        x - 24.0
    }

    /// Closes the document.
    pub fn finish(self, title: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\">\n<title>{}</title>\n<style>{STYLE}</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{}</svg>\n",
            escape(title),
            self.body
        )
    }
}

/// Escapes text for XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Maps data values onto pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    /// A scale whose domain is widened to "nice" round ends.
    pub fn nice(lo: f64, hi: f64, r0: f64, r1: f64) -> Scale {
        let (lo, hi) = if (hi - lo).abs() < f64::EPSILON * hi.abs().max(1.0) {
            (lo - 1.0_f64.max(lo.abs() * 0.1), hi + 1.0_f64.max(hi.abs() * 0.1))
        } else {
            (lo.min(hi), lo.max(hi))
        };
        let step = nice_step((hi - lo) / 6.0);
        Scale {
            d0: (lo / step).floor() * step,
            d1: (hi / step).ceil() * step,
            r0,
            r1,
        }
    }

    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }

    /// Round tick values across the domain.
    pub fn ticks(&self) -> Vec<f64> {
        let step = nice_step((self.d1 - self.d0) / 6.0);
        let first = (self.d0 / step).ceil() as i64;
        let last = (self.d1 / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A compact tick label: 1.5M, 250k, 40.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}{suffix}")
}

/// Draws x and y axes with grid lines, ticks and labels.
pub fn axes(svg: &mut Svg, frame: Frame, x: &Scale, y: &Scale, x_label: &str, y_label: &str) {
    for t in y.ticks() {
        let py = y.map(t);
        svg.line(frame.left, py, frame.right, py, if t == 0.0 { "zero" } else { "grid" });
        svg.text(frame.left - 8.0, py + 4.0, "end", "tick", &short_number(t));
    }
    for t in x.ticks() {
        let px = x.map(t);
        svg.line(px, frame.bottom, px, frame.bottom + 5.0, "axis");
        svg.text(px, frame.bottom + 20.0, "middle", "tick", &short_number(t));
    }
    svg.line(frame.left, frame.bottom, frame.right, frame.bottom, "axis");
    svg.line(frame.left, frame.top, frame.left, frame.bottom, "axis");
    svg.text(
        (frame.left + frame.right) / 2.0,
        frame.bottom + 42.0,
        "middle",
        "axis-label",
        x_label,
    );
    svg.vertical_text(28.0, (frame.top + frame.bottom) / 2.0, "axis-label", y_label);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_scales_have_round_ends_and_ticks() {
        let s = Scale::nice(0.0, 14_300.0, 0.0, 100.0);
        assert_eq!((s.d0, s.d1), (0.0, 15_000.0));
        assert_eq!(s.ticks(), vec![0.0, 5_000.0, 10_000.0, 15_000.0]);
        assert_eq!(s.map(7_500.0), 50.0);
    }

    #[test]
    fn degenerate_domains_do_not_divide_by_zero() {
        let s = Scale::nice(5.0, 5.0, 0.0, 100.0);
        assert!(s.d1 > s.d0);
        assert!(s.map(5.0).is_finite());
    }

    #[test]
    fn short_numbers_use_suffixes() {
        assert_eq!(short_number(1_500_000.0), "1.5M");
        assert_eq!(short_number(250_000.0), "250k");
        assert_eq!(short_number(40.0), "40");
        assert_eq!(short_number(-0.0), "0");
    }

    #[test]
    fn long_titles_are_cut_with_an_ellipsis() {
        assert_eq!(ellipsis("short", 10), "short");
        let cut = ellipsis(&"x".repeat(100), LONG_TITLE_CHARS);
        assert_eq!(cut.chars().count(), LONG_TITLE_CHARS);
        assert!(cut.ends_with('\u{2026}'));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }
}
