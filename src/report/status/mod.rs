//! The public status page, built from the incidents' public updates only: components and
//! their status, open incidents with their update history, incidents resolved in the last
//! seven days. It is the one place that decides what the public sees, and it reads nothing
//! but [`PublicPost`]s and ids, so no internal note, decision, role, name, action item or
//! metric can reach a page (the internal title is never used either).
//!
//! Rendered as HTML ([`html`]), JSON ([`json`]), Atom ([`atom`]) and Statuspage-compatible
//! JSON ([`statuspage`]).

pub mod atom;
pub mod html;
pub mod json;
pub mod statuspage;

use crate::domain::{ComponentStatus, Incident, PublicPost, PublicState, Timestamp};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How long a publicly resolved incident stays on the page.
pub const RECENT_DAYS: i64 = 7;

/// What the page is about, from the server's `[status]` table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageSettings {
    pub title: String,
    /// Listed in this order; empty: the components the updates name, sorted.
    pub components: Vec<String>,
    /// The page's public address, for links in the feed and the Statuspage JSON.
    pub url: Option<String>,
}

/// Everything a status document shows, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusPage {
    pub title: String,
    pub url: Option<String>,
    pub generated_at: Timestamp,
    pub components: Vec<ComponentView>,
    /// Incidents the public sees as unresolved, newest first.
    pub open: Vec<PublicIncident>,
    /// Incidents publicly resolved within [`RECENT_DAYS`], newest first.
    pub recent: Vec<PublicIncident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentView {
    pub name: String,
    pub status: ComponentStatus,
    /// When its status last changed on the page (the update that set it), if ever.
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicIncident {
    pub id: String,
    pub name: String,
    pub state: PublicState,
    pub impact: Impact,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub next_update_at: Option<Timestamp>,
    /// The components the latest update names.
    pub components: BTreeMap<String, ComponentStatus>,
    /// Newest first.
    pub updates: Vec<UpdateView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateView {
    /// Stable across regenerations: the incident id and the event's `seq`.
    pub id: String,
    pub state: PublicState,
    pub message: String,
    pub at: Timestamp,
    pub components: BTreeMap<String, ComponentStatus>,
}

/// Statuspage's impact and page indicator words, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

impl Impact {
    pub fn of(status: ComponentStatus) -> Impact {
        match status {
            ComponentStatus::Operational | ComponentStatus::UnderMaintenance => Impact::None,
            ComponentStatus::DegradedPerformance => Impact::Minor,
            ComponentStatus::PartialOutage => Impact::Major,
            ComponentStatus::MajorOutage => Impact::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Minor => "minor",
            Impact::Major => "major",
            Impact::Critical => "critical",
        }
    }
}

/// The incidents the public sees: a duplicate merged into another is not one of them, and its
/// public updates are shown with the survivor's (its survivor's survivor's, after several
/// merges), in the order they were posted, so a customer following it follows the survivor.
fn with_merged_updates<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
) -> Vec<Cow<'a, Incident>> {
    let all: BTreeMap<u64, &Incident> = incidents
        .into_iter()
        .map(|incident| (incident.id.number(), incident))
        .collect();
    let mut moved: BTreeMap<u64, Vec<PublicPost>> = BTreeMap::new();
    for incident in all.values().filter(|i| i.survivor().is_some()) {
        let mut survivor = *incident;
        // Bounded: a chain of merges is at most as long as the incidents.
        for _ in 0..all.len() {
            match survivor.survivor().and_then(|id| all.get(&id.number())) {
                Some(next) => survivor = next,
                None => break,
            }
        }
        if survivor.survivor().is_none() {
            moved
                .entry(survivor.id.number())
                .or_default()
                .extend(incident.public_updates.iter().cloned());
        }
    }
    all.values()
        .filter(|incident| incident.survivor().is_none())
        .map(|&incident| match moved.remove(&incident.id.number()) {
            // Only a survivor that received updates is copied: the page is rebuilt per commit.
            Some(posts) => {
                let mut shown = incident.clone();
                shown.public_updates.extend(posts);
                shown.public_updates.sort_by_key(|post| (post.at, post.seq));
                Cow::Owned(shown)
            }
            None => Cow::Borrowed(incident),
        })
        .collect()
}

