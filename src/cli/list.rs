//! `warroom incident list`: the backend's pages, printed as they come, so that a list of
//! any length costs the CLI one page of memory.

use super::OutputArgs;
use super::parse::parse_status;
use super::render::{incident_rows, incident_table_header};
use crate::client::{Client, ClientError, ListQuery, MAX_PAGE};
use crate::domain::{Incident, Status, Timestamp};
use clap::Args;

/// Incidents asked of the backend at a time: big enough that a long walk takes few requests,
/// small enough that a page is soon on the screen.
const PAGE: usize = 500;

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only incidents that are not resolved, closed or cancelled
    #[arg(long, conflicts_with = "ended")]
    pub open: bool,
    /// Only incidents that ended (resolved, closed, cancelled or merged)
    #[arg(long)]
    pub ended: bool,
    /// Only incidents of this service
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Only incidents of these severities: repeat the flag or separate with commas (P0,P1)
    #[arg(long, value_name = "LEVEL", value_delimiter = ',')]
    pub severity: Vec<String>,
    /// Only incidents in this status (triggered, acknowledged, investigating, mitigated,
    /// resolved, closed, cancelled, merged)
    #[arg(long, value_name = "STATUS", value_parser = parse_status)]
    pub status: Option<Status>,
    /// Only incidents declared at or after this: an age (7d, 12h) or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only incidents declared before this: an age or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only incidents whose title, id or service contains this text, whatever the case
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Print at most N incidents, the newest [default: all]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Incidents asked of the backend per request (1 to 1000); for tests and slow links
    #[arg(long, hide = true, default_value_t = PAGE, value_parser = parse_page_size)]
    pub page_size: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl ListArgs {
    fn query(&self) -> ListQuery {
        let limit = self
            .limit
            .map_or(PAGE, |n| usize::try_from(n).unwrap_or(PAGE));
        ListQuery {
            page_size: Some(limit.min(PAGE)),
            open: match (self.open, self.ended) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            service: self.service.clone(),
            severities: self.severity.clone(),
            status: self.status.map(|status| status.as_str().to_string()),
            since: self.since.clone(),
            until: self.until.clone(),
            text: self.search.clone(),
        }
    }
}

fn parse_page_size(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(size @ 1..=MAX_PAGE) => Ok(size),
        _ => Err(format!("'{text}' is not a page size from 1 to {MAX_PAGE}")),
    }
}

/// Walks the pages the arguments ask for and hands `out` the text of each as it arrives (the
/// table, or a JSON array written element by element); stops early when `out` says the
/// reader went away (`false`).
pub async fn print(
    client: &Client,
    args: &ListArgs,
    now: Timestamp,
    out: &mut (dyn FnMut(&str) -> bool + Send),
) -> Result<(), ClientError> {
    let mut left = args.limit.unwrap_or(u64::MAX);
    let mut printed = 0_u64;
    let mut pages = client.pages(&args.query());
    while left > 0
        && let Some(mut page) = pages.next().await?
    {
        page.truncate(usize::try_from(left).unwrap_or(usize::MAX));
        let text = if args.output.json {
            json_elements(&page, printed == 0)
        } else if printed == 0 && !page.is_empty() {
            incident_table_header() + &incident_rows(&page, now)
        } else {
            incident_rows(&page, now)
        };
        let count = page.len() as u64;
        (printed, left) = (printed + count, left - count);
        if !out(&text) {
            return Ok(());
        }
    }
    let end = match (args.output.json, printed) {
        (true, 0) => "[]\n",
        (true, _) => "\n]\n",
        (false, 0) => "no incidents\n",
        (false, _) => "",
    };
    out(end);
    Ok(())
}

/// The incidents as elements of a pretty JSON array, as `serde_json::to_string_pretty` writes
/// a whole one: the opening bracket before the first, a comma before each other.
fn json_elements(incidents: &[Incident], first: bool) -> String {
    let mut text = String::new();
    for (i, incident) in incidents.iter().enumerate() {
        text.push_str(if first && i == 0 { "[\n" } else { ",\n" });
        let element = super::render::json(incident);
        let lines: Vec<String> = element
            .trim_end()
            .lines()
            .map(|line| format!("  {line}"))
            .collect();
        text.push_str(&lines.join("\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IncidentId;

    #[test]
    fn json_written_page_by_page_is_the_array_serde_would_write() {
        let incidents: Vec<Incident> = (1..=3)
            .map(|n| Incident::blank(IncidentId::from_number(n)))
            .collect();
        let mut text = json_elements(&incidents[..2], true);
        text.push_str(&json_elements(&incidents[2..], false));
        text.push_str("\n]\n");
        assert_eq!(text, super::super::render::json(&incidents));
    }
}
