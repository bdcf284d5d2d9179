//! `TestServer`: the real `warroom` binary serving a real SQLite file in a temporary
//! directory, or a fresh database on a real PostgreSQL, on an ephemeral loopback port.
//!
//! ```ignore
//! let server = TestServer::open();                 // open mode: every caller is admin
//! let server = TestServer::with_tokens(TOKENS);    // bearer tokens from a TOML text
//! let b = TestServer::replica_of(&server);         // a second replica on the same database
//! let server = TestServer::launch_with(ServerSetup { config: Some("..."), ..Default::default() });
//! reqwest::get(server.url("/healthz"));
//! server.kill();                                   // SIGKILL, as a crash would
//! server.restart();                                // same db, tokens and port
//! ```
//! The store is SQLite unless `WARROOM_TEST_STORE=postgres`: `scripts/test` runs the API
//! suites once with each, so every API test holds for both stores.
//! The child is killed when the `TestServer` is dropped, so a failing test leaves nothing
//! running. The server's log (stderr) is kept in the temporary directory: see [`TestServer::log`].

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A tokens file with one person of each role below admin.
pub const TOKENS: &str = r#"
[[tokens]]
token = "viewer-token"
person = "wally"
role = "viewer"

[[tokens]]
token = "responder-token"
person = "rita"
role = "responder"

[[tokens]]
token = "commander-token"
person = "carol"
role = "commander"
"#;

/// How long the binary may take to print its address: bounds a failure only (folding a
/// million events on a loaded machine has taken more than 30 s).
const STARTUP: Duration = Duration::from_secs(120);

/// The store the servers of this test process use, from `WARROOM_TEST_STORE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

impl StoreKind {
    pub fn under_test() -> StoreKind {
        match std::env::var("WARROOM_TEST_STORE").as_deref() {
            Err(_) | Ok("" | "sqlite") => StoreKind::Sqlite,
            Ok("postgres") => StoreKind::Postgres,
            Ok(other) => panic!("WARROOM_TEST_STORE={other}: use sqlite or postgres"),
        }
    }
}

/// How to start a server beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerSetup<'a> {
    /// The tokens file's TOML text; none is open mode.
    pub tokens: Option<&'a str>,
    /// The config file's TOML text (`[server.limits]`, say); none is the built-in defaults.
    pub config: Option<&'a str>,
    /// Shell commands run before the server replaces the shell, such as `ulimit -S -n 1024`.
    pub before: Option<&'a str>,
    /// Extra arguments to `serve`, such as `--status-listen`.
    pub args: &'a [&'a str],
    /// The database to serve (a SQLite path or a PostgreSQL URL) instead of a fresh one of
    /// the store under test.
    pub db: Option<&'a str>,
}

pub struct TestServer {
    dir: tempfile::TempDir,
    /// What `--db` says: the SQLite file or the PostgreSQL URL.
    db: String,
    store: StoreKind,
    tokens: Option<PathBuf>,
    config: Option<PathBuf>,
    before: Option<String>,
    extra_args: Vec<String>,
    child: Option<Child>,
    base: String,
    starts: usize,
}

/// A `Command` for the `warroom` binary under test.
pub fn warroom() -> Command {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
}

impl TestServer {
    /// A server in open mode on a fresh database.
    pub fn open() -> TestServer {
        TestServer::launch_with(ServerSetup::default())
    }

    /// A server whose tokens file has this TOML text.
    pub fn with_tokens(toml: &str) -> TestServer {
        TestServer::launch_with(ServerSetup {
            tokens: Some(toml),
            ..ServerSetup::default()
        })
    }

    /// A server on PostgreSQL whatever the store under test (for the replica tests).
    pub fn on_postgres() -> TestServer {
        TestServer::launch_on(ServerSetup::default(), StoreKind::Postgres, None)
    }

    /// The same, with a config file of this TOML text.
    pub fn on_postgres_with_config(config: &str) -> TestServer {
        let setup = ServerSetup {
            config: Some(config),
            ..ServerSetup::default()
        };
        TestServer::launch_on(setup, StoreKind::Postgres, None)
    }

    /// A server in open mode on the store under test, with more `warroom serve` arguments.
    pub fn open_with_args(args: &[&str]) -> TestServer {
        TestServer::launch_with(ServerSetup {
            args,
            ..ServerSetup::default()
        })
    }

    /// A server on SQLite whatever the store under test.
    pub fn on_sqlite() -> TestServer {
        TestServer::launch_on(ServerSetup::default(), StoreKind::Sqlite, None)
    }

