//! The header: which incident, how bad, where it stands, and how long until the room owes an
//! update.

use super::text::{
    BorderSymbols, MaybeSpan, SafeLine, blank, duration, paragraph, raw, render, safe, safe_format,
    span,
};
use crate::domain::{Incident, Status};
use crate::sanitize::{SafeText, sanitize, sanitize_owned};
use crate::tui::app::{Link, Model};
use crate::tui::keymap::Action;
use crate::tui::layout::AMBER_SECONDS;
use crate::tui::theme::{ColorMode, Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders};

/// The update countdown: how long is left (or overdue, with a `+`) and its tone, calm, amber
/// in the last two minutes, red when overdue.
pub struct Countdown {
    pub value: String,
    pub tone: Tone,
}

impl Countdown {
    /// The words around the value on the desk's header line.
    pub fn sentence(&self) -> String {
        match self.tone {
            Tone::Critical => format!("UPDATE OVERDUE by {}", self.value.trim_start_matches('+')),
            Tone::Warning => format!("update due in {}", self.value),
            _ => format!("next update in {}", self.value),
        }
    }
}

pub fn update_countdown(model: &Model, incident: &Incident) -> Option<Countdown> {
    let due = incident.update_due_at(&model.scale)?;
    let left = due - model.now;
    let value = duration(model, left, seconds_matter(left));
    Some(if left.num_seconds() < 0 {
        Countdown {
            value: format!("+{value}"),
            tone: Tone::Critical,
        }
    } else if left.num_seconds() <= AMBER_SECONDS {
        Countdown {
            value,
            tone: Tone::Warning,
        }
    } else {
        Countdown {
            value,
            tone: Tone::Ok,
        }
    })
}

/// The promise made to the public: when the next public update is due, flagged once it is
/// broken. `None` while no public update is owed.
pub fn public_promise(model: &Model, incident: &Incident) -> Option<Countdown> {
    let due = incident.public_update_due_at()?;
    let left = due - model.now;
    Some(if left.num_seconds() < 0 {
        let late = duration(model, -left, seconds_matter(left));
        Countdown {
            value: format!("PUBLIC PROMISE BROKEN +{late}"),
            tone: Tone::Critical,
        }
    } else {
        let tone = if left.num_seconds() <= AMBER_SECONDS {
            Tone::Warning
        } else {
            Tone::Ok
        };
        Countdown {
            value: format!("public update by {}", due.format("%H:%M")),
            tone,
        }
    })
}

/// Seconds are shown, even on the wall, within two minutes either side of a deadline.
pub fn seconds_matter(left: chrono::Duration) -> bool {
    left.num_seconds().abs() < AMBER_SECONDS
}

/// Time since the impact began (or since detection when the start is unknown), frozen at
/// resolution. In whole minutes with the unit (`18m`, `1h02m`): an age, not a clock time.
pub fn impact_age(incident: &Incident, now: crate::domain::Timestamp) -> String {
    let start = incident.impact_started_at.unwrap_or(incident.detected_at);
    let end = incident.resolved_at.unwrap_or(now);
    crate::duration::minutes(end - start)
}

pub fn status_tone(status: Status) -> Tone {
    match status {
        Status::Triggered => Tone::Critical,
        Status::Acknowledged | Status::Investigating => Tone::Warning,
        Status::Mitigated => Tone::Info,
        Status::Resolved | Status::Closed => Tone::Ok,
        Status::Cancelled | Status::Merged => Tone::Muted,
    }
}

