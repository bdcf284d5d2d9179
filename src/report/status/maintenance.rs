//! Scheduled maintenance: a configured window of planned work, never an incident. The clock
//! alone moves it from scheduled to in progress (its components under maintenance, the page's
//! banner blue) to completed, each at the window's own times.

use super::text::{public_text, stable_id};
use crate::domain::Timestamp;
use serde::Serialize;

/// A window as configured (`[[status.maintenance]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceWindow {
    pub name: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub components: Vec<String>,
    pub message: String,
}

/// Statuspage's words for a maintenance's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceStatus {
    Scheduled,
    InProgress,
    Completed,
}

impl MaintenanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => "scheduled",
            MaintenanceStatus::InProgress => "in_progress",
            MaintenanceStatus::Completed => "completed",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            MaintenanceStatus::Scheduled => "Scheduled",
            MaintenanceStatus::InProgress => "In progress",
            MaintenanceStatus::Completed => "Completed",
        }
    }
}

/// A window as the page shows it at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaintenanceView {
    /// Stable, from its name and start.
    pub id: String,
    pub name: String,
    pub message: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub components: Vec<String>,
    pub status: MaintenanceStatus,
}

impl MaintenanceView {
    /// When the page last changed because of it, as of `now`: its end once completed, its
    /// start once begun. A window still to come is on the page from its configuration, which
    /// has no time of its own: it dates nothing.
    pub fn changed_at(&self, now: Timestamp) -> Option<Timestamp> {
        [self.ends_at, self.starts_at]
            .into_iter()
            .find(|at| *at <= now)
    }

    /// The time it last changed state, for the JSON's `updated_at` (its start while scheduled:
    /// the window has no time of creation).
    pub fn updated_at(&self) -> Timestamp {
        match self.status {
            MaintenanceStatus::Completed => self.ends_at,
            MaintenanceStatus::Scheduled | MaintenanceStatus::InProgress => self.starts_at,
        }
    }
}

/// Every window as of `now`, by start.
pub fn views(windows: &[MaintenanceWindow], now: Timestamp) -> Vec<MaintenanceView> {
    let mut views: Vec<MaintenanceView> = windows
        .iter()
        .map(|window| MaintenanceView {
            id: stable_id(
                "maintenance",
                &format!("{}|{}", window.name, super::rfc3339(window.starts_at)),
            ),
            name: public_text(&window.name),
            message: public_text(&window.message),
            starts_at: window.starts_at,
            ends_at: window.ends_at,
            components: window.components.iter().map(|c| public_text(c)).collect(),
            status: if now < window.starts_at {
                MaintenanceStatus::Scheduled
            } else if now < window.ends_at {
                MaintenanceStatus::InProgress
            } else {
                MaintenanceStatus::Completed
            },
        })
        .collect();
    views.sort_by_key(|view| (view.starts_at, view.id.clone()));
    views
}

/// When the page next changes by the clock alone: the next start or end of a window.
pub fn next_change(windows: &[MaintenanceWindow], now: Timestamp) -> Option<Timestamp> {
    windows
        .iter()
        .flat_map(|w| [w.starts_at, w.ends_at])
        .filter(|at| *at > now)
        .min()
}
