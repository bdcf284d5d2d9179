//! `/status/feed.atom`: one entry per public update of the incidents on the page.

use super::{StatusPage, escape, rfc3339};
use std::fmt::Write;

pub fn render(page: &StatusPage) -> String {
    let base = escape(page.url.as_deref().unwrap_or("").trim_end_matches('/'));
    let mut entries: Vec<_> = page
        .open
        .iter()
        .chain(&page.recent)
        .flat_map(|incident| incident.updates.iter().map(move |u| (incident, u)))
        .collect();
    entries.sort_by_key(|(_, update)| std::cmp::Reverse(update.at));
    let updated = entries.first().map_or(page.generated_at, |(_, u)| u.at);
    let mut out = String::with_capacity(2048);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{}</title>\
         <id>urn:warroom:status</id><updated>{}</updated>\
         <link rel=\"alternate\" href=\"{base}/status\"/>\
         <link rel=\"self\" href=\"{base}/status/feed.atom\"/>",
        escape(&page.title),
        rfc3339(updated)
    );
    for (incident, update) in entries {
        let _ = write!(
            out,
            "<entry><id>urn:warroom:update:{id}</id><title>{name}: {state}</title>\
             <updated>{at}</updated><published>{at}</published>\
             <link rel=\"alternate\" href=\"{base}/status#{incident_id}\"/>\
             <author><name>{page_title}</name></author>\
             <content type=\"text\">{message}</content></entry>",
            id = escape(&update.id),
            name = escape(&incident.name),
            state = update.state.title(),
            at = rfc3339(update.at),
            incident_id = escape(&incident.id),
            page_title = escape(&page.title),
            message = escape(&update.message),
        );
    }
    out.push_str("</feed>\n");
    out
}
