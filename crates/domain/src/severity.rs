//! Severity levels: names, what they mean, and how often the room must post an update.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A severity level's name, such as `P1`. Which names exist is the backend's
/// [`SeverityScale`]; the name alone travels on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Severity(pub String);

impl Severity {
    pub fn new(name: impl Into<String>) -> Self {
        Severity(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// One level of the scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityLevel {
    pub name: Severity,
    pub description: String,
    /// How often an internal status update is due while the incident is open, in minutes.
    pub update_every_minutes: u32,
}

/// The ordered severity levels, most severe first. Read from the wire or a file through
/// [`SeverityScale::new`], so a scale is never empty, never lists a name twice and never
/// has a zero cadence, however it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<SeverityLevel>", into = "Vec<SeverityLevel>")]
pub struct SeverityScale {
    levels: Vec<SeverityLevel>,
}

impl Default for SeverityScale {
    fn default() -> Self {
        let level = |name: &str, description: &str, minutes| SeverityLevel {
            name: Severity::new(name),
            description: description.into(),
            update_every_minutes: minutes,
        };
        SeverityScale {
            levels: vec![
                level("P0", "complete outage, all users", 15),
                level("P1", "partial outage or degradation", 30),
                level("P2", "minor, limited impact", 60),
            ],
        }
    }
}

impl TryFrom<Vec<SeverityLevel>> for SeverityScale {
    type Error = String;
    fn try_from(levels: Vec<SeverityLevel>) -> Result<Self, String> {
        SeverityScale::new(levels)
    }
}

impl From<SeverityScale> for Vec<SeverityLevel> {
    fn from(scale: SeverityScale) -> Self {
        scale.levels
    }
}

impl SeverityScale {
    /// Builds a scale, refusing an empty one, duplicate names and a zero cadence.
    pub fn new(levels: Vec<SeverityLevel>) -> Result<Self, String> {
        if levels.is_empty() {
            return Err("the severity scale needs at least one level".into());
        }
        for (i, level) in levels.iter().enumerate() {
            if level.name.0.trim().is_empty() {
                return Err(format!("severity level {} has an empty name", i + 1));
            }
            if level.update_every_minutes == 0 {
                return Err(format!(
                    "severity {} has update_every_minutes = 0",
                    level.name
                ));
            }
            if levels[..i].iter().any(|l| l.name == level.name) {
                return Err(format!("severity {} is listed twice", level.name));
            }
        }
        Ok(SeverityScale { levels })
    }

    pub fn levels(&self) -> &[SeverityLevel] {
        &self.levels
    }

    pub fn level(&self, name: &Severity) -> Option<&SeverityLevel> {
        self.levels.iter().find(|level| &level.name == name)
    }

    /// 0 is the most severe; unknown names rank after every known level.
    pub fn rank(&self, name: &Severity) -> usize {
        self.levels
            .iter()
            .position(|level| &level.name == name)
            .unwrap_or(self.levels.len())
    }

    /// Resolves a user's spelling (`p1`, ` P1 `) to the scale's name, or says what exists.
    pub fn parse(&self, input: &str) -> Result<Severity, String> {
        self.levels
            .iter()
            .find(|level| level.name.0.eq_ignore_ascii_case(input.trim()))
            .map(|level| level.name.clone())
            .ok_or_else(|| {
                let names: Vec<_> = self.levels.iter().map(|l| l.name.as_str()).collect();
                format!(
                    "unknown severity '{input}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }

    pub fn update_interval(&self, name: &Severity) -> Option<chrono::Duration> {
        self.level(name)
            .map(|level| chrono::Duration::minutes(i64::from(level.update_every_minutes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scale_has_the_three_documented_levels_and_cadences() {
        let scale = SeverityScale::default();
        let cadences: Vec<_> = scale
            .levels()
            .iter()
            .map(|l| (l.name.as_str(), l.update_every_minutes))
            .collect();
        assert_eq!(cadences, [("P0", 15), ("P1", 30), ("P2", 60)]);
        assert_eq!(scale.rank(&Severity::new("P0")), 0);
        assert_eq!(scale.rank(&Severity::new("P9")), 3);
    }

    #[test]
    fn parse_is_forgiving_about_case_and_names_the_levels_otherwise() {
        let scale = SeverityScale::default();
        assert_eq!(scale.parse(" p1 "), Ok(Severity::new("P1")));
        let err = scale.parse("SEV1").unwrap_err();
        assert_eq!(err, "unknown severity 'SEV1' (expected one of: P0, P1, P2)");
    }

    #[test]
    fn a_broken_scale_is_refused() {
        let level = |name: &str, minutes| SeverityLevel {
            name: Severity::new(name),
            description: String::new(),
            update_every_minutes: minutes,
        };
        assert!(SeverityScale::new(vec![]).is_err());
        assert!(
            SeverityScale::new(vec![level("P0", 0)])
                .unwrap_err()
                .contains("= 0")
        );
        let twice = SeverityScale::new(vec![level("P0", 5), level("P0", 5)]).unwrap_err();
        let read = |json| serde_json::from_value::<SeverityScale>(json).map_err(|e| e.to_string());
        assert!(
            read(serde_json::json!([]))
                .unwrap_err()
                .contains("at least one level")
        );
        let zero =
            serde_json::json!([{"name": "P0", "description": "", "update_every_minutes": 0}]);
        assert!(read(zero).unwrap_err().contains("= 0"));
        assert!(twice.contains("twice"));
    }
}
