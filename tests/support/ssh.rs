//! `warroom ssh-serve` in front of a [`TestServer`], and the real OpenSSH client (`ssh`, from
//! Debian's `openssh-client`) in tmux with a key pair made by `ssh-keygen`.
//!
//! ```ignore
//! let backend = TestServer::with_tokens(support::ssh::GATEWAY_TOKENS);
//! let gateway = SshServe::start(&backend, &[("alice", "commander")]);
//! let screen = gateway.connect("alice", "desk", (120, 40), &[]);
//! screen.wait_for_text("alice (commander)");
//! ```
//!
//! Where a test needs to send what OpenSSH would not (a 65535x65535 pty, a key per request),
//! it uses `russh`'s client instead: [`SshServe::login`] and [`Frames`].

use super::server::TestServer;
use super::tmux::Tmux;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// A tokens file with a gateway whose ceiling is commander, and an ordinary admin.
pub const GATEWAY_TOKENS: &str = r#"
[[tokens]]
token = "gateway-token"
person = "ssh-gateway"
role = "gateway"
ceiling = "commander"

[[tokens]]
token = "admin-token"
person = "root"
role = "admin"
"#;

pub struct SshServe {
    dir: tempfile::TempDir,
    child: Child,
    /// `127.0.0.1:port`
    pub address: String,
    pub port: String,
    /// `SHA256:…`, as printed at start.
    pub fingerprint: String,
}

/// Makes an ed25519 key pair `dir/name` (+ `.pub`) and returns the public key line.
pub fn key_pair(dir: &Path, name: &str) -> String {
    key_pair_of("ed25519", dir, name)
}

/// Makes a key pair of `kind` (`ssh-keygen -t`: ed25519, ecdsa, rsa) `dir/name` (+ `.pub`)
/// and returns the public key line.
pub fn key_pair_of(kind: &str, dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C"])
        .arg(format!("{name}@test"))
        .arg("-f")
        .arg(&path)
        .status()
        .expect("ssh-keygen is installed (Debian package openssh-client)");
    assert!(status.success(), "ssh-keygen failed");
    std::fs::read_to_string(path.with_extension("pub"))
        .expect("the public key")
        .trim()
        .to_string()
}

impl SshServe {
    /// Starts `ssh-serve` on a free loopback port with the gateway token, a key pair per
    /// `(person, role)` and an authorized file listing them all.
    pub fn start(backend: &TestServer, people: &[(&str, &str)]) -> SshServe {
        Self::start_with(backend, people, &[])
    }

    pub fn start_with(backend: &TestServer, people: &[(&str, &str)], args: &[&str]) -> SshServe {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut authorized = String::new();
        for (person, role) in people {
            let key = key_pair(dir.path(), person);
            authorized.push_str(&format!(
                "[[key]]\nperson = \"{person}\"\nrole = \"{role}\"\nkey = \"{key}\"\n\n"
            ));
        }
        std::fs::write(dir.path().join("authorized.toml"), authorized).expect("write");
        let stderr = std::fs::File::create(dir.path().join("ssh-serve.log")).expect("log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["--backend", backend.base()])
            .arg("ssh-serve")
            .args(["--listen", "127.0.0.1:0", "--authorized"])
            .arg(dir.path().join("authorized.toml"))
            .arg("--host-key")
            .arg(dir.path().join("host_key"))
            .args(args)
            .env("WARROOM_TOKEN", "gateway-token")
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start warroom ssh-serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            for _ in 0..2 {
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let _ = lines.send(line);
            }
            let _ = std::io::copy(&mut reader.take(u64::MAX), &mut std::io::sink());
        });
        let first = || {
            received
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_default()
        };
        let (listening, key) = (first(), first());
        let log = || std::fs::read_to_string(dir.path().join("ssh-serve.log")).unwrap_or_default();
        let address = listening
            .trim()
            .strip_prefix("warroom ssh-serve listening on ")
            .unwrap_or_else(|| panic!("no address (got {listening:?}); log:\n{}", log()))
            .to_string();
        let fingerprint = key
            .trim()
            .strip_prefix("host key ")
            .unwrap_or_else(|| panic!("no host key (got {key:?}); log:\n{}", log()))
            .to_string();
        let port = address.rsplit(':').next().unwrap_or_default().to_string();
        SshServe {
            dir,
            child,
            address,
            port,
            fingerprint,
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The private key of `person` (made at start, or by [`key_pair`] in [`SshServe::dir`]).
    pub fn key(&self, person: &str) -> PathBuf {
        self.dir.path().join(person)
    }

    /// Everything `ssh-serve` logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ssh-serve.log")).unwrap_or_default()
    }

    /// The arguments of `ssh` to this server with `person`'s key and nothing else, trusting
    /// the new host key, with the `options` (`-t`) before the host.
    pub fn ssh_args(&self, person: &str, options: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "-p",
            &self.port,
            "-i",
            &self.key(person).display().to_string(),
            "-F",
            "/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "BatchMode=yes",
            "-o",
            "SendEnv=LANG LC_ALL NO_COLOR",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(options.iter().map(|s| s.to_string()));
        args.push(format!("{person}@127.0.0.1"));
        args
    }

