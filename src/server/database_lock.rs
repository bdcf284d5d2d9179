//! The lock file beside a SQLite database: one server per database. A second `warroom serve`
//! on the same file would answer every write with an error and serve stale reads, so it
//! refuses to start instead. The first one holds an exclusive lock on `<db>.lock` for its
//! whole life; the kernel drops it when the process ends, even by SIGKILL, so a crash never
//! leaves a stale lock behind.

use anyhow::Context;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while the server runs; dropping it lets another server take the database.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

impl DatabaseLock {
    /// Takes the lock for `db`, writing this process's id into the lock file, or explains which
    /// process holds it.
    pub fn acquire(db: &Path) -> anyhow::Result<DatabaseLock> {
        let path = lock_path(db);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "another process".to_string(),
                    pid => format!("pid {pid}"),
                };
                anyhow::bail!(
                    "{} is already served by another warroom serve ({holder}, lock file {}); \
                     stop it first or give this one another --db",
                    db.display(),
                    path.display()
                );
            }
            Err(TryLockError::Error(err)) => {
                return Err(err).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        Ok(DatabaseLock { _file: file })
    }
}

/// `warroom.db` → `warroom.db.lock`, beside it.
fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_names_the_file_and_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("warroom.db");
        let first = DatabaseLock::acquire(&db).unwrap();
        let refusal = DatabaseLock::acquire(&db).unwrap_err().to_string();
        assert!(refusal.contains(&db.display().to_string()), "{refusal}");
        assert!(
            refusal.contains(&format!("pid {}", std::process::id())),
            "{refusal}"
        );
        drop(first);
        DatabaseLock::acquire(&db).expect("free again once the first is gone");
    }
}
