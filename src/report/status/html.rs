//! The status pages as HTML: the front page (`/`), one page per incident with its whole
//! public history (`/incidents/{id}`) and the history of past incidents, paged (`/history`).
//! No JavaScript, one small inline style sheet, readable on a phone, light and dark through
//! `prefers-color-scheme`, every text at WCAG AA contrast (4.5 : 1) in both.
//!
//! The front page stays small whatever the history: each incident shows its latest update,
//! cut to [`EXCERPT_CHARS`], and links to its own page for the rest; at most
//! [`FRONT_INCIDENTS`] open and as many recent ones are listed, the others are a link away.

use super::{
    MaintenanceStatus, MaintenanceView, PublicIncident, StatusPage, UpdateView, escape, rfc3339,
    text::excerpt,
};
use crate::domain::Timestamp;
use std::fmt::Write;

/// The longest message excerpt on the front page.
pub const EXCERPT_CHARS: usize = 400;
/// The most open, and the most recently resolved, incidents on the front page.
pub const FRONT_INCIDENTS: usize = 8;
/// Incidents per page of the history.
pub const HISTORY_PAGE: usize = 20;

/// Colours: light first, then dark. Text colours are at least 4.5 : 1 on their background in
/// both (the banner's text is dark on the bright dark-mode colours); the test in
/// tests/status_page.rs reads them back from Chromium.
const STYLE: &str = "\
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;\
--ok:#1a7f37;--minor:#8a5c00;--major:#b34700;--critical:#cf222e;--maint:#0969da;--on:#fff}\
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;\
--line:#3d444d;--ok:#3fb950;--minor:#d29922;--major:#f0883e;--critical:#ff7b72;--maint:#58a6ff;\
--on:#0d1117}}\
*{box-sizing:border-box}body{margin:0 auto;max-width:46rem;padding:1rem;background:var(--bg);\
color:var(--fg);font:16px/1.5 system-ui,-apple-system,sans-serif;overflow-wrap:anywhere}\
a{color:var(--maint)}h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}\
h3{font-size:1rem;margin:.25rem 0}h4{margin:0;font-weight:600}time{white-space:nowrap}\
.banner{padding:.75rem 1rem;border-radius:.5rem;color:var(--on);font-weight:600;margin:0}\
.b-none{background:var(--ok)}.b-minor{background:var(--minor)}.b-major{background:var(--major)}\
.b-critical{background:var(--critical)}.b-maintenance{background:var(--maint)}\
ul{list-style:none;padding:0;margin:0}.component{padding:.5rem 0;border-bottom:1px solid var(--line)}\
.row{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}\
.s-operational{color:var(--ok)}.s-degraded_performance{color:var(--minor)}\
.s-partial_outage{color:var(--major)}.s-major_outage{color:var(--critical)}\
.s-under_maintenance{color:var(--maint)}\
.bar{display:flex;height:1.5rem;gap:1px;margin:.25rem 0}.bar i{flex:1 1 0;border-radius:2px}\
.d-operational{background:var(--ok)}.d-under_maintenance{background:var(--maint)}\
.d-degraded_performance{background:var(--minor)}.d-partial_outage{background:var(--major)}\
.d-major_outage{background:var(--critical)}\
.incident{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}\
.update{margin:.5rem 0}.update p{margin:.15rem 0;white-space:pre-wrap}\
.meta,footer,.group{color:var(--muted);font-size:.875rem}nav{margin:1rem 0}";

/// The front page.
pub fn front(page: &StatusPage) -> String {
    let mut out = String::with_capacity(8192);
    head(&mut out, page, &page.title);
    let (class, words) = banner(page);
    let _ = write!(
        out,
        "<p class=\"banner {class}\" id=\"indicator\">{words}</p></header><main>"
    );
    maintenance_section(
        &mut out,
        page,
        MaintenanceStatus::InProgress,
        "Maintenance in progress",
    );
    components_section(&mut out, page);
    if !page.open.is_empty() {
        out.push_str("<section id=\"open\"><h2>Active incidents</h2>");
        for incident in page.open.iter().take(FRONT_INCIDENTS) {
            incident_summary(&mut out, incident);
        }
        if page.open.len() > FRONT_INCIDENTS {
            let _ = write!(
                out,
                "<p class=\"meta\">{} more active incidents: <a href=\"/history\">all incidents</a></p>",
                page.open.len() - FRONT_INCIDENTS
            );
        }
        out.push_str("</section>");
    }
    maintenance_section(
        &mut out,
        page,
        MaintenanceStatus::Scheduled,
        "Scheduled maintenance",
    );
    out.push_str("<section id=\"recent\"><h2>Resolved in the last 7 days</h2>");
    if page.recent().is_empty() {
        out.push_str("<p class=\"meta\">No incidents.</p>");
    }
    for incident in page.recent().iter().take(FRONT_INCIDENTS) {
        incident_summary(&mut out, incident);
    }
    out.push_str("<p><a href=\"/history\">Incident history</a></p></section></main>");
    footer(&mut out, page);
    out
}

