//! One function per chart kind, each turning a library result into SVG text.

use plan::{Results, Scenario};

use super::svg::{Frame, Scale, Svg, axes, label_width};
use super::{Unit, human_number};

fn money(scenario: &Scenario) -> Unit {
    Unit::Money(scenario.currency.clone())
}

fn per_period(scenario: &Scenario) -> String {
    scenario
        .period
        .as_deref()
        .map(|p| format!(" per {p}"))
        .unwrap_or_default()
}

/// The classic cost-volume-profit chart: revenue, total cost and fixed cost
/// against units, the break-even point and today's volume marked, the loss
/// and profit regions shaded, capacity shown where set.
pub fn breakeven(scenario: &Scenario, results: &Results) -> String {
    let title = format!("Break-even: {}", scenario.name);
    let price = scenario.price;
    let unit_cost = scenario.unit_variable_cost;
    let fixed = results.fixed_cost_total;
    let break_even = results.break_even_units;
    let today = results.units_sold;
    let furthest = [Some(today), break_even, scenario.capacity]
        .into_iter()
        .flatten()
        .fold(0.0_f64, f64::max);
    let x_max = if furthest > 0.0 { furthest * 1.3 } else { 100.0 };
    let revenue = |q: f64| price * q;
    let cost = |q: f64| fixed + unit_cost * q;

    let frame = Frame::standard();
    let x = Scale::nice(0.0, x_max, frame.left, frame.right);
    let y_top = revenue(x.d1).max(cost(x.d1)).max(fixed);
    let y = Scale::nice(0.0, y_top, frame.bottom, frame.top);
    let currency = scenario.currency.as_deref().unwrap_or("money");
    // The fixed line includes marketing spend, and the subtitle says so.
    let fixed_label = if fixed == scenario.fixed_cost {
        "fixed cost"
    } else {
        "fixed cost incl. marketing"
    };
    let subtitle = match break_even {
        Some(q) => {
            format!(
                "price {}, unit variable cost {}, {fixed_label} {}{}",
                human_number(price, &money(scenario)),
                human_number(unit_cost, &money(scenario)),
                human_number(fixed, &money(scenario)),
                per_period(scenario)
            ) + &format!("; breaks even at {} units", human_number(q, &Unit::Units))
        }
        None => "no break-even: the price does not exceed the unit variable cost".to_string(),
    };
    let mut svg = Svg::new(&title, &subtitle);
    let (x0, x1) = (x.d0, x.d1);

    // Shaded regions between the revenue and cost lines.
    match break_even {
        Some(q) if q <= x1 => {
            svg.polygon(
                &[
                    (x.map(0.0), y.map(cost(0.0))),
                    (x.map(q), y.map(cost(q))),
                    (x.map(0.0), y.map(revenue(0.0))),
                ],
                "loss-area",
            );
            svg.polygon(
                &[
                    (x.map(q), y.map(revenue(q))),
                    (x.map(x1), y.map(revenue(x1))),
                    (x.map(x1), y.map(cost(x1))),
                ],
                "profit-area",
            );
        }
        _ => svg.polygon(
            &[
                (x.map(x0), y.map(cost(x0))),
                (x.map(x1), y.map(cost(x1))),
                (x.map(x1), y.map(revenue(x1))),
                (x.map(x0), y.map(revenue(x0))),
            ],
            "loss-area",
        ),
    }
    axes(
        &mut svg,
        frame,
        &x,
        &y,
        &format!("Units{}", per_period(scenario)),
        &format!("{currency}{}", per_period(scenario)),
    );
    svg.polyline(&[(x.map(x0), y.map(fixed)), (x.map(x1), y.map(fixed))], "fixed");
    svg.polyline(&[(x.map(x0), y.map(cost(x0))), (x.map(x1), y.map(cost(x1)))], "cost");
    svg.polyline(
        &[(x.map(x0), y.map(revenue(x0))), (x.map(x1), y.map(revenue(x1)))],
        "revenue",
    );

    // The vertical lines, and labels placed clear of them: a label crossing a
    // line is hard to read, so each moves to the other side of its own line,
    // or past the line in its way, where it must.
    let capacity_px = scenario.capacity.filter(|c| *c <= x1).map(|c| x.map(c));
    let today_px = x.map(today);
    let break_even_at = break_even.filter(|q| *q <= x1).map(|q| (x.map(q), y.map(revenue(q))));
    let bounds = (frame.left + 2.0, frame.right);
    if let (Some(capacity), Some(px)) = (scenario.capacity, capacity_px) {
        // From below the row of today's label, which it would otherwise cross.
        svg.line(px, frame.top + 40.0, px, frame.bottom, "capacity");
        let label = format!("capacity {}", human_number(capacity, &Unit::Units));
        let others: Vec<f64> = [Some(today_px), break_even_at.map(|b| b.0)]
            .into_iter()
            .flatten()
            .collect();
        let (lx, anchor) =
            clear_spot(px, 4.0, label_width(&label, false), &others, bounds, "end").unwrap_or((px - 4.0, "end"));
        svg.text(lx, frame.bottom - 8.0, anchor, "label", &label);
    }
    svg.line(today_px, frame.top + 20.0, today_px, frame.bottom, "marker");
    let label = format!(
        "today: {} units, profit {}",
        human_number(today, &Unit::Units),
        human_number(results.profit, &money(scenario))
    );
    let side = if today_px > (frame.left + frame.right) / 2.0 {
        "end"
    } else {
        "start"
    };
    let nudge = if side == "end" { -6.0 } else { 6.0 };
    let (lx, anchor) =
        clear_spot(today_px, 6.0, label_width(&label, false), &[], bounds, side).unwrap_or((today_px + nudge, side));
    svg.text(lx, frame.top + 32.0, anchor, "label", &label);
    if let (Some(q), Some((px, py))) = (break_even, break_even_at) {
        svg.line(px, py, px, frame.bottom, "marker");
        svg.circle(px, py, 5.0, "point");
        let units = format!("break-even {} units", human_number(q, &Unit::Units));
        let amount = format!("({})", human_number(revenue(q), &money(scenario)));
        let others: Vec<f64> = [Some(today_px), capacity_px].into_iter().flatten().collect();
        // On one line beside the point where it fits, else on two.
        let one = format!("{units} {amount}");
        match clear_spot(px, 8.0, label_width(&one, true), &others, bounds, "start") {
            Some((lx, anchor)) if (lx - px).abs() <= 8.0 => {
                svg.text(lx, py - 10.0, anchor, "label-strong", &one);
            }
            _ => {
                let width = label_width(&units, true).max(label_width(&amount, true));
                let (lx, anchor) = clear_spot(px, 8.0, width, &others, bounds, "start").unwrap_or((px + 8.0, "start"));
                // Above the point, unless that runs into today's label.
                let top = if py - 40.0 > frame.top + 40.0 {
                    py - 25.0
                } else {
                    py + 20.0
                };
                svg.text(lx, top, anchor, "label-strong", &units);
                svg.text(lx, top + 15.0, anchor, "label-strong", &amount);
            }
        }
    }
    svg.legend(&[
        ("revenue", "Revenue"),
        ("cost", "Total cost"),
        (
            "fixed",
            if fixed == scenario.fixed_cost {
                "Fixed cost"
            } else {
                "Fixed cost incl. marketing"
            },
        ),
        ("loss-area", "Loss"),
        ("profit-area", "Profit"),
    ]);
    svg.finish(&title)
}

