//! The program: parse the command line, load the config, hand off. `src/main.rs` only calls
//! [`main`]. The async bodies are polled here, in the library, because the crate that polls a
//! future compiles its whole body: polled from the binary, every subcommand's async code was
//! compiled a second time (about 18 s of CPU in a release build, issue 23).

use super::ending::Evidence;
use super::{
    Cli, CliCommand, ConfigCommand, GlobalArgs, IncidentCommand, PanelsCommand, ServeArgs,
    Settings, SetupArgs, SshServeArgs, backend_config, incident, learn, panels, setup,
};
use crate::client::Client;
use crate::config::{self, Config};
use crate::prometheus::{AlertmanagerClient, PrometheusClient};
use crate::store::Location;
use crate::tui::MetricsSetup;
use crate::tui::metric_source::PrometheusSource;
use clap::Parser;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs `warroom` with the process's arguments, on a multi-threaded runtime (what
/// `#[tokio::main]` builds).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => fail(1, format!("cannot start the async runtime: {error}")),
    }
}

async fn run(cli: Cli) -> ExitCode {
    if let Some(CliCommand::Doctor) = cli.command {
        // Before the config is loaded: a broken config is one of the things it reports.
        let (report, code) = super::doctor::run(&cli.global, &cli.screen).await;
        print!("{report}");
        return ExitCode::from(code);
    }
    let config = match Config::load(cli.global.config.as_deref()) {
        Ok(config) => config,
        Err(error) => return fail(2, error),
    };
    let settings = match Settings::build(&config, &cli.screen) {
        Ok(settings) => settings,
        Err(error) => return fail(2, error),
    };
    match cli.command {
        Some(CliCommand::Incident(IncidentCommand::List(args))) => {
            client_command(&cli.global, &config, async |client| {
                super::list::print(client, &args, chrono::Utc::now(), &mut print_while_read)
                    .await
                    .map(|()| String::new())
            })
            .await
        }
        Some(CliCommand::Incident(command)) => {
            let evidence = match Evidence::from_config(&cli.global, &config, &settings.metrics) {
                Ok(evidence) => evidence,
                Err(error) => return fail(2, error),
            };
            client_command(&cli.global, &config, async |client| {
                incident::run(command, client, &evidence, chrono::Utc::now()).await
            })
            .await
        }
        Some(CliCommand::Config(command)) => config_command(command, &cli.global),
        Some(CliCommand::Setup(args)) => setup(&cli.global, &config, &args).await,
        Some(CliCommand::Doctor) => ExitCode::SUCCESS,
        Some(CliCommand::Postmortem { id, out }) => {
            client_command(&cli.global, &config, async |client| {
                learn::postmortem(client, &id, out.as_deref()).await
            })
            .await
        }
        Some(CliCommand::Report(args)) => {
            client_command(&cli.global, &config, async |client| {
                learn::report(client, &args).await
            })
            .await
        }
        Some(CliCommand::Followups(args)) => {
            client_command(&cli.global, &config, async |client| {
                learn::followups(client, &args, &mut print_while_read)
                    .await
                    .map(|()| String::new())
            })
            .await
        }
        Some(CliCommand::Store(command)) => {
            // The stores are synchronous: off the async runtime.
            match tokio::task::spawn_blocking(|| super::store::run(command)).await {
                Ok(Ok(output)) => {
                    print!("{output}");
                    ExitCode::SUCCESS
                }
                Ok(Err(error)) => fail(1, error),
                Err(error) => fail(1, format!("the store command failed: {error}")),
            }
        }
        Some(CliCommand::Panels(PanelsCommand::Detect { write, service })) => {
            match panels::detect(&cli.global, &config, write, service.as_deref()).await {
                Ok((stdout, stderr)) => {
                    print!("{stdout}");
                    eprint!("{stderr}");
                    ExitCode::SUCCESS
                }
                Err(failure) => fail(failure.code, failure.message),
            }
        }
        Some(CliCommand::Notify(command)) => {
            client_command(&cli.global, &config, async |client| {
                super::notify::run(command, client).await
            })
            .await
        }
        None => {
            let client = match Client::new(&backend_config(&cli.global, &config)) {
                Ok(client) => client,
                Err(error) => return fail(2, error),
            };
            if let Err(error) = crate::logging::to_file(&config::data_dir()) {
                return fail(1, format!("cannot open the log file: {error}"));
            }
            let metrics = match metrics_setup(&cli.global, &config, settings.metrics) {
                Ok(metrics) => metrics,
                Err(error) => return fail(2, error),
            };
            match crate::tui::launch(client, metrics, settings.tui, false).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(1, error),
            }
        }
        Some(CliCommand::Serve(args)) => serve(args, &config, settings).await,
        Some(CliCommand::SshServe(args)) => ssh_serve(args, &cli.global, &config, settings).await,
        Some(CliCommand::Demo) => {
            let you = backend_config(&cli.global, &config).actor;
            match crate::demo::run(settings.tui, &you).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(1, format!("{error:#}")),
            }
        }
    }
}

