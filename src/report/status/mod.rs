//! The public status page, built from the incidents' public updates only: components and
//! their status with a 90-day uptime bar, open incidents, incidents resolved in the last
//! seven days, the whole public history, and the scheduled maintenance windows. It is the one
//! place that decides what the public sees, and it reads nothing but [`PublicPost`]s, the
//! times an incident ended and the configured windows, so no internal note, decision, role,
//! name, action item, metric or internal id can reach a page (the internal title and the
//! `INC-n` id are never used: an incident is known by an opaque public id).
//!
//! Everything on it comes from the data, never from the moment it is built: the same record
//! gives the same bytes, so a restart changes no page, no ETag and no "Updated" time. What
//! the clock decides (a maintenance window starting, an incident ageing off the front page)
//! changes the page when it happens, dated by the data (the window's own start).
//!
//! Rendered as HTML ([`html`]: the front page, one page per incident, the history), JSON
//! ([`json`]), Atom ([`atom`]) and Statuspage's v2 JSON ([`statuspage`]).

pub mod atom;
mod history;
pub mod html;
pub mod json;
mod maintenance;
pub mod statuspage;
pub mod text;

pub use history::Uptime;
pub use maintenance::{MaintenanceStatus, MaintenanceView, MaintenanceWindow, next_change};
pub use text::{escape, public_text, rfc3339};

use crate::domain::{ComponentStatus, Incident, PublicPost, PublicState, Timestamp};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How long a publicly resolved incident stays on the front page.
pub const RECENT_DAYS: i64 = 7;
/// How far back the uptime bars go, and how long the history keeps an incident at least.
pub const UPTIME_DAYS: i64 = 90;

/// What the page is about, from the server's `[status]` table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageSettings {
    pub title: String,
    /// Listed in this order; empty: the components the updates name, sorted.
    pub components: Vec<ComponentSettings>,
    /// The page's public address, for links in the feed and the Statuspage JSON.
    pub url: Option<String>,
    pub maintenances: Vec<MaintenanceWindow>,
}

impl PageSettings {
    /// The names of the listed components, as updates must use them.
    pub fn component_names(&self) -> Vec<String> {
        self.components.iter().map(|c| c.name.clone()).collect()
    }
}

/// One listed component and how it is shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComponentSettings {
    /// What updates call it.
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub group: Option<String>,
    pub only_show_if_degraded: bool,
}

/// Everything a status document shows, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusPage {
    pub title: String,
    pub url: Option<String>,
    /// The newest time anything on the page changed: from the data, never the clock.
    pub updated_at: Timestamp,
    pub components: Vec<ComponentView>,
    /// Incidents the public sees as unresolved, newest first.
    pub open: Vec<PublicIncident>,
    /// Incidents publicly resolved, the newest resolution first: all the page knows of.
    pub resolved: Vec<PublicIncident>,
    /// How many of `resolved` ended within [`RECENT_DAYS`]: the front page's.
    pub recent: usize,
    /// Every configured window, by start.
    pub maintenances: Vec<MaintenanceView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentView {
    /// Stable, from the name.
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub group: Option<String>,
    pub only_show_if_degraded: bool,
    pub status: ComponentStatus,
    /// The page's first public data (the first public update it knows), the same for every
    /// component: a time from the record, not from a restart.
    pub created_at: Timestamp,
    /// When its status last changed on the page.
    pub updated_at: Timestamp,
    pub uptime: Uptime,
}

