//! A panel's refresh state: the last good data, whether it is stale and why, and whether a
//! request is in flight. Pure: the caller passes the time in and performs the requests.

use crate::domain::Timestamp;
use crate::prometheus::Error;
use crate::prometheus::RangeWindow;
use crate::prometheus::Series;

/// What a panel's query is for. The chart's step follows the chart's width; the evidence
/// (the value beside the chart, pins, the impact start, the resolve verdict and snapshot) is
/// read at the scrape resolution whatever the width, so a wider terminal never moves an
/// impact start or hides a peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Chart,
    Evidence,
}

/// What one successful refresh brought.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    pub series: Vec<Series>,
    pub window: RangeWindow,
    pub fetched_at: Timestamp,
}

/// A panel between refreshes. A failed refresh never throws data away: a responder looking
/// at a chart during a Prometheus outage still sees the last hour, marked stale.
#[derive(Debug, Clone, Default)]
pub struct PanelState {
    data: Option<PanelData>,
    stale_since: Option<Timestamp>,
    error: Option<Error>,
    in_flight: bool,
}

impl PanelState {
    /// Marks a request as started, unless one already is: a slow server gets at most one
    /// request per panel, never a pile of them. Returns whether the caller should send one.
    pub fn begin_refresh(&mut self) -> bool {
        !std::mem::replace(&mut self.in_flight, true)
    }

    /// A refresh succeeded: its data replaces the old, and the panel is fresh again.
    pub fn succeeded(&mut self, data: PanelData) {
        self.data = Some(data);
        self.stale_since = None;
        self.error = None;
        self.in_flight = false;
    }

    /// A refresh failed at `now`: the last data stays, `stale_since` keeps the first failure
    /// since the last success, and the newest error replaces the previous one.
    pub fn failed(&mut self, error: Error, now: Timestamp) {
        self.stale_since.get_or_insert(now);
        self.error = Some(error);
        self.in_flight = false;
    }

    /// The last good data, stale or not.
    pub fn data(&self) -> Option<&PanelData> {
        self.data.as_ref()
    }

    /// When refreshes started failing; `None` while the data is fresh. The TUI shows
    /// "stale since HH:MM:SS".
    pub fn stale_since(&self) -> Option<Timestamp> {
        self.stale_since
    }

    /// Why the last refresh failed. For bad PromQL its text is Prometheus' own message.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// The panel starts over (it now shows another service), keeping only the knowledge that
    /// a request is still out: a new one waits until that one comes back, so a slow server
    /// still sees one request per panel however often the view switches.
    pub fn restart(&mut self) {
        *self = PanelState {
            in_flight: self.in_flight,
            ..PanelState::default()
        };
    }

    /// The request in flight came back for a view that no longer exists: nothing to keep, but
    /// the next refresh may go.
    pub fn superseded(&mut self) {
        self.in_flight = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Labels;
    use chrono::{TimeZone, Utc};
    use std::time::Duration;

    fn at(secs: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, secs).unwrap()
    }

    fn data(value: f64, now: Timestamp) -> PanelData {
        PanelData {
            series: vec![Series {
                labels: Labels::new(),
                points: vec![(now.timestamp() as f64, value)],
            }],
            window: RangeWindow::for_width(Duration::from_secs(3600), 80, now),
            fetched_at: now,
        }
    }

    fn unreachable() -> Error {
        Error::Unreachable {
            url: "http://127.0.0.1:9".into(),
            reason: "connection refused".into(),
        }
    }

    #[test]
    fn only_one_request_is_in_flight() {
        let mut state = PanelState::default();
        assert!(state.begin_refresh());
        assert!(!state.begin_refresh());
        assert!(state.in_flight());
        state.failed(unreachable(), at(1));
        assert!(state.begin_refresh());
    }

    #[test]
    fn a_restart_forgets_the_data_but_not_the_request_in_flight() {
        let mut state = PanelState::default();
        state.begin_refresh();
        state.succeeded(data(0.5, at(0)));
        state.begin_refresh();
        state.restart();
        assert_eq!(state.data(), None);
        assert!(!state.begin_refresh(), "the old request is still out");
        state.superseded();
        assert!(state.begin_refresh());
    }

    #[test]
    fn failures_keep_the_data_and_the_first_failure_time_until_a_success() {
        let mut state = PanelState::default();
        state.begin_refresh();
        state.succeeded(data(0.5, at(0)));

        state.begin_refresh();
        state.failed(unreachable(), at(15));
        state.begin_refresh();
        let bad = Error::BadQuery {
            error_type: "bad_data".into(),
            message: "1:1: parse error: unexpected end of input".into(),
        };
        state.failed(bad.clone(), at(30));
        assert_eq!(state.data(), Some(&data(0.5, at(0))));
        assert_eq!(state.stale_since(), Some(at(15)));
        assert_eq!(state.error(), Some(&bad));
        assert_eq!(
            state.error().unwrap().to_string(),
            "1:1: parse error: unexpected end of input"
        );

        state.begin_refresh();
        state.succeeded(data(0.1, at(45)));
        assert_eq!(state.stale_since(), None);
        assert_eq!(state.error(), None);
        assert_eq!(state.data().unwrap().series[0].current(), Some(0.1));
    }
}
