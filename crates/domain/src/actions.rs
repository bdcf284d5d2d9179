//! Action items: who does what, by when.

use super::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionState {
    Open,
    Done,
    Dropped,
}

impl ActionState {
    /// The wire word: "open", "done", "dropped".
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Open => "open",
            ActionState::Done => "done",
            ActionState::Dropped => "dropped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    /// 1-based, unique within its incident, never reused.
    pub id: u32,
    pub text: String,
    pub owner: Option<String>,
    /// The time-box: when the owner reports back.
    pub due_at: Option<Timestamp>,
    pub state: ActionState,
    pub created_at: Timestamp,
    /// When it was last marked done or dropped.
    pub closed_at: Option<Timestamp>,
}

impl ActionItem {
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.state == ActionState::Open && self.due_at.is_some_and(|due| due < now)
    }
}
