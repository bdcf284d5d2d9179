//! The command line: every subcommand and flag, in clap's derive form, and the
//! subcommands that talk to the backend.

mod backend;
pub mod doctor;
pub mod ending;
pub mod entry;
pub mod incident;
pub mod learn;
pub mod list;
pub mod notify;
mod paged;
pub mod panels;
mod parse;
mod probe;
mod progress;
pub mod remote;
mod render;
mod settings;
pub mod setup;
pub mod store;

pub use backend::{backend_config, login_name};
pub use settings::Settings;

use crate::domain::{ComponentStatus, CorrectiveKind, NoteKind, PublicState, Role, Status};
use crate::duration::parse_duration;
use crate::report::summary::SummaryFormat;
use crate::ssh::admission::MaxStartups;
use crate::ssh::limits::TerminalSize;
use crate::store::Location;
use crate::tui::ScreenOptions;
use crate::tui::theme::ColorChoice;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use parse::{
    parse_component, parse_corrective_kind, parse_corrective_number, parse_note_kind,
    parse_public_state, parse_role, parse_status, parse_summary_format,
};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "A terminal war room for live incidents",
    long_about = "A terminal war room for live incidents.\n\nWithout a subcommand, warroom opens the \
                  full-screen TUI on the backend from --backend, WARROOM_BACKEND or the config \
                  file. Try `warroom demo` for a living war room with no setup."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub screen: ScreenArgs,
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Options every client subcommand shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The config file [default: $XDG_CONFIG_HOME/warroom/config.toml]
    #[arg(long, global = true, env = "WARROOM_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The backend's base URL, or several replicas' separated by commas (tried in turn)
    #[arg(long, global = true, env = "WARROOM_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
    /// A bearer token from the backend's tokens file
    #[arg(long, global = true, env = "WARROOM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Your name on events when the backend runs without tokens [default: $USER]
    #[arg(long, global = true, env = "WARROOM_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
    /// Prometheus' base URL, for the panels (overrides [prometheus] url)
    #[arg(long, global = true, env = "WARROOM_PROMETHEUS", value_name = "URL")]
    pub prometheus: Option<String>,
    /// Alertmanager's base URL, for the alerts pane (overrides [alertmanager] url)
    #[arg(long, global = true, env = "WARROOM_ALERTMANAGER", value_name = "URL")]
    pub alertmanager: Option<String>,
}

/// How the full-screen views draw.
#[derive(Debug, Clone, Args)]
pub struct ScreenArgs {
    /// Wall display: read-only, large, follows the most severe open incident
    #[arg(long, global = true)]
    pub wall: bool,
    /// Colours: never, 16, 256 or truecolor [default: 256; never when NO_COLOR is set]
    #[arg(long, global = true, value_name = "WHEN", value_parser = color_choice())]
    pub color: Option<ColorChoice>,
    /// ASCII borders and charts (automatic when the locale is not UTF-8)
    #[arg(long, global = true)]
    pub ascii: bool,
}

impl ScreenArgs {
    /// What the flags ask of the screen, for the TUI's settings.
    pub fn options(&self) -> ScreenOptions {
        ScreenOptions {
            wall: self.wall,
            color: self.color,
            ascii: self.ascii,
        }
    }
}

