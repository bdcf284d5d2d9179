//! `warroom incident status ID resolved|closed`: the same path as the TUI's `r` and `C`.
//!
//! A resolve reads the main panel from Prometheus (when one is configured) and prints the
//! verdict the TUI's confirmation shows ([`crate::panels::resolve::check`]); when the panel
//! was over its line within the quiet window, or could not be read, it goes ahead only with
//! `--yes`, and otherwise sends nothing. A resolve or close that would leave open action
//! items names them and needs `--keep-actions` (leave them open on the incident),
//! `--carry-actions` (copy them into the review as corrective actions) or `--drop-actions`
//! (drop them first). Every part is a command the backend checks: the roles are the server's
//! to enforce, not this file's.

use super::GlobalArgs;
use super::incident::accepted_text;
use super::panels::with_url;
use crate::client::{Client, ClientError, CommandAccepted, idempotency_key};
use crate::config::Config;
use crate::domain::{
    Command, Incident, IncidentId, Settlement, SettlementCommands, SnapshotReason, Status,
    Timestamp,
};
use crate::panels::resolve::{self, ResolveCheck};
use crate::panels::{ImpactWindows, MetricsSettings, Panel};
use crate::prometheus::PrometheusClient;
use crate::sanitize::sanitize;

/// Where a resolve's evidence comes from: the main panel and a Prometheus, if configured.
pub struct Evidence {
    prometheus: Option<PrometheusClient>,
    main_panel: Option<Panel>,
    /// The quiet window, and the evidence query's step and span: the same as a desk's, so
    /// the CLI judges by the samples a TUI would.
    windows: Option<ImpactWindows>,
}

impl Evidence {
    /// From `[prometheus]` (or `--prometheus`) and the checked panels.
    pub fn from_config(
        global: &GlobalArgs,
        config: &Config,
        metrics: &MetricsSettings,
    ) -> Result<Evidence, String> {
        let prometheus = with_url(&config.prometheus, &global.prometheus)
            .map(|server| PrometheusClient::new(&server))
            .transpose()
            .map_err(|e| e.to_string())?;
        Ok(Evidence {
            prometheus,
            main_panel: metrics.panels.iter().find(|p| p.main).cloned(),
            windows: Some(metrics.impact),
        })
    }

    /// No Prometheus: a resolve shows no evidence and needs no `--yes`.
    pub fn none() -> Evidence {
        Evidence {
            prometheus: None,
            main_panel: None,
            windows: None,
        }
    }

    /// None without a Prometheus or a main panel; a sentence on why when it cannot be read.
    async fn check(
        &self,
        incident: &Incident,
        now: Timestamp,
    ) -> Option<Result<ResolveCheck, String>> {
        let (Some(prometheus), Some(panel), Some(windows)) =
            (&self.prometheus, &self.main_panel, &self.windows)
        else {
            return None;
        };
        let expr = match panel.expr(incident.service.as_deref()) {
            Ok(expr) => expr,
            Err(e) => return Some(Err(format!("cannot read {}: {e}", panel.title))),
        };
        let window = windows.evidence_window(panel, now);
        Some(match prometheus.query_range(&expr, &window).await {
            Ok(series) => Ok(resolve::check(
                panel,
                &series,
                &window,
                now,
                windows.resolve_quiet,
                incident.impact_started_at,
            )),
            // Prometheus' error may quote the query and its labels.
            Err(e) => Err(format!(
                "cannot read {} from Prometheus: {}",
                panel.title,
                sanitize(&e.to_string())
            )),
        })
    }
}

/// What the person chose on the command line.
pub struct Choices {
    /// Resolve although the main panel is over its line (or could not be read).
    pub yes: bool,
    /// What becomes of open action items, if the person said.
    pub settle: Option<Settlement>,
}

