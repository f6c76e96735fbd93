//! `plan sensitivity`: exit codes, output formats, files, and snapshots of the
//! shipped scenarios.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const SEED: &str = "scenarios/medical-imaging.toml";

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn json(args: &[&str], stdin: Option<&str>) -> Value {
    let mut cmd = plan();
    cmd.args(args).args(["--format", "json"]);
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn find<'a>(rows: &'a Value, input: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["input"] == input)
        .unwrap_or_else(|| panic!("no row for {input}"))
}

/// Profit of a scenario file text, evaluated by `plan evaluate`.
fn profit_of(text: &str) -> f64 {
    let v = json(&["evaluate", "-"], Some(text));
    v["results"]["profit"].as_f64().unwrap()
}

#[test]
fn shipped_scenarios_render_as_tables_and_markdown() {
    insta::glob!("../scenarios", "*.toml", |path| {
        for format in ["table", "markdown"] {
            let out = plan()
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args([
                    "sensitivity",
                    &format!("scenarios/{}", path.file_name().unwrap().to_string_lossy()),
                ])
                .args(["--format", format])
                .assert()
                .success()
                .get_output()
                .stdout
                .clone();
            insta::assert_snapshot!(format, String::from_utf8(out).unwrap());
        }
    });
}

#[test]
fn seed_derivatives_are_the_articles() {
    let v = json(&["sensitivity", SEED], None);
    // dProfit/dprice = units = 10,000; dProfit/ddemand = price - cost = 50.
    assert_eq!(find(&v["derivatives"], "price")["derivative"], 10_000.0);
    assert_eq!(find(&v["derivatives"], "demand")["derivative"], 50.0);
    assert_eq!(find(&v["derivatives"], "price")["side"], "central");
    assert_eq!(find(&v["derivatives"], "marketing.spend")["side"], "right");
}

