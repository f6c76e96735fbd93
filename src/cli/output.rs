//! Writing output: to stdout, or to a file written whole or not at all.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

fn is_stdout(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p.as_os_str() == "-")
}

/// Checks, before any work, that the output file's folder exists.
pub fn check(path: Option<&Path>) -> anyhow::Result<()> {
    let Some(path) = path.filter(|_| !is_stdout(path)) else {
        return Ok(());
    };
    if path.is_dir() {
        bail!("cannot write output to `{}`: it is a directory", path.display());
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        bail!(
            "cannot write output to `{}`: the folder `{}` does not exist",
            path.display(),
            folder.display()
        );
    }
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to stdout, or atomically to `path`: into a temporary file in
/// the same folder, then renamed over the target, so a failure leaves either
/// the old file or nothing, never half a file.
pub fn write(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path.filter(|_| !is_stdout(path)) {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
            Ok(())
        }
        Some(path) => {
            let context = || format!("cannot write output to `{}`", path.display());
            let mut file = tempfile::NamedTempFile::new_in(folder_of(path)).with_context(context)?;
            file.write_all(bytes).with_context(context)?;
            file.as_file().sync_all().with_context(context)?;
            file.persist(path).map_err(|e| e.error).with_context(context)?;
            Ok(())
        }
    }
}

/// Like [`write`], for output built in several buffers (one per thread):
/// written in order, without first copying them into one.
pub fn write_parts(path: Option<&Path>, parts: &[Vec<u8>]) -> anyhow::Result<()> {
    match path.filter(|_| !is_stdout(path)) {
        None => {
            let mut stdout = std::io::stdout().lock();
            for part in parts {
                stdout.write_all(part)?;
            }
            stdout.flush()?;
            Ok(())
        }
        Some(path) => {
            let context = || format!("cannot write output to `{}`", path.display());
            let mut file = tempfile::NamedTempFile::new_in(folder_of(path)).with_context(context)?;
            for part in parts {
                file.write_all(part).with_context(context)?;
            }
            file.as_file().sync_all().with_context(context)?;
            file.persist(path).map_err(|e| e.error).with_context(context)?;
            Ok(())
        }
    }
}
