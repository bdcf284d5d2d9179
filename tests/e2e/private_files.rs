//! What the client keeps on disk (the outbox of pending commands, the command history, the
//! log) names incidents and people: only its owner may read it, whatever the umask, and
//! even where an older version left the data directory open.

use super::support::server::TestServer;
use super::support::tmux::scratch_home;
use super::{declare, open_client};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_outbox_history_and_log_are_the_owners_alone() {
    let mut server = TestServer::open();
    declare(&server, "Payments slow", None);
    // An older warroom left the data directory and its log readable by everyone.
    let data = scratch_home(server.dir(), "private").join("warroom");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = data.join("warroom.log");
    std::fs::write(&log, "an old line\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();

    let desk = open_client(&server, "private", (120, 40), &[]);
    desk.wait_for_text("Payments slow");
    server.kill();
    desk.wait_for_text("disconnected since");
    desk.type_text(":note checked the payment gateway");
    desk.press("Enter");
    desk.wait_for_text("pending, retrying");

    let outbox = data.join("outbox");
    let history = data.join("command_history");
    let deadline = Instant::now() + Duration::from_secs(10);
    let pending = loop {
        let files: Vec<_> = std::fs::read_dir(&outbox)
            .map(|dir| dir.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        if let (Some(file), true) = (files.first(), history.exists()) {
            break file.clone();
        }
        assert!(Instant::now() < deadline, "no outbox file or history");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        std::fs::read_to_string(&pending)
            .unwrap()
            .contains("checked the payment gateway")
    );
    assert_eq!(mode(&data), 0o700, "the data directory");
    assert_eq!(mode(&outbox), 0o700, "the outbox directory");
    assert_eq!(mode(&pending), 0o600, "the outbox");
    assert_eq!(mode(&history), 0o600, "the command history");
    assert_eq!(mode(&log), 0o600, "the log");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .starts_with("an old line\n")
    );
}