impl ComponentView {
    /// Whether the page lists it now.
    pub fn shown(&self) -> bool {
        !self.only_show_if_degraded || self.status != ComponentStatus::Operational
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicIncident {
    /// Opaque and stable: never `INC-n`.
    pub id: String,
    pub name: String,
    pub state: PublicState,
    pub impact: Impact,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub monitoring_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub next_update_at: Option<Timestamp>,
    /// Every component its updates named, at its status now (operational once resolved).
    pub components: BTreeMap<String, ComponentStatus>,
    /// Newest first.
    pub updates: Vec<UpdateView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateView {
    /// Stable: the incident's public id and the update's place among its updates.
    pub id: String,
    pub state: PublicState,
    pub message: String,
    pub at: Timestamp,
    /// The components it names: their status before it and the one it gives.
    pub affected: BTreeMap<String, Affected>,
    /// Written by the page, not by a person: the response ended without a public
    /// "resolved" update, and the page says so rather than contradict the record.
    pub automatic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Affected {
    pub old: ComponentStatus,
    pub new: ComponentStatus,
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
            Some(mut posts) => {
                let mut shown = incident.clone();
                // The survivor keeps its own public id (its page's address) if it has one;
                // else it takes a duplicate's, whose address then goes on working.
                if incident.public_id().is_some() {
                    for post in &mut posts {
                        post.update.public_id = None;
                    }
                }
                shown.public_updates.extend(posts);
                shown.public_updates.sort_by_key(|post| (post.at, post.seq));
                Cow::Owned(shown)
            }
            None => Cow::Borrowed(incident),
        })
        .collect()
}

/// What the automatic resolution says.
pub const RESOLVED_MESSAGE: &str = "This incident has been resolved.";

impl StatusPage {
    /// The page as of `now`, from every incident the page knows (open, recently ended and
    /// the public history the server keeps).
    pub fn build<'a>(
        incidents: impl IntoIterator<Item = &'a Incident>,
        settings: &PageSettings,
        now: Timestamp,
    ) -> StatusPage {
        let (mut open, mut resolved) = (Vec::new(), Vec::new());
        for incident in with_merged_updates(incidents).iter().map(AsRef::as_ref) {
            let Some(public) = public_incident(incident) else {
                continue;
            };
            if public.state == PublicState::Resolved {
                resolved.push(public);
            } else {
                open.push(public);
            }
        }
        open.sort_by_key(|incident| std::cmp::Reverse((incident.created_at, incident.id.clone())));
        resolved
            .sort_by_key(|incident| std::cmp::Reverse((incident.resolved_at, incident.id.clone())));
        let horizon = now - chrono::Duration::days(RECENT_DAYS);
        let recent = resolved
            .iter()
            .take_while(|incident| incident.resolved_at.is_some_and(|at| at >= horizon))
            .count();
        let maintenances = maintenance::views(&settings.maintenances, now);
        let updated_at = open
            .iter()
            .chain(&resolved)
            .map(|incident| incident.updated_at)
            .chain(maintenances.iter().filter_map(|m| m.changed_at(now)))
            .max()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let components = components(&open, &resolved, &maintenances, settings, now);
        StatusPage {
            title: public_text(&settings.title),
            url: settings.url.clone(),
            updated_at,
            components,
            open,
            resolved,
            recent,
            maintenances,
        }
    }

    /// The incidents resolved within [`RECENT_DAYS`].
    pub fn recent(&self) -> &[PublicIncident] {
        &self.resolved[..self.recent]
    }

    /// The page's indicator: the worst impact among the components.
    pub fn indicator(&self) -> Impact {
        self.components
            .iter()
            .map(|c| Impact::of(c.status))
            .max()
            .unwrap_or(Impact::None)
    }

    /// Whether planned work is in progress.
    pub fn under_maintenance(&self) -> bool {
        self.maintenances
            .iter()
            .any(|m| m.status == MaintenanceStatus::InProgress)
    }

    /// The one-line verdict at the top of the page.
    pub fn description(&self) -> &'static str {
        match self.indicator() {
            Impact::None if self.under_maintenance() => "Service Under Maintenance",
            Impact::None => "All Systems Operational",
            Impact::Minor => "Minor Service Outage",
            Impact::Major => "Partial System Outage",
            Impact::Critical => "Major System Outage",
        }
    }

