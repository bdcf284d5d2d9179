//! The public status page: `/status`, `/status.json`, `/status/feed.atom` and the
//! Statuspage-compatible `/api/v2/summary.json` and `/api/v2/incidents/unresolved.json`.
//!
//! The documents are generated once per change, not per request: a task wakes when a commit
//! touched an incident the page shows (and once a minute, so resolved incidents age off the
//! page), rebuilds the page from
//! the timeline and, only if what the public sees changed, renders every document and its
//! ETag. Requests then serve bytes from memory, with a 304 for a matching `If-None-Match`.
//! These routes need no token: they are public by design, and `serve --status-listen` serves
//! them alone on a second address.

use super::clock::Clock;
use super::timeline::Timeline;
use crate::domain::Timestamp;
use crate::report::status::{self, PageSettings, StatusPage};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How often the page is rebuilt without a commit, so the 7-day window moves.
const REFRESH: Duration = Duration::from_secs(60);

/// The public routes, for the table in the README and the tests.
pub const ROUTES: [&str; 5] = [
    "/status",
    "/status.json",
    "/status/feed.atom",
    "/api/v2/summary.json",
    "/api/v2/incidents/unresolved.json",
];

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
        #[expect(
            clippy::expect_used,
            reason = "quoted hex digits are a valid header value"
        )]
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header");
        Document {
            etag,
            body: Bytes::from(body),
            content_type,
        }
    }
}

/// Every document of one version of the page.
struct Rendered {
    page: StatusPage,
    html: Document,
    json: Document,
    atom: Document,
    summary: Document,
    unresolved: Document,
}

impl Rendered {
    fn new(page: StatusPage) -> Rendered {
        Rendered {
            html: Document::new(status::html::render(&page), "text/html; charset=utf-8"),
            json: Document::new(status::json::render(&page), "application/json"),
            atom: Document::new(status::atom::render(&page), "application/atom+xml"),
            summary: Document::new(status::statuspage::summary(&page), "application/json"),
            unresolved: Document::new(status::statuspage::unresolved(&page), "application/json"),
            page,
        }
    }
}

/// The current documents, replaced whole by the generator.
pub struct StatusPages {
    current: RwLock<Arc<Rendered>>,
    settings: PageSettings,
    clock: Clock,
}

impl StatusPages {
    /// Renders the first version at once, so the page is there when the server answers.
    pub fn new(
        timeline: &RwLock<Timeline>,
        settings: PageSettings,
        clock: Clock,
    ) -> Arc<StatusPages> {
        let page = build(timeline, &settings, clock.now());
        Arc::new(StatusPages {
            current: RwLock::new(Arc::new(Rendered::new(page))),
            settings,
            clock,
        })
    }

    fn current(&self) -> Arc<Rendered> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Rebuilds the page; renders only when what the public sees changed.
    fn refresh(&self, timeline: &RwLock<Timeline>) {
        let mut page = build(timeline, &self.settings, self.clock.now());
        let current = self.current();
        let generated_at = page.generated_at;
        page.generated_at = current.page.generated_at;
        if page == current.page {
            return;
        }
        page.generated_at = generated_at;
        let rendered = Arc::new(Rendered::new(page));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = rendered;
    }

    /// Keeps the page current until the server stops: wakes when an incident the page shows
    /// changed (`public`, from the writer) and every minute.
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
                    _ = tokio::time::sleep(REFRESH) => {}
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

fn build(timeline: &RwLock<Timeline>, settings: &PageSettings, now: Timestamp) -> StatusPage {
    let timeline = timeline.read().unwrap_or_else(PoisonError::into_inner);
    StatusPage::build(timeline.incidents(false), settings, now)
}

/// The public routes alone, with their state: merged into the API's router, or served by
/// themselves on `--status-listen`.
pub fn router(pages: Arc<StatusPages>) -> Router {
    Router::new()
        .route(ROUTES[0], get(html))
        .route(ROUTES[1], get(json))
        .route(ROUTES[2], get(atom))
        .route(ROUTES[3], get(summary))
        .route(ROUTES[4], get(unresolved))
        .with_state(pages)
}

type Pages = State<Arc<StatusPages>>;

async fn html(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().html, &headers)
}

async fn json(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().json, &headers)
}

async fn atom(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().atom, &headers)
}

async fn summary(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().summary, &headers)
}

async fn unresolved(State(pages): Pages, headers: HeaderMap) -> Response {
    serve(&pages.current().unresolved, &headers)
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
