//! What every handler shares: the timeline, the writer, the auth, the scale and the alert
//! severity mapping.

use super::auth::Auth;
use super::engine::{Engine, Stats};
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
    pub scale: SeverityScale,
    pub alert_severity: AlertSeverity,
}

/// The store's reading connection. A synchronous PostgreSQL client blocks when dropped, which
/// must not happen on the async runtime (where the last handler drops the state), so it is
/// dropped on a thread of its own.
pub struct Archive(Mutex<Option<Box<dyn Store>>>);

impl Archive {
    pub fn new(store: Box<dyn Store>) -> Self {
        Archive(Mutex::new(Some(store)))
    }

    /// Runs `read` on the connection; blocking, so call it from a blocking task.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut store = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match store.as_mut() {
            Some(store) => read(store.as_mut()),
            None => Err(StoreError::Unavailable("the server is stopping".into())),
        }
    }
}

impl Drop for Archive {
    fn drop(&mut self) {
        let store = self
            .0
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(store) = store {
            // If no thread can be started the process is in trouble anyway: drop it here.
            let _ = std::thread::Builder::new()
                .name("warroom-archive-close".into())
                .spawn(move || drop(store));
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
