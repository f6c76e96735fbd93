//! `plan diff`: what changed between two plans, and why.

use assert_cmd::Command;
use predicates::prelude::*;

const BASE: &str = "scenarios/medical-imaging.toml";
const CAMPAIGN: &str = "scenarios/medical-imaging-campaign.toml";
const VARIANTS: &str = "scenarios/medical-imaging-variants.toml";

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn stdout(args: &[&str]) -> String {
    let out = plan().args(args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// A scenario file in a temporary folder.
fn scenario(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.toml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

const SEED: &str = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";

#[test]
fn the_campaign_adds_250_000_of_profit_all_from_the_uplift() {
    let table = stdout(&["diff", BASE, CAMPAIGN]);
    // 50 x 15,000 - 50,000 = 700,000; +250,000 on 450,000 is +55.6%.
    let profit = table.lines().find(|l| l.contains("│ Profit ")).unwrap();
    for part in ["450,000 CNY", "700,000 CNY", "+250,000 CNY", "+55.6%"] {
        assert!(profit.contains(part), "{profit}");
    }
    let bridge: Vec<&str> = table
        .lines()
        .filter(|l| (l.contains("▓") || l.contains("░")) && !l.contains("increase"))
        .collect();
    assert_eq!(bridge.len(), 1, "{table}");
    assert!(bridge[0].starts_with("marketing.uplift") && bridge[0].contains("+250,000 CNY"));
}

#[test]
fn json_attributes_the_whole_change_to_the_uplift() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&["diff", BASE, CAMPAIGN, "-f", "json"])).unwrap();
    assert_eq!(json["results_differ"], true);
    assert_eq!(json["bridge"]["old"], 450_000.0);
    assert_eq!(json["bridge"]["new"], 700_000.0);
    assert_eq!(json["bridge"]["total"], 250_000.0);
    let parts = json["bridge"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["input"], "marketing.uplift");
    assert_eq!(parts[0]["contribution"], 250_000.0);
    let profit = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "profit")
        .unwrap();
    assert_eq!(profit["change"], 250_000.0);
    // A figure that becomes defined is a change, with no number for it.
    let extra = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "marketing_incremental_units")
        .unwrap();
    assert_eq!(extra["old"], serde_json::Value::Null);
    assert_eq!(extra["new"], 5_000.0);
    assert_eq!(extra["changed"], true);
}

#[test]
fn csv_has_one_row_per_field_and_the_bridge_as_its_own_rows() {
    let csv = stdout(&["diff", BASE, CAMPAIGN, "-f", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,field,old,new,change,percent_change,changed");
    assert!(lines.contains(&"result,profit,450000,700000,250000,55.55555555555556,true"));
    assert!(lines.contains(&"result,marketing_incremental_units,,5000,,,true"));
    assert_eq!(
        lines.last(),
        Some(&"bridge,marketing.uplift,0,0.5,250000,55.55555555555556,true")
    );
    // Every result field has its row.
    assert_eq!(lines.iter().filter(|l| l.starts_with("result,")).count(), 23);
}

#[test]
fn a_plan_against_itself_shows_no_change_and_exits_0() {
    let out = plan().args(["diff", "--exit-code", BASE, BASE]).assert().code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("No result differs (no input differs either)."), "{text}");
    assert!(!text.contains('▓'));
}

#[test]
fn a_changed_plan_exits_1_with_exit_code_and_0_without() {
    plan().args(["diff", "--exit-code", BASE, CAMPAIGN]).assert().code(1);
    plan().args(["diff", BASE, CAMPAIGN]).assert().code(0);
}

#[test]
fn an_error_under_exit_code_exits_2_so_ci_can_tell_it_from_a_change() {
    plan()
        .args(["diff", "--exit-code", BASE, "missing.toml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot read scenario file `missing.toml`"));
    plan().args(["diff", BASE, "missing.toml"]).assert().code(1).stdout("");
}

#[test]
fn hand_worked_bridge_through_the_command_line() {
    // Price 100 -> 120, demand 10,000 -> 8,000, fixed cost 50,000 -> 60,000:
    // 450,000 -> 70 x 8,000 - 60,000 = 500,000. Price 20 x avg(10,000, 8,000)
    // = +180,000; demand -2,000 x avg(50, 70) = -120,000; fixed cost -10,000.
    let (_dir, path) = scenario(&format!(
        "{SEED}[scenarios.new]\nprice = 120\ndemand = 8000\nfixed_cost = 60000\n"
    ));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&["diff", &path, &format!("{path}#new"), "-f", "json"])).unwrap();
    let parts: Vec<(String, f64)> = json["bridge"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["input"].as_str().unwrap().to_string(),
                p["contribution"].as_f64().unwrap(),
            )
        })
        .collect();
    let expected = [("price", 180_000.0), ("fixed_cost", -10_000.0), ("demand", -120_000.0)];
    assert_eq!(parts.len(), 3);
    for ((name, value), (want_name, want)) in parts.iter().zip(expected) {
        assert_eq!(name, want_name);
        assert!((value - want).abs() < 1e-6, "{name}: {value}");
    }
    assert_eq!(json["bridge"]["total"], 50_000.0);
}