/// Whether a label of `width` at `x` with `anchor` crosses any vertical line at `lines`.
fn crosses(x: f64, anchor: &str, width: f64, lines: &[f64]) -> bool {
    let (a, b) = if anchor == "end" {
        (x - width, x)
    } else {
        (x, x + width)
    };
    lines.iter().any(|l| *l > a - 3.0 && *l < b + 3.0)
}

/// Where to put a label of `width` for a vertical line at `px`, `gap` from
/// it, within `bounds` and crossing none of the `lines`: first on the `side`
/// asked (`start`: to the right), then on the other, then just past each
/// line in the way, nearest first. Returns the text's x and anchor, or
/// `None` where nothing is clear.
fn clear_spot(
    px: f64,
    gap: f64,
    width: f64,
    lines: &[f64],
    bounds: (f64, f64),
    side: &'static str,
) -> Option<(f64, &'static str)> {
    let other = if side == "end" { "start" } else { "end" };
    let at = |anchor: &'static str| {
        if anchor == "end" {
            (px - gap, anchor)
        } else {
            (px + gap, anchor)
        }
    };
    let mut candidates = vec![at(side), at(other)];
    let mut past: Vec<(f64, &'static str)> = lines
        .iter()
        .map(|l| if *l > px { (l + 6.0, "start") } else { (l - 6.0, "end") })
        .collect();
    past.sort_by(|a, b| (a.0 - px).abs().total_cmp(&(b.0 - px).abs()));
    candidates.extend(past);
    candidates.into_iter().find(|(x, anchor)| {
        let (a, b) = if *anchor == "end" {
            (x - width, *x)
        } else {
            (*x, x + width)
        };
        a >= bounds.0 && b <= bounds.1 && !crosses(*x, anchor, width, lines)
    })
}

