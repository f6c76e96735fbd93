//! One function per chart kind, each turning a library result into SVG text.

use plan::{Results, Scenario};

use super::svg::{Frame, Scale, Svg, axes};
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
    let subtitle = match break_even {
        Some(q) => {
            format!(
                "price {}, unit variable cost {}, fixed cost {}{}",
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

    if let Some(capacity) = scenario.capacity.filter(|c| *c <= x1) {
        let px = x.map(capacity);
        svg.line(px, frame.top, px, frame.bottom, "capacity");
        svg.text(
            px - 4.0,
            frame.bottom - 8.0,
            "end",
            "label",
            &format!("capacity {}", human_number(capacity, &Unit::Units)),
        );
    }
    let px = x.map(today);
    svg.line(px, frame.top + 20.0, px, frame.bottom, "marker");
    let anchor = if px > (frame.left + frame.right) / 2.0 {
        "end"
    } else {
        "start"
    };
    let nudge = if anchor == "end" { -6.0 } else { 6.0 };
    svg.text(
        px + nudge,
        frame.top + 32.0,
        anchor,
        "label",
        &format!(
            "today: {} units, profit {}",
            human_number(today, &Unit::Units),
            human_number(results.profit, &money(scenario))
        ),
    );
    if let Some(q) = break_even.filter(|q| *q <= x1) {
        let (px, py) = (x.map(q), y.map(revenue(q)));
        svg.line(px, py, px, frame.bottom, "marker");
        svg.circle(px, py, 5.0, "point");
        svg.text(
            px + 8.0,
            py - 10.0,
            "start",
            "label-strong",
            &format!(
                "break-even {} units ({})",
                human_number(q, &Unit::Units),
                human_number(revenue(q), &money(scenario))
            ),
        );
    }
    svg.legend(&[
        ("revenue", "Revenue"),
        ("cost", "Total cost"),
        ("fixed", "Fixed cost"),
        ("loss-area", "Loss"),
        ("profit-area", "Profit"),
    ]);
    svg.finish(&title)
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
    let label_width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(6, 28) as f64
        * 7.0;
    let frame = Frame {
        left: 20.0
            + label_width
            + if rows.iter().any(|r| !r.left_text.is_empty()) {
                70.0
            } else {
                10.0
            },
        top: 70.0,
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
    let has_left = rows.iter().any(|r| !r.left_text.is_empty());
    let n = rows.len().max(1) as f64;
    let band = (frame.bottom - frame.top) / n;
    let bar = (band * 0.6).min(34.0);
    for (i, row) in rows.iter().enumerate() {
        let cy = frame.top + band * (i as f64 + 0.5);
        svg.text(
            frame.left - 12.0 - 60.0 * f64::from(u8::from(has_left)),
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
    let unit = money(old);
    let mut rows = vec![HBar {
        label: old.name.clone(),
        spans: vec![(0.0, bridge.old, "bar-total")],
        left_text: String::new(),
        right_text: human_number(bridge.old, &unit),
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
        right_text: human_number(bridge.new, &unit),
    });
    let sign = if bridge.total > 0.0 { "+" } else { "" };
    let subtitle = format!(
        "profit {} -> {} ({sign}{}), split by input (Shapley values)",
        human_number(bridge.old, &unit),
        human_number(bridge.new, &unit),
        human_number(bridge.total, &unit)
    );
    let currency = old.currency.as_deref().unwrap_or("money");
    hbars(
        &format!("Profit bridge: {} -> {}", old.name, new.name),
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
    x_label: &str,
    y_label: &str,
    legend: &[(&str, &str)],
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
    for (i, mark) in marks.iter().enumerate() {
        let px = x.map(mark.x);
        let label_y = Frame::standard().top + 8.0 + 18.0 * i as f64;
        svg.line(px, label_y + 4.0, px, frame.bottom, "marker");
        if let Some(v) = mark.y {
            svg.circle(px, y.map(v), 5.0, "point");
        }
        let anchor = if px > (frame.left + frame.right) / 2.0 {
            "end"
        } else {
            "start"
        };
        let nudge = if anchor == "end" { -6.0 } else { 6.0 };
        svg.text(
            px + nudge,
            label_y,
            anchor,
            if mark.strong { "label-strong" } else { "label" },
            &mark.label,
        );
    }
    svg.legend(legend);
    svg.finish(title)
}

/// The metric of `plan optimize` against the first varied input, the
/// optimum and today's value marked.
pub fn optimize(scenario: &Scenario, optimum: &plan::optimize::Optimum) -> String {
    let Some(first) = optimum.variables.first() else {
        return line_chart("Optimize", "nothing varied", &[], &[], "", "", &[]);
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
    let mut marks = vec![Mark {
        x: first.optimum,
        y: Some(optimum.value),
        label: format!(
            "best {name} {}: {} {}",
            human_number(first.optimum, &input_unit),
            spec.label.to_lowercase(),
            human_number(optimum.value, &metric_unit)
        ),
        strong: true,
    }];
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
    let subtitle = format!(
        "{} against {name} from {} to {}{others}",
        spec.label,
        human_number(first.variable.lower, &input_unit),
        human_number(first.variable.upper, &input_unit)
    );
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
        &match &input_unit {
            Unit::Money(Some(code)) => format!("{name} ({code})"),
            _ => name.to_string(),
        },
        &y_label,
        &[("series", spec.label), ("marker", "optimum and today")],
    )
}
