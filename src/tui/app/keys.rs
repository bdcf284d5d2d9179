//! What keys do: the desk's single keys, the overlays (confirmations, pickers, forms, the
//! command line and the filter), and the commands they send.

use super::command_line::{self, Typed};
use super::commands::{
    confirm_ending, declare, incident_for, pin, propose_impact, refuse_locally, send_command,
    toggle_action, transition,
};
use super::form::{Form, FormOutcome, SeverityPicker, Submission};
use super::learn::{FollowupsView, ReportView};
use super::review::{ReviewOutcome, ReviewScreen};
use super::{Effect, Model, Overlay, Pane};
use crate::domain::{AccessRole, Command, IncidentId, NoteKind, Status};
use crate::tui::keymap::Action;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match std::mem::take(&mut model.overlay) {
        Overlay::None => {}
        overlay => return on_overlay_key(model, overlay, key),
    }
    let Some(action) = model.keymap.action(&key) else {
        model.dirty = false;
        return vec![];
    };
    if action.mutates() && model.wall {
        model.dirty = false;
        return vec![];
    }
    // The next action starts: the last one's notice has been seen (and stays in the log).
    if action != Action::Messages {
        model.notice = None;
    }
    match action {
        Action::Quit => {
            quit_or_ask(model);
            vec![]
        }
        Action::IncidentList => {
            super::incident_list::open(model);
            vec![]
        }
        Action::Help => {
            model.overlay = Overlay::Help;
            vec![]
        }
        Action::Messages => {
            model.overlay = Overlay::Messages;
            vec![]
        }
        Action::Focus => {
            model.focus = model.next_pane();
            vec![]
        }
        Action::Filter => {
            model.overlay = Overlay::Filter(Input::new(model.timeline_filter.clone()));
            vec![]
        }
        Action::CommandLine => {
            model.overlay = Overlay::CommandLine(Input::default());
            vec![]
        }
        Action::NextIncident | Action::PreviousIncident => {
            step_incident(model, action == Action::NextIncident);
            vec![]
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            scroll(model, action);
            vec![]
        }
        Action::Declare => {
            if model.may(AccessRole::Responder) {
                model.overlay = Overlay::Form(Box::new(Form::declare(&model.scale)));
            } else {
                refuse_locally(model, AccessRole::Responder);
            }
            vec![]
        }
        Action::Acknowledge => transition(model, Status::Acknowledged),
        Action::Investigate => transition(model, Status::Investigating),
        Action::Mitigate => transition(model, Status::Mitigated),
        Action::Resolve | Action::Close | Action::Cancel => {
            let to = match action {
                Action::Resolve => Status::Resolved,
                Action::Close => Status::Closed,
                _ => Status::Cancelled,
            };
            confirm_ending(model, to);
            vec![]
        }
        Action::Severity => {
            if incident_for(model, AccessRole::Commander).is_some() {
                let current = model.current().map(|t| t.state.severity.clone());
                if let Some(current) = current {
                    model.overlay = Overlay::Severity(SeverityPicker::new(&current, &model.scale));
                }
            }
            vec![]
        }
        Action::Role => {
            if incident_for(model, AccessRole::Commander).is_some() {
                model.overlay = Overlay::Form(Box::new(Form::role()));
            }
            vec![]
        }
        Action::Note | Action::Decision => {
            if incident_for(model, AccessRole::Responder).is_some() {
                let kind = if action == Action::Note {
                    NoteKind::Note
                } else {
                    NoteKind::Decision
                };
                model.overlay = Overlay::Form(Box::new(Form::note(kind)));
            }
            vec![]
        }
        Action::PublicUpdate => {
            super::composer::open(model);
            vec![]
        }
        Action::NewAction => {
            if incident_for(model, AccessRole::Responder).is_some() {
                model.overlay = Overlay::Form(Box::new(Form::action()));
            }
            vec![]
        }
        Action::ToggleAction => toggle_action(model),
        Action::Pin => pin(model),
        Action::ImpactStart => {
            if incident_for(model, AccessRole::Commander).is_some() && !propose_impact(model) {
                model.notify(
                    "no threshold breach on the main panel to date the impact by",
                    true,
                );
            }
            vec![]
        }
        Action::Review => open_review(model),
        Action::Followups => open_followups(model),
        Action::CopySummary => copy_summary(model),
        Action::DeclareFromAlert => {
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
                    .find(|incident| {
                        incident.status.is_open() && incident.alert(&fingerprint).is_some()
                    })
                    .map(|incident| incident.id.clone());
                if let Some(id) = holder {
                    model.notify(
                        format!("this alert is already on {id}: switched to it"),
                        false,
                    );
                    model.follow = false;
                    model.select(Some(id));
                    return vec![];
                }
                let new = model.metrics.declaration_from(alert);
                model.overlay = Overlay::Form(Box::new(Form::declare_from(&model.scale, new)));
            } else {
                model.notify("no firing alert selected (focus the alerts pane)", true);
            }
            vec![]
        }
    }
}

