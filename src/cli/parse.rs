//! The value parsers of the command line's arguments: each says what it expected.

use super::*;

pub(super) fn parse_status(s: &str) -> Result<Status, String> {
    s.parse()
}

pub(super) fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

pub(super) fn parse_summary_format(s: &str) -> Result<SummaryFormat, String> {
    s.parse()
}

pub(super) fn parse_public_state(s: &str) -> Result<PublicState, String> {
    s.parse()
}

/// `api=partial_outage`.
pub(super) fn parse_component(s: &str) -> Result<(String, ComponentStatus), String> {
    let (name, status) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=STATUS (such as api=partial_outage)"))?;
    if name.trim().is_empty() {
        return Err(format!("'{s}' names no component"));
    }
    Ok((name.trim().to_string(), status.parse()?))
}

pub(super) fn parse_note_kind(s: &str) -> Result<NoteKind, String> {
    s.parse()
}

pub(super) fn parse_corrective_kind(s: &str) -> Result<CorrectiveKind, String> {
    s.parse()
}

/// A corrective action's number as the screens show it (`C2`) or bare (`2`).
pub(super) fn parse_corrective_number(s: &str) -> Result<u32, String> {
    let digits = s.trim();
    let digits = digits.strip_prefix(['C', 'c']).unwrap_or(digits);
    digits
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("'{s}' is not a corrective action's number (such as C2)"))
}