/// One row of a horizontal bar chart: a span from `from` to `to`.
#[derive(Debug, Clone)]
pub struct HBar {
    pub label: String,
    /// Spans drawn on this row, each (from, to, class).
    pub spans: Vec<(f64, f64, &'static str)>,
    /// Text at the left and right ends of the row's spans.
    pub left_text: String,
    pub right_text: String,
}

/// Horizontal bars on a shared value axis, with an optional centre line:
/// the shape of a tornado (bars around the base case) and of a waterfall
/// (bars stepping from one total to the next).
pub fn hbars(
    title: &str,
    subtitle: &str,
    rows: &[HBar],
    centre: Option<(f64, String)>,
    x_label: &str,
    legend: &[(&str, &str)],
) -> String {
    let mut svg = Svg::new(title, subtitle);
    // Room on the left for the row labels and, where rows have them, the
    // figures at the left ends of the bars (about 7 pixels a character).
    let text_width = |text: &str| text.chars().count() as f64 * 7.0;
    let label_width = rows.iter().map(|r| text_width(&r.label)).fold(42.0, f64::max);
    let left_width = rows.iter().map(|r| text_width(&r.left_text)).fold(0.0, f64::max);
    let has_left = left_width > 0.0;
    let frame = Frame {
        left: 20.0 + label_width + if has_left { left_width + 16.0 } else { 10.0 },
        top: 84.0,
        right: super::svg::WIDTH - 90.0,
        bottom: super::svg::HEIGHT - 90.0,
    };
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (a, b, _) in rows.iter().flat_map(|r| r.spans.iter()) {
        lo = lo.min(a.min(*b));
        hi = hi.max(a.max(*b));
    }
    if let Some((c, _)) = &centre {
        lo = lo.min(*c);
        hi = hi.max(*c);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let x = Scale::nice(lo.min(0.0_f64.max(lo)), hi, frame.left, frame.right);
    for t in x.ticks() {
        let px = x.map(t);
        svg.line(px, frame.top, px, frame.bottom, if t == 0.0 { "zero" } else { "grid" });
        svg.text(px, frame.bottom + 18.0, "middle", "tick", &super::svg::short_number(t));
    }
    svg.text(
        (frame.left + frame.right) / 2.0,
        frame.bottom + 40.0,
        "middle",
        "axis-label",
        x_label,
    );
    let n = rows.len().max(1) as f64;
    let band = (frame.bottom - frame.top) / n;
    let bar = (band * 0.6).min(34.0);
    for (i, row) in rows.iter().enumerate() {
        let cy = frame.top + band * (i as f64 + 0.5);
        svg.text(
            frame.left - 10.0 - if has_left { left_width + 8.0 } else { 0.0 },
            cy + 4.0,
            "end",
            "label",
            &row.label,
        );
        let mut left = f64::INFINITY;
        let mut right = f64::NEG_INFINITY;
        for (a, b, class) in &row.spans {
            let (pa, pb) = (x.map(*a), x.map(*b));
            svg.rect(pa.min(pb), cy - bar / 2.0, (pb - pa).abs().max(1.0), bar, class);
            left = left.min(pa.min(pb));
            right = right.max(pa.max(pb));
        }
        if left.is_finite() {
            svg.text(left - 6.0, cy + 4.0, "end", "tick", &row.left_text);
            svg.text(right + 6.0, cy + 4.0, "start", "tick", &row.right_text);
        }
    }
    if let Some((c, label)) = centre {
        let px = x.map(c);
        svg.line(px, frame.top - 8.0, px, frame.bottom, "marker");
        svg.text(px, frame.top - 12.0, "middle", "label", &label);
    }
    svg.legend(legend);
    svg.finish(title)
}

/// The profit bridge of `plan diff` as a waterfall: the old profit, each
/// input's Shapley part stepping from it, and the new profit.
pub fn bridge(old: &Scenario, new: &Scenario, bridge: &plan::diff::Bridge) -> String {
    // Each plan's profit in its own currency; the changes in one only where
    // both share it (as `plan diff` prints them: it converts nothing).
    let shared = (old.currency == new.currency).then(|| old.currency.clone()).flatten();
    let unit = Unit::Money(shared.clone());
    let mut rows = vec![HBar {
        label: old.name.clone(),
        spans: vec![(0.0, bridge.old, "bar-total")],
        left_text: String::new(),
        right_text: human_number(bridge.old, &money(old)),
    }];
    let mut running = bridge.old;
    for part in &bridge.parts {
        let next = running + part.contribution;
        let class = if part.contribution >= 0.0 { "bar-up" } else { "bar-down" };
        let sign = if part.contribution > 0.0 { "+" } else { "" };
        rows.push(HBar {
            label: part.input.to_string(),
            spans: vec![(running, next, class)],
            left_text: String::new(),
            right_text: format!("{sign}{}", human_number(part.contribution, &unit)),
        });
        running = next;
    }
    rows.push(HBar {
        label: new.name.clone(),
        spans: vec![(0.0, bridge.new, "bar-total")],
        left_text: String::new(),
        right_text: human_number(bridge.new, &money(new)),
    });
    let sign = if bridge.total > 0.0 { "+" } else { "" };
    let subtitle = format!(
        "profit {} -> {} ({sign}{}), split by input (Shapley values)",
        human_number(bridge.old, &money(old)),
        human_number(bridge.new, &money(new)),
        human_number(bridge.total, &unit)
    );
    let currency = match (&shared, old.currency == new.currency) {
        (Some(code), _) => code.as_str(),
        (None, true) => "money",
        (None, false) => "mixed currencies, not converted",
    };
    hbars(
        // Each name shortened, so that a long first name leaves the second in view.
        &format!(
            "Profit bridge: {} -> {}",
            super::svg::ellipsis(&old.name, 38),
            super::svg::ellipsis(&new.name, 38)
        ),
        &subtitle,
        &rows,
        None,
        &format!("Profit ({currency}{})", per_period(old)),
        &[
            ("bar-total", "Profit"),
            ("bar-up", "Increase"),
            ("bar-down", "Decrease"),
        ],
    )
}

/// A marked point on a line chart.
pub struct Mark {
    pub x: f64,
    pub y: Option<f64>,
    pub label: String,
    pub strong: bool,
}

/// A line through points, with vertical marks (an optimum, today).
pub fn line_chart(
    title: &str,
    subtitle: &str,
    points: &[(f64, f64)],
    marks: &[Mark],
    (x_label, y_label): (&str, &str),
    legend: &[(&str, &str)],
    note: Option<&str>,
) -> String {
    // Room above the plot for one label row per mark, clear of the line.
    let frame = Frame {
        top: Frame::standard().top + 18.0 * marks.len() as f64,
        ..Frame::standard()
    };
    let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (px, py) in points {
        x_lo = x_lo.min(*px);
        x_hi = x_hi.max(*px);
        y_lo = y_lo.min(*py);
        y_hi = y_hi.max(*py);
    }
    if !x_lo.is_finite() {
        (x_lo, x_hi, y_lo, y_hi) = (0.0, 1.0, 0.0, 1.0);
    }
    let x = Scale::nice(x_lo, x_hi, frame.left, frame.right);
    let y = Scale::nice(y_lo.min(0.0_f64.max(y_lo)), y_hi, frame.bottom, frame.top);
    let mut svg = Svg::new(title, subtitle);
    axes(&mut svg, frame, &x, &y, x_label, y_label);
    let pixels: Vec<(f64, f64)> = points.iter().map(|(px, py)| (x.map(*px), y.map(*py))).collect();
    svg.polyline(&pixels, "series");
    draw_marks(&mut svg, frame, &x, Some(&y), marks);
    svg.legend_with_note(legend, note);
    svg.finish(title)
}

/// The metric of `plan optimize` against the first varied input, the
/// optimum and today's value marked.
pub fn optimize(scenario: &Scenario, optimum: &plan::optimize::Optimum) -> String {
    let Some(first) = optimum.variables.first() else {
        return line_chart("Optimize", "nothing varied", &[], &[], ("", ""), &[], None);
    };
    let spec = plan::model::field(optimum.metric).expect("a result field");
    let metric_unit = match spec.kind {
        plan::FieldKind::Money => money(scenario),
        other => other.into(),
    };
    let input_unit = super::input_unit(first.variable.input, scenario.currency.as_ref());
    let points: Vec<(f64, f64)> = first
        .profile
        .iter()
        .filter_map(|p| p.metric.map(|m| (p.value, m)))
        .collect();
    let name = first.variable.input.name();
    let metric_label = spec.label.to_lowercase();
    let at = human_number(first.optimum, &input_unit);
    let value = human_number(optimum.value, &metric_unit);
    // "Best" only where the range holds an optimum: a metric still rising at
    // a bound of the range, or flat over it, has none (as `plan optimize` says).
    let (label, legend) = if optimum.flat {
        (
            format!("{metric_label} {value} at every {name} in the range: no best"),
            "today",
        )
    } else {
        match first.binding {
            plan::optimize::Binding::LowerBound | plan::optimize::Binding::UpperBound => (
                format!("highest at the bound: {name} {at}: {metric_label} {value}"),
                "highest (at a bound) and today",
            ),
            _ if !optimum.interior => (
                format!("best {name} {at} (another input at its bound): {metric_label} {value}"),
                "optimum and today",
            ),
            _ => (format!("best {name} {at}: {metric_label} {value}"), "optimum and today"),
        }
    };
    let mut marks = Vec::new();
    if !optimum.flat {
        marks.push(Mark {
            x: first.optimum,
            y: Some(optimum.value),
            label: label.clone(),
            strong: true,
        });
    }
    if let Some(today) = first
        .today
        .filter(|t| *t >= first.variable.lower && *t <= first.variable.upper)
    {
        marks.push(Mark {
            x: today,
            y: optimum.today_value,
            label: format!(
                "today {}: {}",
                human_number(today, &input_unit),
                optimum
                    .today_value
                    .map_or("-".to_string(), |v| human_number(v, &metric_unit))
            ),
            strong: false,
        });
    }
    let others = if optimum.variables.len() > 1 {
        ", the other input at its optimum"
    } else {
        ""
    };
    let mut subtitle = format!(
        "{} against {name} from {} to {}{others}",
        spec.label,
        human_number(first.variable.lower, &input_unit),
        human_number(first.variable.upper, &input_unit)
    );
    if optimum.flat {
        subtitle = format!("{subtitle}; {label}");
    } else if !optimum.interior {
        subtitle.push_str("; no interior optimum: the bound sets the answer");
    }
    let currency = scenario.currency.as_deref().unwrap_or("money");
    let y_label = match spec.kind {
        plan::FieldKind::Money => format!("{} ({currency}{})", spec.label, per_period(scenario)),
        _ => spec.label.to_string(),
    };
    line_chart(
        &format!("Optimize {name}: {}", scenario.name),
        &subtitle,
        &points,
        &marks,
        (
            &match &input_unit {
                Unit::Money(Some(code)) => format!("{name} ({code})"),
                _ => name.to_string(),
            },
            &y_label,
        ),
        &[("series", spec.label), ("marker", legend)],
        None,
    )
}

/// A colour for a value on a diverging scale: red for losses, green for
/// profits, white at zero, stronger with the magnitude.
fn diverging(v: f64, extent: f64) -> String {
    let t = if extent > 0.0 {
        (v.abs() / extent).clamp(0.0, 1.0).sqrt()
    } else {
        0.0
    };
    let (r, g, b) = if v < 0.0 {
        (214.0, 69.0, 69.0)
    } else {
        (39.0, 171.0, 131.0)
    };
    let mix = |c: f64| (255.0 + (c - 255.0) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b))
}

/// A two-way data table as a heat map: columns along x, rows along y, the
/// zero contour drawn where neighbouring cells change sign.
pub struct HeatMap<'a> {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    /// The axes' input names, for cell tooltips.
    pub x_name: String,
    pub y_name: String,
    pub x_values: &'a [f64],
    pub y_values: &'a [f64],
    /// `values[row][column]`, `None` where undefined.
    pub values: &'a [Vec<Option<f64>>],
    pub unit: Unit,
}

