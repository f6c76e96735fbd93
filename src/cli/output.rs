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

/// Writes `bytes` to stdout, or atomically to `path` (see [`write_parts`]).
pub fn write(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    write_parts(path, &[bytes])
}

/// Writes several buffers, one after another, to stdout or to `path`.
///
/// A regular file is written whole or not at all: into a temporary file in
/// the same folder, then renamed over the target, so an interrupted run leaves
/// the old file or none, never half a file. The new file keeps the old one's
/// permissions (0644 for a new file). There is no fsync: it would protect
/// against power loss, not against `plan` failing, and costs more than the
/// whole run for a large grid. A path that exists but is not a regular file
/// (`/dev/null`, a named pipe) is written in place: renaming over it would
/// replace the device with a file.
pub fn write_parts<B: AsRef<[u8]>>(path: Option<&Path>, parts: &[B]) -> anyhow::Result<()> {
    match path.filter(|_| !is_stdout(path)) {
        None => {
            let mut stdout = std::io::stdout().lock();
            for part in parts {
                stdout
                    .write_all(part.as_ref())
                    .context("cannot write output to stdout")?;
            }
            stdout.flush().context("cannot write output to stdout")?;
            Ok(())
        }
        Some(path) => {
            let context = || format!("cannot write output to `{}`", path.display());
            let existing = std::fs::metadata(path).ok();
            if existing.as_ref().is_some_and(|m| !m.is_file()) {
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(context)?;
                for part in parts {
                    file.write_all(part.as_ref()).with_context(context)?;
                }
                return Ok(());
            }
            let mut file = tempfile::NamedTempFile::new_in(folder_of(path)).with_context(context)?;
            // Through the plain file: the temporary file's own writer would
            // put its made-up name in the message.
            for part in parts {
                file.as_file_mut().write_all(part.as_ref()).with_context(context)?;
            }
            if let Some(permissions) = permissions_for(existing) {
                file.as_file().set_permissions(permissions).with_context(context)?;
            }
            file.persist(path).map_err(|e| e.error).with_context(context)?;
            Ok(())
        }
    }
}

/// The old file's permissions, or 0644 for a new file (a temporary file is 0600).
#[cfg(unix)]
pub(super) fn permissions_for(existing: Option<std::fs::Metadata>) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(existing.map_or_else(|| std::fs::Permissions::from_mode(0o644), |m| m.permissions()))
}

#[cfg(not(unix))]
pub(super) fn permissions_for(existing: Option<std::fs::Metadata>) -> Option<std::fs::Permissions> {
    existing.map(|m| m.permissions())
}
