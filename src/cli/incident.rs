//! `warroom incident ...`: one request per invocation, text for people or JSON for scripts.

use super::ending::{self, Choices, Evidence};
use super::render::{incident_details, json, timeline_line};
use super::{ActionCommand, FollowupCommand, IncidentCommand};
use crate::client::{Client, ClientError, CommandAccepted, idempotency_key};
use crate::domain::{
    Command, IncidentId, InvalidIncidentId, NewIncident, PublicUpdate, Settlement, Severity,
    SeverityScale, Status, Timestamp,
};
use std::fmt::Write;

/// Runs one incident subcommand and returns what to print on stdout.
pub async fn run(
    command: IncidentCommand,
    client: &Client,
    evidence: &Evidence,
    now: Timestamp,
) -> Result<String, ClientError> {
    match command {
        IncidentCommand::List(args) => {
            // Kept whole for one answer (`ssh … incident list`); `warroom incident list`
            // prints each page as it comes (`entry.rs`).
            let mut text = String::new();
            super::list::print(client, &args, now, &mut |page| {
                text.push_str(page);
                true
            })
            .await?;
            Ok(text)
        }
        IncidentCommand::Show { id, output } => {
            let id = incident_id(&id)?;
            let (incident, events, levels) = tokio::try_join!(
                client.incident(&id),
                client.incident_log(&id),
                client.severities(),
            )?;
            if output.json {
                let shown = serde_json::json!({ "incident": incident, "events": events });
                return Ok(json(&shown));
            }
            let scale = SeverityScale::new(levels).map_err(ClientError::Decode)?;
            Ok(incident_details(&incident, &events, &scale, now))
        }
        IncidentCommand::Summary { id, format } => {
            let id = incident_id(&id)?;
            let (incident, levels) = tokio::try_join!(client.incident(&id), client.severities())?;
            let scale = SeverityScale::new(levels).map_err(ClientError::Decode)?;
            Ok(crate::report::summary::safe_summary(
                &incident, &scale, now, format,
            ))
        }
        IncidentCommand::Declare {
            title,
            severity,
            service,
            summary,
            started,
            output,
        } => {
            let new = NewIncident {
                title,
                severity: Severity::new(severity),
                service,
                summary,
                started_at: started.as_deref().map(|s| parse_when(s, now)).transpose()?,
                detected_at: None,
                alerts: vec![],
            };
            let incident = client.declare(&new, &idempotency_key()).await?;
            if output.json {
                return Ok(json(&incident));
            }
            Ok(format!(
                "declared {} ({}): {}\n",
                incident.id,
                crate::sanitize::sanitize(incident.severity.as_str()),
                crate::sanitize::sanitize(&incident.title)
            ))
        }
        IncidentCommand::Ack { id, output } => {
            let command = Command::Transition {
                to: Status::Acknowledged,
            };
            send(client, &id, command, output.json).await
        }
        IncidentCommand::Merge { id, into, output } => {
            let command = Command::MergeInto {
                into: incident_id(&into)?,
            };
            send(client, &id, command, output.json).await
        }
        IncidentCommand::Status {
            id,
            status,
            yes,
            keep_actions,
            carry_actions,
            drop_actions,
            output,
        } => {
            // clap lets at most one of the three through.
            let settle = [
                (keep_actions, Settlement::Keep),
                (carry_actions, Settlement::Carry),
                (drop_actions, Settlement::Drop),
            ]
            .into_iter()
            .find_map(|(given, how)| given.then_some(how));
            let choices = Choices { yes, settle };
            let id = incident_id(&id)?;
            ending::transition(client, &id, status, &choices, evidence, now, output.json).await
        }
        IncidentCommand::Severity {
            id,
            severity,
            output,
        } => {
            let command = Command::SetSeverity {
                severity: Severity::new(severity),
            };
            send(client, &id, command, output.json).await
        }
        IncidentCommand::Role {
            id,
            role,
            person,
            focus,
            brief,
            relieve,
            output,
        } => {
            let command = if relieve {
                Command::RelieveRole { role, person }
            } else {
                let person = person
                    .ok_or_else(|| usage(format!("name the person who takes the {role} role")))?;
                Command::AssignRole {
                    role,
                    person,
                    focus,
                    brief,
                }
            };
            send(client, &id, command, output.json).await
        }
        IncidentCommand::Note {
            id,
            text,
            kind,
            output,
        } => send(client, &id, Command::AddNote { kind, text }, output.json).await,
        IncidentCommand::Public {
            id,
            state,
            components,
            message,
            next,
            title,
            output,
        } => {
            let update = PublicUpdate {
                state,
                message,
                components: components.into_iter().collect(),
                next_update_at: next.as_deref().map(|s| parse_promise(s, now)).transpose()?,
                title,
                public_id: None,
            };
            send(client, &id, Command::PublicUpdate(update), output.json).await
        }
        IncidentCommand::Action { id, action, output } => {
            let command = match action {
                ActionCommand::Add { text, owner, due } => Command::AddAction {
                    text,
                    owner,
                    due_at: None,
                    due_in: due.map(|d| d.as_secs()),
                },
                ActionCommand::Done { number } => Command::CompleteAction { action: number },
                ActionCommand::Reopen { number } => Command::ReopenAction { action: number },
                ActionCommand::Drop { number } => Command::DropAction { action: number },
            };
            send(client, &id, command, output.json).await
        }
        IncidentCommand::SetSummary { id, text, output } => {
            send(
                client,
                &id,
                Command::SetSummary { summary: text },
                output.json,
            )
            .await
        }
        IncidentCommand::Followup {
            id,
            followup,
            output,
        } => {
            let command = match followup {
                FollowupCommand::Done { number } => {
                    Command::CompleteCorrectiveAction { id: number }
                }
                FollowupCommand::Drop { number } => Command::DropCorrectiveAction { id: number },
                FollowupCommand::Reopen { number } => {
                    Command::ReopenCorrectiveAction { id: number }
                }
                FollowupCommand::Kind { number, kind } => {
                    Command::SetCorrectiveKind { id: number, kind }
                }
            };
            send(client, &id, command, output.json).await
        }
    }
}