    /// The same, with a config file of this TOML text.
    pub fn on_sqlite_with_config(config: &str) -> TestServer {
        let setup = ServerSetup {
            config: Some(config),
            ..ServerSetup::default()
        };
        TestServer::launch_on(setup, StoreKind::Sqlite, None)
    }

    /// A server on this database (a SQLite path or a PostgreSQL URL), in open mode.
    pub fn on_db(db: &str) -> TestServer {
        TestServer::launch_with(ServerSetup {
            db: Some(db),
            ..ServerSetup::default()
        })
    }

    /// Another replica on the same database as `other` (PostgreSQL), with its tokens.
    pub fn replica_of(other: &TestServer) -> TestServer {
        TestServer::replica_with(other, &[])
    }

    /// The same, with extra arguments to `serve`. The replica has `other`'s tokens and config.
    pub fn replica_with(other: &TestServer, args: &[&str]) -> TestServer {
        assert_eq!(
            other.store,
            StoreKind::Postgres,
            "replicas share PostgreSQL"
        );
        let read = |path: &PathBuf| std::fs::read_to_string(path).expect("the file to copy");
        let tokens = other.tokens.as_ref().map(read);
        let config = other.config.as_ref().map(read);
        let setup = ServerSetup {
            tokens: tokens.as_deref(),
            config: config.as_deref(),
            args,
            ..ServerSetup::default()
        };
        TestServer::launch_on(setup, StoreKind::Postgres, Some(other.db.clone()))
    }

    /// A server with tokens (or open mode), a config file with this TOML text, and extra
    /// arguments to `serve`.
    pub fn with_config(tokens: Option<&str>, config: &str, args: &[&str]) -> TestServer {
        TestServer::launch_with(ServerSetup {
            tokens,
            config: Some(config),
            args,
            ..ServerSetup::default()
        })
    }

    /// A server on `setup.db`, else on a fresh database of the store under test.
    pub fn launch_with(setup: ServerSetup) -> TestServer {
        match setup.db {
            Some(db) if db.starts_with("postgres://") => {
                TestServer::launch_on(setup, StoreKind::Postgres, Some(db.to_string()))
            }
            Some(db) => TestServer::launch_on(setup, StoreKind::Sqlite, Some(db.to_string())),
            None => TestServer::launch_on(setup, StoreKind::under_test(), None),
        }
    }

