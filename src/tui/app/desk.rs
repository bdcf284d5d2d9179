//! The desk's single keys, when no overlay is open: each key's action from the keymap, and
//! what it does (a command, or an overlay opened). While an overlay is open it has every key
//! (`overlay`), so nothing here runs under a dialog, a form or a line being typed.

use super::commands::{incident_for, pin, refuse_locally, toggle_action, transition};
use super::confirm::confirm_ending;
use super::form::Form;
use super::impact::propose_impact;
use super::overlay::Overlay;
use super::{
    Effect, Model, Pane, command_line, composer, filter, followups, incident_list, opening, quit,
    review, severity,
};
use crate::domain::{AccessRole, IncidentId, NoteKind, Status};
use crate::tui::keymap::Action;
use ratatui::crossterm::event::KeyEvent;

/// What the desk shows: the incident on screen, the pane with the focus and where the
/// timeline and the action items are scrolled. Its keys are below; `Model::select` changes
/// the incident and puts the scrolling back to the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desk {
    /// Only the person changes it (`[`, `]`, the list, `:go`), and a desk with nothing on
    /// screen takes the most severe incident; news elsewhere rings and offers the switch.
    pub selected: Option<IncidentId>,
    pub focus: Pane,
    /// Timeline rows scrolled past, from the newest.
    pub timeline_scroll: usize,
    pub timeline_filter: String,
    /// Index into the selected incident's action items.
    pub action_cursor: usize,
    /// The incident whose log was asked for to be shown (`:go`, the list): shown when it
    /// arrives, unless another was asked for since.
    pub opening: Option<IncidentId>,
}

impl Default for Desk {
    fn default() -> Self {
        Desk {
            selected: None,
            focus: Pane::Timeline,
            timeline_scroll: 0,
            timeline_filter: String::new(),
            action_cursor: 0,
            opening: None,
        }
    }
}

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = model.setup.keymap.action(&key) else {
        model.dirty = false;
        return vec![];
    };
    if action.mutates() && model.setup.wall {
        model.dirty = false;
        return vec![];
    }
    // The next action starts: the last one's notice has been seen (and stays in the log).
    if action != Action::Messages {
        model.notice = None;
    }
    match action {
        Action::Quit => quit::quit_or_ask(model),
        Action::IncidentList => return incident_list::open(model),
        Action::OpenEarlier => return opening::open_earlier(model),
        Action::Help => model.overlay = Overlay::Help,
        Action::Messages => model.overlay = Overlay::Messages,
        Action::Focus => model.desk.focus = model.next_pane(),
        Action::Filter => filter::open(model),
        Action::CommandLine => command_line::open(model),
        Action::NextIncident | Action::PreviousIncident => {
            step_incident(model, action == Action::NextIncident)
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => scroll(model, action),
        Action::Declare => {
            if model.may(AccessRole::Responder) {
                model.overlay = Overlay::Form(Box::new(Form::declare(&model.scale)));
            } else {
                refuse_locally(model, AccessRole::Responder);
            }
        }
        Action::Acknowledge => return transition(model, Status::Acknowledged),
        Action::Investigate => return transition(model, Status::Investigating),
        Action::Mitigate => return transition(model, Status::Mitigated),
        Action::Resolve => end(model, Status::Resolved),
        Action::Close => end(model, Status::Closed),
        Action::Cancel => end(model, Status::Cancelled),
        Action::Severity => severity::open(model),
        Action::Role => open_form(model, AccessRole::Commander, Form::role),
        Action::Note => open_form(model, AccessRole::Responder, || Form::note(NoteKind::Note)),
        Action::Decision => open_form(model, AccessRole::Responder, || {
            Form::note(NoteKind::Decision)
        }),
        Action::PublicUpdate => composer::open(model),
        Action::NewAction => open_form(model, AccessRole::Responder, Form::action),
        Action::ToggleAction => return toggle_action(model),
        Action::Pin => return pin(model),
        Action::ImpactStart => {
            if incident_for(model, AccessRole::Commander).is_some() && !propose_impact(model) {
                // Before Prometheus first answers, "no breach" would be a claim about data
                // nobody has seen yet.
                let why = if model.metrics.main_evidence_pending() {
                    "the main panel's evidence has not arrived yet: press I again in a moment"
                } else {
                    "no threshold breach on the main panel to date the impact by"
                };
                model.notify(why, true);
            }
        }
        Action::Review => return review::open(model),
        Action::Followups => return followups::open(model),
        Action::CopySummary => return copy_summary(model),
        Action::DeclareFromAlert => declare_from_alert(model),
    }
    vec![]
}

