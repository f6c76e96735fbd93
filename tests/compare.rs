//! `plan compare`: many scenarios side by side.

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

#[test]
fn a_file_with_variants_compares_its_base_and_every_variant() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&["compare", VARIANTS, "-f", "json"])).unwrap();
    let names: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Medical imaging diagnosis", "campaign", "premium"]);
    assert_eq!(json["baseline"], "Medical imaging diagnosis");
    assert_eq!(json["scenarios"][0]["against_first"], serde_json::Value::Null);
    // Campaign: 50 x 15,000 - (50,000 + 20,000) = 680,000, +230,000 on 450,000.
    let campaign = &json["scenarios"][1];
    assert_eq!(campaign["results"]["profit"], 680_000.0);
    let profit = campaign["against_first"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "profit")
        .unwrap();
    assert_eq!(profit["change"], 230_000.0);
    // Premium: (130 - 60) x 7,000 - 70,000 = 420,000, -30,000.
    assert_eq!(json["scenarios"][2]["results"]["profit"], 420_000.0);
    assert_eq!(json["scenarios"][2]["variant"], "premium");
}

#[test]
fn table_puts_each_scenario_in_a_column_with_its_change() {
    let table = stdout(&["compare", BASE, CAMPAIGN]);
    let profit = table.lines().find(|l| l.contains("│ Profit ")).unwrap();
    for part in ["450,000 CNY", "700,000 CNY", "+250,000 CNY (+55.6%)"] {
        assert!(profit.contains(part), "{profit}");
    }
}

#[test]
fn csv_is_one_row_per_field_and_scenario() {
    let csv = stdout(&["compare", BASE, CAMPAIGN, "-f", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "section,field,scenario,source,variant,value,change,percent_change"
    );
    // 13 inputs (7 plain, 4 curve parameters, the curve's reference price,
    // target profit) and 23 result fields for each of 2 scenarios.
    assert_eq!(lines.len(), 1 + 2 * (13 + 23));
    assert!(lines.contains(&"result,profit,Medical imaging diagnosis,scenarios/medical-imaging.toml,,450000,,"));
    assert!(lines.contains(
        &"result,profit,\"Medical imaging diagnosis, with campaign\",scenarios/medical-imaging-campaign.toml,,700000,250000,55.55555555555556"
    ));
}

#[test]
fn a_variant_named_with_a_hash_is_one_column() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "compare",
        BASE,
        &format!("{VARIANTS}#premium"),
        "-f",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["scenarios"].as_array().unwrap().len(), 2);
}

#[test]
fn an_unknown_variant_is_an_error_with_nothing_on_stdout() {
    plan()
        .args(["compare", &format!("{VARIANTS}#nope")])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("no variant named `nope`"));
}

#[test]
fn no_file_is_a_usage_error() {
    plan().arg("compare").assert().code(2);
}

#[test]
fn table_snapshot_variants() {
    insta::assert_snapshot!(stdout(&["compare", VARIANTS]));
}

#[test]
fn markdown_snapshot_variants() {
    insta::assert_snapshot!(stdout(&["compare", VARIANTS, "-f", "markdown"]));
}

#[test]
fn a_changed_demand_curve_kind_and_reference_price_are_shown() {
    // Regression: at a price away from the reference price the linear variant
    // sells fewer units, but no input row said why.
    // Constant elasticity: 50,000 x (15/12)^-1.5 = 35,777.09 units; linear:
    // 50,000 x (1 - 1.5 x 3/12) = 31,250.
    let text = "price = 15\nunit_variable_cost = 6\nfixed_cost = 120000\ndemand = 50000\n\
                [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -1.5\nreference_price = 12\n\
                [scenarios.linear]\ndemand_curve = { kind = \"linear\", reference_price = 14 }\n";
    let out = Command::cargo_bin("plan")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["compare", "-"])
        .write_stdin(text)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    let kind = table.lines().find(|l| l.contains("demand_curve.kind")).unwrap();
    for part in ["constant_elasticity", "linear", "changed"] {
        assert!(kind.contains(part), "{kind}");
    }
    let reference = table
        .lines()
        .find(|l| l.contains("demand_curve.reference_price"))
        .unwrap();
    assert!(reference.contains("+2 (+16.7%)"), "{reference}");
}

#[test]
fn a_currency_that_differs_from_the_first_is_warned_in_json_as_in_the_table() {
    let out = plan()
        .args([
            "compare",
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
    assert!(json["scenarios"][0]["against_first"].is_null());
    let warnings = json["scenarios"][1]["against_first"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("is in EUR, Medical imaging diagnosis in CNY")
    );
}