/// `INC-3  P1  INVESTIGATING  Checkout API returns 5xx`, the title wrapped under itself
/// when it is wider than `width` columns: a title is never cut.
pub fn title_lines<'a>(
    model: &Model,
    incident: &Incident,
    theme: &Theme,
    width: u16,
) -> Vec<SafeLine<'a>> {
    let mut first = badges(model, incident, theme);
    let indent = first.width();
    let title = sanitize(&incident.title);
    let room = usize::from(width).saturating_sub(indent + 1);
    // A title squeezed beside the badges into a sliver reads worse than one under them.
    let (room, indent) = if room >= 16 {
        (room, indent)
    } else {
        (usize::from(width).saturating_sub(2), 1)
    };
    let mut lines = title.wrap(room).into_iter().map(SafeText::into_owned);
    let mut rows = Vec::new();
    if indent > 1 {
        first.push(span(lines.next().unwrap_or_default(), theme.bold()));
    }
    rows.push(first);
    rows.extend(lines.map(|line| SafeLine::from(vec![blank(indent), span(line, theme.bold())])));
    rows
}

/// The severity's colour while the incident is open; an ended incident is never drawn in
/// alarm colours, whatever its severity was.
pub fn severity_tone(model: &Model, incident: &Incident) -> Tone {
    if incident.status.is_open() {
        Theme::severity_tone(model.scale.rank(&incident.severity))
    } else {
        Tone::Muted
    }
}

/// `INC-3  P1  INVESTIGATING  `: what the title line starts with.
fn badges<'a>(model: &Model, incident: &Incident, theme: &Theme) -> SafeLine<'a> {
    SafeLine::from(vec![
        span(safe_format!(" {} ", incident.id), theme.bold()),
        raw(" "),
        span(
            safe_format!(
                " {} ",
                crate::sanitize::sanitize(incident.severity.as_str())
            ),
            theme.badge(severity_tone(model, incident)),
        ),
        raw(" "),
        span(
            safe_format!(" {} ", incident.status.as_str().to_uppercase()),
            theme.badge(status_tone(incident.status)),
        ),
        raw("  "),
    ])
}

/// The second header line: service, commander, then (on the desk) the impact age and the
/// update countdown, which the wall shows in big digits instead, then the other open
/// incidents and the DEMO badge.
pub fn facts_line<'a>(model: &Model, incident: &Incident, theme: &Theme) -> SafeLine<'a> {
    let sep = || span(" · ", theme.muted());
    let mut spans = vec![raw(" ")];
    if let Some(service) = &incident.service {
        spans.push(safe(service, theme.fg(Tone::Info)));
        spans.push(sep());
    }
    spans.push(span("IC ", theme.muted()));
    match &incident.roles.commander {
        Some(commander) => spans.push(safe(commander, theme.bold())),
        None => spans.push(span("VACANT", theme.fg(Tone::Warning))),
    }
    if !model.setup.wall {
        spans.push(sep());
        spans.push(span("impact ", theme.muted()));
        spans.push(raw(sanitize_owned(impact_age(incident, model.now))));
        if let Some(countdown) = update_countdown(model, incident) {
            spans.push(sep());
            let style = if countdown.tone == Tone::Critical {
                theme.badge(countdown.tone)
            } else {
                theme.fg(countdown.tone)
            };
            spans.push(span(sanitize_owned(countdown.sentence()), style));
        }
        if let Some(promise) = public_promise(model, incident) {
            spans.push(sep());
            let style = if promise.tone == Tone::Critical {
                theme.badge(promise.tone)
            } else {
                theme.fg(promise.tone)
            };
            spans.push(span(sanitize_owned(promise.value), style));
        }
    }
    let others = model.incidents.open_count() - usize::from(incident.status.is_open());
    if let Some(more_severe) = super::incident_list::more_severe_span(model, theme) {
        spans.push(sep());
        spans.push(more_severe);
    } else if others > 0 {
        spans.push(sep());
        let text = if model.setup.wall {
            format!("{others} other open")
        } else {
            let more = model
                .setup
                .keymap
                .keys_for(crate::tui::keymap::Action::NextIncident);
            format!("{others} other open ({more})")
        };
        spans.push(span(sanitize_owned(text), theme.fg(Tone::Warning)));
    }
    if let Some(badge) = deliveries_badge(model, theme) {
        spans.push(raw("  "));
        spans.push(badge);
    }
    if model.setup.demo {
        spans.push(raw("  "));
        spans.push(span(" DEMO DATA ", theme.badge(Tone::Accent)));
    }
    SafeLine::from(spans)
}

