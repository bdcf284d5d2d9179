//! Many incidents at once: the incident list popup (`l`), the wall's strip of the other open
//! incidents, and the attention banner.

use super::header::{status_tone, update_countdown};
use super::text::{
    MaybeSpan, SafeLine, Spans, hint_list, paragraph, plain, raw, render, safe, safe_format, span,
    styled_line,
};
use crate::domain::Incident;
use crate::sanitize::{sanitize, sanitize_owned};
use crate::tui::app::incident_list::past::{More, Past, PastRow};
use crate::tui::app::incident_list::{self, IncidentList, Row, SEARCH_HINTS, open_rows, rows};
use crate::tui::app::{Model, attention};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

/// `INC-9  P0  INVESTIGATING` and the update countdown: what a glance needs of one incident.
fn brief<'a>(model: &Model, incident: &Incident, theme: &Theme) -> Spans<'a> {
    let rank = model.scale.rank(&incident.severity);
    let mut spans = vec![
        span(safe_format!("{:<7}", incident.id.to_string()), theme.bold()),
        span(
            safe_format!(" {} ", sanitize(incident.severity.as_str())),
            theme.badge(Theme::severity_tone(rank)),
        ),
        raw(" "),
        span(
            safe_format!("{:<13}", incident.status.as_str().to_uppercase()),
            theme.fg(status_tone(incident.status)),
        ),
    ];
    let countdown = update_countdown(model, incident).map_or_else(
        || span(safe_format!("{:<22}", "no update owed"), theme.muted()),
        |countdown| {
            span(
                safe_format!("{:<22}", countdown.sentence()),
                theme.fg(countdown.tone),
            )
        },
    );
    spans.push(countdown);
    spans
}

