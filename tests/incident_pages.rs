//! `GET /v1/incidents` as pages (issue 19): `limit`, the `before` cursor and its `Link`, the
//! filters, and bad values, through the real `warroom serve` on the store under test
//! (`WARROOM_TEST_STORE`: SQLite, and PostgreSQL in `scripts/test`). A server restarted with
//! `--keep-ended 1s` holds only the open incidents in memory, so its pages come from the
//! store's snapshot rows merged with memory's copies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use support::http::{Answer, assert_queries_refused, send};
use support::server::{StoreKind, TestServer, transition};
use warroom::domain::{
    Event, EventKind, Incident, IncidentFilter, IncidentId, Severity, Status, Timestamp,
};
use warroom::store::{Commit, Location};

async fn declare(client: &Client, server: &TestServer, body: Value) -> String {
    let answer = send(client.post(server.url("/v1/incidents")).json(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json["id"].as_str().unwrap().to_string()
}

fn ids(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|incident| incident["id"].as_str().unwrap().to_string())
        .collect()
}

/// The path of the next page from a `Link: </v1/incidents?...>; rel="next"` header.
fn next_link(answer: &Answer) -> Option<String> {
    let link = answer.header("link")?;
    let (target, rel) = link.split_once(';')?;
    assert_eq!(rel.trim(), "rel=\"next\"", "{link}");
    Some(
        target
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
    )
}

/// Every page from `first`, following `Link`, calling `between` after each page; the ids of
/// each page.
async fn walk(
    client: &Client,
    server: &TestServer,
    first: &str,
    mut between: impl AsyncFnMut(),
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut path = Some(first.to_string());
    while let Some(here) = path {
        let answer = send(client.get(server.url(&here))).await;
        pages.push(ids(&answer));
        path = next_link(&answer);
        between().await;
        assert!(pages.len() < 1000, "the walk does not end");
    }
    pages
}

fn number(id: &str) -> u64 {
    id.trim_start_matches("INC-").parse().unwrap()
}

/// 40 incidents, 1 to 40: services by number mod 3, P1 on even numbers, the others P2, a
/// title with the number; those divisible by 4 open, the others resolved.
async fn history(client: &Client, server: &TestServer) {
    for n in 1..=40_u64 {
        let service = ["checkout", "search", "payments"][(n % 3) as usize];
        let severity = if n.is_multiple_of(2) { "P1" } else { "P2" };
        let id = declare(
            client,
            server,
            json!({"title": format!("Incident number {n}"), "severity": severity, "service": service}),
        )
        .await;
        if !n.is_multiple_of(4) {
            transition(client, server, &id, "resolved").await;
        }
    }
}

/// A server on the store under test that keeps ended incidents in memory for 1 s, with the
/// history, restarted so that memory holds only the open incidents; and a client of it (the
/// connections of one from before the restart are gone).
async fn server_with_history() -> (TestServer, Client) {
    let mut server = TestServer::open_with_args(&["--keep-ended", "1s"]);
    history(&support::http::client(), &server).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    server.restart();
    (server, support::http::client())
}

#[tokio::test]
async fn a_walk_sees_every_incident_exactly_once_while_new_ones_are_declared() {
    let (server, client) = server_with_history().await;
    let mut declared = Vec::new();
    let pages = walk(&client, &server, "/v1/incidents?limit=7", async || {
        let id = declare(
            &client,
            &server,
            json!({"title": "declared during the walk", "severity": "P1"}),
        )
        .await;
        declared.push(id);
    })
    .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [7, 7, 7, 7, 7, 5]
    );
    let seen: Vec<u64> = pages.iter().flatten().map(|id| number(id)).collect();
    assert_eq!(
        seen,
        (1..=40).rev().collect::<Vec<_>>(),
        "newest first, each once"
    );
    assert_eq!(declared.len(), 6);

    // The first page now starts with the incidents declared meanwhile.
    let first = send(client.get(server.url("/v1/incidents?limit=3"))).await;
    assert_eq!(ids(&first), ["INC-46", "INC-45", "INC-44"]);
    assert_eq!(
        next_link(&first).as_deref(),
        Some("/v1/incidents?limit=3&before=INC-44")
    );
}

