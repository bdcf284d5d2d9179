//! Synthetic metrics for the demo, labelled DEMO on screen. They follow the scripted
//! incident's own timestamps: the 5xx ratio climbs when the impact starts and falls within a
//! couple of minutes of the commander marking it mitigated, so the panels react to the keys.

use crate::client::Client;
use crate::domain::{Alert, AlertState, Labels};
use crate::domain::{Incident, IncidentId, Timestamp};
use crate::prometheus::{Error, RangeWindow, Series};
use crate::tui::metric_source::{BoxFuture, MetricsSource};

/// The endpoints the demo's checkout service serves, and each one's share of the errors.
const ENDPOINTS: [(&str, f64); 3] = [
    ("/api/checkout", 1.0),
    ("/api/cart", 0.45),
    ("/api/payment", 0.1),
];

pub struct DemoMetrics {
    /// Reads the incident the metrics follow, from the demo's own backend.
    pub observer: Client,
    pub incident: IncidentId,
}

impl DemoMetrics {
    fn state(&self) -> BoxFuture<Result<Incident, Error>> {
        let observer = self.observer.clone();
        let id = self.incident.clone();
        Box::pin(async move {
            observer
                .incident(&id)
                .await
                .map_err(|e| Error::Unreachable {
                    url: observer.base_url().to_string(),
                    reason: e.reason(),
                })
        })
    }
}

impl MetricsSource for DemoMetrics {
    fn has_panels(&self) -> bool {
        true
    }

    fn has_alerts(&self) -> bool {
        true
    }

    fn query_range(
        &self,
        panel: usize,
        _expr: String,
        window: RangeWindow,
    ) -> BoxFuture<Result<Vec<Series>, Error>> {
        let state = self.state();
        Box::pin(async move { Ok(synthetic_series(panel, &window, &state.await?)) })
    }

    fn alerts(&self) -> BoxFuture<Result<Vec<Alert>, Error>> {
        let state = self.state();
        Box::pin(async move {
            let incident = state.await?;
            Ok(synthetic_alerts(&incident))
        })
    }
}

/// The demo's series of panel `panel` (in the order of the default panels) over `window`,
/// shaped by the incident's impact start and mitigation. Public for tests and benchmarks that
/// need realistic panels without a Prometheus.
pub fn synthetic_series(panel: usize, window: &RangeWindow, incident: &Incident) -> Vec<Series> {
    series(panel, window, &Shape::of(incident))
}

/// The demo's firing alert while the incident is open and not yet mitigated.
pub fn synthetic_alerts(incident: &Incident) -> Vec<Alert> {
    let shape = Shape::of(incident);
    let firing = incident.status.is_open() && shape.mitigated.is_none();
    firing
        .then(|| alert(shape.impact + chrono::Duration::minutes(2)))
        .into_iter()
        .collect()
}

/// The times that shape the curves.
struct Shape {
    impact: Timestamp,
    mitigated: Option<Timestamp>,
}

impl Shape {
    fn of(incident: &Incident) -> Shape {
        Shape {
            impact: incident.impact_started_at.unwrap_or(incident.detected_at),
            mitigated: incident.mitigated_at.or(incident.resolved_at),
        }
    }

    /// How much of the impact is felt at `t`: 0 before, 1 during, decaying after mitigation
    /// with a one-minute time constant.
    fn severity_at(&self, t: f64) -> f64 {
        let start = self.impact.timestamp() as f64;
        if t < start {
            return 0.0;
        }
        let ramp = ((t - start) / 60.0).min(1.0);
        match self.mitigated {
            Some(end) if t >= end.timestamp() as f64 => {
                ramp * (-(t - end.timestamp() as f64) / 60.0).exp()
            }
            _ => ramp,
        }
    }
}

/// Repeatable jitter in [-1, 1] for a time and a series.
fn jitter(t: f64, salt: f64) -> f64 {
    ((t * 12.9898 + salt * 78.233).sin() * 43_758.545).fract()
}

fn series(panel: usize, window: &RangeWindow, shape: &Shape) -> Vec<Series> {
    let step = window.step.as_secs().max(1) as usize;
    let times: Vec<f64> = (window.start..=window.end)
        .step_by(step)
        .map(|t| t as f64)
        .collect();
    let labelled = |name: &str, value: &str| Labels::from([(name.to_string(), value.to_string())]);
    let make = |labels: Labels, value: &dyn Fn(f64) -> f64| Series {
        labels,
        points: times.iter().map(|&t| (t, value(t))).collect(),
    };
    match panel {
        // The 5xx error ratio per endpoint (the main panel: warn 1%, crit 5%).
        0 => ENDPOINTS
            .iter()
            .enumerate()
            .map(|(i, (endpoint, share))| {
                let value = |t: f64| {
                    let base = 0.002 + 0.001 * jitter(t, i as f64);
                    let incident = 0.12 * share * (1.0 + 0.15 * jitter(t, 10.0 + i as f64));
                    (base + incident * shape.severity_at(t)).max(0.0)
                };
                make(labelled("endpoint", endpoint), &value)
            })
            .collect(),
        // Requests per second: retries push it up while the LB fails.
        1 => ENDPOINTS
            .iter()
            .enumerate()
            .map(|(i, (endpoint, share))| {
                let value = |t: f64| {
                    let base =
                        380.0 * share + 25.0 * (t / 900.0).sin() + 8.0 * jitter(t, 20.0 + i as f64);
                    (base * (1.0 + 0.2 * shape.severity_at(t))).max(0.0)
                };
                make(labelled("endpoint", endpoint), &value)
            })
            .collect(),
        // p99 latency: timeouts behind the broken LB.
        _ => {
            let value = |t: f64| 0.18 + 0.02 * jitter(t, 30.0) + 0.55 * shape.severity_at(t);
            vec![make(Labels::new(), &value)]
        }
    }
}

fn alert(since: Timestamp) -> Alert {
    let pairs = |items: &[(&str, &str)]| -> Labels {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Alert {
        labels: pairs(&[
            ("alertname", "CheckoutHighErrorRate"),
            ("severity", "critical"),
            ("service", "checkout"),
            ("endpoint", "/api/checkout"),
        ]),
        annotations: pairs(&[("summary", "5xx ratio above 5% on /api/checkout")]),
        state: AlertState::Firing,
        since,
        fingerprint: Some("demo0checkout5xx".into()),
        generator_url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_error_ratio_rises_with_the_impact_and_falls_after_mitigation() {
        let t0 = chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
            .unwrap();
        let mut shape = Shape {
            impact: t0,
            mitigated: None,
        };
        let window = RangeWindow::for_width(
            std::time::Duration::from_secs(3600),
            120,
            t0 + chrono::Duration::minutes(30),
        );
        let checkout = |shape: &Shape| series(0, &window, shape)[0].current().unwrap();
        assert!(
            checkout(&shape) > 0.05,
            "over the crit line while the impact lasts"
        );
        shape.mitigated = Some(t0 + chrono::Duration::minutes(20));
        assert!(
            checkout(&shape) < 0.01,
            "back under the warn line ten minutes after mitigation"
        );
        let before = series(0, &window, &shape)[0].points[0].1;
        assert!(before < 0.01, "calm before the impact began");
    }
}