pub fn heatmap(map: &HeatMap) -> String {
    let frame = Frame {
        right: super::svg::WIDTH - 130.0,
        ..Frame::standard()
    };
    let mut svg = Svg::new(&map.title, &map.subtitle);
    let (nx, ny) = (map.x_values.len().max(1), map.y_values.len().max(1));
    let cw = (frame.right - frame.left) / nx as f64;
    let ch = (frame.bottom - frame.top) / ny as f64;
    let extent = map
        .values
        .iter()
        .flatten()
        .flatten()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    // Row 0 at the bottom, as a chart reads.
    let cell_y = |row: usize| frame.bottom - ch * (row as f64 + 1.0);
    for (row, values) in map.values.iter().enumerate() {
        for (col, v) in values.iter().enumerate() {
            let (fill, tip) = match v {
                Some(v) => (diverging(*v, extent), human_number(*v, &map.unit)),
                None => ("#d9e2ec".to_string(), "undefined".to_string()),
            };
            let tip = format!(
                "{} {}, {} {}: {tip}",
                map.x_name,
                human_number(map.x_values[col], &Unit::Plain),
                map.y_name,
                human_number(map.y_values[row], &Unit::Plain)
            );
            svg.rect_fill(
                frame.left + cw * col as f64,
                cell_y(row),
                cw + 0.5,
                ch + 0.5,
                &fill,
                &tip,
            );
        }
    }
    // The zero contour: a segment on every edge between cells of opposite sign.
    let sign = |row: usize, col: usize| map.values[row][col].map(|v| v >= 0.0);
    for row in 0..map.values.len() {
        for col in 0..map.values[row].len() {
            if col + 1 < map.values[row].len()
                && let (Some(a), Some(b)) = (sign(row, col), sign(row, col + 1))
                && a != b
            {
                let x = frame.left + cw * (col as f64 + 1.0);
                svg.line(x, cell_y(row), x, cell_y(row) + ch, "zero-contour");
            }
            if row + 1 < map.values.len()
                && col < map.values[row + 1].len()
                && let (Some(a), Some(b)) = (sign(row, col), sign(row + 1, col))
                && a != b
            {
                let y = cell_y(row);
                svg.line(
                    frame.left + cw * col as f64,
                    y,
                    frame.left + cw * (col as f64 + 1.0),
                    y,
                    "zero-contour",
                );
            }
        }
    }
    // Axis labels: at most about 10 ticks per axis.
    let every = |n: usize| n.div_ceil(10).max(1);
    for (col, x) in map.x_values.iter().enumerate().step_by(every(nx)) {
        let px = frame.left + cw * (col as f64 + 0.5);
        svg.text(px, frame.bottom + 18.0, "middle", "tick", &super::svg::short_number(*x));
    }
    for (row, y) in map.y_values.iter().enumerate().step_by(every(ny)) {
        let py = cell_y(row) + ch / 2.0 + 4.0;
        svg.text(frame.left - 8.0, py, "end", "tick", &super::svg::short_number(*y));
    }
    svg.text(
        (frame.left + frame.right) / 2.0,
        frame.bottom + 42.0,
        "middle",
        "axis-label",
        &map.x_label,
    );
    svg.vertical_text(28.0, (frame.top + frame.bottom) / 2.0, "axis-label", &map.y_label);
    // Colour key.
    let kx = frame.right + 30.0;
    let steps = 10;
    for i in 0..steps {
        let v = extent - 2.0 * extent * i as f64 / (steps - 1) as f64;
        let ky = frame.top + i as f64 * 22.0;
        svg.rect_fill(kx, ky, 18.0, 22.0, &diverging(v, extent), &human_number(v, &map.unit));
    }
    svg.text(
        kx + 24.0,
        frame.top + 12.0,
        "start",
        "tick",
        &super::svg::short_number(extent),
    );
    svg.text(
        kx + 24.0,
        frame.top + 22.0 * steps as f64 - 6.0,
        "start",
        "tick",
        &super::svg::short_number(-extent),
    );
    if map.values.iter().flatten().any(Option::is_none) {
        svg.legend(&[("zero-contour", "zero boundary"), ("bar-neutral", "undefined")]);
    } else {
        svg.legend(&[("zero-contour", "zero boundary")]);
    }
    svg.finish(&map.title)
}

