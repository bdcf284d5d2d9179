//! Files only their owner may read: what a client keeps on disk (the outbox of pending notes,
//! the command history, the log) and the config `warroom setup` writes (it may hold a token).
//! Each is created 0600 in a directory made 0700, whatever the umask says; a file or directory
//! an older warroom left readable by others is closed up when it is next written.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Only the owner may read or write a file.
pub const FILE_MODE: u32 = 0o600;
/// Only the owner may list or enter a directory.
pub const DIR_MODE: u32 = 0o700;

/// Makes `dir` (and any missing parent) with mode 0700, and makes an existing `dir` 0700: for
/// warroom's own directories (the data directory, the outbox's).
pub fn dir(dir: &Path) -> io::Result<()> {
    create_missing(dir)?;
    restrict(dir, DIR_MODE)
}

/// Opens `path` to append to, created 0600 if it is missing (its missing directories 0700),
/// made 0600 if it was not.
pub fn append(path: &Path) -> io::Result<File> {
    if let Some(parent) = parent(path) {
        create_missing(parent)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .open(path)?;
    restrict(path, FILE_MODE)?;
    Ok(file)
}

/// Replaces `path` with `bytes` whole: written to a 0600 temporary file in the same
/// directory (made 0700 if missing; an existing one is left as it is), synced, then renamed
/// over it, so a crash leaves the old file or the new one, never half of one, and no other
/// user can read either.
pub fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let directory = parent(path).unwrap_or(Path::new("."));
    create_missing(directory)?;
    // tempfile creates its files 0600.
    let mut temporary = tempfile::NamedTempFile::new_in(directory)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Makes the directories of `dir` that are missing, 0700; existing ones are not touched.
fn create_missing(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

fn parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// Takes group and other permissions away when there are any; leaves a right mode alone (no
/// needless write to the inode).
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, Permissions::from_mode(current & mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_their_directories_are_the_owners_alone() {
        let root = tempfile::tempdir().unwrap();
        let log = root.path().join("data/warroom/warroom.log");
        append(&log).unwrap().write_all(b"a line\n").unwrap();
        assert_eq!(mode(&root.path().join("data")), 0o700, "made missing: 0700");
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().unwrap()), 0o700);

        let outbox = root.path().join("data/warroom/outbox/backend.json");
        write_whole(&outbox, b"{}").unwrap();
        write_whole(&outbox, b"{\"again\":1}").unwrap();
        assert_eq!(std::fs::read(&outbox).unwrap(), b"{\"again\":1}");
        assert_eq!(mode(&outbox), 0o600);
        assert_eq!(mode(outbox.parent().unwrap()), 0o700);
        // Only the file is left behind: no temporary file beside it.
        assert_eq!(
            std::fs::read_dir(outbox.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn what_an_older_version_left_open_is_closed_up() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("warroom");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, Permissions::from_mode(0o755)).unwrap();
        let log = data.join("warroom.log");
        std::fs::write(&log, "old\n").unwrap();
        std::fs::set_permissions(&log, Permissions::from_mode(0o644)).unwrap();

        append(&log).unwrap().write_all(b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "old\nnew\n");
        assert_eq!(
            (mode(&log), mode(&data)),
            (0o600, 0o755),
            "a file alone: its own mode"
        );
        dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        // Narrower than asked stays as it is.
        std::fs::set_permissions(&log, Permissions::from_mode(0o400)).unwrap();
        restrict(&log, FILE_MODE).unwrap();
        assert_eq!(mode(&log), 0o400);
    }
}
