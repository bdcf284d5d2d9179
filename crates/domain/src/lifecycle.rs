//! The incident lifecycle and the moves allowed between its states.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an incident stands. Serialised as the lowercase word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Triggered,
    Acknowledged,
    Investigating,
    Mitigated,
    Resolved,
    Closed,
    Cancelled,
    /// A duplicate folded into another incident (its `merged_into`): final, and neither an
    /// incident of its own in the report nor a false alarm.
    Merged,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Triggered,
        Status::Acknowledged,
        Status::Investigating,
        Status::Mitigated,
        Status::Resolved,
        Status::Closed,
        Status::Cancelled,
        Status::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triggered => "triggered",
            Status::Acknowledged => "acknowledged",
            Status::Investigating => "investigating",
            Status::Mitigated => "mitigated",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
            Status::Merged => "merged",
        }
    }

    /// Open incidents still need people: everything before resolution.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Triggered | Status::Acknowledged | Status::Investigating | Status::Mitigated
        )
    }

    /// Checks a move from `self` to `to`. The rules, in a commander's words:
    /// - the response moves forward and may skip steps (a page can be mitigated before anyone
    ///   formally acknowledged it);
    /// - a mitigation that did not hold goes back to investigating;
    /// - reopening a resolved or cancelled incident goes back to investigating;
    /// - a false alarm is cancelled, but only before it was mitigated;
    /// - closed is final: a recurrence is a new incident;
    /// - merged is final too, and only the `merge_into` command ends an incident so.
    pub fn check_transition(self, to: Status) -> Result<(), String> {
        use Status::*;
        if self == to {
            return Err(format!("the incident is already {}", to.as_str()));
        }
        let allowed = match self {
            Triggered => matches!(
                to,
                Acknowledged | Investigating | Mitigated | Resolved | Cancelled
            ),
            Acknowledged => matches!(to, Investigating | Mitigated | Resolved | Cancelled),
            Investigating => matches!(to, Mitigated | Resolved | Cancelled),
            Mitigated => matches!(to, Investigating | Resolved),
            Resolved => matches!(to, Closed | Investigating),
            Cancelled => matches!(to, Investigating),
            Closed | Merged => false,
        };
        if allowed {
            return Ok(());
        }
        Err(match (self, to) {
            (Closed, _) => "the incident is closed; declare a new incident for a recurrence".into(),
            (Merged, _) => {
                "the incident was merged into another as a duplicate; that one carries on".into()
            }
            (_, Merged) => {
                "a duplicate is merged with the merge_into command, which names the survivor".into()
            }
            (_, Triggered) => "an incident cannot go back to triggered".into(),
            (_, Closed) => "only a resolved incident can be closed".into(),
            (Mitigated, Cancelled) | (Resolved, Cancelled) => {
                "an incident that was mitigated is not a false alarm; resolve it instead".into()
            }
            (Cancelled, _) => "a cancelled incident can only be reopened to investigating".into(),
            (Resolved, _) => {
                "a resolved incident can only be closed or reopened to investigating".into()
            }
            (_, Acknowledged) => "the incident was acknowledged already".into(),
            (from, to) => format!("cannot move from {} to {}", from.as_str(), to.as_str()),
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown status '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    /// The whole table, written out: every pair is either allowed or refused with a reason.
    const ALLOWED: &[(Status, Status)] = &[
        (Triggered, Acknowledged),
        (Triggered, Investigating),
        (Triggered, Mitigated),
        (Triggered, Resolved),
        (Triggered, Cancelled),
        (Acknowledged, Investigating),
        (Acknowledged, Mitigated),
        (Acknowledged, Resolved),
        (Acknowledged, Cancelled),
        (Investigating, Mitigated),
        (Investigating, Resolved),
        (Investigating, Cancelled),
        (Mitigated, Investigating),
        (Mitigated, Resolved),
        (Resolved, Closed),
        (Resolved, Investigating),
        (Cancelled, Investigating),
    ];

    #[test]
    fn every_pair_is_allowed_or_refused_with_a_reason() {
        for from in Status::ALL {
            for to in Status::ALL {
                let result = from.check_transition(to);
                if ALLOWED.contains(&(from, to)) {
                    assert_eq!(result, Ok(()), "{from} -> {to} should be allowed");
                } else {
                    let reason = result.expect_err(&format!("{from} -> {to} should be refused"));
                    assert!(!reason.is_empty());
                }
            }
        }
    }

    #[test]
    fn refusals_explain_themselves() {
        let reason = |from: Status, to: Status| from.check_transition(to).unwrap_err();
        assert_eq!(
            reason(Investigating, Investigating),
            "the incident is already investigating"
        );
        assert!(reason(Closed, Investigating).contains("closed"));
        assert!(reason(Investigating, Closed).contains("only a resolved incident"));
        assert!(reason(Mitigated, Cancelled).contains("not a false alarm"));
        assert!(reason(Resolved, Triggered).contains("back to triggered"));
        assert!(reason(Cancelled, Resolved).contains("reopened"));
        assert!(reason(Investigating, Acknowledged).contains("acknowledged already"));
        assert!(reason(Investigating, Merged).contains("merge_into"));
        assert!(reason(Merged, Investigating).contains("merged into another"));
    }

    #[test]
    fn parses_lowercase_words_and_names_the_choices_otherwise() {
        assert_eq!("Mitigated".parse::<Status>(), Ok(Mitigated));
        let err = "fixed".parse::<Status>().unwrap_err();
        assert!(err.contains("unknown status 'fixed'") && err.contains("investigating"));
    }
}