/// Runs a subcommand that talks to the backend and prints what it returns: exit 2 for usage
/// and configuration, 1 when the backend refuses or cannot be reached.
async fn client_command(
    global: &GlobalArgs,
    config: &Config,
    run: impl AsyncFnOnce(&Client) -> Result<String, crate::client::ClientError>,
) -> ExitCode {
    let client = match Client::new(&backend_config(global, config)) {
        Ok(client) => client,
        Err(error) => return fail(2, error),
    };
    match run(&client).await {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(error @ crate::client::ClientError::Config(_)) => fail(2, error),
        // The backend's reason quotes titles and names: through the gate.
        Err(error) => fail(1, crate::sanitize::sanitize(&error.reason())),
    }
}

/// The panels' source from the config, with `--prometheus` / `--alertmanager` overriding the
/// URLs.
fn metrics_setup(
    global: &GlobalArgs,
    config: &Config,
    settings: crate::panels::MetricsSettings,
) -> Result<MetricsSetup, String> {
    let prometheus = panels::with_url(&config.prometheus, &global.prometheus)
        .map(|c| PrometheusClient::new(&c))
        .transpose()
        .map_err(|e| e.to_string())?;
    let alertmanager = panels::with_url(&config.alertmanager, &global.alertmanager)
        .map(|c| AlertmanagerClient::new(&c))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(MetricsSetup {
        source: Arc::new(PrometheusSource {
            prometheus,
            alertmanager,
        }),
        settings,
    })
}

async fn serve(args: ServeArgs, config: &Config, settings: Settings) -> ExitCode {
    // The status page, notifications and escalation: only the backend needs them.
    let communicate = match crate::server::Communicate::from_config(config, &settings.scale) {
        Ok(communicate) => communicate,
        Err(error) => return fail(2, config.invalid(error)),
    };
    let alert_routing = match crate::server::alert_routing(&config.alert_routing, &settings.scale) {
        Ok(routing) => routing,
        Err(error) => return fail(2, config.invalid(error)),
    };
    let limits = match crate::server::Limits::from_config(&config.server.limits) {
        Ok(limits) => limits,
        Err(error) => return fail(2, error),
    };
    let configured = config.server.db.as_ref().map(|path| {
        Location::parse(&path.to_string_lossy())
            .map_err(|error| format!("{}: [server] db: {error}", config.source))
    });
    let db = match (args.db, configured) {
        (Some(db), _) => db,
        (None, Some(Ok(db))) => db,
        (None, Some(Err(error))) => return fail(2, error),
        (None, None) => Location::Sqlite(config::data_dir().join("warroom.db")),
    };
    if let Location::Sqlite(path) = &db
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(error) = std::fs::create_dir_all(parent)
    {
        return fail(1, format!("{}: {error}", parent.display()));
    }
    let idempotency_ttl =
        match crate::duration::parse_duration(&config.server.idempotency_keys_kept)
            .map_err(|e| e.to_string())
            .and_then(|ttl| chrono::Duration::from_std(ttl).map_err(|e| e.to_string()))
        {
            Ok(ttl) => ttl,
            Err(error) => return fail(2, format!("[server] idempotency_keys_kept: {error}")),
        };
    if config.server.alerts_per_incident == 0 {
        return fail(2, "[server] alerts_per_incident must be at least 1");
    }
    // Logs go to stderr: stdout's first line is the address, for scripts to read.
    crate::logging::to_stderr();
    let options = crate::server::ServeOptions {
        listen: args.listen.unwrap_or(config.server.listen),
        db,
        tokens: args.tokens.or_else(|| config.server.tokens.clone()),
        scale: settings.scale,
        alert_severity: config.alert_severity.clone(),
        alert_routing,
        recent_events: args
            .recent_events
            .unwrap_or(crate::server::DEFAULT_RECENT_EVENTS),
        keep_ended: args
            .keep_ended
            .and_then(|keep| chrono::Duration::from_std(keep).ok())
            .unwrap_or(crate::server::DEFAULT_KEEP_ENDED),
        communicate: crate::server::Communicate {
            status_listen: args.status_listen,
            ..communicate
        },
        allowed_origins: config.server.allowed_origins.clone(),
        limits,
        bounds: crate::server::WriterBounds {
            alerts_per_incident: config.server.alerts_per_incident,
            idempotency_ttl,
        },
        clock: crate::server::clock::Clock::system(),
    };
    match crate::server::serve(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(1, format!("{error:#}")),
    }
}

