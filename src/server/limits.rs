//! The limits that keep the backend reachable: built from `[server.limits]`.

use crate::config::LimitsSection;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Time to send a request's headers, counted from the connection (or the previous answer):
    /// this is also the idle keep-alive timeout.
    pub header_timeout: Duration,
    /// Time for a request's body and answer. Long-polls have their own bound, their `wait`.
    pub request_timeout: Duration,
    /// Changes per caller: `None` is no limit.
    pub writes: Option<WriteRate>,
    /// Alertmanager notifications per caller, apart from `writes`: a page refused with a 4xx
    /// is lost (Alertmanager retries only 5xx), so this budget is generous and a caller over
    /// it gets a 503 with `Retry-After`. `None` is no limit.
    pub pages: Option<WriteRate>,
}

/// A token bucket's shape: refills at `per_minute`, holds at most `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteRate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Limits {
    /// The checked settings, or what is wrong with the section.
    pub fn from_config(section: &LimitsSection) -> Result<Limits, String> {
        let positive = |name: &str, value: u64| {
            if value == 0 {
                Err(format!("[server.limits] {name} must be at least 1"))
            } else {
                Ok(Duration::from_secs(value))
            }
        };
        if section.max_connections == 0 {
            return Err("[server.limits] max_connections must be at least 1".into());
        }
        Ok(Limits {
            max_connections: section.max_connections,
            header_timeout: positive("header_timeout_secs", section.header_timeout_secs)?,
            request_timeout: positive("request_timeout_secs", section.request_timeout_secs)?,
            writes: WriteRate::from_config(
                section.writes_per_minute,
                section.write_burst,
                "write_burst",
            )?,
            pages: WriteRate::from_config(
                section.alertmanager_per_minute,
                section.alertmanager_burst,
                "alertmanager_burst",
            )?,
        })
    }
}

impl Default for Limits {
    fn default() -> Self {
        // The documented defaults always pass the checks.
        Limits::from_config(&LimitsSection::default()).unwrap_or(Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(15),
            writes: None,
            pages: None,
        })
    }
}

impl WriteRate {
    /// A rate of 0 per minute is no limit; a rate needs a burst of at least 1.
    fn from_config(
        per_minute: u32,
        burst: u32,
        burst_key: &str,
    ) -> Result<Option<WriteRate>, String> {
        match (per_minute, burst) {
            (0, _) => Ok(None),
            (_, 0) => Err(format!(
                "[server.limits] {burst_key} must be at least 1 with a rate"
            )),
            (per_minute, burst) => Ok(Some(WriteRate { per_minute, burst })),
        }
    }
}
