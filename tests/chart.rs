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
