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
use support::http::{Answer, send};
use support::server::{TestServer, transition};

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
    for (query, said) in [
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
    ] {
        let answer = send(client.get(server.url(&format!("/v1/incidents?{query}")))).await;
        answer.assert_error(400, "bad_request");
        let message = answer.error_message();
        assert!(message.contains(said), "{query}: {message}");
    }
    // Empty values are no filter, as a form sends them.
    let empty =
        send(client.get(server.url("/v1/incidents?q=&severity=&service=&since=&until="))).await;
    assert_eq!(ids(&empty), ["INC-1"]);
}
