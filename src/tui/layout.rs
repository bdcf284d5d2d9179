//! Geometry and timing the update loop and the views share: the screen sizes, how the
//! panels grid splits, the columns a chart draws in (what a range query's step is chosen
//! for) and which clock ticks change the screen. `app` asks these questions without
//! drawing; `view` draws with the same answers.

use super::app::Model;
use crate::domain::Timestamp;
use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal the client draws on.
pub const MIN_SIZE: (u16, u16) = (60, 16);
/// From here on every pane is on screen at once.
pub const FULL_SIZE: (u16, u16) = (100, 30);

/// Amber from this many seconds before an update is due.
pub const AMBER_SECONDS: i64 = 120;

/// Columns the y-axis labels take inside a chart.
pub const Y_LABELS: u16 = 9;

/// Splits the metrics area into one rectangle per panel (a grid of up to three a row on a
/// wide screen, stacked on a narrow one) and the alerts pane on the right.
pub fn split(area: Rect, panels: usize, alerts: bool) -> (Vec<Rect>, Option<Rect>) {
    let wide = area.width >= FULL_SIZE.0;
    let (charts, alerts_area) = if alerts && wide {
        let [charts, side] =
            Layout::horizontal([Constraint::Percentage(68), Constraint::Fill(1)]).areas(area);
        (charts, Some(side))
    } else {
        (area, None)
    };
    let panels = panels.max(1);
    let per_row = if wide { panels.min(3) } else { 1 };
    let rows = panels.div_ceil(per_row);
    let row_areas = Layout::vertical(vec![Constraint::Fill(1); rows]).split(charts);
    let mut rects = Vec::with_capacity(panels);
    for row in row_areas.iter() {
        let cells = Layout::horizontal(vec![Constraint::Fill(1); per_row]).split(*row);
        rects.extend(cells.iter().copied());
    }
    rects.truncate(panels);
    (rects, alerts_area)
}

/// The columns a chart draws in at the model's terminal size: what the step is chosen for.
pub fn chart_columns(model: &Model) -> u16 {
    let area = Rect::new(0, 0, model.size.0, 20);
    let (rects, _) = split(area, model.metrics.panels.len(), model.metrics.has_alerts);
    rects
        .first()
        .map_or(1, |r| r.width.saturating_sub(2 + Y_LABELS).max(1))
}

/// Whether a clock tick from `before` to `model.now` changes what is on screen. The desk
/// shows seconds, so every tick does; the wall shows whole minutes except near the update
/// deadline, so it redraws once a minute, which is what keeps an idle wall nearly free.
pub fn tick_changes_screen(model: &Model, before: Timestamp) -> bool {
    if !model.setup.wall {
        return true;
    }
    let new_minute = before.timestamp().div_euclid(60) != model.now.timestamp().div_euclid(60);
    let near_deadline = model
        .current()
        .and_then(|tracked| tracked.state.update_due_at(&model.scale))
        .is_some_and(|due| {
            // One second of margin either side, so the switch to and from seconds is drawn.
            (due - model.now).num_seconds().abs() <= AMBER_SECONDS + 1
        });
    new_minute || near_deadline
}
