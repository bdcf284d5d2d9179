//! The war room's eyes, outbound: clients of Prometheus' query API and of Alertmanager's
//! alert list, and the shapes their answers are read into.
//!
//! - [`client`]: async clients for Prometheus (`query`, `query_range`, `alerts`) and
//!   Alertmanager (`alerts`: active, not silenced, not inhibited), built from
//!   `[prometheus]` / `[alertmanager]`.
//! - [`series`]: series and their points, parsed from the API.
//! - [`range`]: the start, end and step of one range query.
//! - [`alert`]: both servers' alert lists, read into the domain's [`Alert`](crate::domain::Alert).
//! - [`status`]: versions, Prometheus' alerting rules and Alertmanagers, and where
//!   Alertmanager sends pages ([`routing`], read with the small [`yaml`] reader), for
//!   `warroom setup` and `warroom doctor`.
//!
//! What to chart and how to read a chart is `crate::panels`; the backend's Alertmanager
//! webhook receiver is `crate::server::alertmanager`.

mod alert;
pub mod client;
mod range;
pub mod routing;
pub mod series;
pub mod status;
mod yaml;

pub use client::{AlertmanagerClient, Error, PrometheusClient};
pub use range::RangeWindow;
pub use series::{Point, Series};
pub use status::{AlertingRule, AlertmanagerStatus};
