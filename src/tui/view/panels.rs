//! The metric panels grid (a chart, the current value per series, the thresholds) and the
//! firing-alerts pane beside it.

use super::pane_block;
use super::text::{
    SafeLine, clock, labelled, paragraph, plain, raw, render, safe_format, span, styled_line,
};
use crate::panels::Level;
use crate::sanitize::{sanitize, sanitize_owned};
use crate::tui::app::panel_state::PanelSlot;
use crate::tui::app::{Model, Pane};
use crate::tui::layout::{FULL_SIZE, Y_LABELS, split};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Wrap};

/// Series drawn per panel; more are summed up in the value line only.
const MAX_SERIES: usize = 6;

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let metrics = &model.metrics;
    let focused = model.desk.focus == Pane::Panels;
    if !metrics.has_panels {
        let block = pane_block(sanitize("Metrics"), focused, theme);
        let text =
            "No Prometheus configured: set [prometheus] url in the config, or --prometheus URL.";
        render(
            frame,
            paragraph(styled_line(text, theme.muted()))
                .block(block)
                .wrap(Wrap { trim: true }),
            area,
        );
        if metrics.has_alerts && area.width >= FULL_SIZE.0 {
            let (_, alerts_area) = split(area, 1, true);
            if let Some(alerts_area) = alerts_area {
                draw_alerts(model, theme, frame, alerts_area);
            }
        }
        return;
    }
    // What the first run's detection did stays under the panels all session: the panels
    // on screen are not the config's until someone saves them.
    let area = match &metrics.detected {
        Some(note) if area.height > 4 => {
            let [charts, line] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
            let text = sanitize(note).into_owned();
            render(
                frame,
                paragraph(styled_line(text, theme.fg(Tone::Info))),
                line,
            );
            charts
        }
        _ => area,
    };
    let (rects, alerts_area) = split(area, metrics.panels.len(), metrics.has_alerts);
    for (slot, rect) in metrics.panels.iter().zip(rects) {
        draw_panel(model, slot, theme, frame, rect, focused);
    }
    if let Some(alerts_area) = alerts_area {
        draw_alerts(model, theme, frame, alerts_area);
    }
}

/// The main panel alone, the whole area for it: what a small wall keeps when it drops the
/// others.
pub fn draw_main(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    match model.metrics.panels.first() {
        Some(slot) if model.metrics.has_panels => {
            draw_panel(
                model,
                slot,
                theme,
                frame,
                area,
                model.desk.focus == Pane::Panels,
            );
        }
        _ => draw(model, theme, frame, area),
    }
}

fn level_tone(level: Level) -> Tone {
    match level {
        Level::Ok => Tone::Ok,
        Level::Warn => Tone::Warning,
        Level::Crit => Tone::Critical,
    }
}

/// The series colours, in order; thresholds use warning and critical.
const SERIES_TONES: [Tone; 3] = [Tone::Info, Tone::Accent, Tone::Muted];

/// A y-axis label: the formatted value, without its unit when that would not fit.
fn axis_label(unit: crate::panels::Unit, value: f64) -> String {
    let full = unit.format(value);
    if full.chars().count() < usize::from(Y_LABELS) {
        return full;
    }
    let number = full.split_whitespace().next().unwrap_or_default();
    sanitize(number).fit(usize::from(Y_LABELS) - 1).to_string()
}