/// `--color`: the TUI's own names, listed in `--help` as clap lists an enum's values.
fn color_choice() -> impl TypedValueParser<Value = ColorChoice> {
    PossibleValuesParser::new(ColorChoice::NAMES).try_map(|name| name.parse::<ColorChoice>())
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// The embedded default: an in-process backend and a scripted incident, no setup
    /// (add --wall for the wall display)
    Demo,
    /// Run the shared backend
    Serve(ServeArgs),
    /// Serve the war room over SSH: each key in the authorized file gets its own screen as
    /// its person (the backend token must be a gateway token)
    SshServe(SshServeArgs),
    /// List, show, declare and drive incidents from a script or a shell
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// One working config from three URLs, and the Alertmanager configuration that pages
    /// the backend
    ///
    /// Takes the backend's, Prometheus' and Alertmanager's URLs (asked on a terminal when not
    /// given), checks they answer, detects the panels and their warn and crit lines from the
    /// history, the status page's components, writes them into one commented config, and
    /// prints the Alertmanager configuration on stdout. Run it again to update the file.
    Setup(SetupArgs),
    /// What is broken in this setup, and how to fix it (exit 1 on a problem)
    ///
    /// Checks the config, the backend and the token's role, the clock against the backend's,
    /// the panels, Prometheus' alerting rules and where it sends alerts, and that a routed
    /// Alertmanager receiver sends pages to the backend.
    Doctor,
    /// Write or locate the config file
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Panels that fit your metrics
    #[command(subcommand)]
    Panels(PanelsCommand),
    /// The postmortem of an incident as Markdown (a draft until it is closed)
    Postmortem {
        id: String,
        /// Write it to this file instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// MTTD, MTTA, MTTM and MTTR, recurrence, update discipline and corrective actions
    Report(ReportArgs),
    /// Corrective actions across incidents, soonest due first
    Followups(FollowupsArgs),
    /// Move a whole event log between SQLite and PostgreSQL, and check the move
    #[command(subcommand)]
    Store(StoreCommand),
    /// What the backend's notifications did
    #[command(subcommand)]
    Notify(NotifyCommand),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Prefer the service label whose values include this service
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every event from one store into an empty one (progress on stderr)
    Copy {
        /// The source: a SQLite file or a postgres:// URL
        #[arg(long, value_name = "PATH|URL", value_parser = Location::parse)]
        from: Location,
        /// The target, which must hold no events yet
        #[arg(long, value_name = "PATH|URL", value_parser = Location::parse)]
        to: Location,
        /// Milliseconds between progress lines when stderr is not a terminal (for tests)
        #[arg(long, hide = true, default_value_t = 2_000)]
        progress_every_ms: u64,
    },
    /// Compare two stores event by event; exit 1 at the first difference (progress on stderr)
    Verify {
        #[arg(long, value_name = "PATH|URL", value_parser = Location::parse)]
        from: Location,
        #[arg(long, value_name = "PATH|URL", value_parser = Location::parse)]
        to: Location,
        /// Milliseconds between progress lines when stderr is not a terminal (for tests)
        #[arg(long, hide = true, default_value_t = 2_000)]
        progress_every_ms: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// The newest deliveries: target, incident, event, state, attempts, last error
    Log {
        /// Only deliveries that failed (dead, or being retried)
        #[arg(long)]
        failed: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Send a given-up (dead) delivery again, or a failing one at once; --dead: every dead one
    #[command(group(clap::ArgGroup::new("which").required(true).args(["id", "dead"])))]
    Retry {
        /// The delivery's id, as `notify log` shows it
        #[arg(value_parser = parse_delivery_id)]
        id: Option<uuid::Uuid>,
        /// Every dead delivery
        #[arg(long)]
        dead: bool,
    },
}

fn parse_delivery_id(text: &str) -> Result<uuid::Uuid, String> {
    uuid::Uuid::parse_str(text.trim()).map_err(|_| {
        format!("'{text}' is not a delivery id (a UUID, as `notify log --json` shows)")
    })
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Incidents declared since: an age such as 90d or an RFC 3339 time
    #[arg(long, default_value = "90d", value_name = "WHEN")]
    pub since: String,
    /// Only this service
    #[arg(long)]
    pub service: Option<String>,
    /// Only this severity
    #[arg(long)]
    pub severity: Option<String>,
    /// The recurrence window, in whole days [default: 30d]
    #[arg(long, value_name = "DAYS")]
    pub recurrence: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct FollowupsArgs {
    /// Only open ones
    #[arg(long)]
    pub open: bool,
    /// Only done and dropped ones
    #[arg(long, conflicts_with_all = ["open", "overdue"])]
    pub closed: bool,
    /// Only this owner's
    #[arg(long, value_name = "O")]
    pub owner: Option<String>,
    /// Only open ones past their due date
    #[arg(long)]
    pub overdue: bool,
    /// Print at most N, the soonest due [default: all]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Actions asked of the backend per request (1 to 1000); for tests and slow links
    #[arg(long, hide = true, default_value_t = list::PAGE, value_parser = list::parse_page_size)]
    pub page_size: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum PanelsCommand {
    /// Ask Prometheus which request metrics it has and print the panels that chart them
    /// (5xx ratio, request rate, p99 latency) as config TOML
    Detect {
        /// Add the panels to the config file (--config or the XDG path), keeping its comments
        #[arg(long)]
        write: bool,
        /// Prefer the service label whose values include this service
        #[arg(long, value_name = "NAME")]
        service: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; without --tokens only a loopback address is allowed
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// The event log: a SQLite file (optionally `sqlite:PATH`) or a `postgres://` URL
    /// [default: $XDG_DATA_HOME/warroom/warroom.db]
    #[arg(long, value_name = "PATH|URL", value_parser = Location::parse)]
    pub db: Option<Location>,
    /// A TOML file mapping bearer tokens to people and roles
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Keep the newest N events in memory; older feed pages, postmortems and reports read
    /// the store [default: 10000]
    #[arg(long, value_name = "N")]
    pub recent_events: Option<usize>,
    /// Keep ended incidents folded in memory for this long after they ended (open ones always);
    /// older ones are read from the store when asked for [default: 7d]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub keep_ended: Option<std::time::Duration>,
    /// Also serve only the public status page on this address (may be non-loopback)
    #[arg(long, value_name = "ADDR")]
    pub status_listen: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct SshServeArgs {
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2222")]
    pub listen: SocketAddr,
    /// The server's ed25519 key, made (mode 0600) if missing
    /// [default: $XDG_DATA_HOME/warroom/ssh_host_ed25519_key]
    #[arg(long, value_name = "PATH")]
    pub host_key: Option<PathBuf>,
    /// The TOML file of [[key]] entries (person, role, key), read at every connection
    /// [default: $XDG_CONFIG_HOME/warroom/authorized.toml]
    #[arg(long, value_name = "FILE")]
    pub authorized: Option<PathBuf>,
    /// Sessions open at once
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_sessions: usize,
    /// Close a session nobody typed in for this long (never the wall)
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub idle: Duration,
    /// Failed logins one key may make from one address per minute (other keys from the
    /// address are not held back)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub auth_failures_per_minute: u32,
    /// Close a connection that has not logged in this long after it was accepted,
    /// whatever it sent
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub login_grace: Duration,
    /// Connections not yet logged in, as OpenSSH's MaxStartups: from START on, one stalled
    /// for a second is dropped with a chance of RATE % rising to 100 % at FULL, the most
    #[arg(long, value_name = "START:RATE:FULL", default_value = "16:30:128")]
    pub max_startups: MaxStartups,
    /// Connections not yet logged in from one address; the one that kept the server waiting
    /// longest goes to make room
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..).map(usize::from))]
    pub max_startups_per_source: usize,
    /// The largest screen a session gets (at most 1000x500); bigger pty and window-change
    /// requests are clamped to it
    #[arg(long, value_name = "COLUMNSxROWS", default_value = "500x200")]
    pub max_terminal_size: TerminalSize,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write the documented default config to the XDG path (or --config), with the URLs
    /// of --backend, --prometheus and --alertmanager when given
    Init {
        /// Replace an existing file
        #[arg(long)]
        force: bool,
    },
    /// Print where the config file is looked for
    Path,
}

/// Output options of the incident subcommands.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Print JSON for scripts instead of text for people
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Incidents, newest first, printed page by page as the backend sends them
    List(list::ListArgs),
    /// One incident: state, roster, action items and timeline
    Show {
        id: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// A summary to paste: status, severity, impact, roles, open actions, the last public
    /// update and the next update times
    Summary {
        id: String,
        /// text or slack
        #[arg(long, default_value = "text", value_parser = parse_summary_format)]
        format: SummaryFormat,
    },
    /// Declare a new incident
    Declare {
        #[arg(long)]
        title: String,
        /// P0, P1, P2 or a level of the backend's scale
        #[arg(long)]
        severity: String,
        #[arg(long)]
        service: Option<String>,
        #[arg(long)]
        summary: Option<String>,
        /// When the impact started, if before now: an RFC 3339 time or an age such as 20m
        #[arg(long, value_name = "WHEN")]
        started: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Acknowledge an incident
    Ack {
        id: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// A duplicate ends as merged into the incident that carries on (never as a false alarm);
    /// its notes, alerts and open action items join the survivor
    Merge {
        /// The duplicate
        id: String,
        /// The incident that carries on
        #[arg(long, value_name = "ID")]
        into: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Move an incident through its lifecycle
    Status {
        id: String,
        #[arg(value_parser = parse_status)]
        status: Status,
        /// Resolve although the main panel was over its line within the quiet window (or
        /// could not be read from Prometheus)
        #[arg(long)]
        yes: bool,
        /// Resolving or closing with open action items: leave them open on the incident
        /// (tasks still to finish there, such as a customer update)
        #[arg(long, group = "settle")]
        keep_actions: bool,
        /// Resolving or closing with open action items: copy them into the post-incident
        /// review as corrective actions
        #[arg(long, group = "settle")]
        carry_actions: bool,
        /// Resolving or closing with open action items: drop them first
        #[arg(long, group = "settle")]
        drop_actions: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Change the severity
    Severity {
        id: String,
        severity: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Assign a role (or relieve it with --relieve)
    Role {
        id: String,
        /// commander, engineer, product, comms or scribe
        #[arg(value_parser = parse_role)]
        role: Role,
        /// Who takes the role (with --relieve: which engineer)
        person: Option<String>,
        /// An engineer's focus
        #[arg(long)]
        focus: Option<String>,
        /// What the incoming commander needs to know (required to transfer command)
        #[arg(long)]
        brief: Option<String>,
        /// Relieve the role instead of assigning it
        #[arg(long)]
        relieve: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Add a note, a decision or an internal status update
    Note {
        id: String,
        text: String,
        #[arg(long, default_value = "note", value_parser = parse_note_kind)]
        kind: NoteKind,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Publish a status-page update (the commander or the Communications Lead only)
    Public {
        id: String,
        /// investigating, identified, monitoring or resolved
        #[arg(long, value_parser = parse_public_state)]
        state: PublicState,
        /// An affected component and its status, such as api=partial_outage (repeatable)
        #[arg(long = "component", value_name = "NAME=STATUS", value_parser = parse_component)]
        components: Vec<(String, ComponentStatus)>,
        /// What customers read
        #[arg(long)]
        message: String,
        /// When the next update is promised: a time from now such as 30m, or an RFC 3339 time
        #[arg(long, value_name = "WHEN")]
        next: Option<String>,
        /// The incident's public name (the internal title is never published)
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Manage action items
    Action {
        id: String,
        #[command(subcommand)]
        action: ActionCommand,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Write or rewrite the summary: the business impact, for the postmortem (an empty text
    /// clears it)
    SetSummary {
        id: String,
        text: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Manage the review's corrective actions (C1, C2, ...)
    Followup {
        id: String,
        #[command(subcommand)]
        followup: FollowupCommand,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum FollowupCommand {
    /// Mark a corrective action done
    Done {
        #[arg(value_parser = parse_corrective_number)]
        number: u32,
    },
    /// Drop a corrective action (`reopen` undoes it)
    Drop {
        #[arg(value_parser = parse_corrective_number)]
        number: u32,
    },
    /// Open a dropped corrective action again
    Reopen {
        #[arg(value_parser = parse_corrective_number)]
        number: u32,
    },
    /// Change what a corrective action does: detective, preventive or corrective
    Kind {
        #[arg(value_parser = parse_corrective_number)]
        number: u32,
        #[arg(value_parser = parse_corrective_kind)]
        kind: CorrectiveKind,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Add an action item
    Add {
        text: String,
        #[arg(long)]
        owner: Option<String>,
        /// A time-box such as 15m, 1h or 1h30m
        #[arg(long, value_parser = parse_duration)]
        due: Option<Duration>,
    },
    /// Mark an action item done
    Done { number: u32 },
    /// Open a done or dropped action item again
    Reopen { number: u32 },
    /// Drop an action item that is no longer needed
    Drop { number: u32 },
}

#[cfg(test)]
mod tests;