/// The review screen of the selected incident, from the moment it is mitigated.
fn open_review(model: &mut Model) -> Vec<Effect> {
    if model.wall {
        model.dirty = false;
        return vec![];
    }
    let Some((id, status)) = model
        .current()
        .map(|t| (t.state.id.clone(), t.state.status))
    else {
        model.notify("no incident selected to review", true);
        return vec![];
    };
    if matches!(
        status,
        Status::Mitigated | Status::Resolved | Status::Closed
    ) {
        model.overlay = Overlay::Review(Box::new(ReviewScreen::new(id)));
    } else {
        model.notify(
            format!("{id} is {status}: the review opens once it is mitigated"),
            true,
        );
    }
    vec![]
}

fn open_followups(model: &mut Model) -> Vec<Effect> {
    if model.wall {
        model.dirty = false;
        return vec![];
    }
    model.overlay = Overlay::Followups(FollowupsView::waiting());
    vec![Effect::FetchFollowups]
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

fn open_report(model: &mut Model, since: String) -> Vec<Effect> {
    model.overlay = Overlay::Report(ReportView::waiting(since.clone()));
    vec![Effect::FetchReport { since }]
}

fn on_review_key(model: &mut Model, mut screen: Box<ReviewScreen>, key: KeyEvent) -> Vec<Effect> {
    let Some(state) = model.incidents.get(&screen.incident).map(|t| &t.state) else {
        return vec![]; // the incident is gone from memory: nothing left to review here
    };
    let (review, corrective) = (state.review.clone(), state.corrective_actions.clone());
    let outcome = screen.handle_key(key, &review, &corrective, &model.scale, model.now);
    let id = screen.incident.clone();
    match outcome {
        ReviewOutcome::Close => vec![],
        ReviewOutcome::Stay => {
            model.overlay = Overlay::Review(screen);
            vec![]
        }
        ReviewOutcome::Send(command) => {
            model.overlay = Overlay::Review(screen);
            if model.may(command.required_access()) {
                send_command(model, id, command, vec![])
            } else {
                refuse_locally(model, command.required_access());
                vec![]
            }
        }
    }
}

/// Up and down scroll a read-only screen; esc and q close it.
fn scroll_screen(scroll: &mut usize, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return false,
        KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        KeyCode::PageDown => *scroll += 10,
        _ => {}
    }
    true
}

