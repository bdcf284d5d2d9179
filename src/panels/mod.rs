//! Panels: what the war room charts from Prometheus and what it reads from the charts.
//!
//! - [`panel`]: a `[[panels]]` entry checked into a [`Panel`]: PromQL for the incident's
//!   service, unit, warn and crit lines, legend, range, refresh.
//! - [`step`]: the step and aligned window of a range query: a chart's from its width, the
//!   evidence's at the scrape resolution (`evidence_step`).
//! - [`state`]: a panel's refresh state, which keeps its last data when a refresh fails.
//! - [`impact`]: the impact start and the resolve evidence, read from the main panel's
//!   evidence query, never from its chart.
//! - [`resolve`]: the resolve evidence in words, for the TUI's confirmation and the CLI.
//! - [`settings`]: everything above checked from the config, as the TUI runs with it.
//! - [`detect`]: proposes the error-ratio, request-rate and latency panels from the metrics
//!   a Prometheus already has, for `warroom panels detect` and the TUI's first run.
//!
//! Pure: no I/O, and the time is passed in. A refresh goes: [`Panel::expr`] for the
//! incident's service, [`RangeWindow::for_width`](crate::prometheus::RangeWindow::for_width)
//! for the chart's width, the Prometheus client's `query_range`, then
//! [`PanelState::succeeded`] or [`PanelState::failed`]. Each panel runs two such refreshes
//! ([`Purpose`]): the chart's, and the evidence's over
//! [`ImpactWindows::evidence_window`].

pub mod detect;
pub mod impact;
mod legend;
pub mod panel;
pub mod resolve;
mod settings;
pub mod state;
pub mod step;
mod unit;

pub use impact::ImpactWindows;
pub use legend::Legend;
pub use panel::{Level, NeedsService, Panel, Thresholds, validate_panels};
pub use settings::MetricsSettings;
pub use state::{PanelData, PanelState, Purpose};
pub use unit::Unit;
