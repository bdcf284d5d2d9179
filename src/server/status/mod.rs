//! The public status pages: `/` (and `/status`), `/incidents/{id}`, `/history`,
//! `/status.json`, `/status/feed.atom` and Statuspage's v2 API under `/api/v2/`.
//!
//! The documents are generated once per change, not per request: a task wakes when a commit
//! touched an incident the page shows, once a minute (so resolved incidents age off the front page) and when a
//! maintenance window starts or ends, rebuilds the page from what it knows and, only if what
//! the public sees changed, renders every document and its ETag. Requests then serve bytes
//! from memory, with a 304 for a matching `If-None-Match`. An incident's page and the history
//! are rendered on request from the same built page. Everything is dated by the record, so a
//! restart serves the same bytes under the same ETags.
//!
//! The page knows the open and recently ended incidents from memory and, beyond them, the
//! public history: read from the store at start ([`HISTORY_DAYS`]) and kept as incidents
//! leave memory, for the uptime bars and the history page.
//!
//! These routes need no token: they are public by design, and `serve --status-listen` serves
//! them alone on a second address.

use super::clock::Clock;
use super::timeline::Timeline;
use crate::domain::Incident;
use crate::report::status::{self, PageSettings, StatusPage};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How often the page is rebuilt without a commit, so the 7-day window moves.
const REFRESH: Duration = Duration::from_secs(60);

/// How far back the history page and the uptime bars read the store at start.
pub const HISTORY_DAYS: i64 = 400;

/// The public routes, for the table in the README and the tests.
pub const ROUTES: [&str; 14] = [
    "/",
    "/status",
    "/incidents/{id}",
    "/history",
    "/status.json",
    "/status/feed.atom",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
];

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

/// A fresh public id for an incident's public updates: 12 characters of base-32 from 64
/// random bits, which say nothing about how many incidents there were.
pub fn new_public_id() -> String {
    let random = uuid::Uuid::new_v4();
    status::text::base32(&random.as_bytes()[..8])[..12].to_string()
}

/// One rendered document.
#[derive(Clone)]
struct Document {
    body: Bytes,
    content_type: &'static str,
    etag: HeaderValue,
}

impl Document {
    fn new(body: String, content_type: &'static str) -> Document {
        let digest = Sha256::digest(body.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Document {
            etag: HeaderValue::from_str(&format!("\"{hex}\""))
                .unwrap_or(HeaderValue::from_static("\"0\"")),
            body: Bytes::from(body),
            content_type,
        }
    }
}

/// Every document of one version of the page.
struct Rendered {
    page: StatusPage,
    front: Document,
    json: Document,
    atom: Document,
    /// Statuspage's routes, by their path under `/api/v2/`.
    api: HashMap<&'static str, Document>,
}

impl Rendered {
    fn new(page: StatusPage) -> Rendered {
        Rendered {
            front: Document::new(status::html::front(&page), HTML),
            json: Document::new(status::json::render(&page), JSON),
            atom: Document::new(status::atom::render(&page), "application/atom+xml"),
            api: status::statuspage::documents(&page)
                .into_iter()
                .map(|(path, body)| (path, Document::new(body, JSON)))
                .collect(),
            page,
        }
    }
}

/// The current documents, replaced whole by the generator.
pub struct StatusPages {
    current: RwLock<Arc<Rendered>>,
    /// The public incidents the page knows beyond memory, by number.
    history: RwLock<BTreeMap<u64, Incident>>,
    settings: PageSettings,
    clock: Clock,
}

impl StatusPages {
    /// Renders the first version at once, so the page is there when the server answers.
    /// `history`: the incidents the store holds from the last [`HISTORY_DAYS`].
    pub fn new(
        timeline: &RwLock<Timeline>,
        settings: PageSettings,
        clock: Clock,
        history: Vec<Incident>,
    ) -> Arc<StatusPages> {
        let history: BTreeMap<u64, Incident> = history
            .into_iter()
            .filter(|incident| !incident.public_updates.is_empty())
            .map(|incident| (incident.id.number(), incident))
            .collect();
        let pages = StatusPages {
            current: RwLock::new(Arc::new(Rendered::new(StatusPage::build(
                [],
                &settings,
                clock.now(),
            )))),
            history: RwLock::new(history),
            settings,
            clock,
        };
        let page = pages.build(timeline);
        *pages
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(Rendered::new(page));
        Arc::new(pages)
    }

