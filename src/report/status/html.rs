//! The status page as HTML: no JavaScript, one small inline style sheet, readable on a phone,
//! light and dark through `prefers-color-scheme`.

use super::{PublicIncident, StatusPage, escape, rfc3339};
use crate::domain::Timestamp;
use std::fmt::Write;

const STYLE: &str = "\
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;\
--ok:#1a7f37;--minor:#9a6700;--major:#bc4c00;--critical:#cf222e;--maint:#0969da}\
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;\
--line:#3d444d;--ok:#3fb950;--minor:#d29922;--major:#db6d28;--critical:#f85149;--maint:#4493f8}}\
*{box-sizing:border-box}body{margin:0 auto;max-width:46rem;padding:1rem;background:var(--bg);\
color:var(--fg);font:16px/1.5 system-ui,-apple-system,sans-serif;overflow-wrap:anywhere}\
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}\
h3{font-size:1rem;margin:.25rem 0}.banner{padding:.75rem 1rem;border-radius:.5rem;color:#fff;\
font-weight:600}.banner.none{background:var(--ok)}.banner.minor{background:var(--minor)}\
.banner.major{background:var(--major)}.banner.critical{background:var(--critical)}\
ul{list-style:none;padding:0;margin:0}.component{display:flex;justify-content:space-between;\
gap:1rem;padding:.5rem 0;border-bottom:1px solid var(--line)}.s-operational{color:var(--ok)}\
.s-degraded_performance{color:var(--minor)}.s-partial_outage{color:var(--major)}\
.s-major_outage{color:var(--critical)}.s-under_maintenance{color:var(--maint)}\
.incident{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}\
.update{margin:.5rem 0}.update p{margin:.15rem 0;white-space:pre-wrap}\
.meta,footer{color:var(--muted);font-size:.875rem}";

/// The whole page.
pub fn render(page: &StatusPage) -> String {
    let mut out = String::with_capacity(4096);
    let title = escape(&page.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{title}</title><link rel=\"alternate\" type=\"application/atom+xml\" \
         href=\"/status/feed.atom\"><style>{STYLE}</style></head><body>\
         <header><h1>{title}</h1><p class=\"banner {}\" id=\"indicator\">{}</p></header>",
        page.indicator().as_str(),
        page.description()
    );
    out.push_str("<section><h2>Components</h2><ul id=\"components\">");
    for component in &page.components {
        let _ = write!(
            out,
            "<li class=\"component\" data-component=\"{name}\" data-status=\"{status}\">\
             <span>{name}</span><span class=\"s-{status}\">{title}</span></li>",
            name = escape(&component.name),
            status = component.status.as_str(),
            title = component.status.title(),
        );
    }
    out.push_str("</ul></section>");
    if !page.open.is_empty() {
        out.push_str("<section id=\"open\"><h2>Active incidents</h2>");
        for incident in &page.open {
            incident_html(&mut out, incident);
        }
        out.push_str("</section>");
    }
    out.push_str("<section id=\"recent\"><h2>Resolved in the last 7 days</h2>");
    if page.recent.is_empty() {
        out.push_str("<p class=\"meta\">No incidents.</p>");
    }
    for incident in &page.recent {
        incident_html(&mut out, incident);
    }
    let _ = writeln!(
        out,
        "</section><footer><p>Updated {} · <a href=\"/status/feed.atom\">Atom feed</a> · \
         <a href=\"/status.json\">JSON</a></p></footer></body></html>",
        time(page.generated_at)
    );
    out
}

fn incident_html(out: &mut String, incident: &PublicIncident) {
    let _ = write!(
        out,
        "<article class=\"incident\" id=\"{id}\" data-state=\"{state}\"><h3>{name}</h3>\
         <p class=\"meta\">{id} · impact {impact}",
        id = escape(&incident.id),
        state = incident.state.as_str(),
        name = escape(&incident.name),
        impact = incident.impact.as_str(),
    );
    if let Some(next) = incident.next_update_at {
        let _ = write!(out, " · next update by {}", time(next));
    }
    out.push_str("</p>");
    for update in &incident.updates {
        let _ = write!(
            out,
            "<div class=\"update\"><h4 class=\"meta\">{} · {}</h4><p>{}</p>",
            update.state.title(),
            time(update.at),
            escape(&update.message)
        );
        if !update.components.is_empty() {
            let affected: Vec<String> = update
                .components
                .iter()
                .map(|(name, status)| format!("{} ({})", escape(name), status.title()))
                .collect();
            let _ = write!(
                out,
                "<p class=\"meta\">Affected: {}</p>",
                affected.join(", ")
            );
        }
        out.push_str("</div>");
    }
    out.push_str("</article>");
}

fn time(at: Timestamp) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        rfc3339(at),
        at.format("%Y-%m-%d %H:%M UTC")
    )
}