/// The list popup: a row per open incident with its commander and pending commands, then
/// the history read so far, a screenful at a time around the cursor.
pub fn draw(model: &Model, list: &IncidentList, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = rows(model, list);
    let open = rows
        .iter()
        .filter(|row| matches!(row, Row::Open(_)))
        .count();
    let mut lines = vec![first_line(list, open, theme)];
    // Borders, the first line, the history's heading and the last line.
    let room = usize::from(area.height.saturating_sub(5)).max(1);
    let cursor = list.cursor(&rows);
    // A screenful at a time, the last one full.
    let start = (cursor / room * room).min(rows.len().saturating_sub(room));
    if open == 0 && start == 0 {
        let nothing = if list.past.text.is_empty() {
            " no open incidents"
        } else {
            " no open incident matches"
        };
        lines.push(plain(nothing));
    }
    for (index, row) in rows.iter().enumerate().skip(start).take(room) {
        if index == open {
            lines.push(styled_line(" Past incidents, newest first", theme.bold()));
        }
        let mut spans = vec![raw(if index == cursor { "▶ " } else { "  " })];
        match row {
            Row::Open(incident) => spans.extend(open_row(model, incident, theme)),
            Row::Past(past) => spans.extend(past_row(model, past, theme)),
        }
        let mut line = SafeLine::from(spans);
        if index == cursor {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if start + room >= rows.len() {
        lines.push(last_line(&list.past, theme));
    }
    let width = area.width.saturating_sub(4).min(130);
    super::overlay::popup(frame, area, theme, "Incidents", lines, width);
}

/// How many are open and the keys; or the search, as it is typed or as it stands.
fn first_line<'a>(list: &IncidentList, open: usize, theme: &Theme) -> SafeLine<'a> {
    if let Some(input) = &list.typing {
        return SafeLine::from(vec![
            span(" / ", theme.bold().patch(theme.fg(Tone::Accent))),
            span(safe_format!("{}▏", sanitize(input.value())), theme.bold()),
            span(
                safe_format!(
                    "  title, id or service — {}",
                    hint_list(&SEARCH_HINTS, ", ")
                ),
                theme.muted(),
            ),
        ]);
    }
    let searched = if list.past.text.is_empty() {
        String::new()
    } else {
        format!(" matching \"{}\"", list.past.text)
    };
    styled_line(
        sanitize_owned(format!(
            " {open} open{searched} — {}",
            hint_list(&incident_list::HINTS, ", ")
        )),
        theme.muted(),
    )
}

/// Under the last row: whether more of the history is coming, and what to do past its end.
fn last_line<'a>(past: &Past, theme: &Theme) -> SafeLine<'a> {
    let (text, tone) = match &past.more {
        More::Asked(_) => ("reading the history…".to_string(), Tone::Muted),
        More::Next(_) => ("↓ reads on".to_string(), Tone::Muted),
        More::Done if past.rows.is_empty() && past.text.is_empty() => {
            ("no past incident".to_string(), Tone::Muted)
        }
        More::Done if past.rows.is_empty() => ("no past incident matches".to_string(), Tone::Muted),
        More::Done => ("the end of the history".to_string(), Tone::Muted),
        More::Capped => (
            format!(
                "{} rows are the most the list holds: / searches, :go INC-n opens any incident",
                past.rows.len()
            ),
            Tone::Warning,
        ),
        More::Failed { reason, .. } => (
            format!("cannot read the history: {reason} (↓ tries again)"),
            Tone::Critical,
        ),
    };
    styled_line(sanitize_owned(format!(" {text}")), theme.fg(tone))
}

/// An open incident: its brief, its commander, the commands waiting to be sent, its title.
fn open_row<'a>(model: &Model, incident: &Incident, theme: &Theme) -> Spans<'a> {
    let mut spans = brief(model, incident, theme);
    spans.push(span("IC ", theme.muted()));
    match &incident.roles.commander {
        Some(commander) => spans.push(raw(sanitize(commander).fit(12).pad(12))),
        None => spans.push(span(
            safe_format!("{:<12}", "VACANT"),
            theme.fg(Tone::Warning),
        )),
    }
    let pending = model.outbox.for_incident(&incident.id).count();
    if pending > 0 {
        spans.push(span(
            safe_format!("{pending} pending "),
            theme.fg(Tone::Warning),
        ));
    }
    spans.push(span(
        sanitize(&incident.title).fit(40).into_owned(),
        theme.bold(),
    ));
    spans
}

/// An ended incident: its id, severity, how it ended and when, its service and title.
fn past_row<'a>(model: &Model, row: &PastRow, theme: &Theme) -> Spans<'a> {
    let rank = model.scale.rank(&row.severity);
    let when = row.ended_at.unwrap_or(row.declared_at);
    vec![
        span(safe_format!("{:<9}", row.id.to_string()), theme.bold()),
        span(
            safe_format!(" {} ", sanitize(row.severity.as_str())),
            theme.badge(Theme::severity_tone(rank)),
        ),
        raw(" "),
        span(
            safe_format!("{:<10}", row.status.as_str().to_uppercase()),
            theme.fg(status_tone(row.status)),
        ),
        span(
            safe_format!("{}  ", when.format("%Y-%m-%d %H:%M")),
            theme.muted(),
        ),
        raw(sanitize(row.service.as_deref().unwrap_or("-"))
            .fit(14)
            .pad(15)),
        span(sanitize(&row.title).fit(60).into_owned(), theme.bold()),
    ]
}

/// Below this height the wall's strip is one line, so the main panel keeps its rows.
const STRIP_ROWS_FROM_HEIGHT: u16 = 40;
/// Below this height (80x24) there is no row to spare: the facts line counts the others.
const STRIP_FROM_HEIGHT: u16 = 30;

/// The wall's strip under the followed incident: the other open incidents, so that the room
/// sees everything that burns. Its height is the number of lines it needs: a title and a row
/// each (at most 4) on a large wall, one line on a small one, none on the smallest.
pub fn strip_height(model: &Model, screen_height: u16) -> u16 {
    let others = open_rows(model)
        .iter()
        .filter(|i| Some(&i.id) != model.desk.selected.as_ref())
        .count();
    match others {
        0 => 0,
        _ if screen_height < STRIP_FROM_HEIGHT => 0,
        _ if screen_height < STRIP_ROWS_FROM_HEIGHT => 1,
        n => u16::try_from(n.min(4)).unwrap_or(4) + 1,
    }
}

pub fn draw_strip(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let others: Vec<&Incident> = open_rows(model)
        .into_iter()
        .filter(|i| Some(&i.id) != model.desk.selected.as_ref())
        .collect();
    if others.is_empty() || area.height == 0 {
        return;
    }
    if area.height == 1 {
        let mut spans = vec![span(
            safe_format!(" ALSO OPEN ({}): ", others.len()),
            theme.bold().patch(theme.fg(Tone::Warning)),
        )];
        for incident in &others {
            let rank = model.scale.rank(&incident.severity);
            spans.push(span(safe_format!("{} ", incident.id), theme.bold()));
            spans.push(span(
                safe_format!(" {} ", sanitize(incident.severity.as_str())),
                theme.badge(Theme::severity_tone(rank)),
            ));
            spans.push(span(
                safe_format!(" {}  ", incident.status.as_str().to_uppercase()),
                theme.fg(status_tone(incident.status)),
            ));
        }
        render(frame, SafeLine::from(spans), area);
        return;
    }
    let shown = usize::from(area.height.saturating_sub(1));
    let mut lines = vec![styled_line(
        safe_format!(" ALSO OPEN ({})", others.len()),
        theme.bold().patch(theme.fg(Tone::Warning)),
    )];
    for incident in others.iter().take(shown) {
        let mut spans = vec![raw(" ")];
        spans.extend(brief(model, incident, theme));
        spans.push(safe(&incident.title, theme.muted()));
        lines.push(SafeLine::from(spans));
    }
    if others.len() > shown {
        lines.pop();
        lines.push(styled_line(
            safe_format!(" … and {} more", others.len() + 1 - shown),
            theme.muted(),
        ));
    }
    render(frame, paragraph(lines), area);
}

/// The attention banner, reverse video over the top line, when something must be seen.
pub fn draw_attention(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(attention) = &model.attention else {
        return;
    };
    let rect = Rect { height: 1, ..area };
    let mut text = format!(" {} {}", theme.glyph("▶", ">"), sanitize(&attention.text));
    if !model.setup.wall && model.desk.selected.as_ref() != Some(&attention.incident) {
        text.push_str(&format!(" — {}", attention::list_keys(model)));
    }
    render(frame, Clear, rect);
    render(
        frame,
        paragraph(plain(sanitize_owned(text))).style(theme.selected().patch(theme.bold())),
        rect,
    );
}

/// "P0 INC-9 open — press [ or l", when an incident more severe than the one on screen is
/// open.
pub fn more_severe_span<'a>(model: &Model, theme: &Theme) -> MaybeSpan<'a> {
    let other = attention::more_severe_open(model)?;
    let text = if model.setup.wall {
        format!(" {} {} open ", sanitize(other.severity.as_str()), other.id)
    } else {
        format!(
            " {} {} open — {} ",
            sanitize(other.severity.as_str()),
            other.id,
            attention::list_keys(model)
        )
    };
    Some(span(sanitize_owned(text), theme.badge(Tone::Critical)))
}