/// Opens a form for the incident on screen, if there is one and we may: it sends to that
/// incident whatever the screen shows when it is done.
fn open_form(model: &mut Model, needed: AccessRole, form: impl FnOnce() -> Form) {
    if let Some(id) = incident_for(model, needed) {
        model.overlay = Overlay::Form(Box::new(form().for_incident(id)));
    }
}

/// Asks to resolve, close or cancel the incident on screen.
fn end(model: &mut Model, to: Status) {
    if let Some(id) = incident_for(model, AccessRole::Commander) {
        confirm_ending(model, id, to);
    }
}

/// The declaration form filled in from the selected alert, or the incident that already holds
/// the alert.
fn declare_from_alert(model: &mut Model) {
    if !model.may(AccessRole::Responder) {
        refuse_locally(model, AccessRole::Responder);
    } else if let Some(alert) = model.metrics.selected_alert() {
        // An alert some open incident already holds is that incident's: switch to
        // it rather than declare a duplicate.
        let fingerprint = alert.to_ref().fingerprint;
        let holder = model
            .incidents
            .ordered(&model.scale)
            .into_iter()
            .find(|incident| incident.status.is_open() && incident.alert(&fingerprint).is_some())
            .map(|incident| incident.id.clone());
        if let Some(id) = holder {
            model.notify(
                format!("this alert is already on {id}: switched to it"),
                false,
            );
            model.select(Some(id));
            return;
        }
        let new = model.metrics.declaration_from(alert);
        model.overlay = Overlay::Form(Box::new(Form::declare_from(&model.scale, new)));
    } else {
        model.notify("no firing alert selected (focus the alerts pane)", true);
    }
}

/// The summary `warroom incident summary` prints, sanitised, to the terminal's clipboard.
fn copy_summary(model: &mut Model) -> Vec<Effect> {
    let Some(tracked) = model.current() else {
        model.notify("no incident selected", true);
        return vec![];
    };
    let text = crate::report::summary::safe_summary(
        &tracked.state,
        &model.scale,
        model.now,
        crate::report::summary::SummaryFormat::Text,
    );
    let id = tracked.state.id.clone();
    // The terminal may refuse OSC 52 silently (tmux without set-clipboard, some emulators).
    model.notify(
        format!("summary of {id} sent to the clipboard (OSC 52, if the terminal allows it)"),
        false,
    );
    vec![Effect::CopyToClipboard(text)]
}

/// `]`/`[`: the next or previous open incident, in the list's order. From an ended one (a
/// past incident opened by hand), the first or the last.
fn step_incident(model: &mut Model, forward: bool) {
    let order: Vec<IncidentId> = incident_list::open_rows(model)
        .into_iter()
        .map(|incident| incident.id.clone())
        .collect();
    if model.setup.wall {
        model.dirty = false;
        return;
    }
    if order.is_empty() {
        let list = model.setup.keymap.keys_for(Action::IncidentList);
        model.notify(
            format!("no incident is open ({list} lists the past ones)"),
            false,
        );
        return;
    }
    let next = match model
        .desk
        .selected
        .as_ref()
        .and_then(|id| order.iter().position(|o| o == id))
    {
        Some(index) if forward => (index + 1) % order.len(),
        Some(index) => (index + order.len() - 1) % order.len(),
        None if forward => 0,
        None => order.len() - 1,
    };
    model.select(Some(order[next].clone()));
}

fn scroll(model: &mut Model, action: Action) {
    let page = usize::from(model.size.1 / 2).max(1);
    match model.desk.focus {
        Pane::Alerts => {
            let count = model.metrics.alerts.alerts.len();
            let cursor = &mut model.metrics.alerts.selected;
            *cursor = match action {
                Action::Up | Action::PageUp => cursor.saturating_sub(1),
                _ => (*cursor + 1).min(count.saturating_sub(1)),
            };
        }
        Pane::Actions => {
            let count = model.current().map_or(0, |t| t.state.actions.len());
            let cursor = &mut model.desk.action_cursor;
            *cursor = match action {
                Action::Up => cursor.saturating_sub(1),
                Action::Down => (*cursor + 1).min(count.saturating_sub(1)),
                Action::PageUp => cursor.saturating_sub(page),
                _ => (*cursor + page).min(count.saturating_sub(1)),
            };
        }
        _ => {
            let count = model.current().map_or(0, |t| t.events.len());
            let scroll = &mut model.desk.timeline_scroll;
            *scroll = match action {
                Action::Up => scroll.saturating_sub(1),
                Action::Down => (*scroll + 1).min(count.saturating_sub(1)),
                Action::PageUp => scroll.saturating_sub(page),
                _ => (*scroll + page).min(count.saturating_sub(1)),
            };
        }
    }
}
