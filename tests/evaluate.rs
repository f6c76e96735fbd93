//! `plan evaluate` as a user runs it: the real binary, its exit codes, stdout and stderr.

use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const SEED: &str = "scenarios/medical-imaging.toml";
const CAMPAIGN: &str = "scenarios/medical-imaging-campaign.toml";

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("NO_COLOR");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let out = plan().args(args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).unwrap()
}

#[test]
fn seed_case_prints_the_formulas_450_000_not_the_articles_50_000() {
    // 100 x 10,000 - 50,000 - 50 x 10,000 = 450,000; break-even 50,000 / 50 = 1,000.
    let table = stdout_of(&["evaluate", SEED]);
    assert!(table.contains("450,000 CNY"), "{table}");
    assert!(table.contains("Break-even units"));
    assert!(!table.contains("\x1b["), "no colour when stdout is not a terminal");
    let json = json_of(&["evaluate", SEED, "--format", "json"]);
    assert_eq!(json["results"]["profit"], 450_000.0);
    assert_eq!(json["results"]["break_even_units"], 1_000.0);
    assert_eq!(json["results"]["revenue"], 1_000_000.0);
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["source"], SEED);
    assert_eq!(json["inputs"]["price"], 100.0);
}

#[test]
fn campaign_lifts_demand_to_15_000_and_profit_to_700_000() {
    // 10,000 x 1.5 = 15,000; 100 x 15,000 - 50,000 - 50 x 15,000 = 700,000.
    let json = json_of(&["evaluate", CAMPAIGN, "-f", "json"]);
    assert_eq!(json["results"]["units_sold"], 15_000.0);
    assert_eq!(json["results"]["profit"], 700_000.0);
    assert_eq!(json["results"]["marketing_incremental_units"], 5_000.0);
    // No spend: the return on spend is undefined, with a reason.
    assert_eq!(json["results"]["marketing_return_on_spend"], Value::Null);
    let note = &json["notes"][0];
    assert_eq!(note["level"], "undefined");
    assert_eq!(note["fields"][0], "marketing_return_on_spend");
}

#[test]
fn several_files_give_one_column_one_array_element_and_one_csv_row_each() {
    let table = stdout_of(&["evaluate", SEED, CAMPAIGN]);
    assert!(
        table.contains("450,000 CNY") && table.contains("700,000 CNY"),
        "{table}"
    );
    let json = json_of(&["evaluate", SEED, CAMPAIGN, "-f", "json"]);
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[1]["results"]["profit"], 700_000.0);

    let csv = stdout_of(&["evaluate", SEED, CAMPAIGN, "-f", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][column("profit")], "450000");
    assert_eq!(&rows[1][column("profit")], "700000");
    assert_eq!(&rows[0][column("break_even_units")], "1000");
    assert_eq!(&rows[0][column("operating_leverage")], "1.1111111111111112");
    // Undefined and not-applicable figures are empty cells, never inf or NaN.
    assert_eq!(&rows[1][column("marketing_return_on_spend")], "");
    assert!(!csv.contains("inf") && !csv.contains("NaN"));
    // Every header name is unique.
    let mut names: Vec<&str> = header.iter().collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), header.len());
}

#[test]
fn markdown_is_a_pipe_table_with_rounded_figures() {
    let md = stdout_of(&["evaluate", SEED, "-f", "markdown"]);
    assert!(md.starts_with("## Medical imaging diagnosis"), "{md}");
    assert!(md.contains("| Profit | 450,000 CNY |"), "{md}");
    assert!(md.contains("| Margin of safety ratio | 90.0% |"), "{md}");
}

