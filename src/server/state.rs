//! What every handler shares: the timeline, the writer, the auth, the scale and the alert
//! severity mapping.

use super::auth::Auth;
use super::engine::{Engine, Stats};
use super::timeline::Timeline;
use crate::domain::AlertSeverity;
use crate::domain::SeverityScale;
use crate::store::Store;
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
    pub archive: Mutex<Box<dyn Store>>,
    pub auth: Auth,
    pub scale: SeverityScale,
    pub alert_severity: AlertSeverity,
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
