//! Reading scenario files: `FILE`, `FILE#VARIANT`, or `-` for stdin.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use plan::{Scenario, ScenarioFile};

/// A scenario with where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    /// The file as the user named it (`-` for stdin).
    pub source: String,
    /// The variant, for `FILE#VARIANT`.
    pub variant: Option<String>,
}

/// Splits `FILE#VARIANT`; a path that exists as written is never split.
fn split(spec: &str) -> (&str, Option<&str>) {
    if spec != "-"
        && !Path::new(spec).exists()
        && let Some((file, variant)) = spec.rsplit_once('#')
    {
        return (file, Some(variant));
    }
    (spec, None)
}

/// Stdin can be read only once: more than one `-` (or `-#VARIANT`) among
/// the scenarios is a command-line usage error (exit 2), caught before any
/// is read, rather than the second reading an empty scenario.
pub fn stdin_at_most_once<S: AsRef<str>>(specs: &[S]) -> anyhow::Result<()> {
    if specs.iter().filter(|s| split(s.as_ref()).0 == "-").count() > 1 {
        return Err(super::usage_error(
            "stdin (`-`) can be read only once; give the other scenarios as files".to_string(),
        ));
    }
    Ok(())
}

/// Reads and parses a scenario file (without choosing a variant).
pub fn read_file(file: &str) -> anyhow::Result<ScenarioFile> {
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the scenario from stdin")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read scenario file `{file}`"))?
    };
    let source = if file == "-" { "<stdin>" } else { file };
    Ok(ScenarioFile::parse(&text, source)?)
}

/// Loads `FILE` (the base scenario) or `FILE#VARIANT`.
pub fn load(spec: &str) -> anyhow::Result<Loaded> {
    Ok(load_with_file(spec)?.0)
}

/// Loads `FILE#VARIANT` as one scenario, and `FILE` as its base followed by
/// every variant the file holds (in alphabetical order).
pub fn load_all(spec: &str) -> anyhow::Result<Vec<Loaded>> {
    let (file, variant) = split(spec);
    if variant.is_some() {
        return Ok(vec![load(spec)?]);
    }
    let parsed = read_file(file)?;
    let mut all = vec![Loaded {
        scenario: parsed.base()?,
        source: file.to_string(),
        variant: None,
    }];
    for name in parsed.variant_names() {
        all.push(Loaded {
            scenario: parsed.variant(&name)?,
            source: file.to_string(),
            variant: Some(name),
        });
    }
    Ok(all)
}

/// Like [`load`], also returning the parsed file (for tables beside the
/// scenario, such as `[uncertainty]`).
pub fn load_with_file(spec: &str) -> anyhow::Result<(Loaded, ScenarioFile)> {
    let (file, variant) = split(spec);
    let parsed = read_file(file)?;
    let scenario = match variant {
        Some(name) => parsed.variant(name)?,
        None => parsed.base()?,
    };
    let loaded = Loaded {
        scenario,
        source: file.to_string(),
        variant: variant.map(str::to_string),
    };
    Ok((loaded, parsed))
}
