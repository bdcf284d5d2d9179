//! The war room's eyes: Prometheus panels and Alertmanager alerts.
//!
//! - [`config`]: the `[prometheus]`, `[alertmanager]`, `[[panels]]`, `[alert_severity]` and
//!   `[impact]` tables, checked into typed values whose errors name the panel and field.
//! - [`client`]: async clients for Prometheus (`query`, `query_range`, `alerts`) and
//!   Alertmanager (`alerts`: active, not silenced, not inhibited).
//! - [`series`]: series and their points, parsed from the API, named by a legend template.
//! - [`step`]: the step and aligned window of a range query from the chart's width.
//! - [`panel`]: a panel's refresh state, which keeps its last data when a refresh fails.
//! - [`impact`]: the impact start and the resolve evidence, read from the main panel.
//! - [`alert`]: alerts from either server in one shape.
//! - [`webhook`]: Alertmanager's webhook notification, read for the backend's receiver.
//!
//! Everything but [`client`] is pure: no I/O, and the time is passed in. A refresh goes:
//! [`config::Panel::expr`] for the incident's service, [`step::RangeWindow::for_width`] for
//! the chart's width, [`client::PrometheusClient::query_range`], then
//! [`panel::PanelState::succeeded`] or [`panel::PanelState::failed`].

pub mod alert;
pub mod client;
pub mod config;
pub mod impact;
pub mod panel;
pub mod series;
pub mod step;
pub mod unit;
pub mod webhook;
