//! `/status/feed.atom`: one entry per public update of the incidents on the front page (the
//! newest [`ENTRIES`]), each linking to its incident's page. Ids and times come from the
//! record, so they survive restarts.

use super::{StatusPage, escape, rfc3339};
use std::fmt::Write;

/// The most entries the feed carries.
pub const ENTRIES: usize = 50;

pub fn render(page: &StatusPage) -> String {
    let mut entries: Vec<_> = page
        .open
        .iter()
        .chain(page.recent())
        .flat_map(|incident| incident.updates.iter().map(move |u| (incident, u)))
        .collect();
    entries.sort_by_key(|(_, update)| std::cmp::Reverse((update.at, update.id.clone())));
    entries.truncate(ENTRIES);
    let mut out = String::with_capacity(2048);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{}</title>\
         <id>urn:warroom:status</id><updated>{}</updated>\
         <link rel=\"alternate\" href=\"{}\"/>\
         <link rel=\"self\" href=\"{}\"/>",
        escape(&page.title),
        rfc3339(page.updated_at),
        escape(&page.link("/")),
        escape(&page.link("/status/feed.atom")),
    );
    for (incident, update) in entries {
        let _ = write!(
            out,
            "<entry><id>urn:warroom:update:{id}</id><title>{name}: {state}</title>\
             <updated>{at}</updated><published>{at}</published>\
             <link rel=\"alternate\" href=\"{link}\"/>\
             <author><name>{page_title}</name></author>\
             <content type=\"text\">{message}</content></entry>",
            id = escape(&update.id),
            name = escape(&incident.name),
            state = update.state.title(),
            at = rfc3339(update.at),
            link = escape(&page.link(&format!("/incidents/{}", incident.id))),
            page_title = escape(&page.title),
            message = escape(&update.message),
        );
    }
    out.push_str("</feed>\n");
    out
}