    /// The incident with this public id.
    pub fn incident(&self, id: &str) -> Option<&PublicIncident> {
        self.open
            .iter()
            .chain(&self.resolved)
            .find(|incident| incident.id == id)
    }

    /// The path of a page of this site, absolute when the page's address is configured.
    pub fn link(&self, path: &str) -> String {
        match &self.url {
            Some(url) => format!("{}{path}", url.trim_end_matches('/')),
            None => path.to_string(),
        }
    }
}

/// When the response ended, if it did: resolved, or called a false alarm, or closed.
fn ended_at(incident: &Incident) -> Option<Timestamp> {
    if incident.status.is_open() {
        return None;
    }
    incident
        .resolved_at
        .or(incident.cancelled_at)
        .or(incident.closed_at)
}

/// The incident as the public sees it, if it ever published anything.
/// Whether the page shows `incident` (open, recently resolved, or in the history): only once
/// it has been posted about publicly. A change to any other incident leaves the page as it is.
pub fn shows(incident: &Incident) -> bool {
    !incident.public_updates.is_empty()
}

/// The public view of `incident`; `None` until it [`shows`].
fn public_incident(incident: &Incident) -> Option<PublicIncident> {
    let posts = &incident.public_updates;
    let first = posts.first()?;
    let id = incident
        .public_id()
        .map(str::to_string)
        .unwrap_or_else(|| legacy_public_id(incident, first));
    let mut updates = Vec::with_capacity(posts.len() + 1);
    let mut current: BTreeMap<String, ComponentStatus> = BTreeMap::new();
    for (n, post) in posts.iter().enumerate() {
        updates.push(update_view(&id, n + 1, post, &mut current));
    }
    let said_resolved = posts
        .last()
        .is_some_and(|last| last.update.state == PublicState::Resolved);
    // The response ended without a public "resolved": the page says so, with the time, and
    // gives the components back, rather than keep an outage the record says is over.
    if !said_resolved && let Some(at) = ended_at(incident) {
        let affected = current
            .iter()
            .map(|(name, old)| {
                let new = ComponentStatus::Operational;
                (name.clone(), Affected { old: *old, new })
            })
            .collect();
        current
            .values_mut()
            .for_each(|s| *s = ComponentStatus::Operational);
        updates.push(UpdateView {
            id: format!("{id}-resolved"),
            state: PublicState::Resolved,
            message: RESOLVED_MESSAGE.to_string(),
            at: at.max(posts[posts.len() - 1].at),
            affected,
            automatic: true,
        });
    }
    let last = updates.last()?;
    let state = last.state;
    if state == PublicState::Resolved {
        // Resolved is over: whatever an update left in an outage is given back.
        current
            .values_mut()
            .for_each(|s| *s = ComponentStatus::Operational);
    }
    let resolved_at = (state == PublicState::Resolved).then_some(last.at);
    let impact = updates
        .iter()
        .flat_map(|u| u.affected.values().map(|a| Impact::of(a.new)))
        .max()
        .unwrap_or(Impact::None);
    let monitoring_at = updates
        .iter()
        .rev()
        .find(|u| u.state == PublicState::Monitoring)
        .map(|u| u.at);
    let updated_at = last.at;
    updates.reverse();
    Some(PublicIncident {
        name: public_name(incident, first.at, state),
        state,
        impact,
        created_at: first.at,
        updated_at,
        monitoring_at,
        resolved_at,
        next_update_at: if state == PublicState::Resolved {
            None
        } else {
            incident.public_update_due_at()
        },
        components: current,
        updates,
        id,
    })
}

/// For an incident whose updates predate public ids: a slug from its id and its first
/// update's time to the nanosecond, which the page never shows, so it cannot be counted.
fn legacy_public_id(incident: &Incident, first: &PublicPost) -> String {
    use sha2::{Digest, Sha256};
    let seed = format!(
        "{}|{}",
        incident.id,
        first.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
    );
    text::base32(&Sha256::digest(seed.as_bytes())[..8])[..12].to_string()
}

