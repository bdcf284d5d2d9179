//! The real binary in a real terminal: a tmux session on a private socket, driven with
//! `send-keys` and read with `capture-pane`, as a person at a keyboard would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    session: String,
}

/// How long a screen may take to show what a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(20);

impl Tmux {
    /// Starts `program args…` in a detached session of the given size, with `env` set.
    /// The program's stderr goes to `stderr_file` so a failure can be read afterwards.
    pub fn start(
        name: &str,
        (width, height): (u16, u16),
        program: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stderr_file: &Path,
    ) -> Tmux {
        // One tmux server per session: tests run in parallel and may reuse a name.
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let socket = format!("warroom-test-{}-{n}-{name}", std::process::id());
        let tmux = Tmux {
            socket,
            session: name.to_string(),
        };
        let mut shell = String::new();
        for (key, value) in env {
            shell.push_str(&format!("{key}={} ", quote(value)));
        }
        shell.push_str(&quote(&program.display().to_string()));
        for arg in args {
            shell.push(' ');
            shell.push_str(&quote(arg));
        }
        shell.push_str(&format!(" 2>{}", quote(&stderr_file.display().to_string())));
        // Keep the pane after the program exits, so its last screen can still be read.
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &format!("{shell}; echo '[exited]'; sleep 600"),
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux is installed (Debian package tmux)");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Types text literally (no key names).
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    /// Presses named keys: `Enter`, `Tab`, `Escape`, `Space`, `C-c`, or a single character.
    pub fn press(&self, key: &str) {
        self.run(&["send-keys", "-t", &self.session, key]);
    }

    /// Resizes the window, as a person dragging their terminal's corner would.
    pub fn resize(&self, (width, height): (u16, u16)) {
        self.run(&[
            "resize-window",
            "-t",
            &self.session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-t", &self.session, "-p"])
    }

    /// The pane's title, which an OSC 0/2 sequence would change.
    pub fn pane_title(&self) -> String {
        self.run(&[
            "display-message",
            "-t",
            &self.session,
            "-p",
            "#{pane_title}",
        ])
        .trim()
        .to_string()
    }

    /// The pid of the program under test: the only child of the pane's shell.
    pub fn program_pid(&self) -> u32 {
        let shell = self.run(&["display-message", "-t", &self.session, "-p", "#{pane_pid}"]);
        let children =
            std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", shell.trim()))
                .expect("the pane's shell is running");
        children
            .split_whitespace()
            .next()
            .and_then(|pid| pid.parse().ok())
            .expect("the program runs under the pane's shell")
    }

    /// Copies every byte the program writes to the terminal into `file`.
    pub fn record_output(&self, file: &Path) {
        let command = format!("cat >> {}", quote(&file.display().to_string()));
        self.run(&["pipe-pane", "-t", &self.session, "-o", &command]);
    }

    /// Lets programs set tmux's paste buffer through OSC 52 (`set-clipboard on`), as a
    /// terminal that allows it would its clipboard.
    pub fn allow_clipboard(&self) {
        self.run(&["set-option", "-s", "set-clipboard", "on"]);
    }

    /// tmux's newest paste buffer: what the program copied, or `None` before any copy.
    pub fn clipboard(&self) -> Option<String> {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "show-buffer"])
            .output()
            .expect("tmux is installed (Debian package tmux)");
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Waits until the screen satisfies `ready`, and returns it; panics with the last screen.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {PATIENCE:?} for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen contains `text`.
    pub fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |screen| screen.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The bells in raw terminal output: BEL bytes that do not end an OSC sequence (a title or a
/// hyperlink, `ESC ] … BEL`).
pub fn bells(raw: &[u8]) -> usize {
    let mut count = 0;
    let mut in_osc = false;
    let mut previous = 0u8;
    for &byte in raw {
        match byte {
            b']' if previous == 0x1b => in_osc = true,
            0x07 if in_osc => in_osc = false,
            b'\\' if in_osc && previous == 0x1b => in_osc = false,
            0x07 => count += 1,
            _ => {}
        }
        previous = byte;
    }
    count
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A scratch home for a client: its config and log go here, not into the developer's.
pub fn scratch_home(dir: &Path, name: &str) -> PathBuf {
    let home = dir.join(name);
    std::fs::create_dir_all(&home).expect("create a scratch home");
    home
}
