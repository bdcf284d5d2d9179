//! The public update composer: a form prefilled from the template for the chosen state
//! (title, impact, affected components, root cause when a decision names it, the next update
//! time from the cadence), a preview of exactly what the public will read, and a
//! confirmation before it is published. Changing the state refills the parts the template
//! wrote, never text someone typed.

use super::component_picker::{self, ComponentPicker};
use super::confirm::Confirm;
use super::form::{Field, FieldValue, Form, FormKind};
use super::{Model, Overlay};
use crate::domain::{
    AccessRole, Command, ComponentStatus, Event, Incident, PublicState, PublicUpdate, Role,
    Timestamp,
};
use crate::duration::parse_duration;
use crate::report::template::{MessageParts, Templates, default_parts};
use std::collections::BTreeMap;
use tui_input::Input;

/// What the template needs, kept with the form.
#[derive(Debug, Clone)]
pub struct Context {
    incident: Incident,
    events: Vec<Event>,
    ascii: bool,
    templates: Templates,
    /// The parts as the template last wrote them, to tell them from edits.
    filled: MessageParts,
    /// The state they were written for.
    state: PublicState,
    /// The worst component status they were written for.
    worst: Option<ComponentStatus>,
}

/// Opens the composer on the selected incident, for its commander or Communications Lead.
pub(super) fn open(model: &mut Model) {
    if model.current().is_none() {
        model.notify("no incident selected", true);
        return;
    }
    if !may_publish(model) {
        model.notify(
            "only the Incident Commander or the Communications Lead publishes public updates",
            true,
        );
        return;
    }
    open_on(model, None);
}

/// After resolving or cancelling the selected incident while the public still reads it as
/// unresolved: the composer on "resolved", prefilled, components back to operational. (If
/// nobody publishes, the page says "Resolved" by itself, with the time the response ended.)
pub(super) fn offer_resolution(model: &mut Model) {
    let owed = model.current().is_some_and(|tracked| {
        tracked
            .state
            .last_public_update()
            .is_some_and(|last| last.update.state != PublicState::Resolved)
    });
    if owed && may_publish(model) {
        open_on(model, Some(PublicState::Resolved));
    }
}

fn may_publish(model: &Model) -> bool {
    let Some(tracked) = model.current() else {
        return false;
    };
    let me = model.identity.as_ref().map(|i| i.person.as_str());
    let roles = &tracked.state.roles;
    model.may(AccessRole::Responder)
        && me.is_some()
        && (roles.holder(Role::Commander) == me || roles.holder(Role::Comms) == me)
}

/// The composer on the selected incident, at `state` or the last public update's.
fn open_on(model: &mut Model, state: Option<PublicState>) {
    let Some(tracked) = model.current() else {
        return;
    };
    let incident = tracked.state.clone();
    let incident_id = incident.id.clone();
    let events = tracked.events.clone();
    let last = incident
        .last_public_update()
        .map(|post| post.update.clone());
    let state = state.unwrap_or_else(|| {
        last.as_ref()
            .map_or(PublicState::Investigating, |u| u.state)
    });
    let named = last.map(|u| u.components).unwrap_or_default();
    let cadence = model
        .scale
        .update_interval(&incident.severity)
        .map(crate::duration::short)
        .unwrap_or_else(|| "30m".into());
    let states: Vec<String> = PublicState::ALL.iter().map(|s| s.to_string()).collect();
    let selected = PublicState::ALL
        .iter()
        .position(|s| *s == state)
        .unwrap_or(0);
    let mut form = Form::new(
        FormKind::Public,
        vec![
            Field::choice("State", states, selected),
            components_field(&model.setup.components, &named),
            Field::text("Headline", "the first line the public reads"),
            Field::text("Message", "what is happening, for customers"),
            Field::text("Root cause", "when known (optional)"),
            Field::text("Next update", "in how long, e.g. 30m; empty: no promise"),
        ],
        3,
    );
    let typed: Vec<String> = named
        .iter()
        .map(|(name, status)| format!("{name}={status}"))
        .collect();
    set(&mut form, "Components", &typed.join(", "));
    set(&mut form, "Next update", &cadence);
    form.public = Some(Box::new(Context {
        incident,
        events,
        ascii: model.setup.ascii,
        templates: model.setup.templates.clone(),
        filled: MessageParts::default(),
        state,
        worst: None,
    }));
    form.incident = Some(incident_id);
    fill(&mut form, true);
    model.overlay = Overlay::Form(Box::new(form));
}

/// The components as a picker of the status page's list, each prefilled with its status in
/// the last public update; typed as `name=status` when the config lists none (the backend then
/// takes any name, and the page lists the names updates give).
fn components_field(listed: &[String], named: &BTreeMap<String, ComponentStatus>) -> Field {
    if listed.is_empty() {
        return Field::text(
            "Components",
            "no [status] components in the config: type name=status, … (operational, \
             degraded_performance, partial_outage, major_outage, under_maintenance)",
        );
    }
    Field {
        label: "Components",
        hint: component_picker::HINT,
        value: FieldValue::Components(ComponentPicker::new(listed, named)),
    }
}

