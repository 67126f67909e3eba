//! Files the app writes for people (bundles, workbooks, briefs): whole or not at all.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::Result;

/// Write `path` through `write`: into a new hidden file beside it first (`.name.partial-…`,
/// never an existing file), renamed over `path` once complete, so a failure (a full disk, a
/// refused figure) leaves no half file and keeps an older file of that name intact.
pub fn write_whole<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    let name = path.file_name().filter(|_| !path.is_dir()).ok_or_else(|| {
        citizens_core::Error::invalid(
            "file",
            "give a file name to write, e.g. /home/you/figures.xlsx",
        )
    })?;
    let (partial, file) = partial_beside(path, name)?;
    let written = (|| -> Result<T> {
        let mut sink = BufWriter::new(file);
        let value = write(&mut sink)?;
        sink.flush()?;
        sink.get_ref().sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok(value)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Write `bytes` to `path` whole (see [`write_whole`]).
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_whole(path, |sink| Ok(sink.write_all(bytes)?))
}

/// A file of our own beside `path`, created new (an existing file is never opened).
fn partial_beside(path: &Path, name: &std::ffi::OsStr) -> Result<(PathBuf, File)> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut partial_name = std::ffi::OsString::from(".");
        partial_name.push(name);
        partial_name.push(format!(".partial-{}-{n}", std::process::id()));
        let partial = path.with_file_name(partial_name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
        {
            Ok(file) => return Ok((partial, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1_000 => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_older_file_and_no_partial() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("figures.xlsx");
        std::fs::write(&path, b"older").expect("write");
        let failed: Result<()> = write_whole(&path, |w| {
            w.write_all(b"half")?;
            Err(citizens_core::Error::invalid("figures", "refused").into())
        });
        assert_eq!(
            failed.expect_err("refused").to_string(),
            citizens_core::Error::invalid("figures", "refused").to_string()
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"older");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "no partial file"
        );
        write_whole(&path, |w| Ok(w.write_all(b"newer")?)).expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"newer");
    }

    #[test]
    fn files_named_like_a_partial_are_never_touched() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A target that is itself named `.partial`, and a neighbour named as the old scheme
        // named its partial file.
        let target = dir.path().join("figures.partial");
        let neighbour = dir.path().join("report.partial");
        std::fs::write(&target, b"older").expect("write");
        std::fs::write(&neighbour, b"keep me").expect("write");
        let failed: Result<()> = write_whole(&target, |_| {
            Err(citizens_core::Error::invalid("figures", "refused").into())
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&target).expect("read"), b"older");
        write_whole(
            &dir.path().join("report.xlsx"),
            |w| Ok(w.write_all(b"new")?),
        )
        .expect("written");
        assert_eq!(std::fs::read(&neighbour).expect("read"), b"keep me");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 3);
    }

    #[test]
    fn a_folder_is_not_a_file_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let refused = write_whole(dir.path(), |_| Ok(())).expect_err("a folder");
        assert!(
            refused.to_string().contains("give a file name"),
            "{refused}"
        );
    }
}
