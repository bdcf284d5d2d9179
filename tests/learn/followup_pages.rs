//! `GET /v1/followups` as pages through the real `warroom serve` (SQLite, or PostgreSQL with
//! `WARROOM_TEST_STORE=postgres`): `limit`, the `after` cursor and the `Link` to the next
//! page, the filters across pages, refusals that name their field, and the real CLI walking
//! the pages.

use super::api::{declare, in_days, run, stdout};
use crate::support::http::{Answer, assert_queries_refused, send};
use crate::support::server::TestServer;
use reqwest::Client;
use serde_json::{Value, json};

/// Three incidents with four corrective actions each, due on different days (some on the
/// same day, so the incident and the id break ties), every third one dropped.
async fn twelve_followups(client: &Client, server: &TestServer) {
    for incident in 1..=3 {
        declare(client, server, &format!("incident {incident}"), "checkout").await;
        for action in 1..=4 {
            let owner = if action % 2 == 0 { "Bob" } else { "erin" };
            let body = json!({"type": "add_corrective_action", "text": format!("fix {action}"),
                              "kind": "corrective", "owner": owner,
                              "due_at": in_days(action * 2 + incident % 2)});
            let url = server.url(&format!("/v1/incidents/INC-{incident}/commands"));
            assert_eq!(send(client.post(url).json(&body)).await.status, 200);
        }
        let drop = json!({"type": "drop_corrective_action", "id": 3});
        let url = server.url(&format!("/v1/incidents/INC-{incident}/commands"));
        assert_eq!(send(client.post(url).json(&drop)).await.status, 200);
    }
}

/// `(incident, id)` of each row of an answer.
fn rows(answer: &Answer) -> Vec<(String, u64)> {
    assert_eq!(answer.status, 200, "{}", answer.text);
    incidents_and_ids(&answer.json)
}

