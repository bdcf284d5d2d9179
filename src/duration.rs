//! Durations written the way people write them: `15s`, `30m`, `1h`, `1h30m`, `7d`.
//!
//! One dialect for the config (panel ranges, refresh intervals, lookback windows) and the
//! keyboard (time-boxes, impact ages): what a PromQL range selector accepts, minus the units
//! that make no sense in a war room (`ms`, `y`).

use std::time::Duration;

/// The longest duration accepted anywhere: a century, longer than any retention, and small
/// enough that window arithmetic in seconds can never overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Parses `30m`, `1h`, `1h30m`, `2d`: one or more `<digits><unit>` parts with units
/// `s`, `m`, `h`, `d`, `w`, largest first, each unit at most once. `None` for anything
/// else, including zero and anything above [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Option<Duration> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(back, Some(seconds as u64));
        }
    }

    #[test]
    fn accepts_prometheus_style_durations() {
        let secs = |text| parse_duration(text).map(|d| d.as_secs());
        assert_eq!(secs("15s"), Some(15));
        assert_eq!(secs("30m"), Some(1_800));
        assert_eq!(secs("1h"), Some(3_600));
        assert_eq!(secs("1h30m"), Some(5_400));
        assert_eq!(secs(" 6h "), Some(21_600));
        assert_eq!(secs("1w2d"), Some(9 * 86_400));
    }

    #[test]
    fn refuses_everything_else_without_panicking() {
        for bad in [
            "",
            "1x",
            "h",
            "1",
            "0s",
            "1m1h",
            "1h1h",
            "-1h",
            "1.5h",
            "1 h",
            "1ms",
            "99999999999999999999s",
            "18446744073709551615w",
            "5300w",
            "ü",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