/// A histogram: counts per bin, bins below `threshold` in the loss colour,
/// with vertical marks (percentiles).
pub struct Histogram<'a> {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// Bin edges: `counts.len() + 1` values.
    pub edges: &'a [f64],
    pub counts: &'a [u64],
    /// Every sample, drawn or not: a bar's height is its share of these.
    pub total: u64,
    pub threshold: f64,
    pub marks: Vec<Mark>,
    /// Says what the bars leave out, below the plot.
    pub note: Option<String>,
}

pub fn histogram(h: &Histogram) -> String {
    let frame = Frame {
        top: Frame::standard().top + 18.0 * h.marks.len() as f64,
        ..Frame::standard()
    };
    let lo = h.edges.first().copied().unwrap_or(0.0);
    let hi = h.edges.last().copied().unwrap_or(1.0);
    let x = Scale::nice(lo, hi, frame.left, frame.right);
    let total = h.total.max(1);
    let top = h.counts.iter().copied().max().unwrap_or(1) as f64 / total as f64;
    let y = Scale::nice(0.0, top * 100.0, frame.bottom, frame.top);
    let mut svg = Svg::new(&h.title, &h.subtitle);
    axes(&mut svg, frame, &x, &y, &h.x_label, "Share of samples (%)");
    for (i, count) in h.counts.iter().enumerate() {
        let (a, b) = (h.edges[i], h.edges[i + 1]);
        let share = *count as f64 / total as f64 * 100.0;
        let class = if b <= h.threshold { "bar-down" } else { "bar-total" };
        svg.rect(
            x.map(a),
            y.map(share),
            x.map(b) - x.map(a),
            y.map(0.0) - y.map(share),
            class,
        );
    }
    draw_marks(&mut svg, frame, &x, None, &h.marks);
    if h.threshold >= x.d0 && h.threshold <= x.d1 {
        let px = x.map(h.threshold);
        svg.line(px, frame.top, px, frame.bottom, "zero");
    }
    svg.legend_with_note(
        &[("bar-down", "loss"), ("bar-total", "profit"), ("marker", "percentiles")],
        h.note.as_deref(),
    );
    svg.finish(&h.title)
}