#[test]
fn undefined_figures_are_dashes_nulls_and_empty_cells_with_a_reason() {
    let text = "price = 40\nunit_variable_cost = 50\nfixed_cost = 1000\ndemand = 10\n";
    let out = plan().args(["evaluate", "-"]).write_stdin(text).assert().success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(table.contains("undefined: `break_even_units`"), "{table}");
    assert!(table.contains("below the unit variable cost"), "{table}");
    // (40 - 50) x 10 - 1,000 = -1,100.
    assert!(
        table.contains("warning: the plan makes a loss of 1,100 per period"),
        "{table}"
    );
    let out = plan()
        .args(["evaluate", "-", "-f", "json"])
        .write_stdin(text)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["results"]["break_even_units"], Value::Null);
    assert_eq!(json["results"]["profit"], -1_100.0);
}

#[test]
fn reads_the_scenario_from_stdin() {
    let text = std::fs::read_to_string(format!("{}/{SEED}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let out = plan()
        .args(["evaluate", "-", "-f", "json"])
        .write_stdin(text)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["results"]["profit"], 450_000.0);
    assert_eq!(json["source"], "-");
}

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.csv");
    plan()
        .args(["evaluate", SEED, CAMPAIGN, "-f", "csv", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.lines().count(), 3);
    // Nothing but the file itself is left in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_into_a_missing_folder_fails_before_any_work() {
    plan()
        .args(["evaluate", "does-not-exist.toml", "-o", "no/such/folder/out.csv"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("the folder `no/such/folder` does not exist"));
}

#[test]
fn a_failed_run_leaves_an_existing_output_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    std::fs::write(&path, "old").unwrap();
    plan()
        .args(["evaluate", SEED, "tests/invalid/negative-cost.toml", "-f", "json", "-o"])
        .arg(&path)
        .assert()
        .code(1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
}

#[test]
fn a_missing_file_is_named() {
    plan()
        .args(["evaluate", "nowhere.toml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("cannot read scenario file `nowhere.toml`"));
}

/// Every file in `tests/invalid/` is refused with exit 1, nothing on stdout,
/// and a message naming the file; the messages are pinned as snapshots.
#[test]
fn every_invalid_scenario_is_refused_with_a_located_message() {
    insta::glob!("invalid/*.toml", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let relative = format!("tests/invalid/{name}");
        let out = plan().args(["evaluate", &relative]).assert().code(1).stdout("");
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(&relative), "{stderr}");
        insta::assert_snapshot!(stderr);
    });
}

#[test]
fn errors_point_at_line_and_column_and_name_the_field() {
    let cases = [
        ("unknown-key.toml", ":2:1", "did you mean `price`?"),
        (
            "missing-field.toml",
            "missing field `fixed_cost`",
            "fixed cost per period",
        ),
        ("string-for-number.toml", ":1:9", "expected a number"),
        (
            "negative-cost.toml",
            ":2:22",
            "`unit_variable_cost` must be at least 0, found -50",
        ),
        ("nan-fixed-cost.toml", ":3:14", "`fixed_cost` is nan"),
        ("inf-demand.toml", ":4:10", "`demand` is infinite"),
        ("negative-uplift.toml", ":8:10", "`marketing.uplift` must be at least 0"),
        ("unknown-marketing-key.toml", ":6:1", "did you mean `spend`?"),
        ("syntax-error.toml", ":4:", "expected `]`"),
        ("overflow.toml", "overflows", "too large"),
        ("negative-capacity.toml", ":5:12", "`capacity` must be at least 0"),
    ];
    for (file, place, what) in cases {
        let out = plan()
            .args(["evaluate", &format!("tests/invalid/{file}")])
            .assert()
            .code(1)
            .stdout("");
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(place), "{file}: {stderr}");
        assert!(stderr.contains(what), "{file}: {stderr}");
    }
}

#[test]
fn bad_usage_exits_2() {
    plan().arg("evaluate").assert().code(2).stdout("");
    plan()
        .args(["evaluate", SEED, "--format", "xml"])
        .assert()
        .code(2)
        .stdout("");
    plan().arg("frobnicate").assert().code(2).stdout("");
}

#[test]
fn a_closed_pipe_ends_quietly_without_a_panic() {
    // Enough output (a few hundred scenarios as JSON) to fill the pipe buffer,
    // so the writes meet a closed pipe, as with `plan evaluate ... | head -1`.
    let files = vec![SEED; 400];
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("plan"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("evaluate")
        .args(&files)
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn colour_is_never_used_when_no_color_is_set_or_output_is_piped() {
    let out = plan().env("NO_COLOR", "1").args(["evaluate", SEED]).assert().success();
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains('\x1b'));
}

/// The table and Markdown of every shipped scenario, pinned. Every figure in
/// these snapshots is also asserted against a hand-worked value, in the tests
/// above or in the model's unit tests.
#[test]
fn every_shipped_scenario_renders_as_table_and_markdown() {
    insta::glob!("../scenarios", "*.toml", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let relative = format!("scenarios/{name}");
        let table = stdout_of(&["evaluate", &relative]);
        insta::assert_snapshot!("table", table);
        let markdown = stdout_of(&["evaluate", &relative, "--format", "markdown"]);
        insta::assert_snapshot!("markdown", markdown);
    });
}

fn close(actual: &Value, expected: f64) -> bool {
    let a = actual.as_f64().unwrap();
    (a - expected).abs() <= 1e-12 * expected.abs().max(1.0)
}

#[test]
fn pay_per_call_scenario_matches_hand_worked_figures() {
    let json = json_of(&["evaluate", "scenarios/ai-api-pay-per-call.toml", "-f", "json"]);
    let r = &json["results"];
    // 150,000 x 1.25 = 187,500 units (thousands of calls), under capacity 400,000.
    assert_eq!(r["units_sold"], 187_500.0);
    // 2.40 x 187,500 = 450,000; 0.90 x 187,500 = 168,750; contribution 1.50 x 187,500 = 281,250.
    assert_eq!(r["revenue"], 450_000.0);
    assert_eq!(r["variable_cost"], 168_750.0);
    assert_eq!(r["contribution_margin"], 281_250.0);
    // fixed 180,000 + marketing 30,000 = 210,000; profit 281,250 - 210,000 = 71,250.
    assert_eq!(r["fixed_cost_total"], 210_000.0);
    assert_eq!(r["profit"], 71_250.0);
    // 210,000 / 1.5 = 140,000 units; (210,000 + 100,000) / 1.5 = 206,666.67 units.
    assert_eq!(r["break_even_units"], 140_000.0);
    assert!(close(&r["target_profit_units"], 310_000.0 / 1.5));
    // (187,500 - 140,000) / 187,500 = 0.25333.
    assert!(close(&r["margin_of_safety_ratio"], 47_500.0 / 187_500.0));
    // Campaign: 37,500 extra units x 1.5 = 56,250; (56,250 - 30,000) / 30,000 = 0.875;
    // pays off at 30,000 / (150,000 x 1.5) = 0.1333 uplift.
    assert_eq!(r["marketing_incremental_units"], 37_500.0);
    assert_eq!(r["marketing_incremental_contribution"], 56_250.0);
    assert_eq!(r["marketing_return_on_spend"], 0.875);
    assert!(close(&r["marketing_break_even_uplift"], 30_000.0 / 225_000.0));
}

#[test]
fn subscription_scenario_matches_hand_worked_figures() {
    let json = json_of(&["evaluate", "scenarios/saas-subscription.toml", "-f", "json"]);
    let r = &json["results"];
    // 2,600 x 1.15 = 2,990 seats; 49 x 2,990 = 146,510; (49 - 11) x 2,990 - 95,000 - 12,000 = 6,620.
    assert_eq!(r["units_sold"], 2_990.0);
    assert_eq!(r["revenue"], 146_510.0);
    assert_eq!(r["profit"], 6_620.0);
    // 107,000 / 38 = 2,815.79 seats, 2,816 whole seats; target (107,000 + 20,000) / 38 = 3,342.11.
    assert!(close(&r["break_even_units"], 107_000.0 / 38.0));
    assert_eq!(r["break_even_units_whole"], 2_816.0);
    assert!(close(&r["target_profit_units"], 127_000.0 / 38.0));
    // Leverage 113,620 / 6,620 = 17.163.
    assert!(close(&r["operating_leverage"], 113_620.0 / 6_620.0));
    // 390 extra seats x 38 = 14,820; (14,820 - 12,000) / 12,000 = 0.235; 12,000 / (2,600 x 38) = 0.12146.
    assert_eq!(r["marketing_return_on_spend"], 0.235);
    assert!(close(&r["marketing_break_even_uplift"], 12_000.0 / 98_800.0));
}

#[test]
fn curved_scenario_matches_the_closed_form_hill_uplift() {
    let json = json_of(&["evaluate", "scenarios/ai-api-pricing.toml", "-f", "json"]);
    let r = &json["results"];
    // Hill: 0.6 x 20,000^1.5 / (20,000^1.5 + 25,000^1.5) = 0.250256...; at the
    // reference price 12 the demand curve gives 50,000 units before uplift.
    let uplift = 0.6 * 20_000f64.powf(1.5) / (20_000f64.powf(1.5) + 25_000f64.powf(1.5));
    assert!(close(&r["uplift"], uplift));
    assert_eq!(r["base_demand"], 50_000.0);
    let units = 50_000.0 * (1.0 + uplift);
    assert!(close(&r["units_sold"], units));
    // (12 - 6) x units - (120,000 + 20,000).
    assert!(close(&r["profit"], 6.0 * units - 140_000.0));
    // 140,000 / 6 = 23,333.33 units, 280,000 of revenue.
    assert!(close(&r["break_even_units"], 140_000.0 / 6.0));
    assert_eq!(r["break_even_revenue"], 280_000.0);
}

/// Regression: `-o /dev/null` once renamed a temporary file over the device.
#[cfg(unix)]
#[test]
fn output_to_a_device_writes_in_place_and_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    plan()
        .args(["evaluate", SEED, "-o", "/dev/null"])
        .assert()
        .success()
        .stdout("");
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null is no longer a device");
}

