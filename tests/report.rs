//! `plan report`: one self-contained HTML page that parses, references
//! nothing outside itself, and renders in a real browser.

use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;

fn plan() -> Command {
    let mut cmd = Command::cargo_bin("plan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn report(files: &[&str], path: &Path) -> String {
    plan()
        .arg("report")
        .args(files)
        .arg("-o")
        .arg(path)
        .assert()
        .success()
        .stdout("");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn report_parses_and_holds_no_external_reference() {
    let dir = tempfile::tempdir().unwrap();
    let html = report(&["scenarios/medical-imaging.toml"], &dir.path().join("r.html"));
    // The page is well-formed (XHTML-compatible), so an XML parser reads it.
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report parses");
    assert_eq!(doc.root_element().tag_name().name(), "html");
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("src=") && !html.contains("<link"), "no external assets");
    // The figures match `plan evaluate`: 450,000 profit, break-even at 1,000 units.
    assert!(html.contains("450,000 CNY"));
    assert!(html.contains("break-even 1,000 units"));
    assert!(html.contains("@media print"));
    // On paper nothing scrolls: a wide table that scrolled on screen would
    // print cut off at the page edge.
    let print = &html[html.find("@media print").unwrap()..];
    assert!(print.contains(".table-wrap, pre { overflow: visible; }"));
    // Long one-word names wrap instead of widening the page on a phone.
    assert!(html.contains("h1, h2, h3 { overflow-wrap: anywhere; }"));
}

#[test]
fn report_of_several_scenarios_compares_them_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let html = report(
        &[
            "scenarios/medical-imaging.toml",
            "scenarios/medical-imaging-campaign.toml",
        ],
        &dir.path().join("r.html"),
    );
    assert!(html.contains("Side by side"));
    assert!(html.contains("700,000 CNY"));
}

/// Opens the report in headless Chromium and checks the screenshot is not blank.
/// Skips, saying so, where Chromium is not installed (`.ci/run` installs it).
#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("SKIPPED report_renders_in_headless_chromium: chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    report(&["scenarios/medical-imaging.toml"], &page);
    let shot = dir.path().join("shot.png");
    let status = StdCommand::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,1400",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let pixels = &pixels[..info.buffer_size()];
    // A rendered page has many distinct colours (text, table rules, chart lines);
    // a blank one has one or two.
    let mut colours: Vec<&[u8]> = pixels.chunks(info.color_type.samples()).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "the page looks blank: {} colours", colours.len());
    let dark = pixels
        .chunks(info.color_type.samples())
        .filter(|p| p[..3].iter().all(|c| *c < 100))
        .count();
    assert!(dark > 1000, "hardly any text rendered: {dark} dark pixels");
    // Keep a copy for people to look at.
    let _ = std::fs::copy(&shot, std::env::temp_dir().join("plan-report-screenshot.png"));
}

#[test]
fn report_of_an_uncertain_scenario_holds_its_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let html = report(&["scenarios/medical-imaging-risk.toml"], &dir.path().join("r.html"));
    assert!(html.contains("Risk: 100,000 samples, seed 20260101"));
    assert!(html.contains("Probability of a loss"));
    assert!(html.contains("Profit distribution: "));
    assert!(html.contains("Risk drivers: "));
    // The same seed gives the same figures as `plan simulate`: its P50 of profit.
    let out = plan()
        .args(["simulate", "scenarios/medical-imaging-risk.toml", "-f", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let p50 = json["statistics"][0]["p50"].as_f64().unwrap();
    let cents = format!("{p50:.2}");
    let (whole, fraction) = cents.split_once('.').unwrap();
    let thousands = format!(
        "{},{}.{fraction} CNY",
        &whole[..whole.len() - 3],
        &whole[whole.len() - 3..]
    );
    assert!(html.contains(&thousands), "{thousands}");
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn report_reads_stdin_once_and_compares_without_reading_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.html");
    let text =
        std::fs::read_to_string(format!("{}/scenarios/medical-imaging.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    plan()
        .args(["report", "-", "scenarios/medical-imaging-campaign.toml", "-o"])
        .arg(&path)
        .write_stdin(text)
        .assert()
        .success();
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.contains("Side by side"));
    assert!(html.contains("+250,000 CNY"), "the campaign's change in profit");
}
