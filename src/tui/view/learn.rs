//! The follow-ups screen (corrective actions across incidents, overdue ones flagged) and the
//! report screen (the same table `warroom report` prints).

use crate::domain::CorrectiveState;
use crate::report::report_lines;
use crate::sanitize::sanitize;
use crate::tui::app::learn::{FollowupsView, Loaded, ReportView};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw_followups(view: &FollowupsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = match &view.rows {
        Loaded::Waiting => vec![Line::styled(" loading…", theme.muted())],
        Loaded::Failed(reason) => vec![Line::styled(
            format!(" cannot load: {}", sanitize(reason)),
            theme.fg(Tone::Critical),
        )],
        Loaded::Ready(rows) if rows.is_empty() => {
            vec![Line::styled(" no corrective actions yet", theme.muted())]
        }
        Loaded::Ready(rows) => {
            let mut lines = vec![Line::styled(
                format!(
                    " {:<8} {:<4} {:<10} {:<7} {:<10} {:<12} {}",
                    "INCIDENT", "#", "KIND", "STATE", "DUE", "OWNER", "ACTION"
                ),
                theme.bold(),
            )];
            for row in rows {
                let action = &row.action;
                let mut text = format!(
                    " {:<8} {:<4} {:<10} {:<7} {:<10} {:<12} {}",
                    row.incident,
                    format!("C{}", action.id),
                    action.kind,
                    action.state,
                    action.due_at.format("%Y-%m-%d"),
                    sanitize(&action.owner).fit(12),
                    sanitize(&action.text)
                );
                if row.overdue {
                    text.push_str("  OVERDUE");
                }
                let style = match (row.overdue, action.state) {
                    (true, _) => theme.fg(Tone::Critical),
                    (false, CorrectiveState::Open) => ratatui::style::Style::new(),
                    _ => theme.muted(),
                };
                lines.push(Line::styled(text, style));
            }
            lines
        }
    };
    screen(
        " Follow-ups: corrective actions ",
        lines,
        view.scroll,
        theme,
        frame,
        area,
    );
}

pub fn draw_report(view: &ReportView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = match &view.report {
        Loaded::Waiting => vec![Line::styled(" loading…", theme.muted())],
        Loaded::Failed(reason) => vec![Line::styled(
            format!(" cannot load: {}", sanitize(reason)),
            theme.fg(Tone::Critical),
        )],
        Loaded::Ready(report) => report_lines(report)
            .into_iter()
            .map(|line| Line::raw(format!(" {line}")))
            .collect(),
    };
    let title = format!(" Report: the last {} ", view.since);
    screen(&title, lines, view.scroll, theme, frame, area);
}

/// A full-screen bordered view of `lines` from `scroll`, with the keys at the bottom.
fn screen(
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: usize,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border_set())
        .border_style(theme.fg(Tone::Accent))
        .title(Span::styled(title.to_string(), theme.bold()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [body, hints] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let last_start = lines.len().saturating_sub(usize::from(body.height));
    let shown: Vec<Line> = lines.into_iter().skip(scroll.min(last_start)).collect();
    frame.render_widget(Paragraph::new(shown), body);
    frame.render_widget(
        Line::styled(
            sanitize("↑/↓ scroll · esc close")
                .fit(usize::from(hints.width))
                .into_owned(),
            theme.muted(),
        ),
        hints,
    );
}