#[test]
fn an_unknown_variant_lists_the_variants_there_are() {
    plan()
        .args(["diff", VARIANTS, &format!("{VARIANTS}#premum")])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("no variant named `premum`"))
        .stderr(predicate::str::contains(format!("--> {VARIANTS}")))
        .stderr(predicate::str::contains(
            "did you mean `premium`? the variants in this file are `campaign` and `premium`",
        ));
}

#[test]
fn a_variant_with_an_unknown_key_names_the_file_variant_and_field() {
    let (_dir, path) = scenario(&format!("{SEED}[scenarios.cheap]\nprize = 90\n"));
    plan()
        .args(["diff", &path, &format!("{path}#cheap")])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("in variant `cheap`: unknown field `prize`"))
        .stderr(predicate::str::contains(format!("{path}:6:1")))
        .stderr(predicate::str::contains("did you mean `price`?"));
}

#[test]
fn a_variant_that_makes_a_value_invalid_names_the_file_variant_and_field() {
    let (_dir, path) = scenario(&format!("{SEED}[scenarios.cheap]\nprice = -90\n"));
    plan()
        .args(["diff", &path, &format!("{path}#cheap")])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "in variant `cheap`: `price` must be at least 0, found -90",
        ))
        .stderr(predicate::str::contains(format!("{path}:6:9")));
}

#[test]
fn two_plans_from_stdin_is_an_error() {
    plan()
        .args(["diff", "-", "-"])
        .write_stdin(SEED)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("stdin (`-`) can be read only once"));
}

#[test]
fn a_plan_from_stdin_diffs_against_a_file() {
    plan()
        .args(["diff", "-", BASE, "--exit-code"])
        .write_stdin(format!("currency = \"CNY\"\nperiod = \"month\"\n{SEED}"))
        .assert()
        .code(0);
}

#[test]
fn a_changed_currency_is_a_difference_with_a_warning() {
    let (_dir, path) = scenario(&format!("currency = \"USD\"\nperiod = \"month\"\n{SEED}"));
    plan()
        .args(["diff", "--exit-code", BASE, &path])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("the currency changes from CNY to USD"));
}

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("diff.csv");
    plan()
        .args(["diff", BASE, CAMPAIGN, "-f", "csv", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("section,field,old,new,change,percent_change,changed\n"));
}

#[test]
fn table_snapshot_campaign() {
    insta::assert_snapshot!(stdout(&["diff", BASE, CAMPAIGN]));
}

#[test]
fn table_snapshot_premium_variant() {
    insta::assert_snapshot!(stdout(&["diff", VARIANTS, &format!("{VARIANTS}#premium")]));
}

#[test]
fn markdown_snapshot_campaign_variant() {
    insta::assert_snapshot!(stdout(&[
        "diff",
        VARIANTS,
        &format!("{VARIANTS}#campaign"),
        "-f",
        "markdown"
    ]));
}

#[test]
fn the_bridge_ends_at_the_profits_evaluate_reports_without_binary_noise() {
    // saas-subscription: 49 x 2600 x 1.15 = 146,510 revenue, less 11 x 2,990
    // = 32,890 variable cost and 95,000 + 12,000 fixed: 6,620. Unrounded
    // binary arithmetic gives 6619.999999999985.
    let out = plan()
        .args([
            "diff",
            "scenarios/medical-imaging.toml",
            "scenarios/saas-subscription.toml",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["bridge"]["old"], 450_000.0);
    assert_eq!(json["bridge"]["new"], 6_620.0);
    assert_eq!(json["bridge"]["total"], -443_380.0);
}

#[test]
fn an_overflowing_plan_is_named_once_with_its_cause_once() {
    let out = plan()
        .args(["diff", "-", BASE])
        .write_stdin("price = 1.7e308\nunit_variable_cost = 0\nfixed_cost = 0\ndemand = 10\n")
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .stderr
        .clone();
    let message = String::from_utf8(out).unwrap();
    assert!(
        message.contains("cannot evaluate the old plan: `revenue` overflows"),
        "{message}"
    );
    assert_eq!(message.matches("overflows").count(), 1, "{message}");
}

#[test]
fn a_bridge_mix_the_model_cannot_read_says_why_not_overflow() {
    // The old plan has a constant-elasticity curve; the new one a price of 0
    // and no curve. Both evaluate; the mix "new price on the old curve" has
    // infinite demand, which is no plan at all.
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.toml");
    let new = dir.path().join("new.toml");
    std::fs::write(
        &old,
        "price = 12\nunit_variable_cost = 5\nfixed_cost = 50000\ndemand = 30000\n\
         [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -2\n",
    )
    .unwrap();
    std::fs::write(
        &new,
        "price = 0\nunit_variable_cost = 5\nfixed_cost = 50000\ndemand = 30000\n",
    )
    .unwrap();
    plan()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "demand is infinite (a price of 0 on a constant-elasticity curve)",
        ))
        .stderr(predicate::str::contains("overflows").not());
}
