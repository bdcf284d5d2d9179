//! What a panel's numbers mean, and how to write one so a responder reads it at a glance.

/// The unit of a panel's values, as written in the config (`unit = "ratio"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 0..1, shown as a percentage (`0.023` reads `2.30%`).
    Ratio,
    /// Already 0..100, shown with a `%`.
    Percent,
    /// Requests per second.
    ReqPerSec,
    /// A duration in seconds, shown in ms below one second.
    Seconds,
    /// A plain number, shortened with k/M/G.
    Count,
}

impl Unit {
    /// The config spellings, in the order the docs list them.
    pub const NAMES: [&'static str; 5] = ["ratio", "percent", "req_per_sec", "seconds", "count"];

    pub fn parse(name: &str) -> Option<Unit> {
        Some(match name {
            "ratio" => Unit::Ratio,
            "percent" => Unit::Percent,
            "req_per_sec" => Unit::ReqPerSec,
            "seconds" => Unit::Seconds,
            "count" => Unit::Count,
            _ => return None,
        })
    }

    /// A value with its unit, about four significant digits. NaN (no traffic, 0/0) and the
    /// infinities are written as Prometheus writes them rather than hidden.
    pub fn format(self, value: f64) -> String {
        if value.is_nan() {
            return "NaN".into();
        }
        if value.is_infinite() {
            return if value > 0.0 { "+Inf" } else { "-Inf" }.into();
        }
        match self {
            Unit::Ratio => format!("{:.2}%", value * 100.0),
            Unit::Percent => format!("{value:.2}%"),
            Unit::ReqPerSec => format!("{} req/s", short(value)),
            Unit::Seconds if value.abs() < 1.0 => format!("{:.1} ms", value * 1000.0),
            Unit::Seconds => format!("{value:.2} s"),
            Unit::Count => short(value),
        }
    }
}

/// 1234 -> `1.23k`, 12.5 -> `12.5`, 0.25 -> `0.25`.
fn short(value: f64) -> String {
    const SCALES: [(f64, &str); 3] = [(1e9, "G"), (1e6, "M"), (1e3, "k")];
    for (scale, suffix) in SCALES {
        if value.abs() >= scale {
            return format!("{:.2}{suffix}", value / scale);
        }
    }
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_name_parses_and_nothing_else() {
        for name in Unit::NAMES {
            assert!(Unit::parse(name).is_some(), "{name}");
        }
        assert_eq!(Unit::parse("percentage"), None);
    }

    #[test]
    fn values_read_naturally() {
        assert_eq!(Unit::Ratio.format(0.023), "2.30%");
        assert_eq!(Unit::Percent.format(2.3), "2.30%");
        assert_eq!(Unit::ReqPerSec.format(1234.0), "1.23k req/s");
        assert_eq!(Unit::ReqPerSec.format(12.5), "12.50 req/s");
        assert_eq!(Unit::Seconds.format(0.4975), "497.5 ms");
        assert_eq!(Unit::Seconds.format(2.5), "2.50 s");
        assert_eq!(Unit::Count.format(42.0), "42");
        assert_eq!(Unit::Count.format(3_200_000.0), "3.20M");
        assert_eq!(Unit::Ratio.format(f64::NAN), "NaN");
        assert_eq!(Unit::Seconds.format(f64::INFINITY), "+Inf");
        assert_eq!(Unit::Count.format(f64::NEG_INFINITY), "-Inf");
    }
}
