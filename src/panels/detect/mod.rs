//! Detection: which request metrics a Prometheus has, and the panels that chart them.
//!
//! One call finds which of the known metrics exist ([`conventions::metric_names`]); for each
//! counter found, in the table's order, a few calls read its label names and the values of
//! its status and service labels, and three range queries check that each proposed panel
//! draws data. A Prometheus that has scraped a counter only once or twice has no rate to
//! draw yet: then instant queries count the samples it holds, and the panels are proposed
//! with a note saying how much data there was. Every call is counted: detection never makes
//! more than [`MAX_API_CALLS`] and gives up after [`DEADLINE`], however many series
//! Prometheus holds.

pub mod conventions;
pub mod propose;
pub mod thresholds;
pub mod toml;

use crate::config::PanelConfig;
use crate::panels::panel::in_promql_string;
use crate::panels::validate_panels;
use crate::prometheus::RangeWindow;
use crate::prometheus::{Error, PrometheusClient};
use conventions::{CONVENTIONS, Convention};
use propose::Binding;
use std::time::Duration;

/// The most API calls one detection makes.
pub const MAX_API_CALLS: usize = 20;
/// How long one detection may take in all.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// Service labels whose values are read per counter; the rest of the candidates are not.
const SERVICE_LABELS_READ: usize = 2;
/// Calls one counter can cost: label names, status values, service values, three checks and
/// two sample counts when the checks draw nothing (a young Prometheus).
const CALLS_PER_COUNTER: usize = 2 + SERVICE_LABELS_READ + 3 + 2;
/// Matches proposed at most: two sets of panels already fill a screen.
const MAX_PROPOSALS: usize = 2;
/// The history the metadata calls and the checks look at: what a panel shows by default.
const LOOKBACK: i64 = 3_600;
/// Service values kept per proposal, for people to recognise.
const SERVICES_SHOWN: usize = 5;

/// What detection found.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub proposals: Vec<Proposal>,
    /// Counters that exist but were not proposed, and why, for people.
    pub passed_over: Vec<String>,
    /// API calls made.
    pub api_calls: usize,
}

impl Detection {
    /// Every proposed panel, the first match's error ratio being main.
    pub fn panels(&self) -> Vec<PanelConfig> {
        self.proposals
            .iter()
            .flat_map(|p| p.panels.iter().cloned())
            .collect()
    }
}

/// One convention matched, with the panels that chart it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub convention: &'static Convention,
    pub binding: Binding,
    /// Some values of the service label, sorted.
    pub services: Vec<String>,
    /// The service the queries were checked with; `None`: checked over every series.
    pub checked_with: Option<String>,
    pub panels: Vec<PanelConfig>,
    /// What is missing, for people: no latency histogram, no route label.
    pub notes: Vec<String>,
}

/// Why detection proposes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DetectError {
    #[error("cannot ask Prometheus: {0}")]
    Prometheus(#[from] Error),
    #[error("Prometheus did not answer the detection within {0:?}")]
    TimedOut(Duration),
    #[error("{}", nothing_found(passed_over))]
    NothingFound { passed_over: Vec<String> },
}

/// The message for a Prometheus without a known convention: everything that was looked for.
fn nothing_found(passed_over: &[String]) -> String {
    let mut text = String::from(if passed_over.is_empty() {
        "no panels detected: Prometheus has none of the request metrics warroom knows. \
         Looked for:"
    } else {
        "no panels detected: the request metrics Prometheus has cannot be charted (below). \
         Looked for:"
    });
    for c in CONVENTIONS {
        text.push_str(&format!(
            "\n  - {} ({}): {} with a {} label",
            c.requests,
            c.name,
            c.requests,
            c.status_labels.join(" or "),
        ));
        if let Some(latency) = c.latency {
            text.push_str(&format!(", latency from {}", latency.buckets));
        }
    }
    for reason in passed_over {
        text.push_str(&format!("\nFound but not usable: {reason}"));
    }
    if passed_over.is_empty() {
        text.push_str(
            "\nA Prometheus started moments ago may not have scraped yet: try again after a \
             scrape interval.",
        );
    }
    text.push_str(
        "\nWrite [[panels]] by hand for your metrics (see docs/panels.md); \
         $service is the incident's service.",
    );
    text
}

