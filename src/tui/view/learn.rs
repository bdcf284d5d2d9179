//! The follow-ups screen (corrective actions across incidents, overdue ones flagged) and the
//! report screen (the same table `warroom report` prints).

use super::text::{
    BorderSymbols, SafeLine, hint_list, paragraph, plain, render, safe_format, span, styled_line,
    titled,
};
use crate::domain::CorrectiveState;
use crate::report::{followup_line, followups_header, report_lines};
use crate::sanitize::{sanitize, sanitize_owned};
use crate::tui::app::followups::FollowupsView;
use crate::tui::app::incident_list::past::More;
use crate::tui::app::learn::{self, Loaded, ReportView};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Clear};

pub fn draw_followups(view: &FollowupsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let muted = |text: &'static str| styled_line(text, theme.muted());
    let mut lines = match (&view.more, view.rows.is_empty()) {
        (More::Asked(_), true) => vec![muted(" loading…")],
        (More::Failed { reason, .. }, true) => vec![failed(" cannot load", reason, theme)],
        (_, true) => vec![muted(" no corrective actions yet")],
        (_, false) => followup_lines(view, theme),
    };
    if !view.rows.is_empty() {
        match &view.more {
            More::Asked(_) => lines.push(muted(" loading more…")),
            More::Failed { reason, .. } => {
                lines.push(failed(
                    " cannot load more (scroll to try again)",
                    reason,
                    theme,
                ));
            }
            More::Capped => lines.push(muted(
                " … more than this screen holds: `warroom followups` lists them all",
            )),
            More::Next(_) | More::Done => {}
        }
    }
    screen(
        " Follow-ups: corrective actions ",
        lines,
        view.scroll,
        theme,
        frame,
        area,
    );
}

fn failed(what: &str, reason: &str, theme: &Theme) -> SafeLine<'static> {
    styled_line(
        safe_format!("{what}: {}", sanitize(reason)),
        theme.fg(Tone::Critical),
    )
}

/// The header and a line per follow-up held, overdue ones flagged, closed ones muted.
fn followup_lines(view: &FollowupsView, theme: &Theme) -> Vec<SafeLine<'static>> {
    let mut lines = vec![styled_line(
        sanitize_owned(format!(" {}", followups_header())),
        theme.bold(),
    )];
    for row in &view.rows {
        let style = match (row.overdue, row.action.state) {
            (true, _) => theme.fg(Tone::Critical),
            (false, CorrectiveState::Open) => ratatui::style::Style::new(),
            _ => theme.muted(),
        };
        let text = format!(" {}", followup_line(row));
        lines.push(styled_line(sanitize_owned(text), style));
    }
    lines
}

pub fn draw_report(view: &ReportView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = match &view.report {
        Loaded::Waiting => vec![styled_line(" loading…", theme.muted())],
        Loaded::Failed(reason) => vec![styled_line(
            safe_format!(" cannot load: {}", sanitize(reason)),
            theme.fg(Tone::Critical),
        )],
        Loaded::Ready(report) => report_lines(report)
            .into_iter()
            .map(|line| plain(safe_format!(" {line}")))
            .collect(),
    };
    let title = format!(" Report: the last {} ", view.since);
    screen(&title, lines, view.scroll, theme, frame, area);
}

/// A full-screen bordered view of `lines` from `scroll`, with the keys at the bottom.
fn screen(
    title: &str,
    lines: Vec<SafeLine<'static>>,
    scroll: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let block = titled(
        Block::new()
            .borders(Borders::ALL)
            .border_symbols(theme.border_set())
            .border_style(theme.fg(Tone::Accent)),
        span(sanitize_owned(title.to_string()), theme.bold()),
    );
    let inner = block.inner(area);
    render(frame, Clear, area);
    render(frame, block, area);
    let [body, hints] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let last_start = lines.len().saturating_sub(usize::from(body.height));
    let shown: Vec<SafeLine> = lines.into_iter().skip(scroll.min(last_start)).collect();
    render(frame, paragraph(shown), body);
    render(
        frame,
        styled_line(
            sanitize(&hint_list(&learn::HINTS, " · "))
                .fit(usize::from(hints.width))
                .into_owned(),
            theme.muted(),
        ),
        hints,
    );
}