#[test]
fn seed_break_even_values_re_evaluate_to_zero_profit() {
    let v = json(&["sensitivity", SEED], None);
    let rows = &v["break_even"];
    // price 55 (-45%), unit cost 95 (+90%), fixed cost 500,000 (+900%), demand 1,000 (-90%).
    for (input, value, percent) in [
        ("price", 55.0, -45.0),
        ("unit_variable_cost", 95.0, 90.0),
        ("fixed_cost", 500_000.0, 900.0),
        ("demand", 1_000.0, -90.0),
    ] {
        let row = find(rows, input);
        let got = row["break_even"].as_f64().unwrap();
        assert!((got - value).abs() <= 1e-9 * value, "{input}: {got}");
        assert!((row["headroom_percent"].as_f64().unwrap() - percent).abs() < 1e-9);
    }
    // Spend is 0 today: headroom as an amount, 450,000, and no percentage.
    let spend = find(rows, "marketing.spend");
    assert!((spend["headroom"].as_f64().unwrap() - 450_000.0).abs() < 1e-6);
    assert_eq!(spend["headroom_percent"], Value::Null);
    // Uplift: none, and why.
    let uplift = find(rows, "marketing.uplift");
    assert_eq!(uplift["break_even"], Value::Null);
    assert!(uplift["why_none"].as_str().unwrap().contains("stays above 0"));

    // Re-evaluate the scenario at each answer with `plan evaluate`.
    let base = std::fs::read_to_string(SEED).unwrap();
    for (key, input) in [
        ("price", "price"),
        ("unit_variable_cost", "unit_variable_cost"),
        ("demand", "demand"),
    ] {
        let value = find(rows, input)["break_even"].as_f64().unwrap();
        let text = base
            .lines()
            .map(|l| {
                if l.starts_with(key) {
                    format!("{key} = {value:?}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let p = profit_of(&text);
        assert!(p.abs() <= 1e-9 * 450_000.0, "{input} = {value}: profit {p}");
    }
}

#[test]
fn one_way_rows_follow_the_steps_and_sort_by_swing() {
    let v = json(&["sensitivity", SEED, "--steps=-30,-15,15,30"], None);
    assert_eq!(v["steps_percent"], serde_json::json!([-30.0, -15.0, 15.0, 30.0]));
    let rows = v["one_way"].as_array().unwrap();
    assert_eq!(rows[0]["input"], "price");
    // Price -30%: (70 - 50) x 10,000 - 50,000 = 150,000.
    assert_eq!(rows[0]["points"][0]["profit"], 150_000.0);
    let swings: Vec<f64> = rows.iter().map(|r| r["swing"].as_f64().unwrap()).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    // The same steps written after a space, and the default when none are given.
    let spaced = json(&["sensitivity", SEED, "--steps", "-30,-15,15,30"], None);
    assert_eq!(spaced["steps_percent"], v["steps_percent"]);
    let default = json(&["sensitivity", SEED], None);
    assert_eq!(default["steps_percent"], serde_json::json!([-20.0, -10.0, 10.0, 20.0]));
}

#[test]
fn steps_must_be_finite_numbers() {
    // Bad usage, as every malformed flag is: exit 2, naming the flag.
    plan()
        .args(["sensitivity", SEED, "--steps", "10,inf"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`inf` is not a finite number of percent"))
        .stderr(predicate::str::contains("--steps"));
    plan()
        .args(["sensitivity", SEED, "--steps", "ten"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`ten` is not a finite number of percent"));
}

#[test]
fn a_repeated_step_is_bad_usage_not_a_duplicate_csv_column() {
    plan()
        .args(["sensitivity", SEED, "--steps=5,5", "-f", "csv"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`--steps` gives +5% twice"));
}

#[test]
fn csv_step_columns_are_plain_names_without_thousands_separators() {
    // Regression: a step of 1000% was a quoted column `"profit_at_+1,000%"`.
    let csv = String::from_utf8(
        plan()
            .args(["sensitivity", SEED, "--steps=-20.5,1000", "-f", "csv"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with("profit_at_-20.5%,profit_at_+1000%,break_even_units_at_-20.5%,break_even_units_at_+1000%"),
        "{header}"
    );
    // Price +1000% is 1,100: (1,100 - 50) x 10,000 - 50,000 = 10,450,000.
    let price = csv.lines().find(|l| l.starts_with("price,")).unwrap();
    assert!(price.contains(",10450000,"), "{price}");
}

#[test]
fn a_step_that_overflows_is_not_called_below_the_minimum() {
    // Regression: 100 + 100 x 1e308 / 100 overflows, and the note said the
    // step took price below its minimum of 0.
    plan()
        .args(["sensitivity", SEED, "--steps=1e308"])
        .assert()
        .success()
        .stdout(predicate::str::contains("below its minimum").not())
        .stdout(predicate::str::contains(
            "`price`: step +1.000e308% would take it beyond what the model can compute",
        ));
}

#[test]
fn csv_has_one_row_per_input_with_every_figure() {
    plan()
        .args(["sensitivity", SEED, "-f", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "input,value,derivative,derivative_side,elasticity,break_even_value,headroom,headroom_percent,swing,profit_at_-20%",
        ))
        .stdout(predicate::str::contains("\nprice,100,10000,central,"))
        .stdout(predicate::str::contains("\nmarketing.uplift,0,500000,right,0,,,,0,"));
}

#[test]
fn a_capacity_exactly_at_demand_is_a_kink_and_says_which_side_is_shown() {
    let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\ncapacity = 10000\n";
    let v = json(&["sensitivity", "-"], Some(text));
    let d = find(&v["derivatives"], "demand");
    assert_eq!(d["kink"], true);
    assert_eq!(d["left"], 50.0);
    assert_eq!(d["right"], 0.0);
    plan()
        .args(["sensitivity", "-"])
        .write_stdin(text)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "`demand`: profit has a kink at today's value (capacity starting to bind, say): the slope is 50 for a decrease and 0 for an increase; the increase side is shown",
        ))
        .stdout(predicate::str::contains("increase (kink)"));
}

#[test]
fn grid_csv_is_a_matrix_with_both_ends_included() {
    plan()
        .args([
            "sensitivity",
            SEED,
            "--grid",
            "price=80:120:20",
            "--grid",
            "demand=8000:16000:4000",
        ])
        .args(["-f", "csv"])
        .assert()
        .success()
        // (80 - 50) x 8,000 - 50,000 = 190,000; (120 - 50) x 16,000 - 50,000 = 1,070,000.
        .stdout(
            "price \\ demand,8000,12000,16000\n\
             80,190000,310000,430000\n\
             100,350000,550000,750000\n\
             120,510000,790000,1070000\n",
        );
}

#[test]
fn grid_with_undefined_cells_is_null_in_json_empty_in_csv_and_explained() {
    let args = [
        "sensitivity",
        SEED,
        "--grid",
        "price=40:60:10",
        "--grid",
        "demand=1000:2000:1000",
        "--metric",
        "break_even_units",
    ];
    let v = json(&args, None);
    assert_eq!(v["metric"], "break_even_units");
    assert_eq!(v["rows"]["values"], serde_json::json!([40.0, 50.0, 60.0]));
    assert_eq!(v["columns"]["input"], "demand");
    // Price 40 and 50 do not exceed the unit cost of 50; at 60: 50,000 / 10 = 5,000.
    assert_eq!(
        v["values"],
        serde_json::json!([[null, null], [null, null], [5000.0, 5000.0]])
    );
    assert_eq!(v["undefined_cells"], 4);
    plan()
        .args(args)
        .args(["-f", "csv"])
        .assert()
        .success()
        .stdout("price \\ demand,1000,2000\n40,,\n50,,\n60,5000,5000\n");
    plan()
        .args(args)
        .assert()
        .success()
        .stdout(predicate::str::contains("4 of 6 cells have no `break_even_units`"))
        .stdout(predicate::str::contains("below the unit variable cost"));
}

#[test]
fn grid_markdown_names_both_inputs() {
    let out = plan()
        .args([
            "sensitivity",
            SEED,
            "--grid",
            "price=90:110:10",
            "--grid",
            "fixed_cost=0:100000:50000",
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
fn a_grid_above_the_cell_limit_is_refused_before_any_work() {
    plan()
        .args([
            "sensitivity",
            SEED,
            "--grid",
            "price=0:2999:1",
            "--grid",
            "demand=0:2999:1",
        ])
        .args(["-f", "csv"])
        .timeout(std::time::Duration::from_secs(5))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "a grid of 9,000,000 cells is above the limit of 4,000,000",
        ));
}

#[test]
fn bad_grids_are_usage_errors_that_say_what_is_wrong() {
    plan()
        .args([
            "sensitivity",
            SEED,
            "--grid",
            "price=80:121:5",
            "--grid",
            "demand=1:2:1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("do not land on 121; the nearest end is 120"));
    plan()
        .args(["sensitivity", SEED, "--grid", "pric=80:120:5", "--grid", "demand=1:2:1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `price`?"))
        .stderr(predicate::str::contains("`marketing.spend` and `marketing.uplift`"));
    plan()
        .args(["sensitivity", SEED, "--grid", "price=-5:10:5", "--grid", "demand=1:2:1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`price` must be at least 0"));
    plan()
        .args(["sensitivity", SEED, "--grid", "price=80:120:5"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`--grid` takes two axes"));
    plan()
        .args(["sensitivity", SEED, "--grid", "price=80:120:5", "--grid", "price=1:2:1"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("both grid axes vary `price`"));
    // Regression: an elasticity range past its maximum of 0 was evaluated.
    plan()
        .args([
            "sensitivity",
            "scenarios/ai-api-pricing.toml",
            "--grid",
            "demand_curve.elasticity=-2:1:1",
            "--grid",
            "price=10:12:1",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "`demand_curve.elasticity` must be at most 0, but the range ends at 1",
        ));
}

#[test]
fn metric_must_be_a_result_field_and_needs_a_grid() {
    plan()
        .args([
            "sensitivity",
            SEED,
            "--grid",
            "price=80:120:5",
            "--grid",
            "demand=1:2:1",
        ])
        .args(["--metric", "proft"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown metric `proft` (did you mean `profit`?)",
        ));
    plan()
        .args(["sensitivity", SEED, "--metric", "revenue"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--grid"));
}

#[test]
fn output_file_gets_the_grid_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grid.csv");
    plan()
        .args([
            "sensitivity",
            SEED,
            "--grid",
            "price=80:120:5",
            "--grid",
            "demand=8000:16000:1000",
        ])
        .args(["-f", "csv", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // 9 prices x 9 demands, plus the header row and column.
    assert_eq!(lines.len(), 10);
    assert!(lines.iter().all(|l| l.split(',').count() == 10));
    assert!(lines[9].starts_with("120,"));
    assert!(lines[0].ends_with(",16000"));
}

#[test]
fn a_missing_output_folder_fails_before_any_work() {
    plan()
        .args(["sensitivity", SEED, "-o", "no/such/folder/out.txt"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("the folder `no/such/folder` does not exist"));
}

#[test]
fn a_subnormal_input_has_a_finite_slope_and_no_nan_anywhere() {
    let scenario = "price = 100\nunit_variable_cost = 1e-320\nfixed_cost = 50000\ndemand = 10000\n";
    for format in ["table", "json", "csv", "markdown"] {
        plan()
            .args(["sensitivity", "-", "--format", format])
            .write_stdin(scenario)
            .assert()
            .success()
            .stdout(predicate::str::contains("NaN").not())
            .stdout(predicate::str::contains("inf").not());
    }
    let out = plan()
        .args(["sensitivity", "-", "--format", "json"])
        .write_stdin(scenario)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let slope = json["derivatives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["input"] == "unit_variable_cost")
        .unwrap()["derivative"]
        .as_f64()
        .unwrap();
    // dProfit/dUnitCost = -units sold = -10,000.
    assert!((slope + 10_000.0).abs() < 1e-6, "{slope}");
}

#[test]
fn steps_with_a_grid_is_a_usage_error_not_silently_ignored() {
    plan()
        .args([
            "sensitivity",
            SEED,
            "--steps=10",
            "--grid",
            "price=80:120:5",
            "--grid",
            "demand=8000:16000:1000",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn a_grid_over_an_input_the_scenario_lacks_is_refused_not_invented() {
    // Regression: a Hill parameter on a fixed-uplift plan started a Hill
    // curve and dropped the campaign's 50% uplift (profit 450,000, not 700,000).
    for (file, axis) in [
        (
            "scenarios/medical-imaging-campaign.toml",
            "marketing.half_saturation_spend=1000:2000:1000",
        ),
        (SEED, "demand_curve.elasticity=-2:0:1"),
        ("scenarios/ai-api-pricing.toml", "marketing.uplift=0:2:1"),
    ] {
        plan()
            .args([
                "sensitivity",
                file,
                "--grid",
                axis,
                "--grid",
                "price=90:100:10",
                "-f",
                "csv",
            ])
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("grid over `"));
    }
}