/// Vertical dashed marks with their labels in rows above the plot.
fn draw_marks(svg: &mut Svg, frame: Frame, x: &Scale, y: Option<&Scale>, marks: &[Mark]) {
    let xs: Vec<f64> = marks.iter().map(|m| x.map(m.x)).collect();
    let widths: Vec<f64> = marks.iter().map(|m| label_width(&m.label, m.strong)).collect();
    let centre = (frame.left + frame.right) / 2.0;
    for (row, (i, anchor)) in layout_marks(&xs, &widths, centre).into_iter().enumerate() {
        let (mark, px) = (&marks[i], xs[i]);
        let label_y = Frame::standard().top + 8.0 + 18.0 * row as f64;
        svg.line(px, label_y + 4.0, px, frame.bottom, "marker");
        if let (Some(y), Some(v)) = (y, mark.y) {
            svg.circle(px, y.map(v), 5.0, "point");
        }
        let nudge = if anchor == "end" { -6.0 } else { 6.0 };
        svg.text(
            px + nudge,
            label_y,
            anchor,
            if mark.strong { "label-strong" } else { "label" },
            &mark.label,
        );
    }
}

/// Rows and sides for mark labels, so that no label crosses the line of a
/// mark in a row above it (those lines run down through the rows below) and
/// every label stays on the chart: for each row, top down, the mark drawn
/// there and its label's anchor. A label sits on the roomier side of its
/// line by default, and moves to the other side, or the marks change rows,
/// where that avoids a collision; failing all, the default stands.
fn layout_marks(xs: &[f64], widths: &[f64], centre: f64) -> Vec<(usize, &'static str)> {
    let span = |i: usize, anchor: &str| -> (f64, f64) {
        if anchor == "end" {
            (xs[i] - 6.0 - widths[i], xs[i] - 6.0)
        } else {
            (xs[i] + 6.0, xs[i] + 6.0 + widths[i])
        }
    };
    let fits = |i: usize, anchor: &str, above: &[usize]| -> bool {
        let (a, b) = span(i, anchor);
        a >= 4.0 && b <= super::svg::WIDTH - 4.0 && above.iter().all(|&j| xs[j] < a - 3.0 || xs[j] > b + 3.0)
    };
    let preferred = |i: usize| if xs[i] > centre { "end" } else { "start" };
    let other = |anchor: &str| if anchor == "end" { "start" } else { "end" };
    // Every order of rows for a handful of marks; the given order first.
    let place = |order: &[usize]| -> Option<Vec<(usize, &'static str)>> {
        order
            .iter()
            .enumerate()
            .map(|(row, &i)| {
                let above = &order[..row];
                [preferred(i), other(preferred(i))]
                    .into_iter()
                    .find(|a| fits(i, a, above))
                    .map(|a| (i, a))
            })
            .collect()
    };
    let identity: Vec<usize> = (0..xs.len()).collect();
    if xs.len() <= 6 {
        let mut orders = vec![identity.clone()];
        permutations(&identity, &mut Vec::new(), &mut orders);
        if let Some(layout) = orders.iter().find_map(|order| place(order)) {
            return layout;
        }
    }
    identity.into_iter().map(|i| (i, preferred(i))).collect()
}

/// Every ordering of `rest` after `prefix`, appended to `out`.
fn permutations(rest: &[usize], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if rest.is_empty() {
        out.push(prefix.clone());
        return;
    }
    for k in 0..rest.len() {
        let mut remaining = rest.to_vec();
        prefix.push(remaining.remove(k));
        permutations(&remaining, prefix, out);
        prefix.pop();
    }
}