async fn send(
    client: &Client,
    id: &str,
    command: Command,
    as_json: bool,
) -> Result<String, ClientError> {
    let id = incident_id(id)?;
    let accepted = client
        .command(&id, &command, &idempotency_key(), None)
        .await?;
    Ok(accepted_text(&accepted, as_json))
}

/// The backend's answer to a command: JSON, or a line per event.
pub(super) fn accepted_text(accepted: &CommandAccepted, as_json: bool) -> String {
    if as_json {
        return json(accepted);
    }
    let mut out = String::new();
    for event in &accepted.events {
        let _ = writeln!(out, "{}  {}", event.incident, timeline_line(event));
    }
    out
}

fn incident_id(text: &str) -> Result<IncidentId, ClientError> {
    text.parse()
        .map_err(|e: InvalidIncidentId| usage(e.to_string()))
}

fn usage(message: String) -> ClientError {
    ClientError::Config(message)
}

/// An RFC 3339 time, or an age before now such as `20m`.
fn parse_when(text: &str, now: Timestamp) -> Result<Timestamp, ClientError> {
    crate::duration::parse_when(text, now).map_err(|e| usage(e.to_string()))
}

/// A promised time: a duration from now (`30m`) or an RFC 3339 time.
fn parse_promise(text: &str, now: Timestamp) -> Result<Timestamp, ClientError> {
    match crate::duration::parse_duration(text) {
        Ok(ahead) => chrono::Duration::from_std(ahead)
            .map(|ahead| now + ahead)
            .map_err(|_| usage(format!("'{text}' is too far ahead"))),
        Err(_) => crate::duration::parse_when(text, now).map_err(|e| usage(e.to_string())),
    }
}
