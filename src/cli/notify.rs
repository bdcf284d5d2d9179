//! `warroom notify log [--failed]` and `warroom notify retry ID|--dead`.

use super::NotifyCommand;
use crate::client::{Client, ClientError, DeliveryRecord};
use crate::sanitize::sanitize;
use std::fmt::Write;

pub async fn run(command: NotifyCommand, client: &Client) -> Result<String, ClientError> {
    match command {
        NotifyCommand::Log { failed, output } => {
            let deliveries = client.notifications(failed).await?;
            if output.json {
                return Ok(super::render::json(&deliveries));
            }
            Ok(table(&deliveries))
        }
        NotifyCommand::Retry { id, .. } => {
            let count = client.retry_notifications(id.as_ref()).await?;
            Ok(match (id, count) {
                (Some(id), _) => format!("delivery {id} is queued again\n"),
                (None, 1) => "1 dead delivery is queued again\n".to_string(),
                (None, count) => format!("{count} dead deliveries are queued again\n"),
            })
        }
    }
}

fn table(deliveries: &[DeliveryRecord]) -> String {
    if deliveries.is_empty() {
        return "no deliveries\n".into();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<36} {:<20} {:<24} {:<8} {:>6} {:<9} {:>3}  LAST ERROR",
        "ID", "CREATED (UTC)", "TARGET", "INCIDENT", "SEQ", "STATE", "TRY"
    );
    for d in deliveries {
        let _ = writeln!(
            out,
            "{:<36} {:<20} {:<24} {:<8} {:>6} {:<9} {:>3}  {}",
            sanitize(&d.id),
            d.created_at.format("%Y-%m-%d %H:%M:%S"),
            sanitize(&d.target),
            sanitize(&d.incident),
            d.seq,
            sanitize(&d.state),
            d.attempts,
            sanitize(d.last_error.as_deref().unwrap_or("")),
        );
    }
    out
}
