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