    fn current(&self) -> Arc<Rendered> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The page from memory's incidents and the history, which takes in every public one.
    fn build(&self, timeline: &RwLock<Timeline>) -> StatusPage {
        let now = self.clock.now();
        let mut history = self.history.write().unwrap_or_else(PoisonError::into_inner);
        {
            let timeline = timeline.read().unwrap_or_else(PoisonError::into_inner);
            for incident in timeline.incidents(false) {
                if !incident.public_updates.is_empty() {
                    history.insert(incident.id.number(), incident.clone());
                }
            }
            // A merged duplicate's updates show under its survivor, which the page must hold
            // even if it never spoke to the public itself (and its survivor's, after several
            // merges: bounded, each round adds one link of a chain).
            for _ in 0..history.len() {
                let missing: Vec<_> = history
                    .values()
                    .filter_map(|incident| incident.survivor())
                    .filter(|id| !history.contains_key(&id.number()))
                    .filter_map(|id| timeline.incident(id).cloned())
                    .collect();
                if missing.is_empty() {
                    break;
                }
                for survivor in missing {
                    history.insert(survivor.id.number(), survivor);
                }
            }
        }
        let horizon = now - chrono::Duration::days(HISTORY_DAYS);
        history.retain(|_, incident| {
            incident.status.is_open()
                || incident
                    .public_updates
                    .last()
                    .is_some_and(|last| last.at >= horizon)
        });
        StatusPage::build(history.values(), &self.settings, now)
    }

    /// Rebuilds the page; renders only when what the public sees changed.
    fn refresh(&self, timeline: &RwLock<Timeline>) {
        let page = self.build(timeline);
        if page == self.current().page {
            return;
        }
        let rendered = Arc::new(Rendered::new(page));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = rendered;
    }

    /// How long until the page must be rebuilt without a commit.
    fn pause(&self) -> Duration {
        let now = self.clock.now();
        status::next_change(&self.settings.maintenances, now)
            .and_then(|at| (at - now).to_std().ok())
            .map_or(REFRESH, |until| {
                (until + Duration::from_millis(5)).min(REFRESH)
            })
    }

    /// Keeps the page current until the server stops: wakes when an incident the page shows
    /// changed (`public`, from the writer), every minute and when a maintenance window starts
    /// or ends.
    pub fn spawn_generator(
        self: Arc<Self>,
        timeline: Arc<RwLock<Timeline>>,
        public: Arc<Notify>,
        mut stop: watch::Receiver<bool>,
    ) {
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = public.notified() => {}
                    _ = tokio::time::sleep(self.pause()) => {}
                    _ = stop.wait_for(|stopping| *stopping) => return,
                }
                let pages = self.clone();
                let timeline = timeline.clone();
                // Rendering is CPU work: keep it off the request threads' async slots.
                let _ = tokio::task::spawn_blocking(move || pages.refresh(&timeline)).await;
            }
        });
    }
}

/// The public routes alone, with their state: merged into the API's router, or served by
/// themselves on `--status-listen`.
pub fn router(pages: Arc<StatusPages>) -> Router {
    let mut router = Router::new()
        .route(ROUTES[0], get(front))
        .route(ROUTES[1], get(front))
        .route(ROUTES[2], get(incident))
        .route(ROUTES[3], get(history))
        .route(ROUTES[4], get(json))
        .route(ROUTES[5], get(atom));
    for route in &ROUTES[6..] {
        router = router.route(route, get(api));
    }
    router.with_state(pages)
}

type Pages = State<Arc<StatusPages>>;

async fn front(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().front, &headers)
}

async fn json(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().json, &headers)
}

async fn atom(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().atom, &headers)
}

async fn api(State(pages): Pages, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let current = pages.current();
    let path = uri.path().trim_start_matches("/api/v2/");
    match current.api.get(path) {
        Some(document) => serve(document, &headers),
        None => not_found("no such document"),
    }
}

async fn incident(State(pages): Pages, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let current = pages.current();
    match current.page.incident(&id) {
        Some(incident) => serve(
            &Document::new(status::html::incident(&current.page, incident), HTML),
            &headers,
        ),
        None => not_found("no such incident on this page"),
    }
}

async fn history(State(pages): Pages, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let number = query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("page="))
        .map_or(Ok(1), str::parse::<usize>);
    let Ok(number) = number else {
        return (StatusCode::BAD_REQUEST, "page is a number from 1\n").into_response();
    };
    let current = pages.current();
    match status::html::history(&current.page, number) {
        Some(body) => serve(&Document::new(body, HTML), &headers),
        None => not_found("no such page of the history"),
    }
}

fn not_found(what: &'static str) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{what}\n"),
    )
        .into_response()
}

fn serve(document: &Document, headers: &HeaderMap) -> Response {
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag.as_bytes() == document.etag.as_bytes());
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(document.content_type),
            )],
            document.body.clone(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, document.etag.clone());
    // Always revalidate: the ETag makes that a cheap 304.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // No script may run on the page, whatever ends up in a message.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    // Widgets on other sites read the JSON from the browser, as they do Statuspage's.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
