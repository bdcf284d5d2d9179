//! What every handler shares: the timeline, the writer, the auth, the scale and the alert
//! severity mapping.

use super::auth::Auth;
use super::cross_origin::OriginPolicy;
use super::engine::{Engine, Stats};
use super::rate_limit::RateLimit;
use super::timeline::Timeline;
use crate::domain::AlertSeverity;
use crate::domain::SeverityScale;
use crate::store::{Store, StoreError};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use tokio::sync::watch;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub timeline: Arc<RwLock<Timeline>>,
    pub engine: Engine,
    /// The newest committed `seq`, published by the writer after each commit.
    pub head: watch::Receiver<u64>,
    /// Turns true when the server begins to stop.
    pub shutdown: watch::Receiver<bool>,
    /// False while the connection that brings other replicas' commits is down: this
    /// replica's view may be behind, so its feeds answer 503 and clients go elsewhere.
    pub database: watch::Receiver<bool>,
    /// The group commit's counters, for `/metrics`.
    pub stats: Arc<Stats>,
    /// Feed requests waiting for news right now.
    pub longpoll_waiters: AtomicU64,
    /// A reading connection to the store, for feed pages older than memory holds.
    pub archive: Archive,
    pub auth: Auth,
    pub origins: OriginPolicy,
    /// Each caller's budget of changes; `None` when the config turns the limit off.
    pub rate_limit: Option<RateLimit>,
    /// Each caller's budget of Alertmanager notifications, apart from `rate_limit`.
    pub page_limit: Option<RateLimit>,
    pub scale: SeverityScale,
    pub alert_severity: AlertSeverity,
    /// The components the status page lists; a public update may name only these (any, when
    /// the list is empty).
    pub status_components: Vec<String>,
    /// The notification outbox, for `GET /v1/notifications`.
    pub outbox: super::notify::worker::SharedOutbox,
    /// Wakes the delivery worker when deliveries are queued outside a commit (a resend).
    pub outbox_news: Arc<tokio::sync::Notify>,
    /// Where handlers read the time.
    pub clock: super::clock::Clock,
}

/// The store's reading connection (a PostgreSQL one closes itself off the async runtime when
/// dropped).
pub struct Archive(Mutex<Box<dyn Store>>);

impl Archive {
    pub fn new(store: Box<dyn Store>) -> Self {
        Archive(Mutex::new(store))
    }

    /// Runs `read` on the connection; blocking, so call it from a blocking task. A read that
    /// finds the connection lost (a database restarted since the last one) runs once more on
    /// the new connection the store opens: reading twice changes nothing.
    pub fn read<T>(
        &self,
        mut read: impl FnMut(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut store = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match read(store.as_mut()) {
            Err(StoreError::Unavailable(_)) => read(store.as_mut()),
            done => done,
        }
    }
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }

    /// The timeline for reading. Only the writer holds the lock for writing and it cannot
    /// panic while it does, so a poisoned lock still guards a consistent timeline.
    pub fn timeline(&self) -> RwLockReadGuard<'_, Timeline> {
        self.0
            .timeline
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