/// The note on a proposal checked on a Prometheus too young to draw a rate: how much data
/// it had.
fn young(counter: &str, samples: u64) -> String {
    let plural = if samples == 1 { "" } else { "s" };
    format!(
        "Prometheus holds only {samples} sample{plural} per series of {counter} so far: \
         checked with instant queries, the rates draw once two samples fall within their \
         window (a scrape or two from now)"
    )
}

/// Asks `prometheus` what it has at `now` (unix seconds) and proposes panels. `service` is
/// the incident's, when there is one: the service label whose values hold it is preferred.
pub async fn detect(
    prometheus: &PrometheusClient,
    service: Option<&str>,
    now: i64,
) -> Result<Detection, DetectError> {
    tokio::time::timeout(DEADLINE, detect_within(prometheus, service, now))
        .await
        .map_err(|_| DetectError::TimedOut(DEADLINE))?
}

async fn detect_within(
    prometheus: &PrometheusClient,
    service: Option<&str>,
    now: i64,
) -> Result<Detection, DetectError> {
    let mut probe = Probe {
        prometheus,
        calls: 0,
        now,
    };
    let names_regex = conventions::metric_names().collect::<Vec<_>>().join("|");
    let present = probe
        .label_values("__name__", &format!("{{__name__=~\"{names_regex}\"}}"))
        .await?;
    let mut proposals: Vec<Proposal> = Vec::new();
    let mut passed_over = Vec::new();
    for convention in CONVENTIONS {
        if !present.iter().any(|name| name == convention.requests) {
            continue;
        }
        if proposals.len() == MAX_PROPOSALS || probe.calls + CALLS_PER_COUNTER > MAX_API_CALLS {
            passed_over.push(format!(
                "{} ({}): not checked, detection stops at {} proposals and {MAX_API_CALLS} calls",
                convention.requests, convention.name, MAX_PROPOSALS
            ));
            continue;
        }
        let latency = convention
            .latency
            .is_some_and(|l| present.iter().any(|name| name == l.buckets));
        let suffix = match proposals.first() {
            Some(_) => format!(" ({})", convention.requests),
            None => String::new(),
        };
        match probe
            .propose(convention, service, latency, proposals.is_empty(), &suffix)
            .await?
        {
            Ok(proposal) => proposals.push(proposal),
            Err(reason) => passed_over.push(format!(
                "{} ({}): {reason}",
                convention.requests, convention.name
            )),
        }
    }
    if proposals.is_empty() {
        return Err(DetectError::NothingFound { passed_over });
    }
    Ok(Detection {
        proposals,
        passed_over,
        api_calls: probe.calls,
    })
}

/// The calls detection makes, counted.
struct Probe<'a> {
    prometheus: &'a PrometheusClient,
    calls: usize,
    now: i64,
}