/// One incident's page: every public update, newest first.
pub fn incident(page: &StatusPage, incident: &PublicIncident) -> String {
    let mut out = String::with_capacity(4096);
    head(
        &mut out,
        page,
        &format!("{} · {}", incident.name, page.title),
    );
    let _ = write!(
        out,
        "<p><a href=\"/\">{}</a></p></header><main>",
        escape(&page.title)
    );
    article(&mut out, incident, incident.updates.iter().collect(), true);
    out.push_str("</main>");
    footer(&mut out, page);
    out
}

/// One page of the past incidents (`number` from 1), or `None` past the last page.
pub fn history(page: &StatusPage, number: usize) -> Option<String> {
    let all: Vec<&PublicIncident> = page.open.iter().chain(&page.resolved).collect();
    let pages = all.len().div_ceil(HISTORY_PAGE).max(1);
    if number == 0 || number > pages {
        return None;
    }
    let mut out = String::with_capacity(8192);
    head(
        &mut out,
        page,
        &format!("Incident history · {}", page.title),
    );
    let _ = write!(
        out,
        "<p><a href=\"/\">{}</a></p></header><main><section id=\"history\">\
         <h2>Incident history</h2>",
        escape(&page.title)
    );
    if all.is_empty() {
        out.push_str("<p class=\"meta\">No incidents.</p>");
    }
    for incident in all
        .iter()
        .skip((number - 1) * HISTORY_PAGE)
        .take(HISTORY_PAGE)
    {
        incident_summary(&mut out, incident);
    }
    out.push_str("</section><nav aria-label=\"pages\">");
    if number > 1 {
        let _ = write!(out, "<a href=\"/history?page={}\">Newer</a> ", number - 1);
    }
    let _ = write!(out, "<span class=\"meta\">page {number} of {pages}</span>");
    if number < pages {
        let _ = write!(out, " <a href=\"/history?page={}\">Older</a>", number + 1);
    }
    out.push_str("</nav></main>");
    footer(&mut out, page);
    Some(out)
}

fn head(out: &mut String, page: &StatusPage, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{}</title><link rel=\"alternate\" type=\"application/atom+xml\" \
         href=\"/status/feed.atom\"><style>{STYLE}</style></head><body><header><h1>{}</h1>",
        escape(title),
        escape(&page.title)
    );
}

fn footer(out: &mut String, page: &StatusPage) {
    out.push_str("<footer><p>");
    if page.updated_at > Timestamp::UNIX_EPOCH {
        let _ = write!(out, "Updated {} · ", time(page.updated_at));
    }
    out.push_str(
        "<a href=\"/history\">History</a> · <a href=\"/status/feed.atom\">Atom feed</a> · \
         <a href=\"/api/v2/summary.json\">JSON</a></p></footer></body></html>\n",
    );
}

fn banner(page: &StatusPage) -> (&'static str, &'static str) {
    let class = match page.indicator() {
        super::Impact::None if page.under_maintenance() => "b-maintenance",
        impact => match impact {
            super::Impact::None => "b-none",
            super::Impact::Minor => "b-minor",
            super::Impact::Major => "b-major",
            super::Impact::Critical => "b-critical",
        },
    };
    (class, page.description())
}

fn components_section(out: &mut String, page: &StatusPage) {
    out.push_str("<section><h2>Components</h2><ul id=\"components\">");
    let mut group: Option<&str> = None;
    let mut shown: Vec<_> = page.components.iter().filter(|c| c.shown()).collect();
    // Grouped components together, in the order their groups first appear.
    let order: Vec<Option<&str>> = {
        let mut groups: Vec<Option<&str>> = Vec::new();
        for component in &shown {
            if !groups.contains(&component.group.as_deref()) {
                groups.push(component.group.as_deref());
            }
        }
        groups
    };
    shown.sort_by_key(|c| order.iter().position(|g| *g == c.group.as_deref()));
    for component in shown {
        if component.group.as_deref() != group {
            group = component.group.as_deref();
            if let Some(name) = group {
                let _ = write!(out, "<li class=\"group\">{}</li>", escape(name));
            }
        }
        let _ = write!(
            out,
            "<li class=\"component\" data-component=\"{name}\" data-status=\"{status}\">\
             <div class=\"row\"><span>{display}</span><span class=\"s-{status}\">{title}</span></div>",
            name = escape(&component.name),
            display = escape(&component.display_name),
            status = component.status.as_str(),
            title = component.status.title(),
        );
        if let Some(description) = &component.description {
            let _ = write!(out, "<div class=\"meta\">{}</div>", escape(description));
        }
        out.push_str("<div class=\"bar\" role=\"img\" aria-label=\"uptime over 90 days\">");
        for (first, days, status) in component.uptime.runs() {
            let last = first + chrono::Duration::days(days as i64 - 1);
            let _ = write!(
                out,
                "<i class=\"d-{}\" style=\"flex-grow:{days}\" title=\"{}{}: {}\"></i>",
                status.as_str(),
                first.format("%Y-%m-%d"),
                if days > 1 {
                    format!(" – {}", last.format("%Y-%m-%d"))
                } else {
                    String::new()
                },
                status.title()
            );
        }
        let _ = write!(
            out,
            "</div><div class=\"row meta\"><span>90 days ago</span><span>{} uptime</span>\
             <span>Today</span></div></li>",
            component.uptime.percent()
        );
    }
    out.push_str("</ul></section>");
}