/// `NOTIFY 2 dead (slack-ops)`: red while a delivery died lately, amber while some retry.
fn deliveries_badge<'a>(model: &Model, theme: &Theme) -> MaybeSpan<'a> {
    let text = model.deliveries.badge()?;
    let tone = if model.deliveries.dead > 0 {
        Tone::Critical
    } else {
        Tone::Warning
    };
    // The target names are the server config's, relayed over the network.
    Some(span(
        safe_format!(" {} ", crate::sanitize::sanitize(&text)),
        theme.badge(tone),
    ))
}

/// "this happened before: INC-12, 9 days ago, 2 corrective actions still open", for an
/// incident the backend linked to earlier ones. The open count is live when the earlier
/// incident is in memory, else as the link recorded it.
pub fn recurrence_line<'a>(
    model: &Model,
    incident: &Incident,
    theme: &Theme,
) -> Option<SafeLine<'a>> {
    if incident.recurs.is_empty() {
        return None;
    }
    let earlier: Vec<String> = incident
        .recurs
        .iter()
        .map(|earlier| {
            let days = (model.now - earlier.declared_at).num_days();
            let ago = match days {
                0 => "today".to_string(),
                1 => "1 day ago".to_string(),
                n => format!("{n} days ago"),
            };
            let open = model.incidents.get(&earlier.incident).map_or(
                earlier.open_corrective_actions,
                |tracked| {
                    tracked
                        .state
                        .corrective_actions
                        .iter()
                        .filter(|a| a.state == crate::domain::CorrectiveState::Open)
                        .count()
                },
            );
            let actions = match open {
                0 => "no corrective action open".to_string(),
                1 => "1 corrective action still open".to_string(),
                n => format!("{n} corrective actions still open"),
            };
            format!("{}, {ago}, {actions}", earlier.incident)
        })
        .collect();
    let mut spans = vec![
        span(" ⟳ this happened before: ", theme.fg(Tone::Warning)),
        raw(sanitize_owned(earlier.join("; "))),
    ];
    // The desk opens the first one named with a key (Enter), however old it is.
    let key = model.setup.keymap.keys_for(Action::OpenEarlier);
    if let Some(first) = incident.recurs.first()
        && !model.setup.wall
        && !key.is_empty()
    {
        spans.push(span(
            sanitize_owned(format!(" — {key} opens {}", first.incident)),
            theme.muted(),
        ));
    }
    Some(SafeLine::from(spans))
}

fn business_impact(incident: &Incident) -> Option<&str> {
    incident.summary.as_deref().filter(|s| !s.trim().is_empty())
}

/// "Business impact: customers cannot pay by card", the summary given at declaration.
pub fn summary_line<'a>(incident: &Incident, theme: &Theme) -> Option<SafeLine<'a>> {
    let summary = business_impact(incident)?;
    Some(SafeLine::from(vec![
        span(" Business impact: ", theme.muted()),
        safe(summary, theme.fg(Tone::Info)),
    ]))
}

/// Header rows: the lost backend, the title (as many lines as it wraps to) and facts lines,
/// one more each for a business-impact summary and a recurrence, and the rule on the desk.
pub fn height(model: &Model, bordered: bool, width: u16) -> u16 {
    let lost = u16::from(lost_since(model).is_some());
    let Some(tracked) = model.current() else {
        return 2 + lost + u16::from(bordered);
    };
    let title = title_lines(
        model,
        &tracked.state,
        &Theme::new(ColorMode::None, false),
        width,
    );
    let recurs = !tracked.state.recurs.is_empty();
    let summary = business_impact(&tracked.state).is_some();
    lost + title.len() as u16 + 1 + u16::from(summary) + u16::from(recurs) + u16::from(bordered)
}

