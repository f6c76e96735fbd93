//! `plan optimize`: the command line, its formats, its errors and its exit codes.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// demand = 6,400 x p^-2, unit cost 4, fixed cost 200: best price 4 x -2 / (1 - 2) = 8.
const ELASTIC: &str = "price = 1\nunit_variable_cost = 4\nfixed_cost = 200\ndemand = 6400\n\
                       [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\n";

fn json(args: &[&str], stdin: &str) -> Value {
    let out = plan()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn constant_elasticity_price_optimum_is_8_selling_100_units() {
    let v = json(&["optimize", "-", "--vary", "price=4:16", "-f", "json"], ELASTIC);
    let optimum = v["variables"][0]["optimum"].as_f64().unwrap();
    assert!((optimum - 8.0).abs() < 1e-6, "{optimum}");
    // (8 - 4) x 6,400 / 64 - 200 = 200.
    assert!((v["value"].as_f64().unwrap() - 200.0).abs() < 1e-9);
    assert!((v["at_optimum"]["results"]["units_sold"].as_f64().unwrap() - 100.0).abs() < 1e-4);
    assert_eq!(v["interior"], true);
    assert_eq!(v["variables"][0]["binding"], "interior");
    assert_eq!(v["variables"][0]["check"]["passed"], true);
    assert_eq!(v["metric"], "profit");
}

#[test]
fn hill_spend_optimum_is_40_000_where_the_last_unit_of_spend_pays_one_for_one() {
    // s* = sqrt(50 x 10,000 x 0.5 x 10,000) - 10,000 = 40,000 (see the unit test for the working).
    let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
                [marketing]\nspend = 0\nresponse = \"hill\"\nmax_uplift = 0.5\nhalf_saturation_spend = 10000\n";
    let v = json(&["optimize", "-", "--vary", "marketing.spend", "-f", "json"], text);
    assert!((v["variables"][0]["optimum"].as_f64().unwrap() - 40_000.0).abs() < 0.01);
    assert_eq!(v["default_ranges"][0], "marketing.spend");
    // Default range: 0 to 50 x 10,000 x 0.5 = 250,000.
    assert_eq!(v["variables"][0]["upper"], 250_000.0);
}

#[test]
fn demand_that_ignores_price_says_there_is_no_interior_optimum() {
    plan()
        .args(["optimize", "scenarios/medical-imaging.toml", "--vary", "price=60:200"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No interior optimum"))
        .stdout(predicate::str::contains("demand here ignores price"));
}

#[test]
fn shipped_scenario_answers_18_and_its_linear_variant_13() {
    // Constant elasticity: 6 x -1.5 / (1 - 1.5) = 18. Linear through (12, 50,000) with elasticity -1.5:
    // demand reaches 0 at 12 x (1 + 1 / 1.5) = 20, so the best price is (20 + 6) / 2 = 13.
    let v = json(
        &[
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "-f",
            "json",
        ],
        "",
    );
    assert!((v["variables"][0]["optimum"].as_f64().unwrap() - 18.0).abs() < 1e-6);
    let v = json(
        &[
            "optimize",
            "scenarios/ai-api-pricing.toml#linear",
            "--vary",
            "price",
            "-f",
            "json",
        ],
        "",
    );
    assert!((v["variables"][0]["optimum"].as_f64().unwrap() - 13.0).abs() < 1e-6);
    assert_eq!(v["variant"], "linear");
}

#[test]
fn inelastic_demand_names_the_elasticity_as_the_reason() {
    let text = ELASTIC.replace("-2", "-0.5");
    let v = json(&["optimize", "-", "--vary", "price=4:16", "-f", "json"], &text);
    assert_eq!(v["interior"], false);
    assert_eq!(v["variables"][0]["binding"], "upper_bound");
    let notes = v["notes"].to_string();
    assert!(notes.contains("between -1 and 0"), "{notes}");
}

#[test]
fn csv_has_one_row_per_varied_input() {
    let out = plan()
        .args([
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "--vary",
            "marketing.spend",
        ])
        .args(["-f", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("name,source,variant,metric,input,lower,upper"));
    assert!(lines[1].contains(",price,6,36,true,12,"), "{}", lines[1]);
    assert!(lines[2].contains(",marketing.spend,0,"), "{}", lines[2]);
}

#[test]
fn output_goes_to_the_file_and_not_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("optimum.md");
    plan()
        .args([
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "-f",
            "markdown",
            "-o",
        ])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("## AI API pricing"), "{text}");
    assert!(text.contains("```text"));
}

#[test]
fn another_metric_can_be_maximised() {
    // Revenue p x 6,400 p^-2 = 6,400 / p falls with price: the best is the lowest price searched.
    let v = json(
        &[
            "optimize",
            "-",
            "--vary",
            "price=4:16",
            "--maximize",
            "revenue",
            "-f",
            "json",
        ],
        ELASTIC,
    );
    assert_eq!(v["metric"], "revenue");
    assert_eq!(v["variables"][0]["optimum"], 4.0);
    assert_eq!(v["variables"][0]["binding"], "lower_bound");
}

#[test]
fn bad_usage_exits_2_with_a_message_naming_the_fix() {
    let cases: &[(&[&str], &str)] = &[
        (&["--vary", "prise"], "did you mean `price`?"),
        (&["--vary", "price=5:1"], "must be below the upper bound"),
        (&["--vary", "price=a:5"], "is not a finite number"),
        (&["--vary", "price=-1:5"], "must be at least 0"),
        (&["--vary", "demand_curve.elasticity=-1:2"], "must be at most 0"),
        (&["--vary", "price", "--maximize", "proft"], "did you mean `profit`?"),
        (&["--vary", "price", "--vary", "price"], "given twice"),
        (
            &["--vary", "price", "--vary", "fixed_cost", "--vary", "demand"],
            "one or two inputs",
        ),
    ];
    for (args, message) in cases {
        plan()
            .args(["optimize", "scenarios/ai-api-pricing.toml"])
            .args(*args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(*message));
    }
    plan()
        .args(["optimize", "scenarios/ai-api-pricing.toml"])
        .assert()
        .code(2);
}

#[test]
fn a_bad_scenario_exits_1_pointing_at_the_line() {
    let text = "price = 1\nunit_variable_cost = 4\nfixed_cost = 200\ndemand = 6400\n\
                [marketing]\nuplift = 0.5\nresponse = \"hill\"\nmax_uplift = 1\nhalf_saturation_spend = 1\n";
    plan()
        .args(["optimize", "-", "--vary", "price"])
        .write_stdin(text)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("both set the uplift"))
        .stderr(predicate::str::contains("<stdin>:6"));
    plan()
        .args(["optimize", "no-such-file.toml", "--vary", "price"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "cannot read scenario file `no-such-file.toml`",
        ));
}

#[test]
fn evaluate_shows_the_demand_and_uplift_the_curves_produce() {
    // At price 12 demand is the file's 50,000; uplift 0.6 x 20,000^1.5 / (20,000^1.5 + 25,000^1.5)
    // = 0.6 x 2,828,427 / (2,828,427 + 3,952,847) = 0.25026.
    let out = plan()
        .args(["evaluate", "scenarios/ai-api-pricing.toml", "-f", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["results"]["base_demand"], 50_000.0);
    assert!((v["results"]["uplift"].as_f64().unwrap() - 0.25026).abs() < 1e-5);
    assert_eq!(v["inputs"]["demand_curve"]["elasticity"], -1.5);
    plan()
        .args(["evaluate", "scenarios/ai-api-pricing.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demand_curve.elasticity"))
        .stdout(predicate::str::contains("marketing.half_saturation_spend"));
}

#[test]
fn shipped_scenario_price_optimum_table() {
    let out = plan()
        .args(["optimize", "scenarios/ai-api-pricing.toml", "--vary", "price"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn shipped_scenario_price_and_spend_optimum_markdown() {
    let out = plan()
        .args([
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "--vary",
            "marketing.spend",
        ])
        .args(["-f", "markdown"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn seed_scenario_without_curves_table() {
    let out = plan()
        .args(["optimize", "scenarios/medical-imaging.toml", "--vary", "price"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

fn table(args: &[&str], stdin: &str) -> String {
    let out = plan()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Regression: the "between -1 and 0, a higher price always earns more" reason
/// was given for linear demand too, whose profit turns down before the choke price.
#[test]
fn a_bound_on_linear_demand_is_not_blamed_on_inelastic_demand() {
    // Q = 1,000 (1 - 0.5 (p - 10) / 10) = 1,500 - 50 p: best price (30 + 4) / 2 = 17, above the bound 12.
    let text = "price = 10\nunit_variable_cost = 4\nfixed_cost = 100\ndemand = 1000\n\
                [demand_curve]\nkind = \"linear\"\nelasticity = -0.5\n";
    let out = table(&["optimize", "-", "--vary", "price=4:12"], text);
    assert!(out.contains("No interior optimum"), "{out}");
    assert!(!out.contains("always earns more"), "{out}");
    let best = json(&["optimize", "-", "--vary", "price", "-f", "json"], text);
    assert!((best["variables"][0]["optimum"].as_f64().unwrap() - 17.0).abs() < 1e-6);
}

#[test]
fn unit_elasticity_explains_why_a_higher_price_always_earns_more() {
    // Elasticity -1: revenue 6,400 at every price, cost 4 x 6,400 / p falls with p.
    let out = table(
        &["optimize", "-", "--vary", "price=4:12"],
        &ELASTIC.replace("elasticity = -2", "elasticity = -1"),
    );
    assert!(out.contains("No interior optimum"), "{out}");
    assert!(
        out.contains("with elasticity -1 revenue is the same at every price"),
        "{out}"
    );
}

/// Regression: with no unit cost, profit 6,400 x 1 / p - 200 grows without limit as the
/// price falls toward 0, and the lowest price was presented as a real answer.
#[test]
fn a_free_product_on_an_elastic_curve_has_no_best_price() {
    let v = json(
        &["optimize", "-", "--vary", "price", "-f", "json"],
        &ELASTIC.replace("unit_variable_cost = 4", "unit_variable_cost = 0"),
    );
    assert_eq!(v["variables"][0]["binding"], "lower_bound");
    assert_eq!(v["interior"], false);
    let notes = v["notes"].to_string();
    assert!(notes.contains("the model has no best price"), "{notes}");
    assert!(notes.contains("cannot go lower"), "{notes}");
}

#[test]
fn spend_without_a_hill_curve_says_it_only_adds_cost() {
    let out = table(&["optimize", "-", "--vary", "marketing.spend"], ELASTIC);
    assert!(out.contains("Best: `marketing.spend` = 0"), "{out}");
    assert!(
        out.contains("(no `[marketing]`), so `marketing.spend` only adds cost"),
        "{out}"
    );
    let out = table(
        &[
            "optimize",
            "scenarios/medical-imaging-campaign.toml",
            "--vary",
            "marketing.spend",
        ],
        "",
    );
    assert!(
        out.contains("(a fixed `uplift`), so `marketing.spend` only adds cost"),
        "{out}"
    );
}

#[test]
fn linear_demand_that_is_zero_over_the_whole_range_says_nothing_sells() {
    // Q = 6,400 (1 - (p - 1)) reaches 0 at price 2, below the unit cost 4.
    let out = table(
        &["optimize", "-", "--vary", "price"],
        &ELASTIC
            .replace("constant_elasticity", "linear")
            .replace("elasticity = -2", "elasticity = -1"),
    );
    assert!(out.contains("does not change with `price`"), "{out}");
    assert!(
        out.contains("the linear demand curve reaches 0 at price 2, at or below the unit variable cost 4"),
        "{out}"
    );
}

/// Regression: the price-bound reasons, which are about profit, were given for any
/// metric: maximising the profit margin claimed the best price 18 lay above a range
/// that reached 36.
#[test]
fn the_reason_for_a_price_bound_is_given_only_for_profit() {
    let out = table(
        &[
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "--maximize",
            "profit_margin",
        ],
        "",
    );
    assert!(out.contains("No interior optimum"), "{out}");
    assert!(!out.contains("lies above the range"), "{out}");
}

#[test]
fn a_usage_error_shows_the_optimize_usage_line() {
    plan()
        .args([
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "--vary",
            "price",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("is given twice"))
        .stderr(predicate::str::contains("Usage: plan optimize"));
}

/// Regression: with a flat metric the summary said there was no optimum, but the
/// table's column, the curve's marker and the chart still called a point "optimum".
#[test]
fn a_flat_metric_marks_no_point_as_the_optimum() {
    // Linear demand through (10, 1,000) with elasticity -0.5 reaches 0 at price 30: nothing sells on 35:50.
    let text = "price = 10\nunit_variable_cost = 4\nfixed_cost = 100\ndemand = 1000\n\
                [demand_curve]\nkind = \"linear\"\nelasticity = -0.5\n";
    let out = table(&["optimize", "-", "--vary", "price=35:50"], text);
    assert!(out.contains("no optimum to report"), "{out}");
    assert!(out.contains("At price = 35"), "{out}");
    assert!(
        !out.contains("optimum │") && !out.contains("◀ optimum") && !out.contains("▲"),
        "{out}"
    );
    // Today (10) lies outside the range drawn: no △ in the legend either.
    assert!(!out.contains("△"), "{out}");
    assert!(out.contains("the linear demand curve reaches 0 at price 30"), "{out}");
}

#[test]
fn a_vast_range_finds_the_spend_the_default_range_finds_and_never_worse_than_today() {
    // `scenarios/ai-api-pricing.toml`: the Hill response peaks at a spend of
    // about 51,208 (profit 263,008.48); today's 20,000 earns 235,076.88.
    let out = |range: &str| {
        json(
            &[
                "optimize",
                "scenarios/ai-api-pricing.toml",
                "--vary",
                range,
                "--format",
                "json",
            ],
            "",
        )
    };
    let default = out("marketing.spend");
    let vast = out("marketing.spend=0:1e20");
    let best = |v: &Value| v["variables"][0]["optimum"].as_f64().unwrap();
    assert!(
        (best(&vast) - best(&default)).abs() < 1.0,
        "{} vs {}",
        best(&vast),
        best(&default)
    );
    assert!((best(&vast) - 51_208.0).abs() < 1.0);
    assert_eq!(vast["variables"][0]["binding"], "interior");
}

#[test]
fn operating_leverage_near_zero_profit_is_no_maximum_not_a_huge_one() {
    plan()
        .args([
            "optimize",
            "scenarios/ai-api-pricing.toml",
            "--vary",
            "price",
            "--maximize",
            "operating_leverage",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("`operating_leverage` has no maximum"));
}

#[test]
fn the_checks_and_curve_read_without_binary_noise() {
    // Seed case, price 50 to 150: profit rises to the bound 150; the check
    // one step (0.01) below is (149.99 - 50) x 10,000 - 50,000 = 949,900.
    let v = json(
        &[
            "optimize",
            "scenarios/medical-imaging.toml",
            "--vary",
            "price=50:150",
            "-f",
            "json",
        ],
        "",
    );
    let check = &v["variables"][0]["check"];
    assert_eq!(check["step"], 0.01);
    assert_eq!(check["below"], 949_900.0);
}
