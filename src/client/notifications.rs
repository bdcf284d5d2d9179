//! The notification log as the client reads it from `GET /v1/notifications`.

use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// One delivery of the backend's outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub target: String,
    pub incident: String,
    pub seq: u64,
    pub created_at: Timestamp,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub next_attempt_at: Option<Timestamp>,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
}
