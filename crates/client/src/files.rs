//! Files the app writes for people (bundles, workbooks, briefs): whole or not at all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::Result;

/// Write `path` through `write`: into `<path>.partial` first, renamed over `path` once
/// complete, so a failure (a full disk, a refused figure) leaves no half file and keeps an
/// older file of that name intact.
pub fn write_whole<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    if path.as_os_str().is_empty() || path.is_dir() {
        return Err(citizens_core::Error::invalid(
            "file",
            "give a file name to write, e.g. /home/you/figures.xlsx",
        )
        .into());
    }
    let partial = path.with_extension("partial");
    let written = File::create(&partial)
        .map_err(crate::Error::from)
        .and_then(|file| {
            let mut sink = BufWriter::new(file);
            let value = write(&mut sink)?;
            sink.flush()?;
            sink.get_ref().sync_all()?;
            std::fs::rename(&partial, path)?;
            Ok(value)
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
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
        assert!(!path.with_extension("partial").exists());
        write_whole(&path, |w| Ok(w.write_all(b"newer")?)).expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"newer");
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
