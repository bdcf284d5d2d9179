//! The time range of one `query_range` request. The panel layer chooses it for a chart's
//! width (`crate::panels::step`); this client only sends it.

use std::time::Duration;

/// The `start`, `end` and `step` of one `query_range`, in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeWindow {
    pub start: i64,
    pub end: i64,
    pub step: Duration,
}
