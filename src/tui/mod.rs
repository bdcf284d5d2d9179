//! The full-screen client: the desk, the wall and the SSH view of the war room.
//!
//! `app` is the pure Elm-Architecture core (model, messages, update), `view` draws it,
//! `runtime` owns the terminal and runs effects, `keymap` and `theme` are the options.

pub mod app;
pub mod keymap;
pub mod metrics;
pub mod runtime;
pub mod theme;
pub mod view;

use crate::cli::ScreenArgs;
use crate::client::Client;
use crate::config::{MetricsSettings, TuiSection};
use metrics::MetricsSource;
use std::sync::Arc;
use theme::{ColorMode, Theme, locale_is_utf8};

/// Chooses colours and symbols from the flags, the config, `NO_COLOR` and the locale.
pub fn theme_for(screen: &ScreenArgs, config: &TuiSection) -> Result<Theme, String> {
    let choice = screen.color.or(config.color_choice()?);
    let colors = ColorMode::resolve(choice, std::env::var("NO_COLOR").ok().as_deref());
    let ascii = screen.ascii || config.ascii || !locale_is_utf8(|name| std::env::var(name).ok());
    Ok(Theme::new(colors, ascii))
}

/// What the client shows besides the backend: the panels' data and how to read it.
pub struct MetricsSetup {
    pub source: Arc<dyn MetricsSource>,
    pub settings: MetricsSettings,
}

/// Opens the full-screen client on `client`'s backend until the user quits.
pub async fn launch(
    client: Client,
    metrics: MetricsSetup,
    screen: &ScreenArgs,
    config: &TuiSection,
    demo: bool,
) -> anyhow::Result<()> {
    let theme = theme_for(screen, config).map_err(anyhow::Error::msg)?;
    let source = metrics.source;
    let options = app::Options {
        wall: screen.wall,
        demo,
        keymap: config.keymap().map_err(anyhow::Error::msg)?,
        metrics: app::metrics::Metrics::new(
            metrics.settings,
            source.has_panels(),
            source.has_alerts(),
        ),
    };
    runtime::run(client, source, theme, options).await
}
