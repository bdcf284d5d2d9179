//! The panels and the alerts pane in the model: what is shown, what is due for a refresh,
//! and the evidence read from them (pins, impact start, resolve).
//!
//! Pure like the rest of `app`: the requests themselves are effects the runtime performs.

use super::Effect;
use crate::domain::{Alert, AlertSeverity, clip};
use crate::domain::{
    MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, NewIncident, SnapshotValue, Timestamp,
};
use crate::panels::detect::{DetectError, Detection};
use crate::panels::impact::{self, ImpactStart};
use crate::panels::resolve::{self, ResolveCheck};
use crate::panels::step::refresh_interval;
use crate::panels::{
    ImpactWindows, Level, MetricsSettings, Panel, PanelData, PanelState, Purpose, validate_panels,
};
use crate::prometheus::{Error, RangeWindow, Series};
use std::time::Duration;

/// A panel's answer, as the runtime brings it back.
#[derive(Debug)]
pub struct PanelAnswer {
    pub index: usize,
    /// The service's generation the request was made for.
    pub generation: u64,
    pub window: RangeWindow,
    pub purpose: Purpose,
    pub result: Result<Vec<Series>, Error>,
}

/// How often the alerts pane asks Alertmanager.
pub const ALERTS_EVERY: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct PanelSlot {
    pub panel: Panel,
    /// The chart: its step follows the chart's width.
    pub state: PanelState,
    /// The evidence at the scrape resolution, whatever the width: the value beside the
    /// chart, pins, and for the main panel the impact start and the resolve verdict.
    pub evidence: PanelState,
    /// When the chart's next refresh is due; `None` means now.
    due: Option<Timestamp>,
    /// When the evidence's next refresh is due: the next step boundary.
    evidence_due: Option<Timestamp>,
}

impl PanelSlot {
    fn new(panel: Panel) -> PanelSlot {
        PanelSlot {
            panel,
            state: PanelState::default(),
            evidence: PanelState::default(),
            due: None,
            evidence_due: None,
        }
    }

