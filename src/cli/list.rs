//! `warroom incident list`: the backend's pages, printed as they come, so that a list of
//! any length costs the CLI one page of memory.

use super::OutputArgs;
use super::paged::Printed;
use super::parse::parse_status;
use super::render::{incident_rows, incident_table_header};
use crate::client::{Client, ClientError, ListQuery, MAX_PAGE};
use crate::domain::{Status, Timestamp};
use clap::Args;

/// Incidents asked of the backend at a time: big enough that a long walk takes few requests,
/// small enough that a page is soon on the screen.
pub(super) const PAGE: usize = 500;

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

pub(super) fn parse_page_size(text: &str) -> Result<usize, String> {
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
    let mut walk = Printed::new(args.output.json, args.limit);
    let mut pages = client.pages(&args.query());
    while walk.wants_more()
        && let Some(mut page) = pages.next().await?
    {
        let text = walk.page(&mut page, incident_table_header, |page| {
            incident_rows(page, now)
        });
        if !out(&text) {
            return Ok(());
        }
    }
    out(walk.end("no incidents\n"));
    Ok(())
}