#[cfg(unix)]
#[test]
fn a_new_output_file_is_readable_by_others_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.json");
    plan()
        .args(["evaluate", SEED, "-f", "json", "-o"])
        .arg(&path)
        .assert()
        .success();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn risk_scenario_base_case_is_the_seed_case_with_a_target() {
    let json = json_of(&["evaluate", "scenarios/medical-imaging-risk.toml", "-f", "json"]);
    // The point values are the seed case: 450,000 profit, break-even 1,000.
    assert_eq!(json["results"]["profit"], 450_000.0);
    assert_eq!(json["results"]["break_even_units"], 1_000.0);
    // (50,000 + 300,000) / 50 = 7,000 units for the target.
    assert_eq!(json["results"]["target_profit_units"], 7_000.0);
}

/// Opens the CSV of every shipped scenario in LibreOffice Calc and checks that
/// every figure arrived as a number. Skips, saying so, where LibreOffice is not
/// installed (Debian package `libreoffice-calc`).
#[test]
fn csv_opens_in_libreoffice_with_every_figure_a_number() {
    let Some(soffice) = ["/usr/bin/soffice", "/usr/bin/libreoffice"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("SKIPPED csv_opens_in_libreoffice_with_every_figure_a_number: LibreOffice is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("plans.csv");
    let scenarios: Vec<String> = std::fs::read_dir(format!("{}/scenarios", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|e| format!("scenarios/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    plan()
        .arg("evaluate")
        .args(&scenarios)
        .args(["--format", "csv", "-o"])
        .arg(&csv_path)
        .assert()
        .success();
    let profile = dir.path().join("profile");
    let status = StdCommand::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "fods", "--outdir"])
        .arg(dir.path())
        .arg(&csv_path)
        .output()
        .unwrap();
    let fods = std::fs::read_to_string(dir.path().join("plans.fods")).unwrap_or_else(|_| {
        panic!(
            "LibreOffice wrote no sheet: {}",
            String::from_utf8_lossy(&status.stderr)
        )
    });
    // Every cell that holds a number in the CSV must be a float cell in the sheet.
    let sheet = roxmltree::Document::parse(&fods).unwrap();
    let table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
    let office_ns = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
    let rows: Vec<Vec<Option<String>>> = sheet
        .descendants()
        .filter(|n| n.has_tag_name((table_ns, "table-row")))
        .map(|row| {
            row.children()
                .filter(|c| c.is_element())
                .flat_map(|cell| {
                    let repeat: usize = cell
                        .attribute((table_ns, "number-columns-repeated"))
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(1);
                    std::iter::repeat_n(
                        cell.attribute((office_ns, "value-type")).map(str::to_string),
                        repeat.min(200),
                    )
                })
                .collect()
        })
        .collect();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut figures = 0;
    for (i, record) in reader.records().enumerate() {
        for (j, cell) in record.unwrap().iter().enumerate() {
            if cell.parse::<f64>().is_ok() {
                figures += 1;
                assert_eq!(
                    rows[i + 1][j].as_deref(),
                    Some("float"),
                    "row {} column {j}: {cell}",
                    i + 1
                );
            }
        }
    }
    assert!(figures > 100, "{figures} figures checked");
}

#[test]
fn stdin_named_twice_is_a_usage_error_for_every_command() {
    let text = std::fs::read_to_string(SEED).unwrap();
    let out = std::env::temp_dir().join("plan-stdin-twice.svg");
    let out = out.to_str().unwrap();
    for args in [
        vec!["evaluate", "-", "-"],
        vec!["evaluate", "--", "-", "-#campaign"],
        vec!["compare", "-", "-"],
        vec!["diff", "-", "-"],
        vec!["chart", "--kind", "bridge", "-", "-", "-o", out],
        vec!["report", "-", "-", "-o", out],
    ] {
        plan()
            .args(&args)
            .write_stdin(text.clone())
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("stdin (`-`) can be read only once"));
    }
    assert!(
        !std::path::Path::new(out).exists(),
        "nothing is written on a usage error"
    );
}

#[test]
fn under_a_hill_response_the_json_uplift_input_is_null_and_the_result_holds_the_curves_uplift() {
    let out = plan()
        .args(["evaluate", "scenarios/ai-api-pricing.toml", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["inputs"]["marketing"]["spend"], 20_000.0);
    assert!(json["inputs"]["marketing"]["uplift"].is_null());
    // The curve's parameters where the file puts them, by the names used everywhere else.
    assert_eq!(json["inputs"]["marketing"]["response"], "hill");
    assert_eq!(json["inputs"]["marketing"]["max_uplift"], 0.6);
    assert_eq!(json["inputs"]["marketing"]["half_saturation_spend"], 25_000.0);
    assert_eq!(json["inputs"]["marketing"]["shape"], 1.5);
    assert!(json["inputs"].get("marketing_response").is_none());
    // 0.6 x 20000^1.5 / (20000^1.5 + 25000^1.5) = 0.6 / (1 + 1.25^1.5)
    let expected = 0.6 / (1.0 + 1.25f64.powf(1.5));
    let uplift = json["results"]["uplift"].as_f64().unwrap();
    assert!((uplift - expected).abs() < 1e-12, "{uplift} vs {expected}");
}

#[test]
fn a_full_disk_on_stdout_is_an_error_that_says_stdout() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full here");
        return;
    }
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = StdCommand::new(env!("CARGO_BIN_EXE_plan"))
        .args(["evaluate", SEED])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot write output to stdout: No space left on device"),
        "{stderr}"
    );
}
