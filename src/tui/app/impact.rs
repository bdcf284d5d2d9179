//! The impact start from the metrics: the main panel's first threshold breach, proposed as a
//! confirmation on `I`, and offered after an incident is declared here as a line naming `I`
//! ([`ImpactOffer`]), never as a dialog that opens by itself: a key typed meanwhile goes
//! where the person meant it.

use super::Model;
use super::confirm::Confirm;
use super::overlay::Overlay;
use crate::domain::{Command, IncidentId, Timestamp};

/// The panel's impact start, offered on a line of its own: it takes no key, and `I` opens
/// the proposal. Shown while its incident is on screen, until `I` is pressed or the
/// incident has an impact start at that time.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactOffer {
    pub incident: IncidentId,
    /// The first breach the main panel saw when the offer was made.
    pub at: Timestamp,
}

/// Opens the impact-start proposal for the selected incident (and withdraws the offer of
/// it); false when there is none.
pub(super) fn propose_impact(model: &mut Model) -> bool {
    if model.offer.as_ref().map(|offer| &offer.incident) == model.desk.selected.as_ref() {
        model.offer = None;
    }
    let (Some(id), Some(proposal), Some(main)) = (
        model.desk.selected.clone(),
        model.metrics.propose_impact_start(model.now),
        model.metrics.main_panel(),
    ) else {
        return false;
    };
    let at = proposal.breach.at;
    let mut detail = vec![format!(
        "First breach of {}: {} at {}.",
        main.panel.title,
        crate::sanitize::sanitize(&proposal.breach.series),
        main.panel.unit.format(proposal.breach.value)
    )];
    if proposal.at_window_start {
        detail.push("It was breaching at the start of the lookback: it may be earlier.".into());
    }
    model.overlay = Overlay::Confirm(Confirm {
        prompt: format!(
            "Impact on {id} started at {} UTC?",
            at.format("%Y-%m-%d %H:%M:%S")
        ),
        detail,
        incident: id,
        // A breach after detection is offered as such: the panel saw it, so it is a fact.
        command: Command::SetImpactStart {
            at,
            after_detection: true,
        },
        then: vec![],
        edit: Some(format!("impact {}", at.format("%Y-%m-%dT%H:%M:%SZ"))),
        settle: None,
    });
    true
}

/// After declaring here, offer the impact start (a line, see [`ImpactOffer`]) as soon as the main panel can tell it —
/// only from a main panel filtered by the incident's `$service` (a panel over every service
/// would date someone else's breach), and only when the breach says something the incident
/// does not already (a start at least a minute, and at least one evidence step, away
/// from the one it has).
pub(super) fn offer_impact_start(model: &mut Model) {
    // An offer the incident has taken up (or that ended) is withdrawn.
    if let Some(offer) = &model.offer {
        let taken = model.incidents.get(&offer.incident).is_none_or(|t| {
            !t.state.status.is_open() || t.state.impact_started_at == Some(offer.at)
        });
        if taken {
            model.offer = None;
        }
    }
    let ready = model.offer_impact.is_some()
        && model.offer_impact == model.desk.selected
        // Until the feed brings the incident its service is unknown, and the panels show
        // every service's series: no evidence about this one.
        && model.current().is_some()
        && model
            .metrics
            .main_panel()
            .is_some_and(|slot| slot.evidence.data().is_some());
    if !ready {
        return;
    }
    model.offer_impact = None;
    let Some(incident) = model.current().map(|t| &t.state) else {
        return;
    };
    let for_this_service = incident.service.is_some()
        && model
            .metrics
            .main_panel()
            .is_some_and(|slot| slot.panel.uses_service());
    let known = incident.impact_started_at.unwrap_or(incident.detected_at);
    // A sample dates a breach to within one evidence step: closer than that (or than a
    // minute) the panel only agrees with what the incident says.
    let step = model
        .metrics
        .main_panel()
        .and_then(|slot| slot.evidence.data())
        .map_or(0, |data| data.window.step.as_secs() as i64);
    let adds_information = model
        .metrics
        .propose_impact_start(model.now)
        .is_some_and(|proposal| (proposal.breach.at - known).num_seconds().abs() >= step.max(60));
    if !(for_this_service && adds_information) {
        return;
    }
    if let (Some(incident), Some(proposal)) = (
        model.desk.selected.clone(),
        model.metrics.propose_impact_start(model.now),
    ) {
        model.offer = Some(ImpactOffer {
            incident,
            at: proposal.breach.at,
        });
    }
}
