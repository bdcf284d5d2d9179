//! The delivery worker: a task apart from the writer, with its own connection to the store.
//! It wakes when a commit queued deliveries (they are committed with their events) and when
//! the earliest retry is due, sends the head of each (target, incident) queue, and records the
//! outcome. A failure is retried with exponential backoff and jitter until its first attempt
//! is older than `give_up_after`, then it is marked dead and the queue moves on (`warroom
//! notify retry` sends it again). The age counts from the first attempt, not from the event:
//! a delivery that waited behind a failing one in its queue still gets its whole time.

use super::sign::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
use super::{Kind, NotifySettings};
use crate::server::clock::Clock;
use crate::store::{Attempt, Delivery, Outbox, StoreError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// The outbox, shared by the worker and `GET /v1/notifications`.
pub type SharedOutbox = Arc<Mutex<Box<dyn Outbox>>>;

/// At most this many deliveries in flight at once.
const BATCH: usize = 64;
/// The first retry waits about this long; each further one twice as long, up to the
/// configured `max_retry_interval`.
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// The longest the worker sleeps without a reason to wake.
const IDLE: Duration = Duration::from_secs(5);

pub struct Worker {
    outbox: SharedOutbox,
    settings: NotifySettings,
    http: reqwest::Client,
    clock: Clock,
}

impl Worker {
    pub fn new(
        outbox: SharedOutbox,
        settings: NotifySettings,
        clock: Clock,
    ) -> anyhow::Result<Worker> {
        let http = crate::tls::client_builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Worker {
            outbox,
            settings,
            http,
            clock,
        })
    }

    /// Runs until `stop` turns true.
    /// Wakes on `news` (a commit queued deliveries, or other replicas' events arrived: see
    /// `engine::Wakes`) and when the earliest retry is due.
    pub fn spawn(self, news: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        tokio::spawn(async move {
            loop {
                let sent = match self.round().await {
                    Ok(sent) => sent,
                    Err(err) => {
                        tracing::error!(%err, "the notification outbox cannot be read");
                        0
                    }
                };
                if sent > 0 {
                    continue;
                }
                let pause = self.pause().await;
                tokio::select! {
                    _ = news.notified() => {}
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.wait_for(|stopping| *stopping) => return,
                }
            }
        });
    }

    /// One pass: sends every due queue head at once and records the outcomes.
    async fn round(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let due = self
            .with_outbox(move |outbox| outbox.due(now, BATCH))
            .await?;
        let count = due.len();
        let outcomes =
            futures_util::future::join_all(due.into_iter().map(|d| self.attempt(d))).await;
        self.with_outbox(move |outbox| {
            for (id, outcome) in &outcomes {
                outbox.record_attempt(id, outcome)?;
            }
            Ok(())
        })
        .await?;
        Ok(count)
    }

    /// How long to sleep: until the earliest retry, at most [`IDLE`].
    async fn pause(&self) -> Duration {
        let next = self.with_outbox(|outbox| outbox.next_due()).await;
        match next {
            Ok(Some(at)) => (at - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(IDLE),
            _ => IDLE,
        }
    }

    async fn attempt(&self, delivery: Delivery) -> (String, Attempt) {
        let failure = match self.send(&delivery).await {
            Ok(()) => {
                let at = self.clock.now();
                return (delivery.id, Attempt::Delivered { at });
            }
            Err(failure) => failure,
        };
        let now = self.clock.now();
        tracing::warn!(
            delivery = %delivery.id,
            target = %delivery.target,
            attempt = delivery.attempts + 1,
            error = %failure,
            "notification not delivered"
        );
        let trying_since = delivery.first_attempt_at.unwrap_or(now);
        let outcome = if now - trying_since > self.settings.give_up_after
            || self.settings.target(&delivery.target).is_none()
        {
            Attempt::Dead {
                error: failure,
                at: now,
            }
        } else {
            Attempt::Retry {
                error: failure,
                at: now,
                next: now + backoff(delivery.attempts, self.settings.max_retry),
            }
        };
        (delivery.id, outcome)
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), String> {
        let target = self
            .settings
            .target(&delivery.target)
            .ok_or("the target is no longer in the config")?;
        let mut request = self
            .http
            .post(target.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, &delivery.id);
        if target.kind == Kind::Webhook
            && let Some(secret) = &target.secret
        {
            let timestamp = self.clock.now().timestamp();
            let signed = signature(
                secret.expose().as_bytes(),
                timestamp,
                delivery.body.as_bytes(),
            );
            request = request
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, signed);
        }
        let response = request
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(without_url)?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {status}"))
        }
    }

    async fn with_outbox<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn Outbox) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let outbox = self.outbox.clone();
        tokio::task::spawn_blocking(move || {
            let mut outbox = outbox.lock().unwrap_or_else(PoisonError::into_inner);
            work(outbox.as_mut())
        })
        .await
        .map_err(|err| StoreError::TaskDied {
            task: "the delivery worker's outbox call",
            reason: err.to_string(),
        })?
    }
}

/// A transport error without the URL, which may carry a token in its path.
fn without_url(err: reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    format!("{kind}: {}", err.without_url())
}

/// The wait before retry number `attempts + 1`: doubling from [`FIRST_RETRY`] up to `max`,
/// times a random factor in [0.5, 1) so that many failed deliveries do not retry in lockstep
/// and none waits longer than `max_retry_interval`.
fn backoff(attempts: u32, max: Duration) -> chrono::Duration {
    let base = FIRST_RETRY
        .saturating_mul(1u32 << attempts.min(20))
        .min(max);
    // A v4 UUID is 122 random bits from the OS: enough randomness for jitter without a
    // random-number crate.
    let random = (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 1000.0;
    let jittered = base.mul_f64(0.5 + random / 2.0);
    chrono::Duration::from_std(jittered).unwrap_or(chrono::Duration::seconds(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_never_exceeds_the_maximum() {
        let max = Duration::from_secs(300);
        for attempts in 0..30 {
            let base = FIRST_RETRY
                .saturating_mul(1u32 << attempts.min(20))
                .min(max);
            for _ in 0..50 {
                let wait = backoff(attempts, max).to_std().unwrap();
                assert!(
                    wait >= base.mul_f64(0.5) && wait < base && wait <= max,
                    "{attempts}: {wait:?}"
                );
            }
        }
    }
}