fn maintenance_section(
    out: &mut String,
    page: &StatusPage,
    status: MaintenanceStatus,
    heading: &str,
) {
    let windows: Vec<&MaintenanceView> = page
        .maintenances
        .iter()
        .filter(|m| m.status == status)
        .collect();
    if windows.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"maintenance-{}\"><h2>{heading}</h2>",
        status.as_str()
    );
    for window in windows {
        let _ = write!(
            out,
            "<article class=\"incident\" data-maintenance=\"{}\" data-state=\"{}\"><h3>{}</h3>\
             <p class=\"meta\">{} · {} to {}",
            escape(&window.id),
            status.as_str(),
            escape(&window.name),
            status.title(),
            time(window.starts_at),
            time(window.ends_at),
        );
        if !window.components.is_empty() {
            let names: Vec<String> = window.components.iter().map(|c| escape(c)).collect();
            let _ = write!(out, " · {}", names.join(", "));
        }
        out.push_str("</p>");
        if !window.message.is_empty() {
            let _ = write!(out, "<p>{}</p>", escape(&window.message));
        }
        out.push_str("</article>");
    }
    out.push_str("</section>");
}

/// An incident on the front page or in the history: its latest update, cut short, and a
/// link to its page.
fn incident_summary(out: &mut String, incident: &PublicIncident) {
    article(
        out,
        incident,
        incident.updates.iter().take(1).collect(),
        false,
    );
}

fn article(out: &mut String, incident: &PublicIncident, updates: Vec<&UpdateView>, whole: bool) {
    let link = format!("/incidents/{}", escape(&incident.id));
    let _ = write!(
        out,
        "<article class=\"incident\" id=\"{id}\" data-state=\"{state}\">",
        id = escape(&incident.id),
        state = incident.state.as_str(),
    );
    if whole {
        let _ = write!(out, "<h2>{}</h2>", escape(&incident.name));
    } else {
        let _ = write!(
            out,
            "<h3><a href=\"{link}\">{}</a></h3>",
            escape(&incident.name)
        );
    }
    let _ = write!(
        out,
        "<p class=\"meta\">{} · impact {}",
        incident.state.title(),
        incident.impact.as_str()
    );
    if let Some(resolved) = incident.resolved_at {
        let _ = write!(out, " · resolved {}", time(resolved));
    }
    if let Some(next) = incident.next_update_at {
        let _ = write!(out, " · next update by {}", time(next));
    }
    out.push_str("</p>");
    for update in updates {
        let (message, cut) = if whole {
            (update.message.clone(), false)
        } else {
            excerpt(&update.message, EXCERPT_CHARS)
        };
        let _ = write!(
            out,
            "<div class=\"update\"><h4 class=\"meta\">{} · {}</h4><p>{}</p>",
            update.state.title(),
            time(update.at),
            escape(&message)
        );
        if !update.affected.is_empty() {
            let affected: Vec<String> = update
                .affected
                .iter()
                .map(|(name, change)| format!("{} ({})", escape(name), change.new.title()))
                .collect();
            let _ = write!(
                out,
                "<p class=\"meta\">Affected: {}</p>",
                affected.join(", ")
            );
        }
        if cut {
            let _ = write!(out, "<p><a href=\"{link}\">Read the whole update</a></p>");
        }
        out.push_str("</div>");
    }
    let earlier = incident.updates.len().saturating_sub(1);
    if !whole && earlier > 0 {
        let _ = write!(
            out,
            "<p class=\"meta\"><a href=\"{link}\">All {} updates</a></p>",
            incident.updates.len()
        );
    }
    out.push_str("</article>");
}

/// A time people read, that never breaks across lines (`time{white-space:nowrap}`).
fn time(at: Timestamp) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        rfc3339(at),
        at.format("%Y-%m-%d %H:%M UTC")
    )
}

#[cfg(test)]
mod tests {
    use crate::domain::ComponentStatus;

    #[test]
    fn every_status_has_a_text_and_a_day_colour() {
        for status in ComponentStatus::ALL {
            assert!(super::STYLE.contains(&format!(".s-{}{{", status.as_str())));
            assert!(super::STYLE.contains(&format!(".d-{}{{", status.as_str())));
        }
    }
}