fn on_overlay_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::None => vec![],
        // Any key closes the help, the command list and the message log.
        Overlay::Help | Overlay::Commands | Overlay::Messages => vec![],
        Overlay::QuitPending => {
            model.quit = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
            vec![]
        }
        Overlay::IncidentList(list) => {
            super::incident_list::on_key(model, list, key);
            vec![]
        }
        Overlay::Confirm(confirm) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                // The carried items follow the ending, each on its own in the incident's
                // lane: a review accepts them in every status, closed included.
                let mut then = confirm.then;
                then.extend(confirm.settle.map(|s| s.carry).unwrap_or_default());
                send_command(model, confirm.incident, confirm.command, then)
            }
            KeyCode::Char('d') if confirm.settle.is_some() => {
                // The drops go first: a closed incident refuses changes to its items. Each is
                // queued on its own, so a refused drop does not take the ending with it; the
                // incident's lane keeps the order, and every command is dated by this key.
                let mut effects = Vec::new();
                for drop in confirm.settle.map(|s| s.drop).unwrap_or_default() {
                    effects.extend(send_command(model, confirm.incident.clone(), drop, vec![]));
                }
                effects.extend(send_command(
                    model,
                    confirm.incident,
                    confirm.command,
                    confirm.then,
                ));
                effects
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => vec![],
            KeyCode::Char('e') if confirm.edit.is_some() => {
                let line = confirm.edit.unwrap_or_default();
                model.overlay = Overlay::CommandLine(Input::new(line));
                vec![]
            }
            _ => {
                model.overlay = Overlay::Confirm(confirm);
                model.dirty = false;
                vec![]
            }
        },
        Overlay::Severity(mut picker) => match picker.handle_key(key, &model.scale) {
            None => {
                model.overlay = Overlay::Severity(picker);
                vec![]
            }
            Some(None) => vec![],
            Some(Some(severity)) => match model.selected.clone() {
                Some(id) => send_command(model, id, Command::SetSeverity { severity }, vec![]),
                None => vec![],
            },
        },
        Overlay::Form(mut form) => match form.handle_key(key, &model.scale, model.now) {
            FormOutcome::Editing => {
                model.overlay = Overlay::Form(form);
                vec![]
            }
            FormOutcome::Cancelled => vec![],
            FormOutcome::Submitted(Submission::Declare(new)) => declare(model, new),
            FormOutcome::Submitted(Submission::Command(command @ Command::PublicUpdate(_))) => {
                if let Some(id) = incident_for(model, command.required_access()) {
                    super::composer::confirm(model, id, command);
                }
                vec![]
            }
            FormOutcome::Submitted(Submission::Command(command)) => {
                match incident_for(model, command.required_access()) {
                    Some(id) => send_command(model, id, command, vec![]),
                    None => vec![],
                }
            }
        },
        Overlay::Filter(mut input) => {
            match key.code {
                KeyCode::Esc => model.timeline_filter.clear(),
                KeyCode::Enter => {}
                _ => {
                    input.handle_event(&TermEvent::Key(key));
                    model.timeline_filter = input.value().to_string();
                    model.overlay = Overlay::Filter(input);
                }
            }
            model.timeline_scroll = 0;
            vec![]
        }
        Overlay::Review(screen) => on_review_key(model, screen, key),
        Overlay::Followups(mut view) => {
            if scroll_screen(&mut view.scroll, key) {
                model.overlay = Overlay::Followups(view);
            }
            vec![]
        }
        Overlay::Report(mut view) => {
            if scroll_screen(&mut view.scroll, key) {
                model.overlay = Overlay::Report(view);
            }
            vec![]
        }
        Overlay::CommandLine(mut input) => match key.code {
            KeyCode::Esc => {
                model.history.restart();
                vec![]
            }
            KeyCode::Enter => {
                let mut effects = vec![];
                if model.history.record(input.value()) {
                    effects.push(Effect::SaveHistory(model.history.lines.clone()));
                }
                effects.extend(run_typed(model, input.value()));
                effects
            }
            KeyCode::Up | KeyCode::Down => {
                if let Some(line) = model.history.step(key.code == KeyCode::Up) {
                    input = Input::new(line.to_string());
                }
                model.overlay = Overlay::CommandLine(input);
                vec![]
            }
            KeyCode::Tab => {
                if let Some(done) = super::completion::complete(input.value(), model) {
                    input = Input::new(done.line);
                    if !done.choices.is_empty() {
                        // The choices are a hint, not news: shown, not logged.
                        model.notice = Some(super::Notice {
                            text: done.choices.join("  "),
                            error: false,
                            at: model.now,
                        });
                    }
                }
                model.overlay = Overlay::CommandLine(input);
                vec![]
            }
            _ => {
                input.handle_event(&TermEvent::Key(key));
                model.overlay = Overlay::CommandLine(input);
                vec![]
            }
        },
    }
}

