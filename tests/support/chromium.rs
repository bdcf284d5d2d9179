//! Headless Chromium (Debian's `chromium`, installed by scripts/test): a page's DOM after load
//! and screenshots. A missing browser fails the test; it never skips it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Command {
    let binary = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .expect("chromium is not installed: scripts/test installs it (apt-get install chromium)");
    let mut command = Command::new(binary);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
    ]);
    command
}

/// Runs chromium with a timeout and returns its stdout.
fn run(mut command: Command) -> String {
    let profile = tempfile::tempdir().expect("a profile directory");
    command
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("start chromium");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            let mut out = String::new();
            use std::io::Read;
            let _ = child.stdout.take().map(|mut s| s.read_to_string(&mut out));
            assert!(status.success(), "chromium failed: {status}");
            return out;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("chromium did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The DOM after load, serialised.
pub fn dump_dom(url: &str) -> String {
    let mut command = chromium();
    command.arg("--dump-dom").arg(url);
    run(command)
}

/// A screenshot at this window size, written to `out`.
pub fn screenshot(url: &str, width: u32, height: u32, out: &Path) {
    let mut command = chromium();
    command
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", out.display()))
        .arg(url);
    run(command);
    assert!(
        out.exists(),
        "chromium wrote no screenshot to {}",
        out.display()
    );
}

/// The DOM after load in a window of this size, the page told the reader prefers a dark (or
/// light) scheme; scripts get up to 5 s of the page's own time (fetches and timers) first.
pub fn dump_dom_as(url: &str, width: u32, height: u32, dark: bool) -> String {
    let mut command = chromium();
    command
        .arg(format!("--window-size={width},{height}"))
        .arg(format!(
            "--blink-settings=preferredColorScheme={}",
            if dark { 0 } else { 1 }
        ))
        .arg("--virtual-time-budget=5000")
        .arg("--dump-dom")
        .arg(url);
    run(command)
}