/// `(incident, id)` of each follow-up of a JSON list (the API's page, the CLI's `--json`).
pub fn incidents_and_ids(followups: &Value) -> Vec<(String, u64)> {
    followups
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["incident"].as_str().unwrap().into(),
                f["id"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The path of the `Link: rel="next"`, if any.
fn next(answer: &Answer) -> Option<String> {
    let link = answer.header("link")?;
    let target = link.strip_prefix('<')?.split_once(">; rel=\"next\"")?.0;
    Some(target.to_string())
}

/// Every row from `first` on, following the links; the number of pages read.
async fn walk(client: &Client, server: &TestServer, first: &str) -> (Vec<(String, u64)>, usize) {
    let (mut all, mut pages) = (Vec::new(), 0);
    let mut path = Some(first.to_string());
    while let Some(at) = path {
        let answer = send(client.get(server.url(&at))).await;
        let page = rows(&answer);
        assert!(!page.is_empty(), "a page after a link has rows: {at}");
        all.extend(page);
        pages += 1;
        path = next(&answer);
    }
    (all, pages)
}

#[tokio::test]
async fn the_follow_ups_are_pages_linked_in_due_order_with_the_filters_kept() {
    let server = TestServer::open();
    let client = crate::support::http::client();
    twelve_followups(&client, &server).await;

    let whole = send(client.get(server.url("/v1/followups"))).await;
    assert_eq!(whole.header("link"), None, "12 fit the default page of 100");
    let every = rows(&whole);
    assert_eq!(every.len(), 12);
    let dues: Vec<(chrono::DateTime<chrono::FixedOffset>, u64, u64)> = whole
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let incident = f["incident"].as_str().unwrap();
            let number = incident.trim_start_matches("INC-").parse::<u64>().unwrap();
            let due = chrono::DateTime::parse_from_rfc3339(f["due_at"].as_str().unwrap());
            (due.unwrap(), number, f["id"].as_u64().unwrap())
        })
        .collect();
    assert!(
        dues.is_sorted(),
        "soonest due, then incident, then id: {dues:?}"
    );

    let first = send(client.get(server.url("/v1/followups?limit=5"))).await;
    assert_eq!(rows(&first), every[..5]);
    let link = next(&first).unwrap();
    assert!(link.starts_with("/v1/followups?limit=5&after="), "{link}");
    let (walked, pages) = walk(&client, &server, "/v1/followups?limit=5").await;
    assert_eq!((walked, pages), (every.clone(), 3));

    // The filters hold across pages, each page in SQL.
    for (filter, wanted) in [
        ("open=true", every.iter().filter(|(_, id)| *id != 3).count()),
        ("closed=true", 3),
        ("owner=BOB", 6),
        ("open=true&owner=erin", 3),
    ] {
        let all = rows(&send(client.get(server.url(&format!("/v1/followups?{filter}")))).await);
        assert_eq!(all.len(), wanted, "{filter}");
        let (walked, _) = walk(&client, &server, &format!("/v1/followups?{filter}&limit=2")).await;
        assert_eq!(walked, all, "{filter}");
    }
    let closed = rows(&send(client.get(server.url("/v1/followups?closed=true"))).await);
    assert!(closed.iter().all(|(_, id)| *id == 3), "{closed:?}");
    for none in ["open=true&closed=true", "overdue=true&closed=true"] {
        let answer = send(client.get(server.url(&format!("/v1/followups?{none}")))).await;
        assert_eq!(rows(&answer), [], "closed ones are never open: {none}");
    }

    // The CLI walks the pages: the same rows whatever the page size, `--limit` the first N.
    let whole_json: Value =
        serde_json::from_str(&stdout(&run(&server, &["followups", "--json"]))).unwrap();
    let paged_json: Value = serde_json::from_str(&stdout(&run(
        &server,
        &["followups", "--json", "--page-size", "5"],
    )))
    .unwrap();
    assert_eq!(paged_json, whole_json);
    assert_eq!(whole_json.as_array().unwrap().len(), 12);
    let table = stdout(&run(&server, &["followups", "--page-size", "5"]));
    assert_eq!(table.lines().count(), 13, "a header and 12 rows: {table}");
    let three = stdout(&run(
        &server,
        &["followups", "--limit", "3", "--page-size", "2"],
    ));
    assert_eq!(three.lines().count(), 4, "{three}");
    let closed = stdout(&run(&server, &["followups", "--closed"]));
    assert_eq!(closed.lines().count(), 4, "{closed}");
    assert_eq!(
        run(&server, &["followups", "--closed", "--open"])
            .status
            .code(),
        Some(2)
    );
}

#[tokio::test]
async fn a_follow_ups_query_that_does_not_parse_is_a_400_naming_its_field() {
    let server = TestServer::open();
    let client = crate::support::http::client();
    twelve_followups(&client, &server).await;
    let refused = [
        ("limit=0", "limit: a page holds at least 1 follow-up"),
        (
            "limit=1001",
            "limit: 1001 is above the most a page holds (1000)",
        ),
        ("limit=ten", "limit: 'ten' is not a whole number"),
        ("after=garbage", "after: 'garbage' is not DUE,INC-N,ID"),
        ("after=2026-03-15T10:00:00Z,INC-0,1", "after:"),
        ("after=2026-03-15T10:00:00Z,INC-1,x", "after:"),
        ("after=yesterday,INC-1,1", "after:"),
        ("open=maybe", "open"),
        ("page=2", "page"),
    ];
    assert_queries_refused(&client, &server.url("/v1/followups"), &refused).await;
    // The most a page holds is allowed; a cursor past the end is an empty last page.
    let most = send(client.get(server.url("/v1/followups?limit=1000"))).await;
    assert_eq!(rows(&most).len(), 12);
    let past =
        send(client.get(server.url("/v1/followups?after=2999-01-01T00:00:00Z,INC-1,1"))).await;
    assert_eq!(rows(&past), []);
    assert_eq!(past.header("link"), None);
}