impl Probe<'_> {
    fn window(&self) -> (i64, i64) {
        (self.now - LOOKBACK, self.now)
    }

    async fn label_values(&mut self, label: &str, selector: &str) -> Result<Vec<String>, Error> {
        self.calls += 1;
        let window = self.window();
        self.prometheus
            .label_values(label, &[selector], window)
            .await
    }

    async fn label_names(&mut self, selector: &str) -> Result<Vec<String>, Error> {
        self.calls += 1;
        let window = self.window();
        self.prometheus.label_names(&[selector], window).await
    }

    /// The most samples one series of `selector` holds over the last hour, by an instant
    /// query: what a Prometheus too young for a rate has seen.
    async fn samples(&mut self, selector: &str) -> Result<u64, Error> {
        self.calls += 1;
        let expr = format!("max(count_over_time({selector}[{LOOKBACK}s]))");
        let series = self.prometheus.query(&expr, Some(self.now)).await?;
        Ok(series
            .iter()
            .filter_map(|s| s.current())
            .fold(0.0, f64::max) as u64)
    }

    /// Whether `expr` draws anything over the last hour; Prometheus refusing it counts as no.
    async fn draws(&mut self, expr: &str) -> Result<bool, Error> {
        self.calls += 1;
        let window = RangeWindow {
            start: self.now - LOOKBACK,
            end: self.now,
            step: Duration::from_secs(60),
        };
        match self.prometheus.query_range(expr, &window).await {
            Ok(series) => Ok(series.iter().any(|s| !s.points.is_empty())),
            Err(Error::BadQuery { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The proposal for one counter that exists, or why there is none. Prometheus failing is
    /// the outer error: it ends the whole detection.
    async fn propose(
        &mut self,
        convention: &'static Convention,
        service: Option<&str>,
        latency: bool,
        main: bool,
        suffix: &str,
    ) -> Result<Result<Proposal, String>, Error> {
        let counter = convention.requests;
        let labels = self.label_names(counter).await?;
        let Some(status) = propose::first_present(convention.status_labels, &labels) else {
            return Ok(Err(format!(
                "it has no {} label",
                convention.status_labels.join(" or ")
            )));
        };
        let statuses = self.label_values(status, counter).await?;
        if !statuses.iter().any(|v| convention.status.fits(v)) {
            return Ok(Err(format!(
                "its {status} label holds no HTTP status ({})",
                statuses.join(", ")
            )));
        }
        let mut seen = Vec::new();
        for label in convention
            .service_labels
            .iter()
            .filter(|candidate| labels.contains(&candidate.to_string()))
            .take(SERVICE_LABELS_READ)
        {
            seen.push((*label, self.label_values(label, counter).await?));
        }
        let binding = Binding {
            status,
            service: propose::service_label(&seen, service),
            route: propose::first_present(convention.route_labels, &labels),
        };
        let mut services = seen
            .into_iter()
            .find(|(label, _)| Some(*label) == binding.service)
            .map(|(_, values)| values)
            .unwrap_or_default();
        services.sort();
        // The incident's service when the label has it; else every series, so that a
        // service picked at random cannot hide a panel that draws for the others.
        let checked_with = service
            .filter(|s| services.iter().any(|v| v == s))
            .map(str::to_string);
        let mut panels = propose::panels(convention, &binding, latency, main, suffix);
        let mut notes = Vec::new();
        let checked = match validate_panels(&panels) {
            Ok(checked) => checked,
            Err(error) => return Ok(Err(format!("its panels are not valid: {error}"))),
        };
        let mut draws = Vec::with_capacity(checked.len());
        for panel in &checked {
            draws.push(match panel.expr(checked_with.as_deref()) {
                Ok(expr) => self.draws(&expr).await?,
                Err(_) => false,
            });
        }
        let matcher = checked_with
            .as_deref()
            .zip(binding.service)
            .map(|(s, label)| format!("{{{label}=\"{}\"}}", in_promql_string(s)))
            .unwrap_or_default();
        if !draws[0] || !draws[1] {
            // No rate yet: a counter scraped once has samples but no two in a window.
            let samples = self.samples(&format!("{counter}{matcher}")).await?;
            if samples == 0 {
                let on = checked_with
                    .as_deref()
                    .map(|s| format!(" for {}=\"{s}\"", binding.service.unwrap_or_default()))
                    .unwrap_or_default();
                return Ok(Err(format!("no requests in the last hour{on}")));
            }
            notes.push(young(counter, samples));
            if let Some(histogram) = convention.latency.filter(|_| latency) {
                let buckets = format!("{}{matcher}", histogram.buckets);
                draws[2] = self.samples(&buckets).await? > 0;
            }
        }
        match (convention.latency, draws.get(2)) {
            (Some(histogram), Some(false)) => {
                panels.pop();
                notes.push(format!(
                    "{} has no data for this service: no latency panel",
                    histogram.buckets
                ));
            }
            (Some(histogram), None) => notes.push(format!(
                "no {} histogram: no latency panel",
                histogram.buckets
            )),
            _ => {}
        }
        if binding.service.is_none() {
            notes.push(format!(
                "no {} label: the panels show every series, whatever the incident's service",
                convention.service_labels.join(" or ")
            ));
        }
        if binding.route.is_none() && !convention.route_labels.is_empty() {
            notes.push(format!(
                "no {} label: the panels are split by service",
                convention.route_labels.join(" or ")
            ));
        }
        services.truncate(SERVICES_SHOWN);
        Ok(Ok(Proposal {
            convention,
            binding,
            services,
            checked_with,
            panels,
            notes,
        }))
    }
}
