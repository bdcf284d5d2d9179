//! Where the server reads the time. Everything in the server that stamps, expires or waits for
//! a moment (the writer, the escalation look, the delivery worker's retries, the status
//! page's week, the report's window) asks one clock, given in [`super::ServeOptions`]: the
//! wall clock in production, one the test sets in tests of lapses, retries and windows.

use crate::domain::Timestamp;
use std::sync::Arc;

/// The time now, as the server sees it. Cheap to clone: clones read the same clock.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock(Arc::new(chrono::Utc::now))
    }

    /// A clock that reads `now`: a test's, which it moves on instead of waiting.
    pub fn reading(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}
