//! The outbox on disk: the commands typed but not yet acknowledged, kept in the data
//! directory so that quitting, a crash or a reboot while the backend is away loses nothing.
//! One file per backend, since a command is meant for the backend it was typed against. A
//! backend given as several replicas (`--backend URL1,URL2`) is named by its first URL: the
//! replicas share one log, and the file stays the same when the client fails over.

use super::app::outbox::Pending;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
struct Saved {
    backend: String,
    pending: Vec<Pending>,
}

/// Where the outbox for `backend` lives under `data_dir`.
pub fn path(data_dir: &Path, backend: &str) -> PathBuf {
    let name: String = backend
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    data_dir.join("outbox").join(format!("{name}.json"))
}

/// What an earlier run left. A file that cannot be read is moved aside, never deleted, and
/// the reason comes back to be shown.
pub fn load(path: &Path) -> (Vec<Pending>, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return (vec![], None),
        Err(error) => {
            return (
                vec![],
                Some(format!(
                    "cannot read the outbox {}: {error}",
                    path.display()
                )),
            );
        }
    };
    match serde_json::from_str::<Saved>(&text) {
        Ok(saved) => (saved.pending, None),
        Err(error) => {
            let aside = path.with_extension("unreadable");
            let moved = std::fs::rename(path, &aside).is_ok();
            let kept = if moved {
                format!("; kept as {}", aside.display())
            } else {
                String::new()
            };
            (
                vec![],
                Some(format!(
                    "the outbox {} is unreadable ({error}){kept}",
                    path.display()
                )),
            )
        }
    }
}

/// Writes the outbox whole, to a temporary file synced and renamed over the old one, so a
/// crash leaves either the old or the new outbox, never half of one; only its owner may read
/// it (pending notes are the incident's internals). An empty outbox removes the file.
pub fn save(path: &Path, backend: &str, pending: &[Pending]) -> std::io::Result<()> {
    if pending.is_empty() {
        return match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        };
    }
    let saved = Saved {
        backend: backend.to_string(),
        pending: pending.to_vec(),
    };
    let body = serde_json::to_vec_pretty(&saved).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        crate::private_files::dir(dir)?;
    }
    crate::private_files::write_whole(path, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Command, IncidentId, NoteKind};
    use crate::tui::app::outbox::{Outbox, Request};

    #[test]
    fn the_outbox_survives_a_restart_and_an_unreadable_one_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let file = path(dir.path(), "http://127.0.0.1:7070");
        assert_eq!(load(&file), (vec![], None));
        let mut outbox = Outbox::resumed("run".into(), vec![]);
        let note = Command::AddNote {
            kind: NoteKind::Note,
            text: "rolled back".into(),
        };
        let request = Request::Command {
            incident: IncidentId::from_number(3),
            command: note,
        };
        outbox.enqueue(request, "note INC-3".into(), vec![], chrono::Utc::now());
        save(&file, "http://127.0.0.1:7070", &outbox.items).unwrap();
        assert_eq!(load(&file), (outbox.items.clone(), None));

        save(&file, "http://127.0.0.1:7070", &[]).unwrap();
        assert!(!file.exists());

        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "{not json").unwrap();
        let (left, warning) = load(&file);
        assert!(left.is_empty());
        assert!(warning.unwrap().contains("unreadable"));
        assert!(file.with_extension("unreadable").exists());
    }
}
