//! Panels: what the war room charts and how it finds them.
//!
//! - [`detect`]: proposes the error-ratio, request-rate and latency panels from the metrics
//!   a Prometheus already has, for `warroom panels detect` and the TUI's first run.

pub mod detect;