async fn ssh_serve(
    args: SshServeArgs,
    global: &GlobalArgs,
    config: &Config,
    settings: Settings,
) -> ExitCode {
    let backend = backend_config(global, config);
    if backend.token.is_none() {
        return fail(
            2,
            "ssh-serve needs a gateway token (--token or WARROOM_TOKEN): a [[tokens]] entry with role = \"gateway\"",
        );
    }
    let metrics = match metrics_setup(global, config, settings.metrics) {
        Ok(metrics) => metrics,
        Err(error) => return fail(2, error),
    };
    let Some(authorized) = args
        .authorized
        .or_else(|| config::project_dirs().map(|dirs| dirs.config_dir().join("authorized.toml")))
    else {
        return fail(2, "no --authorized file and no home directory to look in");
    };
    // Logs go to stderr: stdout's first lines are the address and the host key.
    crate::logging::to_stderr();
    let ssh = crate::ssh::SshSettings {
        listen: args.listen,
        host_key: args
            .host_key
            .unwrap_or_else(|| config::data_dir().join("ssh_host_ed25519_key")),
        authorized,
        backend,
        limits: crate::ssh::SessionLimits {
            max_sessions: args.max_sessions,
            idle: args.idle,
            auth_failures_per_minute: args.auth_failures_per_minute,
            login_grace: args.login_grace,
            max_startups: args.max_startups,
            max_startups_per_source: args.max_startups_per_source,
            max_terminal: args.max_terminal_size,
        },
        tui: config.tui.clone(),
        status_components: config.status.components.clone(),
        metrics,
        commands: Arc::new(|words, client| Box::pin(super::remote::run(words, client))),
    };
    match crate::ssh::serve(ssh).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(1, format!("{error:#}")),
    }
}

async fn setup(global: &GlobalArgs, config: &Config, args: &SetupArgs) -> ExitCode {
    let path = match setup::config_path(global) {
        Ok(path) => path,
        Err(error) => return fail(2, error),
    };
    let urls = match setup::urls(global, config) {
        Ok(urls) => urls,
        Err(error) => return fail(2, error),
    };
    let report = setup::run(global, config, &urls, &path, args.service.as_deref()).await;
    eprint!("{}", report.stderr);
    print!("{}", report.stdout);
    ExitCode::from(report.code)
}

fn config_command(command: ConfigCommand, global: &GlobalArgs) -> ExitCode {
    let path = match setup::config_path(global) {
        Ok(path) => path,
        Err(error) => return fail(2, error),
    };
    match command {
        ConfigCommand::Path => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        ConfigCommand::Init { force } => {
            if path.exists() && !force {
                return fail(
                    1,
                    format!("{} exists; pass --force to replace it", path.display()),
                );
            }
            // The documented default, with the servers' URLs the flags give.
            let edits = setup::config_file::Edits {
                backend: global.backend.as_deref(),
                prometheus: global.prometheus.as_deref(),
                alertmanager: global.alertmanager.as_deref(),
                ..Default::default()
            };
            match setup::write(&path, &edits, force) {
                Ok(_) => {
                    println!("wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(error) => fail(1, error),
            }
        }
    }
}

/// One line on stderr, and the exit code: 2 for usage and configuration, 1 for the rest.
/// Writes to stdout at once; `false` once nobody reads it (`| head`), to stop there.
fn print_while_read(text: &str) -> bool {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_ok()
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("warroom: {message}");
    ExitCode::from(code)
}
