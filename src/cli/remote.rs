//! The subcommands `ssh … <words>` may run: the read-only incident commands, for the person
//! behind the key (`ssh warroom.internal incident list`).

use super::ending::Evidence;
use super::{IncidentCommand, incident};
use crate::client::Client;
use clap::Parser;

/// `warroom incident …` as typed after the host.
#[derive(Debug, Parser)]
#[command(name = "warroom", no_binary_name = true)]
struct Remote {
    #[command(subcommand)]
    command: RemoteCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RemoteCommand {
    #[command(subcommand)]
    Incident(IncidentCommand),
}

/// Runs `words` for the person `client` acts for: the text to print, or why not.
pub async fn run(words: Vec<String>, client: Client) -> Result<String, String> {
    let RemoteCommand::Incident(command) = Remote::try_parse_from(&words)
        .map_err(|error| error.render().to_string())?
        .command;
    if !matches!(
        command,
        IncidentCommand::List(_) | IncidentCommand::Show { .. } | IncidentCommand::Summary { .. }
    ) {
        return Err(
            "over ssh only the screen, `wall` and `incident list`, `show` and `summary` run; \
             change things on the screen"
                .into(),
        );
    }
    // Read-only: no resolve, so no evidence to read.
    incident::run(command, &client, &Evidence::none(), chrono::Utc::now())
        .await
        // The backend's reason quotes titles and names: through the gate.
        .map_err(|error| crate::sanitize::sanitize(&error.reason()).to_string())
}