fn run_typed(model: &mut Model, line: &str) -> Vec<Effect> {
    match command_line::parse(line, &model.scale, model.now) {
        Err(reason) => {
            model.notify(reason, true);
            vec![]
        }
        Ok(Typed::List) => {
            super::incident_list::open(model);
            vec![]
        }
        Ok(Typed::Quit) => {
            quit_or_ask(model);
            vec![]
        }
        Ok(Typed::Compose) => {
            super::composer::open(model);
            vec![]
        }
        Ok(Typed::Help) => {
            model.overlay = Overlay::Commands;
            vec![]
        }
        Ok(Typed::Messages) => {
            model.overlay = Overlay::Messages;
            vec![]
        }
        Ok(Typed::EditSummary) => {
            let summary = model
                .current()
                .and_then(|t| t.state.summary.clone())
                .unwrap_or_default();
            model.overlay = Overlay::CommandLine(Input::new(format!("summary {summary}")));
            vec![]
        }
        // Ending an incident asks the same question, with the same evidence, as its key.
        Ok(Typed::Command(Command::Transition {
            to: to @ (Status::Resolved | Status::Closed | Status::Cancelled),
        })) => {
            confirm_ending(model, to);
            vec![]
        }
        Ok(Typed::Review) => open_review(model),
        Ok(Typed::Followups) => open_followups(model),
        Ok(Typed::Report(since)) => open_report(model, since),
        Ok(Typed::Select(id)) => {
            if model.incidents.get(&id).is_some() {
                model.follow = false;
                model.select(Some(id));
            } else {
                model.notify(
                    format!("{id} is not here (it may be an old, ended incident)"),
                    true,
                );
            }
            vec![]
        }
        Ok(Typed::Declare(new)) => {
            if model.may(AccessRole::Responder) {
                declare(model, new)
            } else {
                refuse_locally(model, AccessRole::Responder);
                vec![]
            }
        }
        Ok(Typed::Command(command)) => match incident_for(model, command.required_access()) {
            Some(id) => send_command(model, id, command, vec![]),
            None => vec![],
        },
    }
}

/// Quits, unless commands are still on their way: then asks first, saying how many.
fn quit_or_ask(model: &mut Model) {
    if model.outbox.items.is_empty() {
        model.quit = true;
    } else {
        model.overlay = Overlay::QuitPending;
    }
}

fn step_incident(model: &mut Model, forward: bool) {
    let order: Vec<IncidentId> = model
        .incidents
        .ordered(&model.scale)
        .into_iter()
        .map(|i| i.id.clone())
        .collect();
    if order.is_empty() || model.wall {
        model.dirty = false;
        return;
    }
    let index = model
        .selected
        .as_ref()
        .and_then(|id| order.iter().position(|o| o == id))
        .unwrap_or(0);
    let next = if forward {
        (index + 1) % order.len()
    } else {
        (index + order.len() - 1) % order.len()
    };
    model.follow = false;
    model.select(Some(order[next].clone()));
}

fn scroll(model: &mut Model, action: Action) {
    let page = usize::from(model.size.1 / 2).max(1);
    match model.focus {
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
            let cursor = &mut model.action_cursor;
            *cursor = match action {
                Action::Up => cursor.saturating_sub(1),
                Action::Down => (*cursor + 1).min(count.saturating_sub(1)),
                Action::PageUp => cursor.saturating_sub(page),
                _ => (*cursor + page).min(count.saturating_sub(1)),
            };
        }
        _ => {
            let count = model.current().map_or(0, |t| t.events.len());
            let scroll = &mut model.timeline_scroll;
            *scroll = match action {
                Action::Up => scroll.saturating_sub(1),
                Action::Down => (*scroll + 1).min(count.saturating_sub(1)),
                Action::PageUp => scroll.saturating_sub(page),
                _ => (*scroll + page).min(count.saturating_sub(1)),
            };
        }
    }
}