    /// A server on `db`, or on a fresh database of `store`.
    fn launch_on(setup: ServerSetup, store: StoreKind, db: Option<String>) -> TestServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = db.unwrap_or_else(|| match store {
            StoreKind::Sqlite => dir.path().join("warroom.db").display().to_string(),
            StoreKind::Postgres => super::postgres::database(),
        });
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write a file for the server");
            path
        };
        let tokens = setup.tokens.map(|text| write("tokens.toml", text));
        let config = setup.config.map(|text| write("config.toml", text));
        let mut server = TestServer {
            dir,
            db,
            store,
            tokens,
            config,
            before: setup.before.map(str::to_string),
            extra_args: setup.args.iter().map(|a| a.to_string()).collect(),
            child: None,
            base: String::new(),
            starts: 0,
        };
        server.spawn();
        server
    }

    /// The base URL, such as `http://127.0.0.1:41234`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full URL of a path (`/v1/incidents`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A number of `/metrics` (`warroom_longpoll_waiters`), `None` when it is not there.
    pub async fn metric(&self, client: &reqwest::Client, name: &str) -> Option<u64> {
        let metrics = super::http::send(client.get(self.url("/metrics")))
            .await
            .text;
        metrics.lines().find_map(|line| {
            let value = line.strip_prefix(name)?.strip_prefix(' ')?;
            value.parse().ok()
        })
    }

    /// Waits until the server counts `count` long-polls waiting: a spawned long-poll has
    /// reached the server and read the head it waits beyond, which no fixed pause can promise.
    pub async fn long_polls_waiting(&self, client: &reqwest::Client, count: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.metric(client, "warroom_longpoll_waiters").await != Some(count) {
            assert!(
                std::time::Instant::now() < deadline,
                "{count} long-polls never waited on {}: {:?}",
                self.base,
                self.metric(client, "warroom_longpoll_waiters").await
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The SQLite file the server writes.
    pub fn db_path(&self) -> PathBuf {
        assert_eq!(
            self.store,
            StoreKind::Sqlite,
            "a PostgreSQL server has no file"
        );
        PathBuf::from(&self.db)
    }

    /// What `--db` says: a SQLite path or a PostgreSQL URL.
    pub fn db(&self) -> &str {
        &self.db
    }

    pub fn store(&self) -> StoreKind {
        self.store
    }

    /// Makes the store refuse, from outside the server, every insert of an event whose JSON
    /// contains `text`: a real failure of the database in the middle of a commit.
    pub fn break_commits_mentioning(&self, text: &str) {
        match self.store {
            StoreKind::Sqlite => rusqlite::Connection::open(self.db_path())
                .and_then(|db| {
                    db.execute_batch(&format!(
                        "CREATE TRIGGER fail_note BEFORE INSERT ON events
                         WHEN NEW.kind LIKE '%{text}%'
                         BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;"
                    ))
                })
                .expect("add the failing trigger"),
            StoreKind::Postgres => super::postgres::execute(
                &self.db,
                &format!(
                    "CREATE FUNCTION fail_note() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN IF NEW.kind LIKE '%{text}%' THEN RAISE EXCEPTION 'disk on fire'; END IF;
                     RETURN NEW; END $$;
                     CREATE TRIGGER fail_note BEFORE INSERT ON events
                     FOR EACH ROW EXECUTE FUNCTION fail_note();"
                ),
            ),
        }
    }

    /// Undoes [`TestServer::break_commits_mentioning`].
    pub fn mend_commits(&self) {
        match self.store {
            StoreKind::Sqlite => rusqlite::Connection::open(self.db_path())
                .and_then(|db| db.execute_batch("DROP TRIGGER fail_note"))
                .expect("drop the failing trigger"),
            StoreKind::Postgres => {
                super::postgres::execute(&self.db, "DROP TRIGGER fail_note ON events")
            }
        }
    }

    /// The temporary directory holding the database, the tokens file and the logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the server has written to stderr, across restarts.
    pub fn log(&self) -> String {
        (1..=self.starts)
            .filter_map(|n| std::fs::read_to_string(self.log_path(n)).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Kills the server with SIGKILL (no shutdown, no flush) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Child::kill is SIGKILL on unix.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same database, tokens file and port (killing it first
    /// if it still runs), so clients can reconnect to the URL they had.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// The process id, for tests that signal the server themselves.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Waits for the server to exit by itself (after SIGTERM, say) and returns its status.
    pub fn wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.take().and_then(|mut child| child.wait().ok())
    }

    /// Like [`wait`](TestServer::wait), but gives up after `limit` (the server keeps running
    /// and is killed when dropped).
    pub fn wait_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            let child = self.child.as_mut()?;
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    fn log_path(&self, start: usize) -> PathBuf {
        self.dir.path().join(format!("server-{start}.log"))
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let stderr = File::create(self.log_path(self.starts)).expect("create the server log");
        // The first start picks a free port; later ones take the same one back.
        let listen = self
            .base
            .strip_prefix("http://")
            .unwrap_or("127.0.0.1:0")
            .to_string();
        let mut command = match &self.before {
            // `exec` replaces the shell, so the child's pid is the server's.
            Some(before) => {
                let mut shell = Command::new("sh");
                shell
                    .arg("-c")
                    .arg(format!("{before} && exec \"$0\" \"$@\""))
                    .arg(env!("CARGO_BIN_EXE_warroom"));
                shell
            }
            None => warroom(),
        };
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        command
            .arg("serve")
            .args(&self.extra_args)
            .args(["--listen", &listen])
            .arg("--db")
            .arg(&self.db);
        if let Some(tokens) = &self.tokens {
            command.arg("--tokens").arg(tokens);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start the warroom binary");
        let stdout = child.stdout.take().expect("piped stdout");
        self.child = Some(child);
        let (first_line, line) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut text = String::new();
            let _ = reader.read_line(&mut text);
            let _ = first_line.send(text);
            // Keep draining so that the server never blocks on a full pipe.
            let _ = std::io::copy(&mut reader.take(u64::MAX), &mut std::io::sink());
        });
        let text = line.recv_timeout(STARTUP).unwrap_or_default();
        match text.trim().strip_prefix("listening on ") {
            Some(url) => self.base = url.to_string(),
            None => {
                self.kill();
                panic!(
                    "warroom serve did not print its address (got {text:?}); its log:\n{}",
                    self.log()
                );
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Moves incident `id` to status `to` through the API, asserting that it was accepted.
pub async fn transition(client: &reqwest::Client, server: &TestServer, id: &str, to: &str) {
    let answer = super::http::send(
        client
            .post(server.url(&format!("/v1/incidents/{id}/commands")))
            .json(&serde_json::json!({"type": "transition", "to": to})),
    )
    .await;
    assert_eq!(answer.status, 200, "{id} to {to}: {}", answer.text);
}
