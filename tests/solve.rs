//! `plan solve`: goal seek from the command line.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const SEED: &str = "scenarios/medical-imaging.toml";
/// The target-profit case: fixed cost 50,000, unit cost 10, price 30.
const TARGET_CASE: &str = "price = 30\nunit_variable_cost = 10\nfixed_cost = 50000\ndemand = 5000\n";

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn answers(args: &[&str], stdin: Option<&str>) -> Vec<Value> {
    let mut cmd = plan();
    cmd.arg("solve").args(args).args(["-f", "json"]);
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["answers"].as_array().unwrap().clone()
}

/// Profit of scenario text with one `key = value` line replaced, by `plan evaluate`.
fn profit_with(text: &str, key: &str, value: f64) -> f64 {
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with(key) {
                format!("{key} = {value:?}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let out = plan()
        .args(["evaluate", "-", "-f", "json"])
        .write_stdin(text)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["results"]["profit"].as_f64().unwrap()
}

#[test]
fn default_target_is_break_even() {
    let a = answers(&[SEED, "--vary", "price"], None);
    // 50 + 50,000 / 10,000 = 55.
    let price = a[0]["value"].as_f64().unwrap();
    assert!((price - 55.0).abs() < 1e-9, "{price}");
    assert_eq!(a[0]["change_percent"], -45.0);
    let text = std::fs::read_to_string(SEED).unwrap();
    assert!(profit_with(&text, "price", price).abs() <= 1e-9 * 450_000.0);
}

#[test]
fn target_profit_case_needs_3500_units_and_a_price_of_24_at_5000() {
    let a = answers(
        &["-", "--target", "profit=20000", "--vary", "demand", "--vary", "price"],
        Some(TARGET_CASE),
    );
    // (50,000 + 20,000) / (30 - 10) = 3,500 units; 10 + 70,000 / 5,000 = 24.
    let demand = a[0]["value"].as_f64().unwrap();
    let price = a[1]["value"].as_f64().unwrap();
    assert!((demand - 3_500.0).abs() < 1e-9, "{demand}");
    assert!((price - 24.0).abs() < 1e-9, "{price}");
    for (key, value) in [("demand", demand), ("price", price)] {
        let p = profit_with(TARGET_CASE, key, value);
        assert!((p - 20_000.0).abs() <= 1e-9 * 20_000.0, "{key}: {p}");
    }
    assert!(a[0]["residual"].as_f64().unwrap().abs() <= 1e-9 * 20_000.0);
}

#[test]
fn any_result_field_can_be_the_target() {
    let a = answers(
        &[SEED, "--target", "margin_of_safety_ratio=0.3", "--vary", "demand"],
        None,
    );
    // (q - 1,000) / q = 0.3 -> q = 1,000 / 0.7 = 1,428.57.
    let q = a[0]["value"].as_f64().unwrap();
    assert!((q - 1_000.0 / 0.7).abs() < 1e-6, "{q}");
    assert!((a[0]["achieved"].as_f64().unwrap() - 0.3).abs() <= 1e-9 * 0.3);
    assert_eq!(a[0]["method"], "bracketing");
}

#[test]
fn an_unreachable_target_says_so_and_exits_1() {
    let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\ncapacity = 8000\n";
    // At most 50 x 8,000 - 50,000 = 350,000, whatever the demand.
    plan()
        .args(["solve", "-", "--target", "profit=1000000", "--vary", "demand"])
        .write_stdin(text)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "no allowed value of `demand` brings `profit` to 1000000: `profit` stays below 1000000 for every `demand` >= 0",
        ))
        .stderr(predicate::str::contains("the highest it gets is 350000"));
}

