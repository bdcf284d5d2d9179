//! The real `warroom serve` (this build's binary) as a child process: what users run, with
//! its CPU and memory its own, apart from the benchmark's clients.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `warroom serve`, killed when dropped (a bench that panics leaves none behind).
pub struct Served {
    child: Child,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Served {
    /// Starts `warroom serve` on `db` (a SQLite path or a PostgreSQL URL) on an ephemeral
    /// loopback port, at the default log level, with the config file `config` (none: the
    /// built-in defaults) and its log (stderr) going to `log`; returns once it listens.
    /// `WARROOM_BENCH_SERVER` names another binary to serve with (say main's release build,
    /// for an A/B of the server with the same clients); by default, this build's.
    pub fn start(db: &str, config: Option<&Path>, log: Stdio) -> Served {
        let binary = std::env::var_os("WARROOM_BENCH_SERVER")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_warroom").into());
        let mut command = Command::new(binary);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
            .env_remove("WARROOM_CONFIG")
            .env_remove("WARROOM_LOG")
            .env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(config) = config {
            command.env("WARROOM_CONFIG", config);
        }
        let mut child = command.spawn().expect("warroom serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("warroom serve said {line:?}"))
            .to_string();
        Served { child, url }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops it as an operator would (SIGTERM) and waits for its clean exit.
    pub fn terminate(&mut self) {
        let pid = i32::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill only sends a signal, to our own child, which has not been reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM");
        let status = self.child.wait().expect("the server stops");
        assert!(status.success(), "warroom serve stopped with {status}");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // Already stopped (terminate) or not: either way nobody is left running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time (user and system) a process has used so far, in seconds, from
/// `/proc/PID/stat` (clock ticks of 10 ms).
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name, in parentheses, may hold spaces: the fields after it are plain.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("a stat line")
        .1
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a system constant.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}