/// Since when the backend is lost, once the screen has had its data: before that the header
/// says it cannot reach it in its place (`connecting`).
fn lost_since(model: &Model) -> Option<crate::domain::Timestamp> {
    match model.feed.link {
        Link::Down { since } if model.feed.synced => Some(since),
        _ => None,
    }
}

/// ` BACKEND LOST since 14:02:10 · 2 changes wait to be sent · cannot reach http://… `, the
/// width of the screen in the alarm's colour, above the title: where the eye is, since
/// everything under it is as it was when the link broke.
pub fn lost_line<'a>(model: &Model, theme: &Theme, width: u16) -> Option<SafeLine<'a>> {
    let since = lost_since(model)?;
    let waiting = match model.outbox.items.len() {
        0 => "nothing waits to be sent".to_string(),
        1 => "1 change waits to be sent".to_string(),
        n => format!("{n} changes wait to be sent"),
    };
    // The most needed first: a narrow screen cuts the end.
    let backend = sanitize(&model.setup.backend);
    let reach = if backend.is_empty() {
        String::new()
    } else {
        format!(" · cannot reach {backend}")
    };
    let text = format!(
        " BACKEND LOST since {} · {waiting}{reach} · the screen shows what it knew then",
        super::text::clock(since),
    );
    let width = usize::from(width);
    let text = sanitize(&text).fit(width).into_owned();
    let pad = width.saturating_sub(text.width());
    Some(SafeLine::from(vec![span(
        safe_format!("{text}{:pad$}", ""),
        theme.badge(Tone::Critical),
    )]))
}

fn no_incident<'a>(model: &Model, theme: &Theme) -> Vec<SafeLine<'a>> {
    let waiting = if model.feed.synced {
        "no open incidents".to_string()
    } else {
        connecting(model)
    };
    let declare = model
        .setup
        .keymap
        .keys_for(crate::tui::keymap::Action::Declare);
    let mut second = vec![span(
        safe_format!(" press {declare} to declare one"),
        theme.muted(),
    )];
    if model.setup.demo {
        second.push(raw("  "));
        second.push(span(" DEMO DATA ", theme.badge(Tone::Accent)));
    }
    vec![
        SafeLine::from(vec![span(safe_format!(" {waiting}"), theme.bold())]),
        SafeLine::from(second),
    ]
}

/// Until the backend has answered once the screen knows nothing: it says so, never "no open
/// incidents".
pub fn connecting(model: &Model) -> String {
    let verb = match (model.feed.link, model.feed.refused) {
        (Link::Down { .. }, Some(401)) => "token refused (401) by",
        (Link::Down { .. }, Some(_)) => "token refused (403) by",
        (Link::Down { .. }, None) => "cannot reach",
        _ => "connecting to",
    };
    format!(
        "{verb} {} — no data yet",
        crate::sanitize::sanitize(&model.setup.backend)
    )
}

/// The header; `bordered` adds the rule under it on the desk (compact has no room for it).
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, bordered: bool) {
    let mut lines: Vec<SafeLine> = lost_line(model, theme, area.width).into_iter().collect();
    match model.current() {
        Some(tracked) => {
            lines.extend(title_lines(model, &tracked.state, theme, area.width));
            lines.push(facts_line(model, &tracked.state, theme));
            lines.extend(summary_line(&tracked.state, theme));
            lines.extend(recurrence_line(model, &tracked.state, theme));
        }
        None => lines.extend(no_incident(model, theme)),
    }
    let mut paragraph = paragraph(lines);
    if bordered {
        let block = Block::new()
            .borders(Borders::BOTTOM)
            .border_symbols(theme.border_set())
            .border_style(theme.muted());
        paragraph = paragraph.block(block);
    }
    render(frame, paragraph, area);
}