#[test]
fn several_inputs_give_one_answer_each_and_a_failure_still_exits_1() {
    let out = plan()
        .args([
            "solve",
            SEED,
            "--vary",
            "price",
            "--vary",
            "marketing.uplift",
            "-f",
            "csv",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no allowed value of `marketing.uplift`"))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "input,today,value,change,change_percent,metric,target,achieved,residual,method"
    );
    assert!(lines[1].starts_with("price,100,55,-45,-45,profit,0,"), "{}", lines[1]);
    assert_eq!(lines[2], "marketing.uplift,0,,,,profit,0,,,");
}

#[test]
fn unknown_names_are_usage_errors_that_list_the_valid_ones() {
    plan()
        .args(["solve", SEED, "--vary", "prise"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `price`?"));
    plan()
        .args(["solve", SEED, "--target", "proffit=3", "--vary", "price"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `profit`?"))
        .stderr(predicate::str::contains("`break_even_units`"));
    plan()
        .args(["solve", SEED, "--target", "profit", "--vary", "price"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not `METRIC=VALUE`"));
    plan().args(["solve", SEED]).assert().code(2);
}

#[test]
fn an_unset_capacity_cannot_be_solved_for() {
    plan()
        .args(["solve", SEED, "--vary", "capacity"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("`capacity` is not set in this scenario"));
}

#[test]
fn answers_render_as_tables_and_markdown() {
    for format in ["table", "markdown"] {
        let out = plan()
            .args([
                "solve",
                "-",
                "--target",
                "profit=20000",
                "--vary",
                "demand",
                "--vary",
                "price",
            ])
            .args(["--vary", "unit_variable_cost", "-f", format])
            .write_stdin(TARGET_CASE)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        insta::assert_snapshot!(format, String::from_utf8(out).unwrap());
    }
}

#[test]
fn output_file_gets_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answer.json");
    plan()
        .args(["solve", SEED, "--vary", "fixed_cost", "-f", "json", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // 50 x 10,000 = 500,000.
    assert!((v["answers"][0]["value"].as_f64().unwrap() - 500_000.0).abs() < 1e-6);
    assert_eq!(v["metric"], "profit");
    assert_eq!(v["target"], 0.0);
}

#[test]
fn change_percent_of_a_negative_input_has_the_sign_of_the_change() {
    // Regression: (value - today) / today flipped the sign for an elasticity.
    // Demand 10,000 x (100 / 80)^e; profit 50 x that - 50,000 = 0 at
    // 1.25^e = 0.1, e = ln 0.1 / ln 1.25 = -10.319: a fall of 9.319 from -1,
    // -931.9% of |-1|.
    let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
                [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -1\nreference_price = 80\n";
    let a = answers(&["-", "--vary", "demand_curve.elasticity"], Some(text));
    let e = 0.1f64.ln() / 1.25f64.ln();
    assert!((a[0]["value"].as_f64().unwrap() - e).abs() < 1e-9);
    assert!((a[0]["change_percent"].as_f64().unwrap() - (e + 1.0) * 100.0).abs() < 1e-6);
}

#[test]
fn a_target_reached_exactly_at_the_minimum_is_an_answer() {
    // Regression: break-even units of 0 need fixed cost 0 (0 / 50); it was
    // reported as "jumps across 0 without reaching it" with exit 1.
    let a = answers(&[SEED, "--target", "break_even_units=0", "--vary", "fixed_cost"], None);
    assert_eq!(a[0]["value"].as_f64(), Some(0.0));
    assert_eq!(a[0]["change_percent"].as_f64(), Some(-100.0));
}

#[test]
fn a_hill_parameter_is_never_answered_with_0_which_the_file_would_refuse() {
    // ai-api-pricing: uplift = 0.6 x s^1.5 / (s^1.5 + h^1.5). Profit 340,000
    // needs the full 0.6 uplift at a spend of 20,000: only as h -> 0.
    for (target, input) in [
        ("profit=340000", "marketing.half_saturation_spend"),
        ("profit=250000", "marketing.shape"),
    ] {
        plan()
            .args([
                "solve",
                "scenarios/ai-api-pricing.toml",
                "--target",
                target,
                "--vary",
                input,
            ])
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "only as `{input}` approaches 0, which it may not reach"
            )));
    }
    // A reachable target is still found, above 0: 6 x 50,000 x (1 + u) -
    // 140,000 = 240,000 needs u = 0.2667, so s^1.5 / (s^1.5 + h^1.5) = 4/9 and
    // h = 20,000 x 1.25^(2/3) = 23,207.94.
    plan()
        .args([
            "solve",
            "scenarios/ai-api-pricing.toml",
            "--target",
            "profit=240000",
            "--vary",
            "marketing.half_saturation_spend",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("23,207.94 USD"));
}

#[test]
fn an_input_varied_twice_is_a_usage_error() {
    plan()
        .args(["solve", SEED, "--vary", "price", "--vary", "price"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`--vary price` is given twice"));
}
