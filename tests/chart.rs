//! `plan chart`: every chart is valid XML and carries the labels it should.

use assert_cmd::Command;

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn chart(args: &[&str]) -> String {
    let out = plan()
        .arg("chart")
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// The text of every `<text>` element, for searching labels.
fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the chart is valid XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn breakeven_chart_marks_1000_units_for_the_seed_case() {
    // 50,000 / (100 - 50) = 1,000 units, 1,000 x 100 = 100,000 CNY of revenue.
    let svg = chart(&["scenarios/medical-imaging.toml", "--kind", "breakeven"]);
    let labels = texts(&svg);
    assert!(
        labels.iter().any(|t| t == "break-even 1,000 units (100,000 CNY)"),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|t| t == "today: 10,000 units, profit 450,000 CNY"),
        "{labels:?}"
    );
    assert!(labels.iter().any(|t| t == "Units per month"));
    assert!(labels.iter().any(|t| t == "CNY per month"));
    for legend in ["Revenue", "Total cost", "Fixed cost", "Loss", "Profit"] {
        assert!(labels.iter().any(|t| t == legend), "legend {legend}");
    }
}

#[test]
fn breakeven_chart_shows_capacity_where_set() {
    // 210,000 / (2.40 - 0.90) = 140,000 units; capacity 400,000.
    let svg = chart(&["scenarios/ai-api-pay-per-call.toml"]);
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t == "capacity 400,000"), "{labels:?}");
    assert!(
        labels.iter().any(|t| t.starts_with("break-even 140,000 units")),
        "{labels:?}"
    );
}

#[test]
fn breakeven_chart_without_a_break_even_says_so() {
    let text = "price = 40\nunit_variable_cost = 50\nfixed_cost = 1000\ndemand = 100\n";
    let out = plan().args(["chart", "-"]).write_stdin(text).assert().success();
    let labels = texts(&String::from_utf8(out.get_output().stdout.clone()).unwrap());
    assert!(labels.iter().any(|t| t.starts_with("no break-even")), "{labels:?}");
}

#[test]
fn chart_is_written_to_a_file_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("be.svg");
    plan()
        .args(["chart", "scenarios/medical-imaging.toml", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    texts(&std::fs::read_to_string(path).unwrap());
}

#[test]
fn bridge_chart_steps_from_old_to_new_profit() {
    // Seed 450,000 -> premium (130 - 60) x 7,000 - 70,000 = 420,000: -30,000 in all.
    let svg = chart(&[
        "--kind",
        "bridge",
        "scenarios/medical-imaging.toml",
        "scenarios/medical-imaging-variants.toml#premium",
    ]);
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t == "450,000 CNY"), "{labels:?}");
    assert!(labels.iter().any(|t| t == "420,000 CNY"), "{labels:?}");
    assert!(labels.iter().any(|t| t.contains("(-30,000 CNY)")), "{labels:?}");
    for input in ["price", "unit_variable_cost", "fixed_cost", "demand"] {
        assert!(labels.iter().any(|t| t == input), "row {input}");
    }
}

