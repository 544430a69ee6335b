//! Writing a file so that readers see either the old contents or the new, never half of each.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Replaces the contents of `path` with `contents` atomically: writes a temporary file in the same
/// directory, flushes it to disk and renames it over `path`. The file keeps its permissions; a
/// symbolic link is followed, so the link stays and its target is replaced. A new file gets the
/// temporary file's permissions (owner read and write only).
///
/// # Errors
///
/// Any I/O error; `path` is then left as it was.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".amiroll-")
        .suffix(".tmp")
        .tempfile_in(&directory)?;
    temporary.write_all(contents)?;
    match fs::metadata(&target) {
        Ok(metadata) => temporary
            .as_file()
            .set_permissions(metadata.permissions())?,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    temporary.as_file().sync_all()?;
    temporary.persist(&target).map_err(|err| err.error)?;
    // Make the rename itself durable; not every platform can open a directory, so this is best
    // effort.
    if let Ok(directory) = fs::File::open(&directory) {
        let _ = directory.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.tf");
        fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["main.tf"]);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("main.tf");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.tf");
        let link = dir.path().join("link.tf");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn a_failed_write_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-directory").join("main.tf");
        assert!(write_atomically(&missing, b"new").is_err());
        assert!(!missing.exists());
    }
}