#[tokio::test]
async fn the_default_page_is_100_and_the_last_page_has_no_link() {
    let client = support::http::client();
    let server = TestServer::open();
    for n in 1..=101 {
        declare(
            &client,
            &server,
            json!({"title": format!("n{n}"), "severity": "P2"}),
        )
        .await;
    }
    let first = send(client.get(server.url("/v1/incidents"))).await;
    let page = ids(&first);
    assert_eq!(
        (page.len(), page[0].as_str(), page[99].as_str()),
        (100, "INC-101", "INC-2")
    );
    let next = next_link(&first).unwrap();
    assert_eq!(next, "/v1/incidents?limit=100&before=INC-2");
    let last = send(client.get(server.url(&next))).await;
    assert_eq!(ids(&last), ["INC-1"]);
    assert_eq!(last.header("link"), None);
}

/// Which incident numbers a filter should find.
type Rule = Box<dyn Fn(u64) -> bool>;

/// What each filter finds, checked against the rule written out here, on memory alone and on
/// the store with memory's open incidents, page by page.
#[tokio::test]
async fn filters_find_the_same_incidents_from_memory_and_from_the_store() {
    let client = support::http::client();
    let fresh = TestServer::open();
    history(&client, &fresh).await;
    let (restarted, client) = server_with_history().await;
    // The open incidents change in memory after the restart: INC-8 is resolved now.
    for server in [&fresh, &restarted] {
        transition(&client, server, "INC-8", "resolved").await;
    }
    let open = |n: u64| n.is_multiple_of(4) && n != 8;
    let service = |n: u64| ["checkout", "search", "payments"][(n % 3) as usize];
    let cases: Vec<(&str, Rule)> = vec![
        ("open=true", Box::new(open)),
        ("open=false", Box::new(move |n| !open(n))),
        ("service=search", Box::new(move |n| service(n) == "search")),
        ("severity=P1", Box::new(|n| n.is_multiple_of(2))),
        ("severity=p2,P1", Box::new(|_| true)),
        ("status=resolved", Box::new(move |n| !open(n))),
        (
            "status=acknowledged&service=payments",
            Box::new(move |n| open(n) && service(n) == "payments"),
        ),
        ("q=NUMBER%201", Box::new(|n| n.to_string().starts_with('1'))),
        ("q=inc-3", Box::new(|n| n.to_string().starts_with('3'))),
        (
            "q=checkout&open=false&severity=P2",
            Box::new(move |n| service(n) == "checkout" && !open(n) && n % 2 == 1),
        ),
        ("since=1h", Box::new(|_| true)),
        ("until=1h", Box::new(|_| false)),
        (
            "since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z",
            Box::new(|_| true),
        ),
    ];
    for server in [&fresh, &restarted] {
        for (query, rule) in &cases {
            let expected: Vec<u64> = (1..=40).rev().filter(|&n| rule(n)).collect();
            let pages = walk(
                &client,
                server,
                &format!("/v1/incidents?limit=4&{query}"),
                async || {},
            )
            .await;
            let found: Vec<u64> = pages.iter().flatten().map(|id| number(id)).collect();
            assert_eq!(found, expected, "{query}");
            assert!(pages.iter().all(|page| page.len() <= 4), "{query}");
            if !expected.is_empty() {
                assert_eq!(
                    pages.len(),
                    expected.len().div_ceil(4),
                    "{query}: no empty last page"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_link_carries_the_filters_with_times_made_absolute() {
    let client = support::http::client();
    let server = TestServer::open();
    history(&client, &server).await;
    let first = send(client.get(server.url(
        "/v1/incidents?limit=2&severity=P1&service=checkout&open=false&since=1d&q=Incident%20number",
    )))
    .await;
    assert_eq!(ids(&first), ["INC-30", "INC-18"]);
    let next = next_link(&first).unwrap();
    let query: Vec<(String, String)> = reqwest::Url::parse(&format!("http://x{next}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let names: Vec<&str> = query.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "limit", "open", "service", "severity", "since", "q", "before"
        ]
    );
    let since = &query[4].1;
    assert!(
        chrono::DateTime::parse_from_rfc3339(since).is_ok(),
        "{since}"
    );
    assert_eq!(query[6].1, "INC-18");
    assert_eq!(ids(&send(client.get(server.url(&next))).await), ["INC-6"]);
}

#[tokio::test]
async fn a_value_that_does_not_parse_is_a_400_naming_its_field() {
    let client = support::http::client();
    let server = TestServer::open();
    declare(&client, &server, json!({"title": "one", "severity": "P1"})).await;
    // Each refusal names its field first, then says what is wrong.
    let refused = [
        ("limit=0", "limit: a page holds at least 1"),
        (
            "limit=1001",
            "limit: 1001 is above the most a page holds (1000)",
        ),
        ("limit=ten", "limit: 'ten' is not a whole number"),
        ("limit=-1", "limit: '-1' is not"),
        ("limit=", "limit: '' is not"),
        (
            "before=yesterday",
            "before: 'yesterday' is not an incident id",
        ),
        ("before=INC-0", "before: 'INC-0'"),
        ("before=12", "before: '12'"),
        ("open=maybe", "open: 'maybe' is neither"),
        ("open=", "open: '' is neither"),
        ("severity=P9", "severity: unknown severity 'P9'"),
        ("severity=P1,bogus", "severity: unknown severity 'bogus'"),
        ("status=done", "status: unknown status 'done'"),
        ("status=", "status: unknown status ''"),
        ("since=last%20week", "since: 'last week'"),
        ("until=0d", "until: '0d'"),
        ("page=2", "page"),
        ("severity=P1&severity=P2", "severity"),
    ];
    assert_queries_refused(&client, &server.url("/v1/incidents"), &refused).await;
    // Empty values are no filter, as a form sends them.
    let empty =
        send(client.get(server.url("/v1/incidents?q=&severity=&service=&since=&until="))).await;
    assert_eq!(ids(&empty), ["INC-1"]);
}

/// Incidents in the long history below: five steps of the store's reads.
const LONG: u64 = 1_000;

/// The title, service, severity and final status of incident `n` of the long history: most
/// alike, a few rare ones spread through it, and titles that try the text search's rules
/// (Unicode case, characters that lower to ASCII, LIKE's wildcards and escape, ASCII `I`s).
fn long_incident(n: u64) -> (String, Option<String>, &'static str, Status) {
    let title = match n {
        123 => "ÉCHEC du paiement".to_string(),
        321 => "Disk 100% full".to_string(),
        322 => "Disk 1000 full".to_string(),
        333 => r"C:\Temp is full".to_string(),
        456 => "Cooling at 5 \u{212A}".to_string(),
        654 => "queue_depth high".to_string(),
        655 => "queue depth high".to_string(),
        789 => "İstanbul DC offline".to_string(),
        900 => "Straße gesperrt".to_string(),
        901 => "FIX IT NOW".to_string(),
        n => format!("Outage {n}"),
    };
    let service = match n {
        500 => Some("Ledger"),
        902 => Some("zahlungsverkehr-Ä"),
        n if n % 97 == 0 => Some("ledger"),
        n if n % 250 == 1 => None,
        n => Some(["checkout", "search", "auth"][(n % 3) as usize]),
    };
    let severity = match n {
        n if n % 131 == 0 => "P0",
        n if n.is_multiple_of(2) => "P1",
        _ => "P2",
    };
    let status = match n {
        n if n % 200 == 0 => Status::Investigating,
        n if n % 113 == 0 => Status::Cancelled,
        _ => Status::Resolved,
    };
    (title, service.map(str::to_string), severity, status)
}

/// The long history written straight into a fresh store of the kind under test, each
/// incident declared an hour after the one before it, a year ago, and worked to its status
/// (so that memory holds only the open ones); every incident folded, by number.
fn long_history() -> (String, tempfile::TempDir, Vec<Incident>) {
    let dir = tempfile::tempdir().unwrap();
    let db = match StoreKind::under_test() {
        StoreKind::Sqlite => dir.path().join("long.db").display().to_string(),
        StoreKind::Postgres => support::postgres::database(),
    };
    let year_ago = chrono::Utc::now() - chrono::Duration::days(365);
    let mut seq = 0;
    let mut event = |number: u64, at: Timestamp, kind: EventKind| {
        seq += 1;
        Event {
            seq,
            incident: IncidentId::from_number(number),
            at,
            actor: "seed".into(),
            via: None,
            kind,
            intended_at: None,
        }
    };
    let mut events = Vec::new();
    let mut folded = Vec::new();
    for n in 1..=LONG {
        let (title, service, severity, status) = long_incident(n);
        let declared = year_ago + chrono::Duration::hours(n as i64);
        let mut log = vec![event(
            n,
            declared,
            EventKind::Declared {
                title,
                severity: Severity::new(severity),
                service,
                summary: None,
                impact_started_at: None,
                detected_at: declared,
                acknowledged: false,
            },
        )];
        log.push(event(
            n,
            declared + chrono::Duration::minutes(30),
            EventKind::StatusChanged {
                from: Status::Triggered,
                to: status,
                reason: None,
                commander: None,
            },
        ));
        folded.push(Incident::fold(IncidentId::from_number(n), &log));
        events.extend(log);
    }
    // The stores run blocking clients of their own: out of the test's runtime.
    let location = Location::parse(&db).unwrap();
    std::thread::spawn(move || {
        let mut store = warroom::store::open(&location).unwrap();
        let commit = Commit {
            events,
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
    })
    .join()
    .unwrap();
    (db, dir, folded)
}

/// Filters matching a few incidents spread through a long history, and text searches on
/// the edges of the case rules, find page by page exactly what the one rule of every list
/// (`IncidentFilter::matches`) finds in the folded incidents, whatever the store pushes into
/// its SQL.
#[tokio::test]
async fn rare_matches_through_a_long_history_agree_with_the_rule_of_every_list() {
    let (db, _dir, folded) = long_history();
    let server = TestServer::on_db(&db);
    let client = support::http::client();
    let text = |q: &str| IncidentFilter {
        text: Some(q.into()),
        ..IncidentFilter::default()
    };
    let service = |name: &str| IncidentFilter {
        service: Some(name.into()),
        ..IncidentFilter::default()
    };
    let severities = |names: &[&str], service: Option<&str>| IncidentFilter {
        severities: names.iter().map(|name| Severity::new(*name)).collect(),
        service: service.map(str::to_string),
        ..IncidentFilter::default()
    };
    let status = |status: Status, severities: &[&str]| IncidentFilter {
        status: Some(status),
        severities: severities.iter().map(|name| Severity::new(*name)).collect(),
        ..IncidentFilter::default()
    };
    let cases = vec![
        ("service=ledger", service("ledger")),
        ("service=Ledger", service("Ledger")),
        ("service=ledge", service("ledge")),
        ("severity=P0", severities(&["P0"], None)),
        (
            "severity=p0,P2&service=ledger",
            severities(&["P0", "P2"], Some("ledger")),
        ),
        ("status=cancelled", status(Status::Cancelled, &[])),
        (
            "status=investigating&severity=P1",
            status(Status::Investigating, &["P1"]),
        ),
        (
            "open=false&service=ledger&q=OUTAGE",
            IncidentFilter {
                open: Some(false),
                service: Some("ledger".into()),
                text: Some("OUTAGE".into()),
                ..IncidentFilter::default()
            },
        ),
    ];
    // Searches, each sent as `q=` (encoded) and checked against the same text in the rule.
    let searches = [
        "outage 99",
        "INC-97",
        "LEDG",
        "échec",
        "ÉCHEC",
        "5 k",
        "STANBUL",
        "İstanbul",
        "istanbul",
        "100%",
        "queue_",
        r"c:\t",
        "STRASSE",
        "straße",
        "fix it",
        "ä",
        "Ä",
        "nothing like it",
    ];
    // What the rule finds on the edges: Unicode's lowering (`K` is `k`, `İ` is `i` and a
    // combining dot, `ß` stays), LIKE's wildcards as plain text, the service searched too.
    let rule = |q: &str| -> Vec<u64> {
        let filter = text(q);
        let found = folded.iter().filter(|incident| filter.matches(incident));
        found.map(|incident| incident.id.number()).collect()
    };
    for (q, numbers) in [
        ("ÉCHEC", vec![123]),
        ("5 k", vec![456]),
        ("İstanbul", vec![789]),
        ("istanbul", vec![]),
        ("100%", vec![321]),
        ("queue_", vec![654]),
        (r"c:\t", vec![333]),
        ("STRASSE", vec![]),
        ("fix it", vec![901]),
        ("Ä", vec![902]),
    ] {
        assert_eq!(rule(q), numbers, "{q}");
    }
    let cases = cases
        .into_iter()
        .map(|(query, filter)| (query.to_string(), filter));
    let cases = cases.chain(searches.into_iter().map(|q| {
        let query: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        (format!("q={query}"), text(q))
    }));
    for (query, filter) in cases {
        let expected: Vec<u64> = folded
            .iter()
            .rev()
            .filter(|incident| filter.matches(incident))
            .map(|incident| incident.id.number())
            .collect();
        let pages = walk(
            &client,
            &server,
            &format!("/v1/incidents?limit=3&{query}"),
            async || {},
        )
        .await;
        let found: Vec<u64> = pages.iter().flatten().map(|id| number(id)).collect();
        assert_eq!(found, expected, "{query}");
        if !expected.is_empty() {
            assert_eq!(pages.len(), expected.len().div_ceil(3), "{query}");
        }
    }
}
