//! The follow-ups across incidents as pages: which corrective actions a page asks for
//! ([`FollowupFilter`]) and where a page starts ([`FollowupKey`], the order of the list:
//! soonest due first, then the incident's number, then the action's id).

use super::{CorrectiveAction, CorrectiveState, Followup, Timestamp};
use std::fmt;

/// Which corrective actions by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FollowupStates {
    #[default]
    Any,
    Open,
    /// Done or dropped.
    Closed,
}

/// What a page of follow-ups holds. Owners compare without regard to ASCII case, as people
/// type them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowupFilter {
    pub states: FollowupStates,
    /// Only open ones due before this: overdue at that moment.
    pub due_before: Option<Timestamp>,
    pub owner: Option<String>,
}

impl FollowupFilter {
    /// Whether `action` is one the filter asks for (the rule the stores' SQL follows).
    pub fn matches(&self, action: &CorrectiveAction) -> bool {
        let open = action.state == CorrectiveState::Open;
        let state = match self.states {
            FollowupStates::Any => true,
            FollowupStates::Open => open,
            FollowupStates::Closed => !open,
        };
        state
            && self
                .due_before
                .is_none_or(|before| open && action.due_at < before)
            && self
                .owner
                .as_deref()
                .is_none_or(|owner| action.owner.eq_ignore_ascii_case(owner))
    }
}

/// What a person asks of the follow-ups, as `GET /v1/followups` names it (`open=true`,
/// `closed=true`, `overdue=true`, `owner=`): what the CLI and the TUI send and the backend
/// reads, and writes again in its link to the next page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowupAsk {
    pub open: bool,
    /// Done or dropped.
    pub closed: bool,
    /// Open and past its due date.
    pub overdue: bool,
    /// Whatever the case; blank is anyone.
    pub owner: Option<String>,
}

impl FollowupAsk {
    /// The owner asked for, trimmed; `None` when blank.
    pub fn owner(&self) -> Option<&str> {
        self.owner
            .as_deref()
            .map(str::trim)
            .filter(|owner| !owner.is_empty())
    }

    /// The query's pairs, only those given.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        let flags = [
            ("open", self.open),
            ("closed", self.closed),
            ("overdue", self.overdue),
        ];
        let mut pairs: Vec<(&'static str, &str)> = flags
            .into_iter()
            .filter(|(_, given)| *given)
            .map(|(name, _)| (name, "true"))
            .collect();
        pairs.extend(self.owner().map(|owner| ("owner", owner)));
        pairs
    }

    /// The filter as at `now` (overdue: due before it), or `None` when nothing can match
    /// (closed ones are never open).
    pub fn filter(&self, now: Timestamp) -> Option<FollowupFilter> {
        let states = match (self.open || self.overdue, self.closed) {
            (true, true) => return None,
            (true, false) => FollowupStates::Open,
            (false, true) => FollowupStates::Closed,
            (false, false) => FollowupStates::Any,
        };
        Some(FollowupFilter {
            states,
            due_before: self.overdue.then_some(now),
            owner: self.owner().map(String::from),
        })
    }
}

/// A follow-up's place in the list, and a page's cursor: the page holds those after it.
/// Written `DUE,INC-N,ID` (`2026-03-15T10:00:00Z,INC-12,3`), the due time in RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FollowupKey {
    pub due_at: Timestamp,
    pub incident: u64,
    pub action: u32,
}

impl Followup {
    pub fn key(&self) -> FollowupKey {
        FollowupKey {
            due_at: self.action.due_at,
            incident: self.incident.number(),
            action: self.action.id,
        }
    }
}

impl fmt::Display for FollowupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let due = self
            .due_at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let incident = super::IncidentId::from_number(self.incident);
        write!(f, "{due},{incident},{}", self.action)
    }
}

impl std::str::FromStr for FollowupKey {
    type Err = String;

    fn from_str(text: &str) -> Result<FollowupKey, String> {
        let form = || format!("'{text}' is not DUE,INC-N,ID (2026-03-15T10:00:00Z,INC-12,3)");
        let mut parts = text.split(',');
        let (Some(due), Some(incident), Some(action), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(form());
        };
        let due_at = chrono::DateTime::parse_from_rfc3339(due.trim())
            .map_err(|err| format!("{} ({err})", form()))?
            .to_utc();
        let incident = super::IncidentId::try_from(incident.trim().to_string())
            .map_err(|err| format!("{} ({err})", form()))?
            .number();
        let action = action.trim().parse().map_err(|_| form())?;
        Ok(FollowupKey {
            due_at,
            incident,
            action,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_as_it_was_written() {
        let key = FollowupKey {
            due_at: "2026-03-15T10:00:00.123456789Z".parse().unwrap(),
            incident: 12,
            action: 3,
        };
        assert_eq!(key.to_string(), "2026-03-15T10:00:00.123456789Z,INC-12,3");
        assert_eq!(key.to_string().parse::<FollowupKey>(), Ok(key));
        let whole: FollowupKey = "2026-03-15T10:00:00Z,INC-1,1".parse().unwrap();
        assert_eq!(whole.to_string(), "2026-03-15T10:00:00Z,INC-1,1");
    }

    #[test]
    fn a_key_that_does_not_parse_says_the_form() {
        for bad in [
            "",
            "garbage",
            "2026-03-15T10:00:00Z,INC-12",
            "2026-03-15,INC-12,3",
            "2026-03-15T10:00:00Z,12,3",
            "2026-03-15T10:00:00Z,INC-12,-3",
            "2026-03-15T10:00:00Z,INC-12,3,4",
        ] {
            let err = bad.parse::<FollowupKey>().unwrap_err();
            assert!(err.contains("DUE,INC-N,ID"), "{bad}: {err}");
        }
    }
}
