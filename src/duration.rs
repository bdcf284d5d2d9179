//! Durations and times written the way people write them, and read back to them.
//!
//! The one place that parses `15s`, `30m`, `1h`, `1h30m`, `7d` (config ranges, refresh
//! intervals, lookback windows, time-boxes) and "an age or an RFC 3339 time" (`20m` ago or
//! `2026-11-25T14:00:00Z`, for an impact start), and the one place that formats a duration
//! for people. The dialect is what a PromQL range selector accepts, minus the units that make
//! no sense in a war room (`ms`, `y`).

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest duration accepted anywhere: a century, longer than any retention, and small
/// enough that window arithmetic in seconds can never overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86_400);

/// What could not be read, with the text as it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("'{0}' is not a duration (use 90s, 15m, 1h30m or 2d)")]
    NotADuration(String),
    #[error("'{0}' is neither an RFC 3339 time nor an age such as 20m")]
    NotATime(String),
}

impl DurationError {
    /// The text that was refused, for a caller that words its own message.
    pub fn input(&self) -> &str {
        match self {
            DurationError::NotADuration(text) | DurationError::NotATime(text) => text,
        }
    }
}

/// Parses `30m`, `1h`, `1h30m`, `2d`: one or more `<digits><unit>` parts with units
/// `s`, `m`, `h`, `d`, `w`, largest first, each unit at most once. Refuses anything else,
/// including zero and anything above [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    read_duration(text).ok_or_else(|| DurationError::NotADuration(text.to_string()))
}

fn read_duration(text: &str) -> Option<Duration> {
    const UNITS: [(&str, u64); 5] = [
        ("w", 7 * 86_400),
        ("d", 86_400),
        ("h", 3_600),
        ("m", 60),
        ("s", 1),
    ];
    let mut rest = text.trim();
    let mut total: u64 = 0;
    // Index into UNITS of the last unit seen: units must strictly descend.
    let mut last_unit = None;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = UNITS.iter().position(|(name, _)| rest.starts_with(name))?;
        if last_unit.is_some_and(|last| unit <= last) {
            return None;
        }
        last_unit = Some(unit);
        rest = &rest[UNITS[unit].0.len()..];
        total = total.checked_add(number.checked_mul(UNITS[unit].1)?)?;
    }
    Some(Duration::from_secs(total)).filter(|d| !d.is_zero() && *d <= MAX_DURATION)
}

/// Writes a span of whole seconds exactly, in the dialect [`parse_duration`] reads:
/// `45s`, `7m`, `1h7m30s`, `2d3h`; `0s` for nothing and a leading `-` for a negative span.
/// For documents (the postmortem) where a rounded "1h07m" would lose the seconds.
pub fn format_seconds(seconds: i64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let sign = if seconds < 0 { "-" } else { "" };
    let mut rest = seconds.unsigned_abs();
    let mut text = String::from(sign);
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            text.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    text
}

/// The seconds from `from` to `to`, milliseconds included: what a span measures before it
/// is rounded for people ([`format_span`]).
pub fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

/// A span for people, rounded to the nearest second: "7m", "1h5m12s". The postmortem's
/// durations and the report's figures are both written with it, so the same span reads the
/// same in both (419.6 s is "7m" everywhere, never "6m59s" in one and "7m" in the other).
pub fn format_span(seconds: f64) -> String {
    format_seconds(seconds.round() as i64)
}

/// An RFC 3339 time, or an age before `now` such as `20m` (a trailing " ago" is allowed):
/// how people say when an impact began.
pub fn parse_when(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, DurationError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let age = read_duration(text.trim_end_matches(" ago"))
        .ok_or_else(|| DurationError::NotATime(text.to_string()))?;
    // An age is at most MAX_DURATION, which always fits chrono's range.
    Ok(now - chrono::Duration::seconds(age.as_secs() as i64))
}

/// "3m", "1h05m", "2d04h": an age or a countdown at a glance, to the minute (seconds only
/// under a minute).
pub fn short(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds().abs();
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    if days > 0 {
        format!("{days}d{hours:02}h")
    } else if hours > 0 {
        format!("{hours}h{minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{seconds}s")
    }
}

/// `12:34` under an hour, `1:02:03` over, `2d 01:02:03` over a day: a countdown or an age
/// to the second.
pub fn hms(duration: chrono::Duration) -> String {
    let total = duration.num_seconds().abs();
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total % 86_400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    match (days, hours) {
        (0, 0) => format!("{minutes:02}:{seconds:02}"),
        (0, _) => format!("{hours}:{minutes:02}:{seconds:02}"),
        _ => format!("{days}d {hours:02}:{minutes:02}:{seconds:02}"),
    }
}

