//! `warroom demo`: the embedded default. A backend in this process on a temporary database,
//! seeded with a scripted incident, responders who keep talking, and the TUI on top: a living
//! war room within seconds, with nothing to set up. Everything synthetic is labelled DEMO.

pub mod scenario;
pub mod series;

use crate::client::{BackendConfig, Client, idempotency_key};
use crate::config::Config;
use crate::domain::{AlertSeverity, Command, IncidentId, SeverityScale, Status};
use crate::panels::MetricsSettings;
use crate::server::{self, ServeOptions};
use crate::store::{Commit, SqliteStore, Store};
use crate::tui::TuiSettings;
use std::path::Path;
use std::time::Duration;

/// Runs the demo until the user quits.
pub async fn run(settings: TuiSettings, you: &str) -> anyhow::Result<()> {
    // A fresh, unpredictable directory only this user can open, removed when the demo ends
    // however it ends.
    let scratch = tempfile::Builder::new().prefix("warroom-demo-").tempdir()?;
    crate::logging::to_file(scratch.path())?;
    let db = scratch.path().join("warroom.db");
    seed(&db, you)?;
    let backend = server::start(ServeOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        db: db.into(),
        tokens: None,
        scale: SeverityScale::default(),
        alert_severity: AlertSeverity::default(),
        alert_routing: Default::default(),
        recent_events: server::DEFAULT_RECENT_EVENTS,
        keep_ended: server::DEFAULT_KEEP_ENDED,
        communicate: Default::default(),
        allowed_origins: Vec::new(),
        limits: server::Limits::default(),
        bounds: Default::default(),
        clock: Default::default(),
    })
    .await?;
    let url = format!("http://{}", backend.local_addr());
    let client = Client::new(&backend_config(&url, you))?;
    let metrics = crate::tui::MetricsSetup {
        source: std::sync::Arc::new(series::DemoMetrics {
            observer: Client::new(&backend_config(&url, "demo"))?,
            incident: IncidentId::from_number(1),
        }),
        // The demo's synthetic series are made for the default panels, whatever the
        // user's config charts; they always draw, so there is nothing to detect.
        settings: MetricsSettings {
            detect_if_empty: false,
            ..MetricsSettings::from_config(&Config::default(), &SeverityScale::default())?
        },
    };
    let chatter = tokio::spawn(responders(url));
    let result = crate::tui::launch(client, metrics, settings, true).await;
    chatter.abort();
    backend.shutdown().await?;
    result
}

fn backend_config(url: &str, actor: &str) -> BackendConfig {
    BackendConfig {
        url: url.to_string(),
        token: None,
        actor: actor.to_string(),
        timeout: Duration::from_secs(5),
    }
}

/// Writes the scripted history straight into the log, with the times it would have had, so
/// the timeline reads like a real quarter of an hour rather than one burst at start-up.
fn seed(db: &Path, you: &str) -> anyhow::Result<()> {
    let mut store = SqliteStore::open(db)?;
    let events = scenario::seeded_events(chrono::Utc::now(), you);
    store.commit(&Commit {
        events,
        ..Commit::default()
    })?;
    Ok(())
}

/// The other responders: a line every half minute while the incident is open, and the
/// rollback confirmed once the commander marks it mitigated.
async fn responders(url: String) {
    let incident = IncidentId::from_number(1);
    let mut lines = scenario::live_chatter().into_iter().cycle();
    let mut confirmed_mitigation = false;
    let observer = match Client::new(&backend_config(&url, "demo")) {
        Ok(client) => client,
        Err(_) => return,
    };
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let Ok(state) = observer.incident(&incident).await else {
            continue;
        };
        let (actor, command) = match state.status {
            Status::Mitigated | Status::Resolved if !confirmed_mitigation => {
                confirmed_mitigation = true;
                let text = "error rate back under 1% since the rollback; watching for 15 min";
                let note = Command::AddNote {
                    kind: crate::domain::NoteKind::Update,
                    text: text.into(),
                };
                ("bob".to_string(), note)
            }
            status if status.is_open() && status != Status::Mitigated => match lines.next() {
                Some(line) => line,
                None => continue,
            },
            _ => continue,
        };
        if let Ok(client) = Client::new(&backend_config(&url, &actor)) {
            let _ = client
                .command(&incident, &command, &idempotency_key(), None)
                .await;
        }
    }
}