/// After a key: a new state, or a new worst component status, brings the template's parts
/// for it where nobody edited them.
pub(super) fn refill(form: &mut Form) {
    let state = chosen_state(form);
    let worst = worst(form);
    if form
        .public
        .as_ref()
        .is_some_and(|c| c.state != state || c.worst != worst)
    {
        fill(form, false);
    }
}

fn worst(form: &Form) -> Option<ComponentStatus> {
    parse_components(form.field("Components"))
        .ok()
        .and_then(|c| c.values().copied().max())
}

/// Writes the template's parts into the fields: all of them, or only the untouched ones.
/// Turning to resolved gives every component named back as operational (once: a status
/// picked after that stays).
fn fill(form: &mut Form, all: bool) {
    let state = chosen_state(form);
    let turned = all || form.public.as_ref().is_none_or(|c| c.state != state);
    if state == PublicState::Resolved && turned {
        restore_components(form);
    }
    let worst = worst(form);
    let Some(context) = form.public.take() else {
        return;
    };
    let parts = default_parts(
        &context.templates,
        &context.incident,
        &context.events,
        state,
        worst,
        None,
    );
    for (label, old, new) in [
        ("Headline", &context.filled.headline, &parts.headline),
        ("Message", &context.filled.body, &parts.body),
        ("Root cause", &context.filled.root_cause, &parts.root_cause),
    ] {
        if all || form.field(label) == old.trim() {
            set(form, label, new);
        }
    }
    form.public = Some(Box::new(Context {
        filled: parts,
        state,
        worst,
        ..*context
    }));
}

/// Every component the update names back to operational, picked or typed.
fn restore_components(form: &mut Form) {
    let Some(field) = form.fields.iter_mut().find(|f| f.label == "Components") else {
        return;
    };
    match &mut field.value {
        FieldValue::Components(picker) => picker.restore(),
        FieldValue::Text(input) => {
            if let Ok(components) = parse_components(input.value()) {
                let restored: Vec<String> = components
                    .keys()
                    .map(|name| format!("{name}={}", ComponentStatus::Operational))
                    .collect();
                *input = Input::new(restored.join(", "));
            }
        }
        FieldValue::Choice { .. } => {}
    }
}

fn chosen_state(form: &Form) -> PublicState {
    form.field("State")
        .parse()
        .unwrap_or(PublicState::Investigating)
}

fn set(form: &mut Form, label: &str, text: &str) {
    if let Some(field) = form.fields.iter_mut().find(|f| f.label == label)
        && let FieldValue::Text(input) = &mut field.value
    {
        *input = Input::new(text.to_string());
    }
}

/// `api=partial_outage, web=degraded_performance`.
fn parse_components(text: &str) -> Result<BTreeMap<String, ComponentStatus>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, status) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}' is not name=status"))?;
            Ok((name.trim().to_string(), status.trim().parse()?))
        })
        .collect()
}

/// The command the filled composer publishes.
pub(super) fn command(form: &Form, now: Timestamp) -> Result<Command, String> {
    let context = form
        .public
        .as_ref()
        .ok_or("the composer lost its incident")?;
    let next_update_at = form
        .optional("Next update")
        .map(|text| {
            parse_duration(&text)
                .map_err(|e| e.to_string())
                .and_then(|d| chrono::Duration::from_std(d).map_err(|e| e.to_string()))
                .map(|d| now + d)
        })
        .transpose()?;
    let state = chosen_state(form);
    let parts = MessageParts {
        headline: form.field("Headline").to_string(),
        body: form.field("Message").to_string(),
        root_cause: form.field("Root cause").to_string(),
        next_update: match (state, next_update_at) {
            (PublicState::Resolved, _) | (_, None) => String::new(),
            (_, Some(at)) => at.format("%H:%M UTC").to_string(),
        },
    };
    if parts.headline.is_empty() || parts.body.is_empty() {
        return Err("the headline and the message are needed".into());
    }
    // The public name follows the headline, which names the state ("…: Resolved").
    let title = Some(parts.headline.clone());
    Ok(Command::PublicUpdate(PublicUpdate {
        state,
        message: context.templates.compose(&parts, context.ascii, state),
        components: parse_components(form.field("Components"))?,
        next_update_at: next_update_at.filter(|_| state != PublicState::Resolved),
        title,
        public_id: None,
    }))
}

/// Asks before publishing, showing what the public will read.
pub(super) fn confirm(model: &mut Model, incident: crate::domain::IncidentId, command: Command) {
    let Command::PublicUpdate(update) = &command else {
        return;
    };
    let mut detail: Vec<String> = vec![format!("The public will read ({}):", update.state)];
    detail.extend(update.message.lines().map(|line| format!("  {line}")));
    if !update.components.is_empty() {
        let listed: Vec<String> = update
            .components
            .iter()
            .map(|(name, status)| format!("{name} {}", status.title()))
            .collect();
        detail.push(format!("Components: {}", listed.join(", ")));
    }
    model.overlay = Overlay::Confirm(Confirm {
        prompt: format!("Publish this update of {incident} to the status page?"),
        detail,
        incident,
        command,
        then: vec![],
        edit: None,
        settle: None,
    });
}
