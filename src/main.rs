//! Minimal wiring of `warroom serve` until the full command line lands.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "warroom", version, about)]
enum Cli {
    /// Run the shared backend.
    Serve {
        /// Address to listen on; without --tokens it must be a loopback address.
        #[arg(long, default_value = "127.0.0.1:7700")]
        listen: SocketAddr,
        /// The SQLite event log (created if missing).
        #[arg(long, default_value = "warroom.db")]
        db: PathBuf,
        /// TOML file of [[tokens]] with token, person and role.
        #[arg(long)]
        tokens: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let Cli::Serve { listen, db, tokens } = Cli::parse();
    // Logs go to stderr: stdout's first line is the address, for scripts to read.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let options = warroom::server::ServeOptions {
        listen,
        db,
        tokens,
        scale: warroom::domain::SeverityScale::default(),
    };
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(warroom::server::serve(options)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("warroom: {err:#}");
            ExitCode::FAILURE
        }
    }
}
