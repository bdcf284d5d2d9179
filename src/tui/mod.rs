//! The full-screen client: the desk, the wall and the SSH view of the war room.
//!
//! `app` is the pure Elm-Architecture core (model, messages, update), `view` draws it,
//! `runtime` owns the terminal and runs effects, `layout` is the geometry `app` and `view`
//! share, `keymap`, `theme` and `settings` are the options.

pub mod app;
pub mod basic_colors;
pub mod keymap;
pub mod layout;
pub mod metric_source;
pub mod outbox_file;
pub mod runtime;
mod settings;
pub mod theme;
pub mod view;

pub use settings::{ScreenOptions, TuiSettings};

use crate::client::Client;
use crate::panels::MetricsSettings;
use metric_source::MetricsSource;
use std::sync::Arc;

/// What the client shows besides the backend: the panels' data and how to read it.
pub struct MetricsSetup {
    pub source: Arc<dyn MetricsSource>,
    pub settings: MetricsSettings,
}

/// Opens the full-screen client on `client`'s backend until the user quits.
pub async fn launch(
    client: Client,
    metrics: MetricsSetup,
    settings: TuiSettings,
    demo: bool,
) -> anyhow::Result<()> {
    let options = metrics.options(&settings, demo);
    // The demo's backend lives and dies with it, and a wall sends nothing: neither keeps an
    // outbox on disk (a wall must not send what a desk left). The file is named after the
    // first URL of `--backend` (replicas share one log), so a failover, or a standby added
    // after it, keeps finding the same outbox.
    let outbox = (!demo && !settings.wall)
        .then(|| outbox_file::path(&crate::config::data_dir(), client.first_url()));
    runtime::run(client, metrics.source, &settings, options, outbox).await
}

impl MetricsSetup {
    /// How a session starts: its settings, with these panels.
    pub fn options(&self, settings: &TuiSettings, demo: bool) -> app::Options {
        app::Options {
            wall: settings.wall,
            demo,
            keymap: settings.keymap.clone(),
            attention_from: settings.attention_from.clone(),
            metrics: app::panel_state::Metrics::new(
                self.settings.clone(),
                self.source.has_panels(),
                self.source.has_alerts(),
            ),
        }
    }
}