/// Moves `id` to `to`; for a resolve or a close, with the evidence and the open action
/// items settled as chosen. Returns what to print.
pub async fn transition(
    client: &Client,
    id: &IncidentId,
    to: Status,
    choices: &Choices,
    evidence: &Evidence,
    now: Timestamp,
    as_json: bool,
) -> Result<String, ClientError> {
    let ending = matches!(to, Status::Resolved | Status::Closed);
    if !ending {
        let moved = send(client, id, &Command::Transition { to }).await?;
        return Ok(accepted_text(&moved, as_json));
    }
    let incident = client.incident(id).await?;
    let mut out = String::new();
    let mut refusals = Vec::new();
    let mut snapshot = None;
    if to == Status::Resolved {
        match evidence.check(&incident, now).await {
            None => {}
            Some(Ok(check)) => {
                // The verdict quotes a series' legend, made of Prometheus' labels.
                let verdict = sanitize(&check.verdict);
                if check.over_line && !choices.yes {
                    refusals.push(format!("{verdict} Give --yes to resolve anyway."));
                }
                out.push_str(&format!("{verdict}\n"));
                snapshot = (!check.values.is_empty()).then_some(Command::RecordSnapshot {
                    reason: SnapshotReason::Resolve,
                    values: check.values,
                    as_of: check.as_of,
                });
            }
            Some(Err(reason)) if !choices.yes => {
                refusals.push(format!(
                    "{reason}. Give --yes to resolve without the evidence."
                ));
            }
            Some(Err(reason)) => out.push_str(&format!("{reason}\n")),
        }
    }
    let items = incident.actions_to_settle();
    if !items.is_empty() && choices.settle.is_none() {
        let names: Vec<String> = items
            .iter()
            .map(|a| format!("#{} {}", a.id, sanitize(&a.text)))
            .collect();
        refusals.push(format!(
            "{} has open action items: {}. Give --keep-actions to leave them open on the \
             incident, --carry-actions to copy them into the review or --drop-actions to drop \
             them.",
            incident.id,
            names.join("; ")
        ));
    }
    if !refusals.is_empty() {
        // One line, for a script's log.
        return Err(ClientError::Config(format!(
            "{} Nothing was sent.",
            refusals.join(" ")
        )));
    }
    let settled = match choices.settle {
        Some(how) if !items.is_empty() => {
            // A carried item without an owner goes to the commander, else to whoever asks.
            let me = if how == Settlement::Carry {
                client.whoami().await?.person
            } else {
                String::new()
            };
            incident.settle_actions(how, &me, now)
        }
        _ => SettlementCommands::default(),
    };
    // The drops go first (a closed incident refuses changes to its items); the snapshot and
    // the carried items follow the ending, which the review accepts in every status.
    let mut events = Vec::new();
    for drop in &settled.before {
        events.extend(send(client, id, drop).await?.events);
    }
    let ended = send(client, id, &Command::Transition { to }).await?;
    events.extend(ended.events.iter().cloned());
    for command in snapshot.iter().chain(&settled.after) {
        let more = send(client, id, command)
            .await
            .map_err(|e| after_the_ending(e, id, to))?;
        events.extend(more.events);
    }
    if as_json {
        return Ok(accepted_text(&ended, true));
    }
    let all = CommandAccepted {
        version: ended.version,
        events,
    };
    out.push_str(&accepted_text(&all, false));
    Ok(out)
}

/// A follow-up refused after the ending went through: say that the ending did.
fn after_the_ending(error: ClientError, id: &IncidentId, to: Status) -> ClientError {
    let done = format!("{id} is {to}, but what follows it was refused");
    match error {
        ClientError::Api {
            status,
            code,
            message,
        } => ClientError::Api {
            status,
            code,
            message: format!("{done}: {message}"),
        },
        other => ClientError::Unreachable(format!("{done}: {}", other.reason())),
    }
}

async fn send(
    client: &Client,
    id: &IncidentId,
    command: &Command,
) -> Result<CommandAccepted, ClientError> {
    client.command(id, command, &idempotency_key(), None).await
}