    /// `ssh -t` in a tmux window of `size`, as `person`, with `env` for the client (its
    /// `LANG`, say), then `command` (empty for the screen).
    pub fn connect(
        &self,
        person: &str,
        name: &str,
        size: (u16, u16),
        env: &[(&str, &str)],
        command: &[&str],
    ) -> Tmux {
        let mut args = self.ssh_args(person, &["-t"]);
        args.extend(command.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut env = env.to_vec();
        if !env.iter().any(|(name, _)| *name == "LANG") {
            env.push(("LANG", "C.UTF-8"));
        }
        env.push(("TERM", "xterm-256color"));
        let stderr = self.dir.path().join(format!("{name}.ssh.stderr"));
        Tmux::start(name, size, Path::new("ssh"), &args, &env, &stderr)
    }

    /// Runs `ssh … command` to the end and returns its exit code, stdout and stderr.
    pub fn run(&self, person: &str, command: &[&str]) -> (i32, String, String) {
        let output = Command::new("ssh")
            .args(self.ssh_args(person, &[]))
            .args(command)
            .stdin(Stdio::null())
            .output()
            .expect("ssh is installed (Debian package openssh-client)");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// The end of every frame the client draws (the synchronized-update end).
pub const FRAME_END: &[u8] = b"\x1b[?2026l";

/// A `russh` client that trusts the host key (each test's server makes a fresh one).
pub struct TrustingClient;

impl russh::client::Handler for TrustingClient {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

pub type SshClient = russh::client::Handle<TrustingClient>;

/// Connects with `russh` and goes through the key exchange, not yet authenticated.
pub async fn handshake(address: &str) -> Result<SshClient, russh::Error> {
    let config = Arc::new(russh::client::Config::default());
    russh::client::connect(config, address, TrustingClient).await
}

/// Offers the private key at `key` as `user`: whether the server took it.
pub async fn offer_key(client: &mut SshClient, user: &str, key: &Path) -> Result<bool, String> {
    // No hash to choose but for RSA keys, where `None` signs with SHA-1 (`ssh-rsa`).
    offer_key_signing_with(client, user, key, None).await
}

/// Offers the private key at `key` as `user`, an RSA key signing with `hash`.
pub async fn offer_key_signing_with(
    client: &mut SshClient,
    user: &str,
    key: &Path,
    hash: Option<russh::keys::HashAlg>,
) -> Result<bool, String> {
    let key = russh::keys::load_secret_key(key, None).map_err(|e| format!("{e}"))?;
    let key = russh::keys::PrivateKeyWithHashAlg::new(Arc::new(key), hash);
    client
        .authenticate_publickey(user, key)
        .await
        .map(|result| result.success())
        .map_err(|e| format!("{e}"))
}

/// A screen session through `russh`: its channel to send requests on, and its output read
/// frame by frame. A task reads the channel all the time, as a terminal does, so the
/// server is never held up by a test that is busy sending.
pub struct Frames {
    pub channel: russh::ChannelWriteHalf<russh::client::Msg>,
    output: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    pending: Vec<u8>,
}

impl Frames {
    /// Opens a session channel with a pty of `columns` x `rows` and starts the screen.
    pub async fn open(client: &SshClient, columns: u32, rows: u32) -> Result<Frames, russh::Error> {
        let channel = client.channel_open_session().await?;
        channel
            .request_pty(false, "xterm-256color", columns, rows, 0, 0, &[])
            .await?;
        channel.request_shell(false).await?;
        let (mut read, channel) = channel.split();
        let (sender, output) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(message) = read.wait().await {
                if let russh::ChannelMsg::Data { data } = message
                    && sender.send(data.to_vec()).is_err()
                {
                    return;
                }
            }
        });
        Ok(Frames {
            channel,
            output,
            pending: Vec::new(),
        })
    }

    /// The bytes up to the end of the next whole frame, or `None` if the channel ends or
    /// none comes within `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(at) = self
                .pending
                .windows(FRAME_END.len())
                .position(|w| w == FRAME_END)
            {
                let rest = self.pending.split_off(at + FRAME_END.len());
                return Some(std::mem::replace(&mut self.pending, rest));
            }
            let chunk = tokio::time::timeout_at(deadline, self.output.recv())
                .await
                .ok()??;
            self.pending.extend_from_slice(&chunk);
        }
    }
}

/// The largest row and column that cursor moves (`ESC [ row ; column H`) in `bytes` go to.
pub fn furthest_cell(bytes: &[u8]) -> (u32, u32) {
    let mut furthest = (0, 0);
    let text = String::from_utf8_lossy(bytes);
    for sequence in text.split("\x1b[").skip(1) {
        let Some(end) = sequence.find(|c: char| !(c.is_ascii_digit() || c == ';')) else {
            continue;
        };
        if !sequence[end..].starts_with('H') {
            continue;
        }
        let mut numbers = sequence[..end]
            .split(';')
            .map(|n| n.parse::<u32>().unwrap_or(1));
        let (row, column) = (numbers.next().unwrap_or(1), numbers.next().unwrap_or(1));
        furthest = (furthest.0.max(row), furthest.1.max(column));
    }
    furthest
}

/// A field of `/proc/PID/status` in kB (`VmRSS`, `VmHWM`).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

impl SshServe {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server is still running (it has not exited or been killed).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Its open descriptors.
    pub fn descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }

    /// Logs in as `person` with their key through `russh`: the client, and how long the
    /// connection and login took.
    pub async fn login(&self, person: &str) -> (SshClient, Duration) {
        let started = Instant::now();
        let mut client = handshake(&self.address).await.expect("a handshake");
        let accepted = offer_key(&mut client, person, &self.key(person))
            .await
            .expect("an answer to the key");
        assert!(accepted, "{person}'s key was refused; log:\n{}", self.log());
        (client, started.elapsed())
    }

    /// Waits up to `within` for a line of the log that holds every one of `parts`.
    pub async fn wait_for_log(&self, within: Duration, parts: &[&str]) -> String {
        let deadline = Instant::now() + within;
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
                return line.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {parts:?} within {within:?}; log:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SshServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
