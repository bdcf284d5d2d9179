//! How much room the SQLite log has left to grow: the free space of its filesystem and the
//! file size limit (`ulimit -f`). A commit that does not fit fails; readiness says so before
//! the commits fail, and keeps saying so until there is room again.

use crate::store::StoreError;
use std::path::Path;

/// Less room than this, and the store is not ready: one batch of commands with long notes
/// takes hundreds of KiB of log.
pub const MIN_ROOM: u64 = 1024 * 1024;

/// `Err(NoRoom)` when the filesystem of `db` or the file size limit leaves less than
/// [`MIN_ROOM`]. What cannot be measured is not held against the store: its probe write
/// still tells.
pub fn check(db: &Path) -> Result<(), StoreError> {
    let dir = db
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(stats) = rustix::fs::statvfs(dir) {
        let free = stats.f_bavail.saturating_mul(stats.f_frsize);
        if free < MIN_ROOM {
            return Err(StoreError::NoRoom(format!(
                "the disk holding {} has {} KiB free, less than {} KiB",
                db.display(),
                free / 1024,
                MIN_ROOM / 1024
            )));
        }
    }
    let fsize = rustix::process::getrlimit(rustix::process::Resource::Fsize);
    if let Some(limit) = fsize.current {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let largest = [db, Path::new(&wal)]
            .iter()
            .filter_map(|file| std::fs::metadata(file).ok())
            .map(|metadata| metadata.len())
            .max()
            .unwrap_or(0);
        let left = limit.saturating_sub(largest);
        if left < MIN_ROOM {
            return Err(StoreError::NoRoom(format!(
                "the file size limit (ulimit -f) leaves {} KiB to the files of {}, less than {} KiB",
                left / 1024,
                db.display(),
                MIN_ROOM / 1024
            )));
        }
    }
    Ok(())
}