impl StatusPage {
    /// The page as of `now`, from every incident the backend holds.
    pub fn build<'a>(
        incidents: impl IntoIterator<Item = &'a Incident>,
        settings: &PageSettings,
        now: Timestamp,
    ) -> StatusPage {
        let horizon = now - chrono::Duration::days(RECENT_DAYS);
        let (mut open, mut recent) = (Vec::new(), Vec::new());
        for incident in with_merged_updates(incidents).iter().map(AsRef::as_ref) {
            if incident.public_updates.is_empty() {
                continue;
            }
            if incident.publicly_unresolved() {
                open.push(public_incident(incident));
            } else if incident
                .publicly_resolved_at()
                .is_some_and(|at| at >= horizon)
            {
                recent.push(public_incident(incident));
            }
        }
        open.sort_by_key(|incident| std::cmp::Reverse(incident.created_at));
        recent.sort_by_key(|incident| std::cmp::Reverse(incident.resolved_at));
        StatusPage {
            title: public_text(&settings.title),
            url: settings.url.clone(),
            generated_at: now,
            components: components(&open, &recent, settings),
            open,
            recent,
        }
    }

    /// The page's indicator: the worst impact among the components.
    pub fn indicator(&self) -> Impact {
        self.components
            .iter()
            .map(|c| Impact::of(c.status))
            .max()
            .unwrap_or(Impact::None)
    }

    /// The one-line verdict at the top of the page.
    pub fn description(&self) -> &'static str {
        let maintenance = self
            .components
            .iter()
            .any(|c| c.status == ComponentStatus::UnderMaintenance);
        match self.indicator() {
            Impact::None if maintenance => "Service Under Maintenance",
            Impact::None => "All Systems Operational",
            Impact::Minor => "Minor Service Outage",
            Impact::Major => "Partial System Outage",
            Impact::Critical => "Major System Outage",
        }
    }
}

fn public_incident(incident: &Incident) -> PublicIncident {
    let posts = &incident.public_updates;
    let first = &posts[0];
    let last = &posts[posts.len() - 1];
    let impact = posts
        .iter()
        .flat_map(|post| post.update.components.values().copied())
        .map(Impact::of)
        .max()
        .unwrap_or(Impact::None);
    PublicIncident {
        id: incident.id.to_string(),
        name: public_text(&incident.public_title()),
        state: if incident.publicly_unresolved() {
            last.update.state
        } else {
            PublicState::Resolved
        },
        impact,
        created_at: first.at,
        updated_at: last.at,
        resolved_at: incident.publicly_resolved_at(),
        next_update_at: incident.public_update_due_at(),
        components: public_components(&last.update.components),
        updates: posts
            .iter()
            .rev()
            .map(|post| update_view(&incident.id.to_string(), post))
            .collect(),
    }
}

fn update_view(incident: &str, post: &PublicPost) -> UpdateView {
    UpdateView {
        id: format!("{incident}-{}", post.seq),
        state: post.update.state,
        message: public_text(&post.update.message),
        at: post.at,
        components: public_components(&post.update.components),
    }
}

fn public_components(
    components: &BTreeMap<String, ComponentStatus>,
) -> BTreeMap<String, ComponentStatus> {
    components
        .iter()
        .map(|(name, status)| (public_text(name), *status))
        .collect()
}

/// Each listed component at the worst status the open incidents' latest updates give it.
fn components(
    open: &[PublicIncident],
    recent: &[PublicIncident],
    settings: &PageSettings,
) -> Vec<ComponentView> {
    let names: Vec<String> = if settings.components.is_empty() {
        let mut seen: Vec<String> = open
            .iter()
            .chain(recent)
            .flat_map(|incident| incident.components.keys().cloned())
            .collect();
        seen.sort();
        seen.dedup();
        seen
    } else {
        settings
            .components
            .iter()
            .map(|name| public_text(name))
            .collect()
    };
    names
        .into_iter()
        .map(|name| {
            let reports = open
                .iter()
                .filter_map(|incident| {
                    incident
                        .components
                        .get(&name)
                        .map(|status| (*status, incident.updated_at))
                })
                .max();
            ComponentView {
                status: reports.map_or(ComponentStatus::Operational, |(status, _)| status),
                updated_at: reports.map(|(_, at)| at),
                name,
            }
        })
        .collect()
}

/// Text for XML and HTML: the five characters that could open markup escaped, and what a
/// page cannot carry replaced (see [`public_text`]).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if !publishable(c) => out.push(char::REPLACEMENT_CHARACTER),
            c => out.push(c),
        }
    }
    out
}

/// `text` with every character a public document cannot carry replaced by U+FFFD. One such
/// character in an update makes the Atom feed invalid XML, and a feed reader then drops the
/// whole feed; the JSON documents get the same text so that every page says the same.
pub fn public_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if publishable(c) {
                c
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect()
}

/// Whether a public page can show `c`: XML 1.0 allows it and it is meant for text. Not a
/// control (C0, DEL, C1) other than tab and the line breaks, and not a noncharacter (U+FDD0 to
/// U+FDEF, and the last two code points of every plane, U+FFFE and U+FFFF among them).
fn publishable(c: char) -> bool {
    let code = u32::from(c);
    let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    !control && !noncharacter
}

/// RFC 3339 with seconds, as feeds and JSON clients expect.
pub fn rfc3339(at: Timestamp) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