fn update_view(
    incident: &str,
    n: usize,
    post: &PublicPost,
    current: &mut BTreeMap<String, ComponentStatus>,
) -> UpdateView {
    let mut affected = BTreeMap::new();
    for (name, status) in &post.update.components {
        let name = public_text(name);
        let old = current
            .insert(name.clone(), *status)
            .unwrap_or(ComponentStatus::Operational);
        affected.insert(name, Affected { old, new: *status });
    }
    UpdateView {
        id: format!("{incident}-{n}"),
        state: post.update.state,
        message: public_text(&post.update.message),
        at: post.at,
        affected,
        automatic: false,
    }
}

/// The public name: the newest title an update gave. A title that ends with a state ("Checkout
/// Incident: Investigating", as the template writes them) follows the incident to
/// "…: Resolved" when the page resolves it. Without any title: the date, never the id.
fn public_name(incident: &Incident, first: Timestamp, state: PublicState) -> String {
    let given = incident
        .public_updates
        .iter()
        .rev()
        .find_map(|post| post.update.title.clone());
    let Some(title) = given else {
        return format!("Incident of {}", first.format("%Y-%m-%d"));
    };
    let title = public_text(&title);
    if state != PublicState::Resolved {
        return title;
    }
    let words = PublicState::ALL
        .iter()
        .map(|s| s.title())
        .chain(ComponentStatus::ALL.iter().map(|s| s.title()));
    for word in words {
        if let Some(subject) = title.strip_suffix(&format!(": {word}")) {
            return format!("{subject}: Resolved");
        }
    }
    title
}

/// Each listed component (or, with none listed, each one an update names) at the worst
/// status the open incidents and the windows in progress give it.
fn components(
    open: &[PublicIncident],
    resolved: &[PublicIncident],
    maintenances: &[MaintenanceView],
    settings: &PageSettings,
    now: Timestamp,
) -> Vec<ComponentView> {
    let listed: Vec<ComponentSettings> = if settings.components.is_empty() {
        let mut names: Vec<&String> = open
            .iter()
            .chain(resolved)
            .flat_map(|incident| incident.components.keys())
            .collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .map(|name| ComponentSettings {
                name: name.clone(),
                ..ComponentSettings::default()
            })
            .collect()
    } else {
        settings.components.clone()
    };
    let first_data = open
        .iter()
        .chain(resolved)
        .map(|incident| incident.created_at)
        .min()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    listed
        .into_iter()
        .map(|component| {
            let name = public_text(&component.name);
            let incident_status = open
                .iter()
                .filter_map(|incident| incident.components.get(&name).copied())
                .max();
            let in_maintenance = maintenances
                .iter()
                .any(|m| m.status == MaintenanceStatus::InProgress && m.components.contains(&name));
            let status = incident_status
                .into_iter()
                .chain(in_maintenance.then_some(ComponentStatus::UnderMaintenance))
                .max()
                .unwrap_or(ComponentStatus::Operational);
            let named_at = open
                .iter()
                .chain(resolved)
                .flat_map(|incident| &incident.updates)
                .filter(|update| update.affected.contains_key(&name))
                .map(|update| update.at);
            let windows = maintenances
                .iter()
                .filter(|m| m.components.contains(&name))
                .filter_map(|m| m.changed_at(now));
            let changed = named_at.chain(windows).max();
            ComponentView {
                id: text::stable_id("component", &name),
                display_name: public_text(component.display_name.as_deref().unwrap_or(&name)),
                description: component.description.as_deref().map(public_text),
                group: component.group.as_deref().map(public_text),
                only_show_if_degraded: component.only_show_if_degraded,
                status,
                created_at: first_data,
                updated_at: changed.unwrap_or(first_data),
                uptime: history::uptime(&name, open, resolved, maintenances, now),
                name,
            }
        })
        .collect()
}
