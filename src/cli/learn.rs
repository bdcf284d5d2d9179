//! `warroom postmortem`, `warroom report` and `warroom followups`: what the log teaches, for
//! people (text) and scripts (`--json`).

use super::paged::Printed;
use super::render::json;
use super::{FollowupsArgs, ReportArgs};
use crate::client::{Client, ClientError, FollowupQuery};
use crate::domain::{Followup, FollowupAsk, IncidentId};
use crate::report::Report;
use crate::sanitize::sanitize_lines;
use std::path::Path;

/// The postmortem Markdown: written to `out` (then a line on stdout says where), or returned
/// to be printed.
pub async fn postmortem(
    client: &Client,
    id: &str,
    out: Option<&Path>,
) -> Result<String, ClientError> {
    let id: IncidentId = id
        .parse()
        .map_err(|e: crate::domain::InvalidIncidentId| ClientError::Config(e.to_string()))?;
    let markdown = client.postmortem(&id).await?;
    match out {
        // The Markdown quotes titles, notes and names: through the gate, line by line.
        None => Ok(sanitize_lines(&markdown)),
        Some(path) => {
            std::fs::write(path, &markdown).map_err(|error| {
                ClientError::Config(format!("cannot write {}: {error}", path.display()))
            })?;
            Ok(format!(
                "wrote the postmortem of {id} to {}\n",
                path.display()
            ))
        }
    }
}

pub async fn report(client: &Client, args: &ReportArgs) -> Result<String, ClientError> {
    // Parse at the edge: a typo is a usage error here, not a round trip to the backend.
    crate::duration::parse_when(&args.since, chrono::Utc::now())
        .map_err(|e| ClientError::Config(format!("--since: {e}")))?;
    if let Some(window) = &args.recurrence {
        crate::duration::parse_duration(window)
            .map_err(|e| ClientError::Config(format!("--recurrence: {e}")))?;
    }
    let mut query = vec![("since", args.since.clone())];
    query.extend(args.service.clone().map(|s| ("service", s)));
    query.extend(args.severity.clone().map(|s| ("severity", s)));
    query.extend(args.recurrence.clone().map(|s| ("recurrence", s)));
    let report: Report = client.report(&query).await?;
    if args.output.json {
        return Ok(json(&report));
    }
    Ok(report_text(&report))
}

fn report_text(report: &Report) -> String {
    let mut text = crate::report::report_lines(report).join("\n");
    text.push('\n');
    text
}

impl FollowupsArgs {
    fn query(&self) -> FollowupQuery {
        let limit = self
            .limit
            .map_or(self.page_size, |n| usize::try_from(n).unwrap_or(usize::MAX));
        FollowupQuery {
            page_size: Some(limit.min(self.page_size)),
            ask: FollowupAsk {
                open: self.open,
                closed: self.closed,
                overdue: self.overdue,
                owner: self.owner.clone(),
            },
        }
    }
}

/// The corrective actions across incidents, filtered by the backend (`GET /v1/followups`),
/// soonest due first: its pages walked, each handed to `out` as it arrives (the table, or a
/// JSON array written element by element), so that any number of them costs the CLI one
/// page of memory; stops early when `out` says the reader went away (`false`).
pub async fn followups(
    client: &Client,
    args: &FollowupsArgs,
    out: &mut (dyn FnMut(&str) -> bool + Send),
) -> Result<(), ClientError> {
    let mut walk = Printed::new(args.output.json, args.limit);
    let mut next = Some(args.query().first_page());
    while walk.wants_more()
        && let Some(path) = next.take()
    {
        let mut page = client.followup_page(&path).await?;
        next = page.next;
        let text = walk.page(&mut page.rows, followups_header, followup_lines);
        if !out(&text) {
            return Ok(());
        }
    }
    out(walk.end("no corrective actions\n"));
    Ok(())
}

fn followups_header() -> String {
    format!("{}\n", crate::report::followups_header())
}

fn followup_lines(rows: &[Followup]) -> String {
    rows.iter()
        .map(|f| format!("{}\n", crate::report::followup_line(f)))
        .collect()
}
