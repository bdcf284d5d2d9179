//! Where the panels and the alerts pane get their data: a trait, so the TUI does not care
//! whether it is a real Prometheus and Alertmanager or the demo's synthetic stream.

use crate::domain::Alert;
use crate::panels::detect::{self, DetectError, Detection};
use crate::prometheus::{AlertmanagerClient, Error, PrometheusClient, RangeWindow, Series};
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pub trait MetricsSource: Send + Sync {
    /// Whether panels can be queried at all (a Prometheus is configured).
    fn has_panels(&self) -> bool;
    /// Whether there is an alerts pane (an Alertmanager is configured).
    fn has_alerts(&self) -> bool;
    /// The series of panel `panel`'s expression (already specialised to the incident's
    /// service) over `window`.
    fn query_range(
        &self,
        panel: usize,
        expr: String,
        window: RangeWindow,
    ) -> BoxFuture<Result<Vec<Series>, Error>>;
    /// The alerts firing now: active, not silenced, not inhibited.
    fn alerts(&self) -> BoxFuture<Result<Vec<Alert>, Error>>;
    /// Panels that fit the metrics there are, preferring the labels that hold `service`. A
    /// source that cannot tell finds nothing.
    fn detect_panels(&self, service: Option<String>) -> BoxFuture<Result<Detection, DetectError>> {
        let _ = service;
        Box::pin(async {
            Err(DetectError::NothingFound {
                passed_over: vec![],
            })
        })
    }
}

/// The real thing: a Prometheus for the panels, an Alertmanager for the alerts, each optional.
pub struct PrometheusSource {
    pub prometheus: Option<PrometheusClient>,
    pub alertmanager: Option<AlertmanagerClient>,
}

impl MetricsSource for PrometheusSource {
    fn has_panels(&self) -> bool {
        self.prometheus.is_some()
    }

    fn has_alerts(&self) -> bool {
        self.alertmanager.is_some()
    }

    fn query_range(
        &self,
        _panel: usize,
        expr: String,
        window: RangeWindow,
    ) -> BoxFuture<Result<Vec<Series>, Error>> {
        let client = self.prometheus.clone();
        Box::pin(async move {
            match client {
                Some(client) => client.query_range(&expr, &window).await,
                None => Ok(vec![]),
            }
        })
    }

    fn alerts(&self) -> BoxFuture<Result<Vec<Alert>, Error>> {
        let client = self.alertmanager.clone();
        Box::pin(async move {
            match client {
                Some(client) => client.alerts().await,
                None => Ok(vec![]),
            }
        })
    }

    fn detect_panels(&self, service: Option<String>) -> BoxFuture<Result<Detection, DetectError>> {
        let Some(client) = self.prometheus.clone() else {
            return Box::pin(async {
                Err(DetectError::NothingFound {
                    passed_over: vec![],
                })
            });
        };
        Box::pin(async move {
            let now = chrono::Utc::now().timestamp();
            detect::detect(&client, service.as_deref(), now).await
        })
    }
}