/// Whole minutes: `<1m`, `18m`, `1h02m`, `2d03h`. What the wall shows, so that it redraws
/// once a minute rather than every second.
pub fn minutes(duration: chrono::Duration) -> String {
    let total = duration.num_minutes().abs();
    let (days, hours, minutes) = (total / 1440, total % 1440 / 60, total % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "<1m".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, _) => format!("{d}d{h:02}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn exact_spans_read_back_the_same() {
        assert_eq!(format_seconds(0), "0s");
        assert_eq!(format_seconds(45), "45s");
        assert_eq!(format_seconds(420), "7m");
        assert_eq!(format_seconds(4_050), "1h7m30s");
        assert_eq!(format_seconds(183_600), "2d3h");
        assert_eq!(format_seconds(-61), "-1m1s");
        for seconds in [1, 59, 61, 3_600, 90_061, 1_000_000] {
            let back = parse_duration(&format_seconds(seconds)).map(|d| d.as_secs());
            assert_eq!(back, Ok(seconds as u64));
        }
    }

    #[test]
    fn accepts_prometheus_style_durations() {
        let secs = |text| parse_duration(text).map(|d| d.as_secs());
        assert_eq!(secs("15s"), Ok(15));
        assert_eq!(secs("30m"), Ok(1_800));
        assert_eq!(secs("1h"), Ok(3_600));
        assert_eq!(secs("1h30m"), Ok(5_400));
        assert_eq!(secs(" 6h "), Ok(21_600));
        assert_eq!(secs("1w2d"), Ok(9 * 86_400));
        assert_eq!(secs("2d"), Ok(172_800));
    }

    #[test]
    fn refuses_everything_else_without_panicking() {
        for bad in [
            "",
            "1x",
            "h",
            "1",
            "15",
            "m",
            "0s",
            "0m",
            "1m1h",
            "1h1h",
            "-1h",
            "1.5h",
            "1 h",
            "1ms",
            "99999999999999999999s",
            "99999999999999999999d",
            "18446744073709551615w",
            "5300w",
            "ü",
        ] {
            assert_eq!(
                parse_duration(bad),
                Err(DurationError::NotADuration(bad.to_string())),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_duration("1x").unwrap_err().to_string(),
            "'1x' is not a duration (use 90s, 15m, 1h30m or 2d)"
        );
    }

    #[test]
    fn a_time_is_an_rfc_3339_time_or_an_age() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap();
        assert_eq!(
            parse_when("20m", now),
            Ok(now - chrono::Duration::minutes(20))
        );
        assert_eq!(
            parse_when(" 1h ago ", now),
            Ok(now - chrono::Duration::hours(1))
        );
        assert_eq!(
            parse_when("2026-11-25T15:30:00+02:00", now),
            Ok(Utc.with_ymd_and_hms(2026, 11, 25, 13, 30, 0).unwrap())
        );
        let error = parse_when("yesterday", now).unwrap_err();
        assert_eq!(
            error.to_string(),
            "'yesterday' is neither an RFC 3339 time nor an age such as 20m"
        );
        assert_eq!(error.input(), "yesterday");
    }

    #[test]
    fn spans_round_to_the_nearest_second() {
        let at = |ms: i64| DateTime::from_timestamp_millis(1_795_000_000_000 + ms).unwrap();
        assert_eq!(seconds_between(at(0), at(419_600)), 419.6);
        assert_eq!(format_span(419.6), "7m");
        assert_eq!(format_span(419.4), "6m59s");
        assert_eq!(format_span(59.5), "1m", "half a second rounds up");
        assert_eq!(format_span(-0.4), "0s");
        assert_eq!(format_span(seconds_between(at(0), at(3_725_499))), "1h2m5s");
    }

    #[test]
    fn durations_are_formatted_for_people() {
        let d = chrono::Duration::seconds;
        assert_eq!(short(d(42)), "42s");
        assert_eq!(short(d(3 * 60 + 5)), "3m");
        assert_eq!(short(d(3600 + 5 * 60)), "1h05m");
        assert_eq!(short(d(2 * 86_400 + 4 * 3600)), "2d04h");
        assert_eq!(hms(d(754)), "12:34");
        assert_eq!(hms(d(3723)), "1:02:03");
        assert_eq!(hms(d(-(86_400 + 3723))), "1d 01:02:03");
        assert_eq!(minutes(d(30)), "<1m");
        assert_eq!(minutes(d(18 * 60 + 59)), "18m");
        assert_eq!(minutes(d(3720)), "1h02m");
        assert_eq!(minutes(d(2 * 86_400 + 3 * 3600)), "2d03h");
        assert_eq!(minutes(d(18 * 60 + 59)), "18m", "rounds down");
        assert_eq!(minutes(d(3 * 86_400 + 125 * 60)), "3d02h");
    }
}