/// The one-way sensitivity of profit as a tornado: one bar per input from
/// its lowest to its highest profit over the steps, largest swing on top,
/// today's profit as the centre line.
pub fn tornado(scenario: &Scenario, analysis: &plan::sensitivity::Sensitivity) -> String {
    let unit = money(scenario);
    let base = analysis.profit;
    let rows: Vec<HBar> = analysis
        .one_way
        .iter()
        .map(|row| HBar {
            label: row.input.name().to_string(),
            spans: vec![(row.low, base, "bar-down"), (base, row.high, "bar-up")],
            left_text: human_number(row.low, &unit),
            right_text: human_number(row.high, &unit),
        })
        .collect();
    let steps: Vec<String> = analysis
        .steps_percent
        .iter()
        .map(|s| human_number(*s, &Unit::Percent))
        .collect();
    let currency = scenario.currency.as_deref().unwrap_or("money");
    hbars(
        &format!("Which input moves profit most: {}", scenario.name),
        &format!("profit when each input alone moves by {}", steps.join(", ")),
        &rows,
        Some((base, format!("today {}", human_number(base, &unit)))),
        &format!("Profit ({currency}{})", per_period(scenario)),
        &[
            ("bar-down", "below today"),
            ("bar-up", "above today"),
            ("marker", "today"),
        ],
    )
}

/// A two-way data table of `plan sensitivity --grid` as a heat map.
pub fn grid(scenario: &Scenario, grid: &plan::sensitivity::Grid) -> String {
    let spec = grid.metric.spec();
    let unit = match spec.kind {
        plan::FieldKind::Money => money(scenario),
        other => other.into(),
    };
    let columns = grid.column_values.len();
    let values: Vec<Vec<Option<f64>>> = grid.values.chunks(columns.max(1)).map(<[_]>::to_vec).collect();
    let axis = |input: plan::Input| match super::input_unit(input, scenario.currency.as_ref()) {
        Unit::Money(Some(code)) => format!("{} ({code})", input.name()),
        _ => input.name().to_string(),
    };
    heatmap(&HeatMap {
        title: format!(
            "{} by {} and {}: {}",
            spec.label,
            grid.columns.name(),
            grid.rows.name(),
            scenario.name
        ),
        subtitle: format!(
            "{} values; the line marks where {} crosses zero",
            grid.values.len(),
            spec.label.to_lowercase()
        ),
        x_label: axis(grid.columns),
        y_label: axis(grid.rows),
        x_name: grid.columns.name().to_string(),
        y_name: grid.rows.name().to_string(),
        x_values: &grid.column_values,
        y_values: &grid.row_values,
        values: &values,
        unit,
    })
}

/// Profit's P5, P50 and P95 of a simulation, as chart marks.
fn percentile_marks(simulation: &plan::simulate::Simulation, unit: &Unit) -> Vec<Mark> {
    let profit = simulation.metric(plan::simulate::Metric::Profit);
    // Percentiles are stored as fractions: 0.05 is P5.
    [5.0_f64, 50.0, 95.0]
        .iter()
        .filter_map(|want| {
            let value = profit
                .percentiles
                .iter()
                .find(|(p, _)| (p * 100.0 - want).abs() < 1e-9)?
                .1?;
            Some(Mark {
                x: value,
                y: None,
                label: format!("P{want} {}", human_number(value, unit)),
                strong: *want == 50.0,
            })
        })
        .collect()
}

fn simulation_subtitle(simulation: &plan::simulate::Simulation) -> String {
    format!(
        "{} sample{}, seed {}; chance of a loss {}",
        human_number(simulation.samples as f64, &Unit::Units),
        if simulation.samples == 1 { "" } else { "s" },
        simulation.seed,
        human_number(simulation.probability_of_loss, &Unit::Ratio)
    )
}

/// The simulation's profit bars with every sample accounted for. The bars
/// cover about P0.5 to P99.5, each `[a, b)`; samples at exactly the top edge
/// (a spike where capacity caps profit) join the last bar, which then
/// includes its upper edge. What still lies beyond the bars is counted.
struct Bars {
    counts: Vec<u64>,
    below: u64,
    above: u64,
}

/// The bins a chart draws: the simulation's, or, where every sample has
/// (nearly) one profit, one bar around it on an axis wide enough to read,
/// so the chart shows a single value, not a ramp over a rounding error.
fn drawn(simulation: &plan::simulate::Simulation) -> (Vec<f64>, Bars) {
    let profit = simulation.metric(plan::simulate::Metric::Profit);
    if let (Some(lo), Some(hi)) = (profit.min, profit.max) {
        let size = lo.abs().max(hi.abs()).max(1.0);
        if hi - lo <= 1e-9 * size {
            let v = (lo + hi) / 2.0;
            let d = (v.abs() * 0.05).max(1.0);
            return (
                vec![v - 2.0 * d, v - d / 8.0, v + d / 8.0, v + 2.0 * d],
                Bars {
                    counts: vec![0, simulation.samples, 0],
                    below: 0,
                    above: 0,
                },
            );
        }
    }
    (simulation.histogram.edges.clone(), bars(simulation))
}

fn bars(simulation: &plan::simulate::Simulation) -> Bars {
    let h = &simulation.histogram;
    let mut counts = h.counts.clone();
    let mut above = h.above;
    let top = h.edges.last().copied();
    let max = simulation.metric(plan::simulate::Metric::Profit).max;
    if let (Some(last), Some(top), Some(max)) = (counts.last_mut(), top, max)
        && above > 0
        && max <= top
    {
        *last += above;
        above = 0;
    }
    Bars {
        counts,
        below: h.below,
        above,
    }
}