fn draw_panel(
    model: &Model,
    slot: &PanelSlot,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    focused: bool,
) {
    let panel = &slot.panel;
    // The line that matters most: crit where set, else warn; both are drawn in the chart.
    // It stays readable at every width: the panel's name is shortened, never the line.
    let line = [
        ("crit", panel.thresholds.crit),
        ("warn", panel.thresholds.warn),
    ]
    .into_iter()
    .find_map(|(name, v)| v.map(|v| format!(" · {name} {}", panel.unit.format(v))));
    let mut suffix = line.unwrap_or_default();
    if model.setup.demo {
        suffix.push_str(" · DEMO");
    }
    let suffix = sanitize(&suffix);
    // Borders and the spaces around a title take four columns.
    let room = usize::from(area.width.saturating_sub(4)).saturating_sub(suffix.width());
    let name = sanitize(&panel.title);
    let title = sanitize(&format!("{}{suffix}", name.fit(room.max(1)))).into_owned();
    let block = pane_block(title, focused, theme);
    let inner = block.inner(area);
    render(frame, block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let service = model.metrics.service();
    let message = |text: String, style: Style| {
        paragraph(styled_line(sanitize_owned(text), style)).wrap(Wrap { trim: true })
    };
    if panel.expr(service).is_err() {
        let text = "This panel needs the incident's service ($service); the incident has none.";
        render(frame, message(text.into(), theme.muted()), inner);
        return;
    }
    let error = slot
        .state
        .error()
        .map(|e| sanitize(&e.to_string()).to_string());
    let Some(data) = slot.state.data() else {
        let (text, style) = match error {
            Some(error) => (error, theme.fg(Tone::Critical)),
            None => ("loading…".into(), theme.muted()),
        };
        render(frame, message(text, style), inner);
        return;
    };
    // Over the chart: why the data is old, when it is; then the current values.
    let problem = slot.state.stale_since().map(|since| {
        let why = error.as_deref().unwrap_or("refresh failed");
        format!("stale since {}: {why}", clock(since))
    });
    let problem_rows = if problem.is_some() { 2 } else { 0 };
    let [problem_area, values_area, chart_area] = Layout::vertical([
        Constraint::Length(problem_rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if let Some(problem) = problem {
        render(
            frame,
            message(problem, theme.fg(Tone::Warning)),
            problem_area,
        );
    }
    // The value line: each series' legend and current value (from the evidence query, at
    // most one evidence step old whatever the chart's step), coloured by its threshold
    // level, the worst first so a narrow panel still shows what burns.
    let mut ranked = slot.current_values();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut values = Vec::new();
    for (i, current) in ranked {
        let series = &data.series[i];
        let legend = sanitize(&panel.legend.render(&series.labels)).into_owned();
        let marker_style = theme.fg(SERIES_TONES[i % SERIES_TONES.len()]);
        values.push(span(theme.glyph("■ ", "* "), marker_style));
        if !legend.is_empty() {
            values.push(raw(safe_format!("{} ", legend.fit(18))));
        }
        let level = panel.thresholds.level(current);
        let tone = level_tone(level);
        if theme.marks_in_text() {
            // Without reliable colour a breach says so in text: ▲CRIT 31.35%.
            let word = match level {
                Level::Ok => None,
                Level::Warn => Some("WARN"),
                Level::Crit => Some("CRIT"),
            };
            if let Some(word) = word {
                values.push(span(
                    safe_format!("{}{word} ", theme.glyph("▲", "^")),
                    theme.fg(tone).patch(theme.bold()),
                ));
            }
        }
        values.push(span(
            sanitize_owned(panel.unit.format(current)),
            theme.fg(tone).patch(theme.bold()),
        ));
        values.push(raw("  "));
    }
    if data.series.is_empty() {
        values.push(span("no data for this query", theme.muted()));
    }
    render(frame, SafeLine::from(values), values_area);
    if chart_area.height < 3 || data.series.is_empty() {
        return;
    }
    let points: Vec<Vec<(f64, f64)>> = data
        .series
        .iter()
        .take(MAX_SERIES)
        .map(|s| {
            s.points
                .iter()
                .copied()
                .filter(|(_, v)| v.is_finite())
                .collect()
        })
        .collect();
    let (x0, x1) = (data.window.start as f64, data.window.end as f64);
    let highest = points
        .iter()
        .flatten()
        .map(|&(_, v)| v)
        .chain(panel.thresholds.crit.or(panel.thresholds.warn))
        .fold(0.0_f64, f64::max);
    let top = if highest > 0.0 { highest * 1.15 } else { 1.0 };
    let thresholds: Vec<(Vec<(f64, f64)>, Tone)> = [
        (panel.thresholds.warn, Tone::Warning),
        (panel.thresholds.crit, Tone::Critical),
    ]
    .into_iter()
    .filter_map(|(line, tone)| line.map(|v| (vec![(x0, v), (x1, v)], tone)))
    .collect();
    let mut datasets: Vec<Dataset> = thresholds
        .iter()
        .map(|(line, tone)| {
            Dataset::default()
                .marker(theme.threshold_marker())
                .graph_type(GraphType::Line)
                .style(theme.fg(*tone))
                .data(line)
        })
        .collect();
    for (i, series_points) in points.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(theme.chart_marker())
                .graph_type(GraphType::Line)
                .style(theme.fg(SERIES_TONES[i % SERIES_TONES.len()]))
                .data(series_points),
        );
    }
    let time = |secs: f64| {
        chrono::DateTime::from_timestamp(secs as i64, 0)
            .map_or_else(String::new, |t| t.format("%H:%M").to_string())
    };
    // A short chart (80x24 stacks the panels) gives its time axis' two rows to the plot.
    let x_axis = Axis::default().bounds([x0, x1]).style(theme.muted());
    let x_axis = if chart_area.height >= 8 {
        labelled(x_axis, [sanitize_owned(time(x0)), sanitize_owned(time(x1))])
    } else {
        x_axis
    };
    let chart = Chart::new(datasets)
        .x_axis(x_axis)
        .y_axis(
            labelled(
                Axis::default().bounds([0.0, top]),
                [
                    sanitize_owned(axis_label(panel.unit, 0.0)),
                    sanitize_owned(axis_label(panel.unit, top)),
                ],
            )
            .style(theme.muted()),
        )
        .legend_position(None);
    render(frame, chart, chart_area);
}

pub fn draw_alerts(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let pane = &model.metrics.alerts;
    let focused = model.desk.focus == Pane::Alerts;
    let mut title = format!("Firing alerts ({})", pane.alerts.len());
    if model.setup.demo {
        title.push_str(" · DEMO");
    }
    if let Some(since) = pane.stale_since {
        title = format!("{title} · stale since {}", clock(since));
    }
    let block = pane_block(sanitize(&title).into_owned(), focused, theme);
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = Vec::new();
    let mut links = Vec::new();
    if let (Some(outage), Some(since)) = (&pane.outage, pane.stale_since) {
        // Failing now: what fires is unknown, whatever was last seen (listed below, if any).
        let text = format!("alerts unknown: {outage} since {}", clock(since));
        lines.push(styled_line(
            sanitize(&text).into_owned(),
            theme.badge(Tone::Critical),
        ));
        if let Some(error) = &pane.error {
            lines.push(styled_line(sanitize(error).into_owned(), theme.muted()));
        }
        if !pane.alerts.is_empty() {
            lines.push(styled_line("last known:", theme.muted()));
        }
    } else if !pane.loaded {
        lines.push(styled_line("loading…", theme.muted()));
    } else if pane.alerts.is_empty() {
        lines.push(styled_line("no alerts firing", theme.fg(Tone::Ok)));
    }
    for (i, alert) in pane.alerts.iter().enumerate() {
        let severity = alert
            .labels
            .get(&model.metrics.alert_severity.label)
            .map_or("", String::as_str);
        let tone = match model.metrics.alert_severity.severity_for(&alert.labels) {
            sev if model.scale.rank(&sev) == 0 => Tone::Critical,
            sev if model.scale.rank(&sev) == 1 => Tone::Warning,
            _ => Tone::Info,
        };
        let age = format!("for {}", crate::duration::minutes(model.now - alert.since));
        let head = SafeLine::from(vec![
            span(theme.glyph("● ", "* "), theme.fg(tone)),
            span(
                sanitize(alert.name())
                    .fit(width.saturating_sub(16))
                    .into_owned(),
                theme.bold(),
            ),
            span(safe_format!(" {} ", sanitize(severity)), theme.fg(tone)),
            span(sanitize_owned(age), theme.muted()),
        ]);
        let summary = plain(safe_format!(
            "  {}",
            sanitize(alert.title()).fit(width.saturating_sub(2))
        ));
        let selected = focused && i == pane.selected;
        lines.push(if selected {
            head.style(theme.selected())
        } else {
            head
        });
        lines.push(if selected {
            summary.style(theme.selected())
        } else {
            summary
        });
        if selected {
            for (label, url) in alert_urls(alert) {
                let (line, link) = super::link::url_line(label, url, width, lines.len(), theme);
                lines.push(line);
                links.extend(link);
            }
        }
    }
    if focused && !pane.alerts.is_empty() {
        let key = model
            .setup
            .keymap
            .primary(crate::tui::keymap::Action::DeclareFromAlert);
        let key = key.map(|k| k.to_string()).unwrap_or_default();
        lines.push(styled_line(
            safe_format!("{key}: declare an incident from the selected alert"),
            theme.muted(),
        ));
    }
    render(frame, paragraph(lines).block(block), area);
    super::link::make_links(frame, area, &links, theme);
}

/// The selected alert's runbook (the `runbook_url` annotation of the Prometheus mixins, or
/// `runbook`) and where it comes from (Alertmanager's `generatorURL`).
fn alert_urls(alert: &crate::domain::Alert) -> Vec<(&'static str, &str)> {
    let runbook = ["runbook_url", "runbook"]
        .iter()
        .filter_map(|key| alert.annotations.get(*key))
        .find(|url| !url.trim().is_empty());
    runbook
        .map(|url| ("runbook", url.as_str()))
        .into_iter()
        .chain(alert.generator_url.as_deref().map(|url| ("source", url)))
        .collect()
}
