//! `plan simulate`: exit codes, formats, samples file, determinism.

use assert_cmd::Command;
use predicates::prelude::*;

const RISK: &str = "scenarios/medical-imaging-risk.toml";
const BENCH: &str = "benches/risk.toml";

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.env_remove("RAYON_NUM_THREADS");
    cmd
}

fn stdout(args: &[&str]) -> String {
    let out = plan().args(args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_table_shows_statistics_risk_drivers_and_a_histogram() {
    let text = stdout(&["simulate", RISK, "--samples", "20000"]);
    insta::assert_snapshot!("risk_table", text);
}

#[test]
fn markdown_puts_the_charts_in_code_blocks() {
    let text = stdout(&["simulate", RISK, "--samples", "20000", "--format", "markdown"]);
    insta::assert_snapshot!("risk_markdown", text);
}

#[test]
fn json_carries_every_statistic_and_the_risk_figures() {
    let text = stdout(&["simulate", BENCH, "-n", "5000", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["samples"], 5000);
    assert_eq!(v["seed"], 20260101);
    let profit = &v["statistics"][0];
    assert_eq!(profit["metric"], "profit");
    for key in [
        "mean", "sd", "min", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "max",
    ] {
        assert!(profit[key].is_f64(), "{key}: {}", profit[key]);
    }
    let p5 = profit["p5"].as_f64().unwrap();
    let p95 = profit["p95"].as_f64().unwrap();
    assert!(p5 < profit["p50"].as_f64().unwrap() && profit["p50"].as_f64().unwrap() < p95);
    assert!(v["risk"]["probability_of_loss"].is_f64());
    assert!(v["risk"]["expected_profit_worst_5"].as_f64().unwrap() < p5);
    assert_eq!(v["drivers"].as_array().unwrap().len(), 5);
    assert_eq!(v["uncertainty"]["inputs"][0]["distribution"]["kind"], "normal");
    // base case: 50 x 15,000 - 70,000 = 680,000
    assert_eq!(v["risk"]["base_case_profit"], 680000.0);
}

#[test]
fn csv_is_one_tidy_table() {
    let text = stdout(&["simulate", RISK, "-n", "3000", "-f", "csv"]);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("section,metric,statistic,value"));
    assert!(text.contains("\nstatistics,profit,p50,"));
    assert!(text.contains("\nrisk,profit,probability_of_target,"));
    assert!(text.contains("\ndrivers,demand,rank_correlation,"));
}

#[test]
fn the_same_seed_gives_the_same_output_with_one_or_two_threads() {
    let run = |threads: &str| {
        let out = plan()
            .env("RAYON_NUM_THREADS", threads)
            .args(["simulate", BENCH, "-n", "200000", "-f", "json", "--seed", "9"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn samples_out_writes_one_row_per_sample_with_inputs_and_results() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.csv");
    plan()
        .args(["simulate", BENCH, "-n", "70000", "-f", "json", "--samples-out"])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "sample,price,unit_variable_cost,fixed_cost,demand,marketing.uplift,units_sold,revenue,profit,break_even_units"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 70000);
    assert!(rows[69999].starts_with("70000,"));
    // Each row is consistent with the model: profit = (price - cost) x units - fixed - 20,000.
    let f: Vec<f64> = rows[0].split(',').map(|x| x.parse().unwrap()).collect();
    let profit = (f[1] - f[2]) * f[6] - f[3] - 20_000.0;
    assert!((profit - f[8]).abs() < 1e-6 * profit.abs().max(1.0));
    // Only the file is left in the folder: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn samples_out_into_a_missing_folder_fails_before_any_work() {
    plan()
        .args(["simulate", BENCH, "--samples-out", "no/such/folder/s.csv"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("the folder `no/such/folder` does not exist"));
}

#[test]
fn a_scenario_without_uncertainty_is_an_error() {
    plan()
        .args(["simulate", "scenarios/medical-imaging.toml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("has no `[uncertainty]` table"));
}

#[test]
fn a_bad_distribution_names_the_file_and_line() {
    plan()
        .args(["simulate", "-"])
        .write_stdin("price = 100\nunit_variable_cost = 50\nfixed_cost = 1\ndemand = 1\n[uncertainty]\ndemand = { range = { low = 5, high = 2 } }\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("`uncertainty.demand`: `low` (5) must be less than `high` (2)"))
        .stderr(predicate::str::contains("<stdin>:6:"));
}

#[test]
fn zero_samples_is_bad_usage() {
    plan().args(["simulate", BENCH, "-n", "0"]).assert().code(2);
}

#[test]
fn nothing_but_the_report_is_written_when_piped() {
    plan()
        .args(["simulate", BENCH, "-n", "1000"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn evaluate_ignores_the_uncertainty_table() {
    plan()
        .args(["evaluate", RISK, "-f", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(",450000,"));
}

#[test]
fn the_histogram_marks_the_loss_region() {
    let text = plan()
        .args(["simulate", "-", "-n", "20000"])
        .write_stdin("price = 100\nunit_variable_cost = 50\nfixed_cost = 450000\ndemand = 10000\n[uncertainty]\ndemand = { normal = { mean = 10000, sd = 2000 } }\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    let loss_rows: Vec<&str> = text.lines().filter(|l| l.ends_with("  loss")).collect();
    assert!(!loss_rows.is_empty(), "{text}");
    // Every loss bar ends at or below 0 and is drawn with the loss shade.
    for row in &loss_rows {
        assert!(row.contains('░') || row.contains("  0.00%"), "{row}");
    }
    // profit = 50 D - 450,000 is below 0 when D < 9,000: Phi(-0.5) = 30.9%.
    assert!(text.contains("Probability of a loss"), "{text}");
}

/// Regression: `--samples-out` renamed a temporary file over the target even
/// when it was a device or a pipe (as root, `--samples-out /dev/null` replaced
/// the device with a file). A named pipe stands in for the device here.
#[cfg(unix)]
#[test]
fn samples_out_to_a_pipe_writes_into_it_and_keeps_the_pipe() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("samples.pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    let reader_path = pipe.clone();
    // Opening a pipe for reading waits for a writer; the reader is never joined
    // before the checks, so a regression fails rather than hangs.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(reader_path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    });
    plan()
        .args(["simulate", RISK, "-n", "10", "-f", "json", "--samples-out"])
        .arg(&pipe)
        .assert()
        .success();
    let kind = std::fs::metadata(&pipe).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced by a file");
    let text = reader.join().unwrap();
    assert!(text.starts_with("sample,price,"), "{text}");
    assert_eq!(text.lines().count(), 11);
}

#[cfg(unix)]
#[test]
fn a_new_samples_file_is_readable_by_others_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.csv");
    plan()
        .args(["simulate", RISK, "-n", "10", "-f", "json", "--samples-out"])
        .arg(&path)
        .assert()
        .success();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn one_sample_says_why_the_spread_and_drivers_are_undefined() {
    let text = stdout(&["simulate", RISK, "-n", "1"]);
    assert!(text.contains(": 1 sample, seed"), "{text}");
    assert!(
        text.contains("with one sample the standard deviations and the risk drivers are undefined"),
        "{text}"
    );
}

#[test]
fn inputs_that_do_not_move_profit_are_explained_not_left_blank() {
    // Capacity far above demand never binds: profit is 450,000 in every sample.
    let scenario = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
                    [uncertainty]\ncapacity = { uniform = { min = 20000, max = 30000 } }\n";
    let out = plan()
        .args(["simulate", "-", "-n", "1000"])
        .write_stdin(scenario)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("profit is the same in every sample"), "{text}");
}

#[test]
fn curve_parameters_are_shown_in_their_own_units_not_as_money() {
    let scenario = "currency = \"USD\"\nprice = 10\nunit_variable_cost = 4\nfixed_cost = 100\ndemand = 1000\n\
                    [demand_curve]\nkind = \"constant_elasticity\"\nelasticity = -1.5\n\
                    [uncertainty]\n\"demand_curve.elasticity\" = { normal = { mean = -1.5, sd = 0.2 } }\n";
    let out = plan()
        .args(["simulate", "-", "-n", "1000"])
        .write_stdin(scenario)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let row = text.lines().find(|l| l.contains("demand_curve.elasticity ┆")).unwrap();
    assert!(row.contains("-1.5") && !row.contains("USD"), "{row}");
}

/// Regression: `--samples-out -` wrote a file named `-` in the current folder.
#[test]
fn samples_out_dash_is_refused_rather_than_written_to_a_file_named_dash() {
    let dir = tempfile::tempdir().unwrap();
    plan()
        .current_dir(dir.path())
        .args(["simulate", "-", "-n", "10", "--samples-out", "-"])
        .write_stdin(std::fs::read_to_string(RISK).unwrap())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("would mix the samples with the report"));
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_base_without_uncertainty_points_to_the_variants_that_have_it() {
    let scenario = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
                    [scenarios.risky.uncertainty]\nprice = { normal = { mean = 100, sd = 5 } }\n";
    plan()
        .args(["simulate", "-", "-n", "10"])
        .write_stdin(scenario)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("its variants have one: simulate `-- -#risky`"));
}

/// The CSV carried no truncation: the issue asks the report to say how often it happened.
#[test]
fn csv_says_how_often_each_input_was_truncated() {
    // Demand normal(10,000, 2,000): Phi(-5) = 2.87e-7 of it lies below 0.
    let scenario = "price = 100\nunit_variable_cost = 50\nfixed_cost = 350000\ndemand = 10000\n\
                    [uncertainty]\ndemand = { normal = { mean = 10000, sd = 2000 } }\n";
    let out = plan()
        .args(["simulate", "-", "-n", "100", "-f", "csv"])
        .write_stdin(scenario)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("inputs,demand,truncated_share,"))
        .unwrap_or_else(|| panic!("{text}"));
    let share: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
    assert!((share - 2.87e-7).abs() < 0.01e-7, "{share}");
}

#[test]
fn an_empty_uncertainty_table_is_an_error_at_its_line() {
    plan()
        .args(["simulate", "-"])
        .write_stdin("price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\n[uncertainty]\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("`uncertainty` gives no input a distribution"))
        .stderr(predicate::str::contains("<stdin>:6:1"));
}

#[test]
fn samples_and_report_to_the_same_file_is_a_usage_error_that_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("both.csv");
    plan()
        .args(["simulate", RISK, "--samples", "1000", "--samples-out"])
        .arg(&path)
        .arg("-o")
        .arg(dir.path().join(".").join("both.csv"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("`--samples-out` and `-o` both name"));
    assert!(!path.exists());
}

#[test]
fn samples_that_overflow_are_an_error_not_statistics_that_skip_them() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples.csv");
    for command in [
        vec!["simulate", "-", "--samples", "1000", "--samples-out"],
        vec!["report", "-", "-o"],
    ] {
        plan()
            .args(&command)
            .arg(&samples)
            .write_stdin(
                "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n\
                 [uncertainty]\ndemand = { uniform = { min = 0, max = 1e307 } }\n",
            )
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("`profit` overflows in"));
        assert!(!samples.exists(), "nothing is written");
    }
}

#[test]
fn samples_piped_to_a_reader_that_stops_early_still_give_the_report() {
    use std::io::Read;
    use std::process::{Command as StdCommand, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.txt");
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_plan"))
        .args([
            "simulate",
            RISK,
            "--samples",
            "200000",
            "--samples-out",
            "/dev/stdout",
            "-o",
        ])
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the header line only, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("Probability of a loss")
    );
}
