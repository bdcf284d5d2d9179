//! A real PostgreSQL for tests, from Debian's `postgresql` package: `initdb` into a temporary
//! directory and a server on a free loopback port. PostgreSQL refuses to run as root, so when
//! the tests run as root the server runs as the `postgres` user the package creates.
//!
//! ```ignore
//! let url = support::postgres::database();   // a fresh, empty database on the shared server
//! let server = Postgres::start(Durability::Full);  // a server of one's own (benchmarks)
//! ```
//! One shared server per test process, started on first use and stopped when the process
//! exits (or dies: the kernel signals it then). A missing package is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Whether the server may skip fsync: fine for functional tests, never for durability
/// figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Full,
    Fast,
}

pub struct Postgres {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

static SHARED: OnceLock<SharedServer> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

struct SharedServer {
    port: u16,
    pid: u32,
    dir: PathBuf,
}

/// A fresh database on the process's shared server, as a `postgres://` URL.
pub fn database() -> String {
    let shared = SHARED.get_or_init(start_shared);
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", shared.port);
    execute(&admin, &format!("CREATE DATABASE {name}"));
    format!("postgres://postgres@127.0.0.1:{}/{name}", shared.port)
}

/// Runs SQL statements on a database. [`Sql`] owns a runtime of its own, so it runs on a
/// thread of its own, out of any async test's runtime.
pub fn execute(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        Sql::connect(&url)
            .batch_execute(&sql)
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
    })
    .join()
    .expect("the SQL thread");
}

/// A connection for SQL beside the store's, from a test's own (non-async) thread: tokio-postgres
/// on a current-thread runtime that drives the socket while a call waits.
pub struct Sql {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl Sql {
    pub fn connect(url: &str) -> Sql {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the SQL connection");
        let (client, connection) = runtime
            .block_on(tokio_postgres::connect(url, tokio_postgres::NoTls))
            .unwrap_or_else(|err| panic!("connect to {url}: {err}"));
        runtime.spawn(connection);
        Sql { runtime, client }
    }

    pub fn batch_execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.runtime.block_on(self.client.batch_execute(sql))
    }

    pub fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
        self.runtime.block_on(self.client.query(sql, params))
    }
}

/// Starts the shared server from a thread that lives as long as the process: the kernel's
/// parent-death signal is tied to the thread that started the child.
fn start_shared() -> SharedServer {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let server = Postgres::start(Durability::Fast);
        let shared = SharedServer {
            port: server.port,
            pid: server.child.id(),
            dir: server.dir.path().to_path_buf(),
        };
        // Kept alive for the whole process; the exit hook stops it.
        let _ = sender.send(shared);
        let _keep = server;
        loop {
            std::thread::park();
        }
    });
    let shared = receiver.recv().expect("the PostgreSQL server starts");
    // SAFETY: registers a plain function with no captured state, run once at exit.
    unsafe { libc::atexit(stop_shared) };
    shared
}

extern "C" fn stop_shared() {
    if let Some(shared) = SHARED.get() {
        stop(shared.pid);
        let _ = std::fs::remove_dir_all(&shared.dir);
    }
}

/// SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is waited for.
fn stop(pid: u32) {
    let pid = pid as libc::pid_t;
    // SAFETY: kill(2) and waitpid(2) on our own child's pid; no memory is involved.
    unsafe {
        libc::kill(pid, libc::SIGINT);
        libc::waitpid(pid, std::ptr::null_mut(), 0);
    }
}

impl Postgres {
    /// Starts a server of its own in a temporary directory and waits until it answers.
    pub fn start(durability: Durability) -> Postgres {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let owner = server_user();
        if let Some((uid, gid)) = owner {
            chown(dir.path(), uid, gid);
        }
        let data = dir.path().join("data");
        let initdb = as_server_user(Command::new(bin.join("initdb")), owner)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .expect("run initdb");
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        // The port was free when picked; another process may take it before the server binds
        // it, and the server then exits saying so: try another.
        for _ in 0..5 {
            let port = free_port();
            match spawn(&bin, &data, dir.path(), port, owner, durability) {
                Ok(child) => return Postgres { dir, port, child },
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("PostgreSQL did not start: {log}"),
            }
        }
        panic!("PostgreSQL found no free port in five tries");
    }

    /// The URL of the `postgres` database, for creating others.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new empty database on this server.
    pub fn database(&self, name: &str) -> String {
        execute(&self.admin_url(), &format!("CREATE DATABASE {name}"));
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop(self.child.id());
    }
}

/// `/usr/lib/postgresql/<highest version>/bin`.
fn bin_dir() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let highest = std::fs::read_dir(root)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .unwrap_or_else(|| {
            panic!("PostgreSQL is not installed (no {}): run scripts/test, which installs Debian's postgresql", root.display())
        });
    root.join(highest.to_string()).join("bin")
}

/// The uid and gid of `postgres` when we are root, since PostgreSQL will not run as root.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions; getpwnam returns a pointer to static storage
    // that is read at once, before any other call could overwrite it.
    unsafe {
        if libc::geteuid() != 0 {
            return None;
        }
        let entry = libc::getpwnam(c"postgres".as_ptr());
        assert!(
            !entry.is_null(),
            "no postgres user: install Debian's postgresql package (scripts/test does)"
        );
        Some(((*entry).pw_uid, (*entry).pw_gid))
    }
}

fn as_server_user(mut command: Command, owner: Option<(u32, u32)>) -> Command {
    // The server user may not be allowed into the test's working directory.
    command.current_dir("/");
    if let Some((uid, gid)) = owner {
        use std::os::unix::process::CommandExt;
        command.uid(uid).gid(gid);
    }
    command
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|err| panic!("chown {}: {err}", path.display()));
}

/// A port nobody listens on right now (this file is shared with the benchmarks, which do not
/// compile `promstack`).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Starts `postgres` on `port` and waits until it takes connections, or returns its log if it
/// exits.
fn spawn(
    bin: &Path,
    data: &Path,
    dir: &Path,
    port: u16,
    owner: Option<(u32, u32)>,
    durability: Durability,
) -> Result<Child, String> {
    let log_path = dir.join("postgres.log");
    let log = std::fs::File::create(&log_path).expect("the log");
    if let Some((uid, gid)) = owner {
        chown(&log_path, uid, gid);
    }
    let mut command = as_server_user(Command::new(bin.join("postgres")), owner);
    command
        .arg("-D")
        .arg(data)
        .arg("-k")
        .arg(dir)
        .args(["-p", &port.to_string()])
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=300",
        ]);
    if durability == Durability::Fast {
        command.args(["-c", "fsync=off"]);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: prctl(2) only, between fork and exec: if the test process dies without
    // running its exit hook, the kernel stops the server with a fast shutdown.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("start postgres");
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if says_ready(data, child.id()) {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status}:\n{}", read_log()));
        }
        if Instant::now() > deadline {
            stop(child.id());
            return Err(format!("not ready within 30 s:\n{}", read_log()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the server `pid` says in its lock file, `postmaster.pid` in its data directory, that
/// it takes connections (as `pg_ctl -w` waits). The file names the server by its pid, so
/// another server that took the port first cannot pass for this one, as it could to
/// `pg_isready`, which asks whatever answers on the port.
fn says_ready(data: &Path, pid: u32) -> bool {
    let Ok(lock) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return false;
    };
    let lines: Vec<&str> = lock.lines().map(str::trim).collect();
    lines.first() == Some(&pid.to_string().as_str()) && lines.get(7) == Some(&"ready")
}