/// "not drawn: 0.3% of samples below -70,000 USD and 0.5% above 120,000 USD",
/// or `None` where nothing is left out.
fn beyond_note(samples: u64, below: Option<(u64, f64)>, above: Option<(u64, f64)>, unit: &Unit) -> Option<String> {
    let total = samples.max(1) as f64;
    let share = |n: u64| human_number(n as f64 / total, &Unit::Ratio);
    let parts: Vec<String> = [
        below.filter(|(n, _)| *n > 0).map(|(n, edge)| (n, "below", edge)),
        above.filter(|(n, _)| *n > 0).map(|(n, edge)| (n, "above", edge)),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    .map(|(i, (n, side, edge))| {
        let of = if i == 0 { " of samples" } else { "" };
        format!("{}{of} {side} {}", share(n), human_number(edge, unit))
    })
    .collect();
    (!parts.is_empty()).then(|| format!("not drawn: {}", parts.join(" and ")))
}

/// The distribution of profit from `plan simulate`: loss bins in red,
/// P5 / P50 / P95 marked, the zero-profit line drawn.
pub fn simulation_histogram(scenario: &Scenario, simulation: &plan::simulate::Simulation) -> String {
    let unit = money(scenario);
    let (edges, bars) = drawn(simulation);
    let (first, last) = (
        edges.first().copied().unwrap_or(0.0),
        edges.last().copied().unwrap_or(0.0),
    );
    let currency = scenario.currency.as_deref().unwrap_or("money");
    histogram(&Histogram {
        title: format!("Profit distribution: {}", scenario.name),
        subtitle: simulation_subtitle(simulation),
        x_label: format!("Profit ({currency}{})", per_period(scenario)),
        edges: &edges,
        counts: &bars.counts,
        total: simulation.samples,
        threshold: 0.0,
        marks: percentile_marks(simulation, &unit),
        note: beyond_note(
            simulation.samples,
            Some((bars.below, first)),
            Some((bars.above, last)),
            &unit,
        ),
    })
}

/// The cumulative distribution of profit: the share of samples at or below
/// each profit, P5 / P50 / P95 marked, the chance of a loss read at zero.
pub fn simulation_cdf(scenario: &Scenario, simulation: &plan::simulate::Simulation) -> String {
    let unit = money(scenario);
    let (edges, bars) = drawn(simulation);
    let total = simulation.samples.max(1) as f64;
    let (lo, hi) = (
        edges.first().copied().unwrap_or(0.0),
        edges.last().copied().unwrap_or(0.0),
    );
    let profit = simulation.metric(plan::simulate::Metric::Profit);
    // The tails run on to the smallest and largest profit (0% and 100%)
    // where those lie near the bars; a far outlier would squash the chart,
    // so there the curve stops at the bars and a note says what is left out.
    let reach = (hi - lo) * 0.25;
    let min = profit.min.filter(|m| bars.below > 0 && *m >= lo - reach);
    let max = profit.max.filter(|m| bars.above > 0 && *m <= hi + reach);
    let mut cumulative = bars.below;
    let mut points = Vec::with_capacity(edges.len() + 2);
    if let Some(min) = min {
        points.push((min, 0.0));
    }
    if !edges.is_empty() {
        points.push((lo, cumulative as f64 / total * 100.0));
    }
    for (i, count) in bars.counts.iter().enumerate() {
        cumulative += count;
        points.push((edges[i + 1], cumulative as f64 / total * 100.0));
    }
    if let Some(max) = max {
        points.push((max, 100.0));
    }
    let note = beyond_note(
        simulation.samples,
        min.is_none().then_some((bars.below, lo)),
        max.is_none().then_some((bars.above, hi)),
        &unit,
    );
    let mut marks = percentile_marks(simulation, &unit);
    if lo <= 0.0 && 0.0 <= hi {
        marks.push(Mark {
            x: 0.0,
            y: Some(simulation.probability_of_loss * 100.0),
            label: format!("loss: {}", human_number(simulation.probability_of_loss, &Unit::Ratio)),
            strong: false,
        });
    }
    let currency = scenario.currency.as_deref().unwrap_or("money");
    line_chart(
        &format!("Cumulative profit: {}", scenario.name),
        &simulation_subtitle(simulation),
        &points,
        &marks,
        (
            &format!("Profit ({currency}{})", per_period(scenario)),
            "Share of samples at or below (%)",
        ),
        &[("series", "cumulative share"), ("marker", "percentiles")],
        note.as_deref(),
    )
}

/// Which uncertain input drives the risk: each input's rank correlation with
/// profit as a bar from zero, largest first.
pub fn simulation_drivers(scenario: &Scenario, simulation: &plan::simulate::Simulation) -> String {
    let rows: Vec<HBar> = simulation
        .drivers
        .iter()
        .filter_map(|d| {
            let r = d.rank_correlation?;
            let class = if r >= 0.0 { "bar-up" } else { "bar-down" };
            Some(HBar {
                label: d.input.name().to_string(),
                spans: vec![(0.0, r, class)],
                // The figure sits at the bar's outer end.
                left_text: if r < 0.0 { format!("{r:+.3}") } else { String::new() },
                right_text: if r < 0.0 { String::new() } else { format!("{r:+.3}") },
            })
        })
        .collect();
    hbars(
        &format!("Risk drivers: {}", scenario.name),
        "rank correlation of each uncertain input with profit (-1 to +1)",
        &rows,
        Some((0.0, String::new())),
        "Rank correlation with profit",
        &[("bar-up", "raises profit"), ("bar-down", "lowers profit")],
    )
}