    /// The value beside the chart for each of the chart's series (by its index there): the
    /// evidence's newest value of the same series, at most one evidence step old at any
    /// width; the chart's own newest point only until the evidence has the series.
    pub fn current_values(&self) -> Vec<(usize, f64)> {
        let Some(chart) = self.state.data() else {
            return vec![];
        };
        let evidence = self.evidence.data().map_or(&[][..], |d| &d.series[..]);
        chart
            .series
            .iter()
            .enumerate()
            .filter_map(|(index, series)| {
                let fresh = evidence.iter().find(|e| e.labels == series.labels);
                Some((index, fresh.unwrap_or(series).current()?))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct AlertsPane {
    pub alerts: Vec<Alert>,
    /// Whether Alertmanager has answered at least once.
    pub loaded: bool,
    pub stale_since: Option<Timestamp>,
    pub error: Option<String>,
    /// While Alertmanager fails, what is wrong in a few words ("Alertmanager unreachable"):
    /// the pane then says the alerts are unknown, never that none is firing.
    pub outage: Option<String>,
    pub selected: usize,
    in_flight: bool,
    due: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Metrics {
    pub panels: Vec<PanelSlot>,
    pub alerts: AlertsPane,
    /// Whether a Prometheus is there to ask; without one the panels say so.
    pub has_panels: bool,
    pub has_alerts: bool,
    pub impact: ImpactWindows,
    pub alert_severity: AlertSeverity,
    /// The service the panels show; a change starts them afresh.
    service: Option<String>,
    /// Bumped with `service`, so an answer for the previous service is recognised and dropped.
    generation: u64,
    /// The generation from which the panels are the ones shown: answers from before were
    /// for other panels, whatever they use.
    panels_since: u64,
    /// The first run's detection of panels that fit the Prometheus.
    first_run: FirstRun,
    /// What the first run's detection did, shown under the panels for the whole session.
    pub detected: Option<String>,
}

/// Where the first run's panel detection is: it happens at most once per session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstRun {
    /// The panels are the user's own (or there is no Prometheus): nothing to detect.
    Off,
    /// The default panels are shown; detection starts when every one of them drew nothing.
    Watching,
    Running,
    Done,
}

/// What saves the detected panels, told on screen.
pub const SAVE_COMMAND: &str = "warroom panels detect --write";

/// What is wrong with Alertmanager, in the words the alerts pane leads with.
fn outage(error: &Error) -> String {
    match error {
        Error::Unreachable { .. } | Error::Timeout { .. } => "Alertmanager unreachable".into(),
        Error::Http {
            status: status @ (401 | 403),
            ..
        } => format!("Alertmanager refused the credentials ({status})"),
        Error::Http { status, .. } => format!("Alertmanager answered HTTP {status}"),
        Error::BadQuery { .. } | Error::Decode { .. } => {
            "Alertmanager answered something unexpected".into()
        }
    }
}

impl Metrics {
    pub fn new(settings: MetricsSettings, has_panels: bool, has_alerts: bool) -> Metrics {
        Metrics {
            panels: settings.panels.into_iter().map(PanelSlot::new).collect(),
            alerts: AlertsPane::default(),
            has_panels,
            has_alerts,
            impact: settings.impact,
            alert_severity: settings.alert_severity,
            service: None,
            generation: 0,
            panels_since: 0,
            first_run: if settings.detect_if_empty && has_panels {
                FirstRun::Watching
            } else {
                FirstRun::Off
            },
            detected: None,
        }
    }

    /// The detection to run, once: when the default panels all answered and none drew
    /// anything, they do not fit this Prometheus.
    pub fn detect_if_empty(&mut self) -> Option<Effect> {
        let empty = |slot: &PanelSlot| slot.state.data().is_some_and(|d| d.series.is_empty());
        if self.first_run != FirstRun::Watching || !self.panels.iter().all(empty) {
            return None;
        }
        self.first_run = FirstRun::Running;
        Some(Effect::DetectPanels {
            service: self.service.clone(),
        })
    }

    /// The detection's answer: its panels replace the defaults for this session.
    pub fn on_detected(&mut self, result: Result<Detection, DetectError>) {
        self.first_run = FirstRun::Done;
        let panels = result
            .map_err(|error| match error {
                DetectError::NothingFound { .. } => {
                    "no known request metrics were found (`warroom panels detect` lists what \
                     was looked for)"
                        .to_string()
                }
                error => error.to_string(),
            })
            .and_then(|detection| {
                let names: Vec<_> = detection
                    .proposals
                    .iter()
                    .map(|p| p.convention.name)
                    .collect();
                let panels = validate_panels(&detection.panels()).map_err(|e| e.to_string())?;
                Ok((names.join(" and "), panels))
            });
        match panels {
            Ok((names, panels)) => {
                self.detected = Some(format!(
                    "Panels detected from Prometheus ({names}) for this session: \
                     `{SAVE_COMMAND}` saves them."
                ));
                self.panels = panels.into_iter().map(PanelSlot::new).collect();
                // Answers still out for the default panels are recognised and dropped.
                self.generation += 1;
                self.panels_since = self.generation;
            }
            Err(error) => {
                self.detected = Some(format!(
                    "The default panels draw nothing, and detecting others failed: {error}"
                ));
            }
        }
    }

    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// Points the panels at the selected incident's service.
    pub fn follow_service(&mut self, service: Option<&str>) {
        if self.service.as_deref() == service {
            return;
        }
        self.service = service.map(str::to_string);
        self.generation += 1;
        // Panels that do not mention the service show the same thing for every incident.
        for slot in self.panels.iter_mut().filter(|s| s.panel.uses_service()) {
            slot.state.restart();
            slot.evidence.restart();
            slot.due = None;
            slot.evidence_due = None;
        }
    }

    /// Every chart is due again, e.g. after a resize changed the charts' width. The evidence
    /// does not depend on the width.
    pub fn refresh_all(&mut self) {
        for slot in &mut self.panels {
            slot.due = None;
        }
    }

    /// The refreshes due at `now`, at most one request in flight per panel and purpose.
    /// `columns` is the width a chart has to draw in, which sets the chart's step; the
    /// evidence is asked at its own step, at every step boundary.
    pub fn due(&mut self, now: Timestamp, columns: u16) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.has_panels {
            for (index, slot) in self.panels.iter_mut().enumerate() {
                // A panel that needs a service the incident lacks is not asked at all.
                let Ok(expr) = slot.panel.expr(self.service.as_deref()) else {
                    continue;
                };
                let refresh = |purpose, window| Effect::RefreshPanel {
                    index,
                    generation: self.generation,
                    expr: expr.clone(),
                    window,
                    purpose,
                };
                if slot.due.is_none_or(|due| now >= due) && slot.state.begin_refresh() {
                    let window = RangeWindow::for_width(slot.panel.range, columns, now);
                    let every = refresh_interval(window.step, slot.panel.refresh);
                    slot.due = Some(now + chrono::Duration::from_std(every).unwrap_or_default());
                    effects.push(refresh(Purpose::Chart, window));
                }
                if slot.evidence_due.is_none_or(|due| now >= due) && slot.evidence.begin_refresh() {
                    let window = self.impact.evidence_window(&slot.panel, now);
                    let step = i64::try_from(window.step.as_secs()).unwrap_or(i64::MAX);
                    slot.evidence_due = window
                        .end
                        .checked_add(step)
                        .and_then(|next| chrono::DateTime::from_timestamp(next, 0));
                    effects.push(refresh(Purpose::Evidence, window));
                }
            }
        }
        let alerts = &mut self.alerts;
        if self.has_alerts && !alerts.in_flight && alerts.due.is_none_or(|due| now >= due) {
            alerts.in_flight = true;
            alerts.due = Some(now + chrono::Duration::from_std(ALERTS_EVERY).unwrap_or_default());
            effects.push(Effect::RefreshAlerts);
        }
        effects
    }

    /// A panel's answer for `purpose`; returns whether the panel looks different now.
    /// Answers for a previous service are dropped.
    #[must_use]
    pub fn on_panel(&mut self, answer: PanelAnswer, now: Timestamp) -> bool {
        let PanelAnswer {
            index,
            generation,
            window,
            purpose,
            result,
        } = answer;
        let Some(slot) = self.panels.get_mut(index) else {
            return false;
        };
        if generation < self.panels_since {
            return false;
        }
        let (state, due) = match purpose {
            Purpose::Chart => (&mut slot.state, &mut slot.due),
            Purpose::Evidence => (&mut slot.evidence, &mut slot.evidence_due),
        };
        if generation != self.generation && slot.panel.uses_service() {
            // An answer for the previous service: dropped, and the current one may be asked.
            state.superseded();
            *due = None;
            return false;
        }
        let before = (
            state.data().map(|d| (d.series.clone(), d.window)),
            state.stale_since(),
            state.error().cloned(),
        );
        match result {
            Ok(series) => state.succeeded(PanelData {
                series,
                window,
                fetched_at: now,
            }),
            Err(error) => state.failed(error, now),
        }
        // The same points fetched again (a refresh inside one step) change nothing on screen.
        let after = state.data().map(|d| (&d.series, d.window));
        let same_data = before.0.as_ref().map(|(series, window)| (series, *window)) == after;
        !(same_data && before.1 == state.stale_since() && before.2.as_ref() == state.error())
    }

    /// Alertmanager's answer; returns whether the pane looks different now.
    #[must_use]
    pub fn on_alerts(&mut self, result: Result<Vec<Alert>, Error>, now: Timestamp) -> bool {
        let pane = &mut self.alerts;
        let before = (
            pane.alerts.clone(),
            pane.loaded,
            pane.stale_since,
            pane.error.clone(),
        );
        pane.in_flight = false;
        match result {
            Ok(mut alerts) => {
                // Newest first, so what just started is at the top.
                alerts.sort_by(|a, b| b.since.cmp(&a.since).then_with(|| a.name().cmp(b.name())));
                pane.alerts = alerts;
                pane.loaded = true;
                pane.stale_since = None;
                pane.error = None;
                pane.outage = None;
                pane.selected = pane.selected.min(pane.alerts.len().saturating_sub(1));
            }
            Err(error) => {
                pane.stale_since.get_or_insert(now);
                pane.outage = Some(outage(&error));
                pane.error = Some(error.to_string());
            }
        }
        before
            != (
                pane.alerts.clone(),
                pane.loaded,
                pane.stale_since,
                pane.error.clone(),
            )
    }

    pub fn main_panel(&self) -> Option<&PanelSlot> {
        self.panels.iter().find(|slot| slot.panel.main)
    }

    /// Every panel's current value per series, read at the evidence step, for a pin on the
    /// timeline, and when they were read (the oldest panel's newest sample).
    pub fn pin(&self) -> (Vec<SnapshotValue>, Option<Timestamp>) {
        let mut values = Vec::new();
        let mut as_of: Option<f64> = None;
        for slot in &self.panels {
            let Some(data) = slot.evidence.data() else {
                continue;
            };
            for series in &data.series {
                let Some(&(at, current)) = series.points.last() else {
                    continue;
                };
                as_of = Some(as_of.map_or(at, |oldest| oldest.min(at)));
                values.push(SnapshotValue {
                    panel: slot.panel.title.clone(),
                    series: slot.panel.legend.render(&series.labels),
                    before: None,
                    value: slot.panel.unit.format(current),
                    breached: slot.panel.thresholds.level(current) != Level::Ok,
                });
            }
        }
        values.truncate(crate::domain::MAX_SNAPSHOT_VALUES);
        let as_of =
            as_of.and_then(|at| chrono::DateTime::from_timestamp_millis((at * 1000.0) as i64));
        (values, as_of)
    }

    /// Whether there is a main panel whose evidence Prometheus has not answered yet.
    pub fn main_evidence_pending(&self) -> bool {
        self.main_panel()
            .is_some_and(|slot| slot.evidence.data().is_none())
    }

    /// The main panel's proposal for when the impact began, from its evidence.
    pub fn propose_impact_start(&self, now: Timestamp) -> Option<ImpactStart> {
        let slot = self.main_panel()?;
        let data = slot.evidence.data()?;
        impact::propose_impact_start(&slot.panel, &data.series, now, self.impact.lookback)
    }

    /// What the resolve confirmation says about the main panel, and the before/after values
    /// that go to the timeline on resolving. `None` without data to judge by.
    pub fn resolve_evidence(
        &self,
        now: Timestamp,
        impact_start: Option<Timestamp>,
    ) -> Option<ResolveCheck> {
        let slot = self.main_panel()?;
        let data = slot.evidence.data()?;
        let quiet = self.impact.resolve_quiet;
        Some(resolve::check(
            &slot.panel,
            &data.series,
            &data.window,
            now,
            quiet,
            impact_start,
        ))
    }

    pub fn selected_alert(&self) -> Option<&Alert> {
        self.alerts.alerts.get(self.alerts.selected)
    }

    /// A declaration prefilled from an alert: its title, the mapped severity, its service
    /// label, its start as the detection time, and the alert itself to attach.
    pub fn declaration_from(&self, alert: &Alert) -> NewIncident {
        NewIncident {
            title: clip(alert.title(), MAX_TITLE_CHARS),
            severity: self.alert_severity.severity_for(&alert.labels),
            service: alert.labels.get("service").map(|s| clip(s, MAX_NAME_CHARS)),
            summary: alert
                .annotations
                .get("description")
                .map(|d| clip(d, MAX_TEXT_CHARS)),
            started_at: None,
            detected_at: Some(alert.since),
            alerts: vec![alert.to_ref()],
        }
    }
}