#[test]
fn bridge_chart_needs_two_scenarios() {
    plan()
        .args(["chart", "--kind", "bridge", "scenarios/medical-imaging.toml"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn optimize_chart_marks_the_optimal_price() {
    // Constant elasticity -1.5, unit cost 6: best price 6 x -1.5 / (1 - 1.5) = 18.
    let svg = chart(&[
        "--kind",
        "optimize",
        "scenarios/ai-api-pricing.toml",
        "--vary",
        "price=6:36",
    ]);
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t.starts_with("best price 18 USD")), "{labels:?}");
    assert!(labels.iter().any(|t| t.starts_with("today 12 USD")), "{labels:?}");
}

#[test]
fn optimize_chart_needs_vary() {
    plan()
        .args(["chart", "--kind", "optimize", "scenarios/ai-api-pricing.toml"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn tornado_chart_puts_price_on_top_with_the_profits_it_reaches() {
    // Price +-20%: (80 - 50) x 10,000 - 50,000 = 250,000 and (120 - 50) x 10,000 - 50,000 = 650,000.
    let svg = chart(&["--kind", "tornado", "scenarios/medical-imaging.toml"]);
    let labels = texts(&svg);
    let first_row = labels
        .iter()
        .position(|t| ["price", "unit_variable_cost", "demand", "fixed_cost"].contains(&t.as_str()))
        .unwrap();
    assert_eq!(labels[first_row], "price", "{labels:?}");
    assert!(labels.iter().any(|t| t == "250,000 CNY"), "{labels:?}");
    assert!(labels.iter().any(|t| t == "650,000 CNY"), "{labels:?}");
    assert!(labels.iter().any(|t| t == "today 450,000 CNY"), "{labels:?}");
}

#[test]
fn grid_chart_draws_the_zero_profit_boundary() {
    let svg = chart(&[
        "--kind",
        "grid",
        "scenarios/medical-imaging.toml",
        "--grid",
        "price=40:120:5",
        "--grid",
        "demand=0:16000:1000",
    ]);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    // 17 prices x 17 demands.
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill").is_some_and(|f| f.starts_with('#')))
        .count();
    assert!(cells >= 17 * 17, "{cells} cells");
    let contour = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("zero-contour"))
        .count();
    assert!(contour > 5, "the zero boundary is drawn");
    // At price 55 and demand 10,000: 5 x 10,000 - 50,000 = 0 exactly, a cell on the boundary.
    assert!(
        svg.contains("demand 10,000, price 55: 0 CNY"),
        "tooltip of the break-even cell"
    );
    assert!(texts(&svg).iter().any(|t| t == "price (CNY)"));
}

#[test]
fn grid_chart_refuses_a_grid_too_large_to_draw() {
    plan()
        .args([
            "chart",
            "--kind",
            "grid",
            "scenarios/medical-imaging.toml",
            "--grid",
            "price=1:1000:1",
            "--grid",
            "demand=1:1000:1",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("too large to draw"));
}

/// The P5, P50 and P95 of profit from `plan simulate` with the same seed.
fn simulated_percentiles(file: &str) -> Vec<f64> {
    let out = plan()
        .args(["simulate", file, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let text = json.to_string();
    assert!(text.contains("profit"));
    let profit = json["statistics"]
        .as_array()
        .and_then(|stats| stats.iter().find(|s| s["metric"] == "profit"))
        .cloned()
        .unwrap_or_else(|| json["statistics"]["profit"].clone());
    ["p5", "p50", "p95"]
        .iter()
        .map(|p| profit[*p].as_f64().unwrap())
        .collect()
}

#[test]
fn histogram_and_cdf_mark_the_percentiles_plan_simulate_prints() {
    let file = "scenarios/medical-imaging-risk.toml";
    let wanted = simulated_percentiles(file);
    for kind in ["histogram", "cdf"] {
        let svg = chart(&["--kind", kind, file]);
        let labels = texts(&svg);
        for (name, value) in ["P5", "P50", "P95"].iter().zip(&wanted) {
            // The label rounds to the cent, as the table does.
            let cents = format!("{:.2}", value);
            let (whole, fraction) = cents.split_once('.').unwrap();
            let grouped: String = whole
                .chars()
                .rev()
                .collect::<Vec<_>>()
                .chunks(3)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(",")
                .chars()
                .rev()
                .collect();
            let expected = format!("{name} {grouped}.{fraction} CNY");
            assert!(labels.contains(&expected), "{kind}: {expected} not in {labels:?}");
        }
    }
}

#[test]
fn histogram_of_a_scenario_without_uncertainty_is_refused() {
    plan()
        .args(["chart", "--kind", "histogram", "scenarios/medical-imaging.toml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("no `[uncertainty]` table"));
}

/// A scenario whose profit is capped by capacity in about a fifth of the
/// samples: they all sit at exactly the highest profit, 120,000 USD.
const CAPPED: &str = "currency=\"USD\"\nprice=2.4\nunit_variable_cost=0.9\nfixed_cost=180000\n\
                      demand=150000\ncapacity=200000\n[uncertainty]\ndemand={range={low=100000,high=250000}}\n";

fn chart_stdin(args: &[&str], stdin: &str) -> String {
    let out = plan()
        .arg("chart")
        .args(args)
        .write_stdin(stdin)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// The points of the first `<polyline>` of `class`.
fn polyline(svg: &str, class: &str) -> Vec<(f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let node = doc
        .descendants()
        .find(|n| n.has_tag_name("polyline") && n.attribute("class") == Some(class))
        .expect("a polyline");
    node.attribute("points")
        .unwrap()
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// The y of the tick labelled `label` on the vertical axis (its line, not its text).
fn y_tick(svg: &str, label: &str) -> f64 {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let node = doc
        .descendants()
        .find(|n| n.has_tag_name("text") && n.attribute("class") == Some("tick") && n.text() == Some(label))
        .expect("the tick");
    node.attribute("y").unwrap().parse::<f64>().unwrap() - 4.0
}

#[test]
fn cdf_reaches_100_percent_when_samples_sit_at_the_top_edge() {
    // Regression: the samples at exactly the capped profit (the last edge)
    // were left out, and the curve stopped at 80%.
    let svg = chart_stdin(&["-", "--kind", "cdf"], CAPPED);
    let points = polyline(&svg, "series");
    let (_, last_y) = *points.last().unwrap();
    assert!(
        (last_y - y_tick(&svg, "100")).abs() < 0.2,
        "last point {last_y}, {points:?}"
    );
    // The curve is a distribution function: it never falls.
    assert!(points.windows(2).all(|w| w[1].1 <= w[0].1 + 1e-9), "{points:?}");
}

#[test]
fn histogram_shows_the_spike_at_the_top_edge_and_notes_what_it_leaves_out() {
    let svg = chart_stdin(&["-", "--kind", "histogram"], CAPPED);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let bars: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar-total"))
        // Not the legend's swatch, below the plot.
        .filter(|n| n.attribute("y").unwrap().parse::<f64>().unwrap() < 450.0)
        .map(|n| n.attribute("height").unwrap().parse().unwrap())
        .collect();
    // The last bar holds the spike (about 24%), the tallest by far.
    let last = *bars.last().unwrap();
    assert!(bars[..bars.len() - 1].iter().all(|h| *h * 3.0 < last), "{bars:?}");
    let labels = texts(&svg);
    let note = labels.iter().find(|t| t.starts_with("not drawn:")).expect("a note");
    assert!(note.contains("below") && !note.contains("above"), "{note}");
}

#[test]
fn optimize_chart_at_a_bound_does_not_call_it_best() {
    // Profit keeps rising with price up to 300 CNY, the top of the default range.
    let svg = chart(&[
        "--kind",
        "optimize",
        "scenarios/medical-imaging.toml",
        "--vary",
        "price",
    ]);
    let labels = texts(&svg);
    assert!(
        labels
            .iter()
            .any(|t| t.starts_with("highest at the bound: price 300 CNY")),
        "{labels:?}"
    );
    assert!(!labels.iter().any(|t| t.contains("best")), "{labels:?}");
    assert!(labels.iter().any(|t| t.contains("no interior optimum")), "{labels:?}");
}

#[test]
fn optimize_chart_of_a_flat_profit_marks_no_best_point() {
    // No demand: profit is -100 at every price.
    let text = "price=10\nunit_variable_cost=5\nfixed_cost=100\ndemand=0\n";
    let svg = chart_stdin(&["-", "--kind", "optimize", "--vary", "price=5:20"], text);
    let labels = texts(&svg);
    assert!(!labels.iter().any(|t| t.contains("best ")), "{labels:?}");
    assert!(labels.iter().any(|t| t.contains("at every price")), "{labels:?}");
}

#[test]
fn tornado_chart_refuses_a_step_given_twice_as_plan_sensitivity_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.svg");
    plan()
        .args([
            "chart",
            "scenarios/medical-imaging.toml",
            "--kind",
            "tornado",
            "--steps=-20,-20",
            "-o",
        ])
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("`--steps` gives -20% twice"));
    assert!(!path.exists());
    plan()
        .args([
            "chart",
            "scenarios/medical-imaging.toml",
            "--kind",
            "tornado",
            "--steps=10,nan",
        ])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn breakeven_subtitle_counts_marketing_with_fixed_cost() {
    // fixed_cost 180,000 + marketing spend 30,000.
    let labels = texts(&chart(&["scenarios/ai-api-pay-per-call.toml"]));
    assert!(
        labels
            .iter()
            .any(|t| t.contains("fixed cost incl. marketing 210,000 USD")),
        "{labels:?}"
    );
    let labels = texts(&chart(&["scenarios/medical-imaging.toml"]));
    assert!(
        labels.iter().any(|t| t.contains(", fixed cost 50,000 CNY")),
        "{labels:?}"
    );
}

#[test]
fn a_long_scenario_name_is_cut_in_the_visible_title_and_kept_in_title() {
    let name = "A very long scenario name for a diagnostic imaging service sold to regional hospitals";
    assert_eq!(name.chars().count(), 85);
    let text = format!(
        "name=\"{name}\"\nprice=100\nunit_variable_cost=50\nfixed_cost=50000\ndemand=10000\n\
         [uncertainty]\ndemand={{range={{low=8000,high=12000}}}}\n"
    );
    for kind in ["tornado", "histogram", "cdf", "breakeven"] {
        let svg = chart_stdin(&["-", "--kind", kind], &text);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let title = doc
            .descendants()
            .find(|n| n.has_tag_name("text") && n.attribute("class").is_some_and(|c| c.starts_with("title")))
            .unwrap();
        let visible = title.text().unwrap();
        // 84 characters at 14 px fit the 800 px chart.
        assert!(visible.chars().count() <= 84, "{kind}: {visible}");
        assert!(visible.ends_with('\u{2026}'), "{kind}: {visible}");
        let whole = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
        assert!(whole.text().unwrap().contains(name), "{kind}");
    }
}

/// Labels crossed by a marker line: each label's extent is estimated at 6.8
/// pixels a character (7.4 bold), as the charts lay them out.
fn labels_crossed_by_lines(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let number = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let lines: Vec<(f64, f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("line") && matches!(n.attribute("class"), Some("marker" | "capacity")))
        .filter(|n| number(n, "x1") == number(n, "x2"))
        .map(|n| {
            (
                number(&n, "x1"),
                number(&n, "y1").min(number(&n, "y2")),
                number(&n, "y1").max(number(&n, "y2")),
            )
        })
        .collect();
    let mut crossed = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let class = n.attribute("class").unwrap_or_default();
        if class != "label" && class != "label-strong" {
            continue;
        }
        let text = n.text().unwrap_or_default();
        let width = text.chars().count() as f64 * if class == "label" { 6.8 } else { 7.4 };
        let (x, y) = (number(&n, "x"), number(&n, "y"));
        let (a, b) = match n.attribute("text-anchor") {
            Some("end") => (x - width, x),
            Some("middle") => (x - width / 2.0, x + width / 2.0),
            _ => (x, x + width),
        };
        if lines
            .iter()
            .any(|(lx, top, bottom)| *lx > a && *lx < b && *top < y && *bottom > y - 12.0)
        {
            crossed.push(text.to_string());
        }
    }
    crossed
}

#[test]
fn marker_lines_do_not_cross_labels() {
    // Regression: the optimum's line ran through today's label, and the
    // today line through the break-even label.
    for args in [
        &[
            "--kind",
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price=6:36",
        ][..],
        &["scenarios/ai-api-pay-per-call.toml"][..],
        &["scenarios/medical-imaging.toml"][..],
        &[
            "--kind",
            "optimize",
            "scenarios/medical-imaging.toml",
            "--vary",
            "price",
        ][..],
        &["--kind", "histogram", "scenarios/medical-imaging-risk.toml"][..],
        &["--kind", "cdf", "scenarios/medical-imaging-risk.toml"][..],
    ] {
        let crossed = labels_crossed_by_lines(&chart(args));
        assert!(crossed.is_empty(), "{args:?}: {crossed:?}");
    }
}

#[test]
fn a_profit_that_never_varies_is_drawn_as_one_bar_on_a_readable_axis() {
    // Demand 100 below every capacity drawn: profit is always
    // (100 - 50) x 100 - 50,000 = -45,000.
    let constant = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 100\ncapacity = 1500\n\
                    [uncertainty]\ncapacity = { uniform = { min = 1000, max = 2000 } }\n";
    let svg = chart_stdin(&["-", "--kind", "histogram", "--samples", "1000"], constant);
    let ticks: Vec<String> = texts(&svg).into_iter().filter(|t| t.ends_with('k')).collect();
    let distinct: std::collections::BTreeSet<&String> = ticks.iter().collect();
    assert!(distinct.len() >= 3, "the axis ticks differ: {ticks:?}");
    assert!(texts(&svg).iter().any(|t| t == "P50 -45,000"), "{:?}", texts(&svg));

    // One sample: the cumulative curve steps from 0% to 100% at it.
    let svg = chart(&["scenarios/medical-imaging-risk.toml", "--kind", "cdf", "--samples", "1"]);
    assert!(
        texts(&svg).iter().any(|t| t.starts_with("1 sample,")),
        "{:?}",
        texts(&svg)
    );
    let points = polyline(&svg, "series");
    assert!((points.first().unwrap().1 - y_tick(&svg, "0")).abs() < 0.2);
    assert!((points.last().unwrap().1 - y_tick(&svg, "100")).abs() < 0.2);
}

#[test]
fn a_bridge_between_currencies_labels_each_profit_in_its_own_and_converts_nothing() {
    let svg = chart(&[
        "--kind",
        "bridge",
        "scenarios/medical-imaging.toml",
        "scenarios/saas-subscription.toml",
    ]);
    let all = texts(&svg).join("\n");
    assert!(all.contains("450,000 CNY"), "{all}");
    assert!(all.contains("6,620 EUR"), "{all}");
    // 6,620 - 450,000 = -443,380: a change between unlike amounts, no currency.
    assert!(all.contains("(-443,380)"), "{all}");
    assert!(!all.contains("443,380 CNY") && !all.contains("443,380 EUR"), "{all}");
}
