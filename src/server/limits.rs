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
        let writes = match (section.writes_per_minute, section.write_burst) {
            (0, _) => None,
            (_, 0) => {
                return Err("[server.limits] write_burst must be at least 1 with a rate".into());
            }
            (per_minute, burst) => Some(WriteRate { per_minute, burst }),
        };
        Ok(Limits {
            max_connections: section.max_connections,
            header_timeout: positive("header_timeout_secs", section.header_timeout_secs)?,
            request_timeout: positive("request_timeout_secs", section.request_timeout_secs)?,
            writes,
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
        })
    }
}
