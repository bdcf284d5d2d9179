//! The human-friendly incident id, `INC-<n>`, given on declaration.
//!
//! Parsed at the edge: an id is only ever made from a number or from text that was checked,
//! so a malformed id from the network is refused where it is read (a 400, or an event the
//! client drops) and never reaches a screen or a panic further in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// `INC-<n>` with `n > 0`. Ordered by number, so `INC-9` comes before `INC-10`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IncidentId(u64);

/// Why a text is not an incident id; names the text as it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an incident id (expected INC-<number>)")]
pub struct InvalidIncidentId(String);

impl IncidentId {
    /// The id of the `number`th incident. Numbers start at 1; 0 is taken as 1 rather than
    /// made into an id no parser accepts.
    pub fn from_number(number: u64) -> Self {
        IncidentId(number.max(1))
    }

    pub fn number(&self) -> u64 {
        self.0
    }

    /// The wire form, `INC-<n>` exactly: what the backend writes and every reader expects.
    /// People's spellings (`inc-7`, `7`) are for [`FromStr`].
    fn from_wire(text: &str) -> Option<Self> {
        let digits = text.strip_prefix("INC-")?;
        Self::from_digits(digits)
    }

    fn from_digits(digits: &str) -> Option<Self> {
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        canonical
            .then(|| digits.parse().ok())
            .flatten()
            .map(IncidentId)
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("INC-{}", self.0))
    }
}

impl FromStr for IncidentId {
    type Err = InvalidIncidentId;
    /// Accepts `INC-12`, `inc-12` and a bare `12`: what people type.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let digits = trimmed
            .get(..4)
            .filter(|prefix| prefix.eq_ignore_ascii_case("INC-"))
            .map_or(trimmed, |_| &trimmed[4..]);
        IncidentId::from_digits(digits).ok_or_else(|| InvalidIncidentId(s.to_string()))
    }
}

impl TryFrom<String> for IncidentId {
    type Error = InvalidIncidentId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        IncidentId::from_wire(&text).ok_or(InvalidIncidentId(text))
    }
}

impl From<IncidentId> for String {
    fn from(id: IncidentId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_parse_in_the_spellings_people_type() {
        assert_eq!("INC-7".parse::<IncidentId>().unwrap().to_string(), "INC-7");
        assert_eq!("inc-7".parse::<IncidentId>().unwrap().to_string(), "INC-7");
        assert_eq!("7".parse::<IncidentId>().unwrap().number(), 7);
        for bad in [
            "", "INC-", "INC-0", "INC--1", "INC-+3", "seven", "INC-1x", "INC-07",
        ] {
            assert!(
                bad.parse::<IncidentId>().is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn the_wire_takes_only_the_canonical_form() {
        let read = |json: &str| serde_json::from_str::<IncidentId>(json);
        assert_eq!(read("\"INC-12\"").unwrap(), IncidentId::from_number(12));
        for bad in [
            "\"bogus\"",
            "\"inc-12\"",
            "\"12\"",
            "\"INC-0\"",
            "\"INC-99999999999999999999999\"",
            "\"INC-1\\u001b[2J\"",
            "12",
        ] {
            assert!(read(bad).is_err(), "{bad} should be refused");
        }
        let error = read("\"bogus\"").unwrap_err().to_string();
        assert!(error.contains("'bogus' is not an incident id"), "{error}");
        assert_eq!(
            serde_json::to_string(&IncidentId::from_number(3)).unwrap(),
            "\"INC-3\""
        );
    }

    #[test]
    fn ids_order_by_number() {
        assert!(IncidentId::from_number(9) < IncidentId::from_number(10));
    }
}
