//! The public status site against the real binary (issue 21): the front page, an incident's
//! page and the history in headless Chromium at phone and desk widths, light and dark (the
//! computed colours read back, every text at WCAG AA contrast); Statuspage's v2 routes field
//! by field against its schema, and its own status widget (from npm) reading this backend;
//! the page never contradicting the record; maintenance windows moving by the clock; hostile
//! text; and a restart that changes no byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::http::{Answer, send};
use support::server::TestServer;

const CONFIG: &str = r#"
[status]
title = "Example status"
components = ["api", "web", "payments", "search"]

[status.component.api]
display_name = "Public API"
description = "The REST API"
group = "Core"

[status.component.payments]
group = "Core"

[status.component.search]
only_show_if_degraded = true
"#;

async fn post(client: &Client, server: &TestServer, path: &str, body: Value) -> Answer {
    let answer = send(
        client
            .post(server.url(path))
            .header("x-warroom-actor", "carol")
            .json(&body),
    )
    .await;
    assert!(
        answer.status == 200 || answer.status == 201,
        "{path} {body}: {}",
        answer.text
    );
    answer
}

/// Declares an incident commanded by carol; its number.
async fn declare(client: &Client, server: &TestServer, title: &str) -> String {
    let declared = post(
        client,
        server,
        "/v1/incidents",
        json!({"title": title, "severity": "P1"}),
    )
    .await;
    let id = declared.json["id"].as_str().unwrap().to_string();
    command(
        client,
        server,
        &id,
        json!({"type": "assign_role", "role": "commander", "person": "carol"}),
    )
    .await;
    id
}

async fn command(client: &Client, server: &TestServer, id: &str, body: Value) -> Answer {
    post(
        client,
        server,
        &format!("/v1/incidents/{id}/commands"),
        body,
    )
    .await
}

async fn publish(
    client: &Client,
    server: &TestServer,
    id: &str,
    state: &str,
    message: &str,
    components: Value,
) {
    let body = json!({"type": "public_update", "state": state, "message": message,
                      "components": components, "title": "Checkout Incident: Investigating"});
    command(client, server, id, body).await;
}

async fn resolve(client: &Client, server: &TestServer, id: &str) {
    for to in ["investigating", "mitigated", "resolved"] {
        command(client, server, id, json!({"type": "transition", "to": to})).await;
    }
}

/// Reads a route until `done` holds: the page is regenerated just after a commit.
async fn eventually(
    client: &Client,
    url: &str,
    what: &str,
    done: impl Fn(&Answer) -> bool,
) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = send(client.get(url)).await;
        if done(&answer) {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "{url} never showed {what}:\n{}",
            answer.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the browser measured of a page (see [`AUDIT`]).
#[derive(Debug, serde::Deserialize)]
struct Audit {
    dark: bool,
    mains: usize,
    scripts: usize,
    overflow: i64,
    broken_times: usize,
    times: usize,
    texts: usize,
    worst: f64,
    failures: Vec<String>,
}

/// Run in Chromium on a copy of a page: every element with text of its own, its computed
/// colour against the first opaque background behind it (WCAG 2 contrast), the `<main>`
/// landmarks, the page's overflow past the window, and `<time>` elements broken over lines.
const AUDIT: &str = r#"<script>
(function () {
  function rgba(text) {
    var n = text.match(/[\d.]+/g).map(Number);
    return {r: n[0], g: n[1], b: n[2], a: n.length > 3 ? n[3] : 1};
  }
  function luminance(c) {
    function f(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      var c = rgba(getComputedStyle(el).backgroundColor);
      if (c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  }
  var worst = 99, texts = 0, failures = [];
  var all = document.body.querySelectorAll('*');
  for (var i = 0; i < all.length; i++) {
    var el = all[i];
    if (el.id === 'audit' || el.tagName === 'SCRIPT') continue;
    var own = '';
    for (var k = 0; k < el.childNodes.length; k++) {
      if (el.childNodes[k].nodeType === 3) own += el.childNodes[k].textContent;
    }
    if (!own.trim() || el.getClientRects().length === 0) continue;
    var fg = luminance(rgba(getComputedStyle(el).color));
    var bg = luminance(background(el));
    var ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    texts++;
    worst = Math.min(worst, ratio);
    if (ratio < 4.5) {
      failures.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2) + ' ' +
        own.trim().slice(0, 30).replace(/[<>&"\\]/g, '?'));
    }
  }
  var times = document.querySelectorAll('time'), broken = 0;
  for (var t = 0; t < times.length; t++) {
    if (times[t].getClientRects().length > 1 || times[t].getBoundingClientRect().height > 30) broken++;
  }
  var out = document.createElement('pre');
  out.id = 'audit';
  out.textContent = JSON.stringify({
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    mains: document.querySelectorAll('main').length,
    scripts: document.querySelectorAll('script').length - 1,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    broken_times: broken, times: times.length,
    texts: texts, worst: worst, failures: failures
  });
  document.body.appendChild(out);
})();
</script>"#;

/// The page's bytes with [`AUDIT`] added, served from a loopback server of the test's (the
/// status page itself refuses scripts), measured in Chromium.
async fn audit(html: &str, width: u32, height: u32, dark: bool) -> Audit {
    let page = html.replacen("</body>", &format!("{AUDIT}</body>"), 1);
    let address = support::tinyhttp::serve("text/html; charset=utf-8", move |_| page.clone());
    let dom = tokio::task::spawn_blocking(move || {
        support::chromium::dump_dom_as(&format!("http://{address}/"), width, height, dark)
    })
    .await
    .unwrap();
    let report = dom
        .split("<pre id=\"audit\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no audit in the page:\n{dom}"));
    serde_json::from_str(&report.replace("&amp;", "&")).expect("the audit is JSON")
}

/// A long message: many words, close to the 4,000 characters an update may have.
fn long_message(n: usize) -> String {
    let sentence = format!(
        "Update {n}: payments through the EU gateway are failing for some customers, \
                            and we are moving traffic to the standby region while the provider \
                            investigates. "
    );
    sentence.repeat(3900 / sentence.len())
}

#[tokio::test]
async fn every_page_meets_contrast_has_a_main_landmark_and_fits_a_phone_in_both_schemes() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    // 50 long updates over five incidents, two of them over.
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = declare(&client, &server, &format!("incident {n}")).await;
        for u in 0..10 {
            let state = ["investigating", "identified", "monitoring"][u % 3];
            let status = ["major_outage", "partial_outage", "degraded_performance"][(n + u) % 3];
            publish(
                &client,
                &server,
                &id,
                state,
                &long_message(u),
                json!({"api": status, "web": "degraded_performance"}),
            )
            .await;
        }
        if n < 2 {
            resolve(&client, &server, &id).await;
        }
        ids.push(id);
    }
    let summary = eventually(
        &client,
        &server.url("/api/v2/incidents.json"),
        "every update",
        |a| {
            a.json["incidents"].as_array().is_some_and(|list| {
                list.len() == 5
                    && list
                        .iter()
                        .all(|i| i["incident_updates"].as_array().unwrap().len() >= 10)
                    && list.iter().filter(|i| i["status"] == "resolved").count() == 2
            })
        },
    )
    .await;
    let incident = summary.json["incidents"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let front = send(client.get(server.url("/"))).await;
    assert!(
        front.text.len() <= 30 * 1024,
        "the front page is {} bytes",
        front.text.len()
    );
    eprintln!(
        "front page: {} bytes with 50 long updates",
        front.text.len()
    );
    assert_eq!(
        send(client.get(server.url("/status"))).await.text,
        front.text
    );
    let pages = [
        ("front", front.text.clone()),
        (
            "incident",
            send(client.get(server.url(&format!("/incidents/{incident}"))))
                .await
                .text,
        ),
        (
            "history",
            send(client.get(server.url("/history"))).await.text,
        ),
    ];
    assert!(
        pages[1].1.contains("Update 0:") && pages[1].1.contains("Update 9:"),
        "the incident's page has every update: {} {:?}",
        pages[1].1.matches("class=\"update\"").count(),
        summary.json["incidents"][0]["incident_updates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["body"].as_str().unwrap().len())
            .collect::<Vec<_>>()
    );
    assert!(pages[2].1.contains("page 1 of 1"), "{}", pages[2].1);
    for (name, html) in &pages {
        assert!(!html.contains("<script"), "{name}: no script on the page");
        for (width, height) in [(390, 844), (1280, 800)] {
            for dark in [false, true] {
                let audit = audit(html, width, height, dark).await;
                let at = format!("{name} at {width}x{height}, dark {dark}");
                assert_eq!(audit.dark, dark, "{at}: the scheme asked for");
                assert_eq!(audit.mains, 1, "{at}: one <main>");
                assert_eq!(audit.scripts, 0, "{at}");
                assert!(
                    audit.overflow <= 0,
                    "{at}: {} px wider than the window",
                    audit.overflow
                );
                assert!(
                    audit.times > 0 && audit.broken_times == 0,
                    "{at}: {audit:?}"
                );
                assert!(audit.texts > 10, "{at}: {audit:?}");
                assert!(
                    audit.failures.is_empty() && audit.worst >= 4.5,
                    "{at}: {audit:?}"
                );
                eprintln!(
                    "{at}: {} texts, worst contrast {:.2}",
                    audit.texts, audit.worst
                );
            }
        }
    }
    // Grouped, described, and one component shown only when degraded.
    let front = &pages[0].1;
    assert!(front.contains("<li class=\"group\">Core</li>"), "{front}");
    assert!(front.contains("Public API") && front.contains("The REST API"));
    assert!(
        !front.contains("data-component=\"search\""),
        "search is operational: hidden"
    );
    // Screenshots to look at.
    let artefacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    for (width, height) in [(390, 844), (1280, 800)] {
        let shot = artefacts.join(format!("status-front-{width}x{height}.png"));
        let url = server.url("/");
        let out = shot.clone();
        tokio::task::spawn_blocking(move || {
            support::chromium::screenshot(&url, width, height, &out)
        })
        .await
        .unwrap();
        eprintln!("screenshot: {}", shot.display());
    }
}

/// Statuspage's v2 schema, as its public documentation writes it: every field of every
/// object, with its JSON type (`string?` may also be null).
fn schema() -> BTreeMap<&'static str, Vec<(&'static str, &'static str)>> {
    let page = vec![
        ("id", "string"),
        ("name", "string"),
        ("url", "string"),
        ("time_zone", "string"),
        ("updated_at", "string"),
    ];
    let status = vec![("indicator", "string"), ("description", "string")];
    let component = vec![
        ("id", "string"),
        ("name", "string"),
        ("status", "string"),
        ("created_at", "string"),
        ("updated_at", "string"),
        ("position", "number"),
        ("description", "string?"),
        ("showcase", "boolean"),
        ("start_date", "string?"),
        ("group_id", "string?"),
        ("page_id", "string"),
        ("group", "boolean"),
        ("only_show_if_degraded", "boolean"),
    ];
    let incident = vec![
        ("id", "string"),
        ("name", "string"),
        ("status", "string"),
        ("created_at", "string"),
        ("updated_at", "string"),
        ("monitoring_at", "string?"),
        ("resolved_at", "string?"),
        ("impact", "string"),
        ("shortlink", "string"),
        ("started_at", "string"),
        ("page_id", "string"),
        ("incident_updates", "array"),
        ("components", "array"),
    ];
    let update = vec![
        ("id", "string"),
        ("status", "string"),
        ("body", "string"),
        ("incident_id", "string"),
        ("created_at", "string"),
        ("updated_at", "string"),
        ("display_at", "string"),
        ("affected_components", "array"),
        ("deliver_notifications", "boolean"),
        ("custom_tweet", "string?"),
        ("tweet_id", "string?"),
    ];
    let affected = vec![
        ("code", "string"),
        ("name", "string"),
        ("old_status", "string"),
        ("new_status", "string"),
    ];
    let mut maintenance = incident.clone();
    maintenance.extend([("scheduled_for", "string"), ("scheduled_until", "string")]);
    let mut group = component.clone();
    group.push(("components", "array"));
    BTreeMap::from([
        ("page", page),
        ("status", status),
        ("component", component),
        ("group", group),
        ("incident", incident),
        ("incident_update", update),
        ("affected_component", affected),
        ("scheduled_maintenance", maintenance),
    ])
}

/// Checks `value` against the schema's `kind`, and the objects inside it; the errors, with
/// where they are.
fn check(
    value: &Value,
    kind: &str,
    at: &str,
    schema: &BTreeMap<&str, Vec<(&str, &str)>>,
    errors: &mut Vec<String>,
) {
    let kind = if kind == "component" && value["group"] == true {
        "group"
    } else {
        kind
    };
    let fields = &schema[kind];
    let Some(object) = value.as_object() else {
        errors.push(format!("{at}: not an object"));
        return;
    };
    for key in object.keys() {
        if !fields.iter().any(|(name, _)| name == key) {
            errors.push(format!("{at}.{key}: not in Statuspage's {kind}"));
        }
    }
    for (name, ty) in fields {
        let field = format!("{at}.{name}");
        let Some(v) = object.get(*name) else {
            errors.push(format!("{field}: missing"));
            continue;
        };
        let ok = match *ty {
            "string" => v.is_string(),
            "string?" => v.is_string() || v.is_null(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "array" => v.is_array(),
            other => panic!("{other}"),
        };
        if !ok {
            errors.push(format!("{field}: {v} is not {ty}"));
        }
    }
    let inner: &[(&str, &str)] = match kind {
        "incident" | "scheduled_maintenance" => &[
            ("incident_updates", "incident_update"),
            ("components", "component"),
        ],
        "incident_update" => &[("affected_components", "affected_component")],
        _ => &[],
    };
    for (list, of) in inner {
        for (n, item) in object[*list].as_array().into_iter().flatten().enumerate() {
            check(item, of, &format!("{at}.{list}[{n}]"), schema, errors);
        }
    }
}

fn a_window(
    name: &str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> String {
    format!(
        "\n[[status.maintenance]]\nname = \"{name}\"\nstarts_at = \"{}\"\nends_at = \"{}\"\ncomponents = [\"payments\"]\nmessage = \"Database upgrade.\"\n",
        from.to_rfc3339(),
        to.to_rfc3339()
    )
}

#[tokio::test]
async fn every_statuspage_route_has_the_fields_and_types_of_statuspages_schema() {
    let now = chrono::Utc::now();
    let hour = chrono::Duration::hours(1);
    let config = format!(
        "{CONFIG}{}{}{}",
        a_window("Past upgrade", now - hour * 3, now - hour * 2),
        a_window("Current upgrade", now - hour, now + hour),
        a_window("Next upgrade", now + hour, now + hour * 2),
    );
    let server = TestServer::with_config(None, &config, &[]);
    let client = support::http::client();
    let open = declare(&client, &server, "open").await;
    publish(
        &client,
        &server,
        &open,
        "identified",
        "Errors.",
        json!({"api": "partial_outage"}),
    )
    .await;
    publish(
        &client,
        &server,
        &open,
        "monitoring",
        "Fixed.",
        json!({"api": "degraded_performance"}),
    )
    .await;
    let over = declare(&client, &server, "over").await;
    publish(
        &client,
        &server,
        &over,
        "investigating",
        "Slow.",
        json!({"web": "major_outage"}),
    )
    .await;
    publish(
        &client,
        &server,
        &over,
        "resolved",
        "Over.",
        json!({"web": "operational"}),
    )
    .await;
    eventually(
        &client,
        &server.url("/api/v2/incidents.json"),
        "both incidents at their last update",
        |a| {
            a.json["incidents"].as_array().is_some_and(|l| {
                l.len() == 2 && l[0]["status"] == "monitoring" && l[1]["status"] == "resolved"
            })
        },
    )
    .await;

    let schema = schema();
    let routes: [(&str, &[(&str, &str)]); 8] = [
        (
            "summary.json",
            &[
                ("page", "page"),
                ("components", "[component"),
                ("incidents", "[incident"),
                ("scheduled_maintenances", "[scheduled_maintenance"),
                ("status", "status"),
            ],
        ),
        ("status.json", &[("page", "page"), ("status", "status")]),
        (
            "components.json",
            &[("page", "page"), ("components", "[component")],
        ),
        (
            "incidents.json",
            &[("page", "page"), ("incidents", "[incident")],
        ),
        (
            "incidents/unresolved.json",
            &[("page", "page"), ("incidents", "[incident")],
        ),
        (
            "scheduled-maintenances.json",
            &[
                ("page", "page"),
                ("scheduled_maintenances", "[scheduled_maintenance"),
            ],
        ),
        (
            "scheduled-maintenances/upcoming.json",
            &[
                ("page", "page"),
                ("scheduled_maintenances", "[scheduled_maintenance"),
            ],
        ),
        (
            "scheduled-maintenances/active.json",
            &[
                ("page", "page"),
                ("scheduled_maintenances", "[scheduled_maintenance"),
            ],
        ),
    ];
    let mut errors = Vec::new();
    let mut documents = BTreeMap::new();
    for (route, keys) in routes {
        let answer = send(client.get(server.url(&format!("/api/v2/{route}")))).await;
        assert_eq!(answer.status, 200, "{route}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
        let document = answer.json.as_object().cloned().unwrap_or_default();
        let expected: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
        let mut present: Vec<&str> = document.keys().map(String::as_str).collect();
        present.sort();
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(present, sorted, "{route}'s keys");
        for (key, kind) in keys {
            match kind.strip_prefix('[') {
                Some(item) => {
                    let list = document[*key]
                        .as_array()
                        .unwrap_or_else(|| panic!("{route}.{key} is a list"));
                    assert!(
                        !list.is_empty(),
                        "{route}.{key} is empty: nothing was checked"
                    );
                    for (n, value) in list.iter().enumerate() {
                        check(
                            value,
                            item,
                            &format!("{route}.{key}[{n}]"),
                            &schema,
                            &mut errors,
                        );
                    }
                }
                None => check(
                    &document[*key],
                    kind,
                    &format!("{route}.{key}"),
                    &schema,
                    &mut errors,
                ),
            }
        }
        documents.insert(route, answer.json);
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // The values, not only their types.
    let summary = &documents["summary.json"];
    assert_eq!(summary["status"]["indicator"], "minor");
    let names: Vec<&str> = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Core", "Public API", "payments", "web", "search"],
        "groups first, then members"
    );
    let core = &summary["components"][0];
    assert_eq!(core["group"], true);
    assert_eq!(core["components"].as_array().unwrap().len(), 2);
    assert_eq!(summary["components"][1]["group_id"], core["id"]);
    assert_eq!(summary["components"][1]["description"], "The REST API");
    assert_eq!(
        summary["components"][2]["status"], "under_maintenance",
        "the current window"
    );
    assert_eq!(summary["components"][4]["only_show_if_degraded"], true);
    let incident = &summary["incidents"][0];
    assert_eq!(incident["status"], "monitoring");
    assert!(incident["monitoring_at"].is_string());
    let id = incident["id"].as_str().unwrap();
    assert!(!id.contains("INC") && id.len() == 12, "an opaque id: {id}");
    assert_eq!(incident["shortlink"], format!("/incidents/{id}"));
    let affected = &incident["incident_updates"][0]["affected_components"][0];
    assert_eq!(
        (
            affected["old_status"].as_str(),
            affected["new_status"].as_str()
        ),
        (Some("partial_outage"), Some("degraded_performance"))
    );
    assert_eq!(affected["name"], "Public API");
    let page = send(client.get(server.url(&format!("/incidents/{id}")))).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("Fixed.") && page.text.contains("Errors."),
        "{}",
        page.text
    );
    assert_eq!(
        send(client.get(server.url("/incidents/nosuchincident")))
            .await
            .status,
        404
    );
    let states = |route: &str| -> Vec<String> {
        documents[route]["scheduled_maintenances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    m["name"].as_str().unwrap(),
                    m["status"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        states("scheduled-maintenances.json"),
        [
            "Next upgrade scheduled",
            "Current upgrade in_progress",
            "Past upgrade completed"
        ]
    );
    assert_eq!(
        states("scheduled-maintenances/upcoming.json"),
        ["Next upgrade scheduled"]
    );
    assert_eq!(
        states("scheduled-maintenances/active.json"),
        ["Current upgrade in_progress"]
    );
    assert_eq!(
        states("summary.json").len(),
        2,
        "the summary lists the upcoming and the active"
    );
    assert_eq!(
        documents["incidents/unresolved.json"]["incidents"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let resolved = &documents["incidents.json"]["incidents"][1];
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved["resolved_at"].is_string());
}

/// Statuspage's own embeddable widget (`@statuspage/status-widget` from npm), in Chromium,
/// pointed at this backend as at any Statuspage: it reads `/api/v2/summary.json` across
/// origins and links to `/`, which is the page.
#[tokio::test]
async fn statuspages_own_widget_reads_this_backend() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    let id = declare(&client, &server, "checkout").await;
    publish(
        &client,
        &server,
        &id,
        "identified",
        "Errors.",
        json!({"api": "partial_outage"}),
    )
    .await;
    eventually(
        &client,
        &server.url("/api/v2/summary.json"),
        "the incident",
        |a| a.json["status"]["indicator"] == "major",
    )
    .await;
    let widget = support::npm::package_file("@statuspage/status-widget@1.0.5", "dist/index.js");
    let script_address =
        support::tinyhttp::serve("application/javascript", move |_| widget.clone());
    let base = server.base().to_string();
    let harness = format!(
        "<!DOCTYPE html><html><body><statuspage-widget src=\"{base}/\"></statuspage-widget>\
         <pre id=\"out\"></pre><script src=\"http://{script_address}/index.js\"></script>\
         <script>setTimeout(function () {{ var w = document.querySelector('statuspage-widget');\
         document.getElementById('out').textContent = w.shadowRoot ? w.shadowRoot.innerHTML : 'no shadow root'; }}, 3000);</script>\
         </body></html>"
    );
    let address = support::tinyhttp::serve("text/html; charset=utf-8", move |_| harness.clone());
    let dom = tokio::task::spawn_blocking(move || {
        support::chromium::dump_dom_as(&format!("http://{address}/"), 800, 600, false)
    })
    .await
    .unwrap();
    assert!(
        dom.contains("Partial System Outage"),
        "the widget shows the page's status:\n{dom}"
    );
    assert!(dom.contains("status-indicator major"), "{dom}");
    assert!(dom.contains(&format!("href=\"{base}/\"")), "{dom}");
    let linked = send(client.get(format!("{base}/"))).await;
    assert_eq!(linked.status, 200);
    assert!(linked.text.contains("Partial System Outage"));
}

/// Ending the response without a public "resolved" update: the page, the JSON and the feed
/// say Resolved, with the time, and give the components back; the title follows.
#[tokio::test]
async fn an_incident_resolved_without_a_public_update_shows_resolved_everywhere() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    let id = declare(&client, &server, "dashboard down").await;
    publish(
        &client,
        &server,
        &id,
        "investigating",
        "The dashboard is down.",
        json!({"web": "major_outage"}),
    )
    .await;
    let cancelled = declare(&client, &server, "false alarm").await;
    publish(
        &client,
        &server,
        &cancelled,
        "investigating",
        "Looking at the API.",
        json!({"api": "partial_outage"}),
    )
    .await;
    eventually(
        &client,
        &server.url("/api/v2/summary.json"),
        "the outage",
        |a| a.json["status"]["indicator"] == "critical",
    )
    .await;
    resolve(&client, &server, &id).await;
    command(
        &client,
        &server,
        &cancelled,
        json!({"type": "transition", "to": "cancelled"}),
    )
    .await;

    let summary = eventually(
        &client,
        &server.url("/api/v2/summary.json"),
        "no incident",
        |a| a.json["incidents"].as_array().is_some_and(|l| l.is_empty()),
    )
    .await;
    assert_eq!(summary.json["status"]["indicator"], "none");
    assert!(
        summary.json["components"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "operational"),
        "{}",
        summary.text
    );
    let all = send(client.get(server.url("/api/v2/incidents.json")))
        .await
        .json;
    for incident in all["incidents"].as_array().unwrap() {
        assert_eq!(incident["status"], "resolved", "{incident}");
        assert!(incident["resolved_at"].is_string());
        assert_eq!(
            incident["name"], "Checkout Incident: Resolved",
            "the title follows"
        );
        let last = &incident["incident_updates"][0];
        assert_eq!(last["status"], "resolved");
        assert_eq!(last["body"], "This incident has been resolved.");
        assert_eq!(last["affected_components"][0]["new_status"], "operational");
        assert_eq!(incident["resolved_at"], last["created_at"]);
    }
    let front = send(client.get(server.url("/"))).await.text;
    let recent = front.split("id=\"recent\"").nth(1).unwrap();
    assert_eq!(
        recent.matches("data-state=\"resolved\"").count(),
        2,
        "{front}"
    );
    assert!(recent.contains("This incident has been resolved."));
    assert!(recent.contains(" · resolved <time"), "{recent}");
    assert!(
        !front.contains("Major Outage)"),
        "no component left in an outage:\n{front}"
    );
    let feed = send(client.get(server.url("/status/feed.atom"))).await.text;
    let document = roxmltree::Document::parse(&feed).expect("the feed parses");
    let titles: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        titles
            .iter()
            .filter(|t| **t == "Checkout Incident: Resolved: Resolved")
            .count(),
        2,
        "{titles:?}"
    );
    let own = send(client.get(server.url("/status.json"))).await.json;
    assert_eq!(own["recent"].as_array().unwrap().len(), 2);
    assert_eq!(own["recent"][0]["state"], "resolved");
}

/// A window is upcoming, then in progress (its component under maintenance, the banner
/// blue), then completed, by the clock alone; the report counts no incident for it.
#[tokio::test]
async fn a_maintenance_window_moves_from_upcoming_to_in_progress_to_completed_by_itself() {
    let client = support::http::client();
    let status = |a: &Answer| {
        a.json["scheduled_maintenances"][0]["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    // The window must still be ahead once the server answers. A server on a loaded machine
    // has been seen to take eight seconds and more to start: when it answered too late, the
    // window is set further ahead and the server started again.
    let mut lead = chrono::Duration::seconds(10);
    let (server, url, upcoming, starts, ends) = loop {
        let starts = chrono::Utc::now() + lead;
        let ends = starts + chrono::Duration::seconds(4);
        let server = TestServer::with_config(
            None,
            &format!("{CONFIG}{}", a_window("Database upgrade", starts, ends)),
            &[],
        );
        let url = server.url("/api/v2/scheduled-maintenances.json");
        let upcoming = send(client.get(&url)).await;
        if chrono::Utc::now() < starts {
            break (server, url, upcoming, starts, ends);
        }
        assert!(
            lead < chrono::Duration::seconds(60),
            "the server started after a window a minute ahead"
        );
        lead = lead * 2;
    };
    assert_eq!(status(&upcoming), "scheduled");
    let front = send(client.get(server.url("/"))).await.text;
    assert!(
        front.contains("Scheduled maintenance") && front.contains("Database upgrade."),
        "{front}"
    );
    assert!(front.contains("All Systems Operational"));

    let active = eventually(&client, &url, "the window in progress", |a| {
        status(a) == "in_progress"
    })
    .await;
    // Not early; and on time, by order alone: nothing commits here, so the page is rebuilt
    // only when the window starts or ends or a minute after the last build; a page seen in
    // progress was rebuilt at the window's start (a 4 s window ends long before the minute).
    let seen_at = chrono::Utc::now();
    assert!(seen_at >= starts, "early: {seen_at} for {starts}");
    assert_eq!(
        active.json["scheduled_maintenances"][0]["components"][0]["status"],
        "under_maintenance"
    );
    let summary = send(client.get(server.url("/api/v2/summary.json")))
        .await
        .json;
    assert_eq!(
        summary["status"]["description"],
        "Service Under Maintenance"
    );
    let front = send(client.get(server.url("/"))).await.text;
    assert!(
        front.contains("banner b-maintenance"),
        "the blue banner: {front}"
    );
    assert!(front.contains("data-component=\"payments\" data-status=\"under_maintenance\""));

    let done = eventually(&client, &url, "the window completed", |a| {
        status(a) == "completed"
    })
    .await;
    assert_eq!(
        done.json["scheduled_maintenances"][0]["resolved_at"],
        json!(ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );
    let summary = send(client.get(server.url("/api/v2/summary.json")))
        .await
        .json;
    assert_eq!(summary["status"]["description"], "All Systems Operational");
    assert_eq!(summary["scheduled_maintenances"], json!([]));
    assert_eq!(
        send(client.get(server.url("/api/v2/incidents.json")))
            .await
            .json["incidents"],
        json!([])
    );
    let report = send(
        client
            .get(server.url("/v1/report"))
            .header("x-warroom-actor", "carol"),
    )
    .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert!(
        report.text.contains("\"incidents\":0")
            || report.json["incidents"] == 0
            || report.json["count"] == 0,
        "no incident counted: {}",
        report.text
    );
}

/// Bidi controls, zero-width and control characters and markup in a public update and its
/// title reach no public document raw.
#[tokio::test]
async fn hostile_public_text_reaches_no_page_or_feed_unescaped() {
    let server = TestServer::with_config(None, CONFIG, &[]);
    let client = support::http::client();
    let id = declare(&client, &server, "hostile").await;
    let hostile = "<script>alert(1)</script> <!channel> \u{202E}evil\u{202C} zero\u{200B}width \u{1b}[2J bell\u{7} <b>bold</b> & done";
    let body = json!({"type": "public_update", "state": "investigating", "message": hostile,
                      "components": {"api": "partial_outage"}, "title": format!("Title {hostile}")});
    command(&client, &server, &id, body).await;
    let summary = eventually(
        &client,
        &server.url("/api/v2/summary.json"),
        "the update",
        |a| a.text.contains("done"),
    )
    .await;
    let public_id = summary.json["incidents"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let routes = [
        "/",
        "/status",
        &format!("/incidents/{public_id}"),
        "/history",
        "/status/feed.atom",
        "/status.json",
        "/api/v2/summary.json",
        "/api/v2/incidents.json",
        "/api/v2/incidents/unresolved.json",
    ];
    for route in routes {
        let answer = send(client.get(server.url(route))).await;
        assert_eq!(answer.status, 200, "{route}");
        for raw in [
            "<script",
            "<b>",
            "<!channel>",
            "\u{202E}",
            "\u{202C}",
            "\u{200B}",
            "\u{1b}",
            "\u{7}",
        ] {
            assert!(
                !answer.text.contains(raw),
                "{route} carries {raw:?} raw:\n{}",
                answer.text
            );
        }
        let text = if answer.json.is_null() {
            answer.text.clone()
        } else {
            answer.json.to_string()
        };
        assert!(
            text.contains("\u{FFFD}evil\u{FFFD}"),
            "{route}: the bidi controls are replaced, the text kept: {text}"
        );
    }
    let html = send(client.get(server.url("/"))).await.text;
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt;"),
        "{html}"
    );
    // JSON carries the text escaped by JSON itself, markup and all, never the hidden characters.
    assert!(
        summary.json["incidents"][0]["incident_updates"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("<script>alert(1)</script>")
    );
}

/// A restart serves every public document byte for byte, under the same ETag.
#[tokio::test]
async fn a_restart_changes_no_public_byte_and_no_etag() {
    let now = chrono::Utc::now();
    let config = format!(
        "{CONFIG}{}",
        a_window(
            "Past upgrade",
            now - chrono::Duration::hours(3),
            now - chrono::Duration::hours(2)
        )
    );
    let mut server = TestServer::with_config(None, &config, &[]);
    let client = support::http::client();
    let open = declare(&client, &server, "open").await;
    publish(
        &client,
        &server,
        &open,
        "identified",
        "Errors.",
        json!({"api": "partial_outage"}),
    )
    .await;
    let over = declare(&client, &server, "over").await;
    publish(
        &client,
        &server,
        &over,
        "investigating",
        "Slow.",
        json!({"web": "major_outage"}),
    )
    .await;
    resolve(&client, &server, &over).await;
    let summary = eventually(
        &client,
        &server.url("/api/v2/incidents.json"),
        "both",
        |a| {
            a.json["incidents"]
                .as_array()
                .is_some_and(|l| l.len() == 2 && l.iter().any(|i| i["status"] == "resolved"))
        },
    )
    .await;
    let ids: Vec<String> = summary.json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let mut routes: Vec<String> = [
        "/",
        "/status",
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
    ]
    .map(String::from)
    .to_vec();
    routes.extend(ids.iter().map(|id| format!("/incidents/{id}")));
    let read = async |server: &TestServer| -> Vec<(String, String, Option<String>)> {
        let mut all = Vec::new();
        for route in &routes {
            let answer = send(client.get(server.url(route))).await;
            assert_eq!(answer.status, 200, "{route}");
            all.push((
                route.clone(),
                answer.text.clone(),
                answer.header("etag").map(String::from),
            ));
        }
        all
    };
    let before = read(&server).await;
    // Into the next second of the clock, so that a page dated by its rendering rather than by
    // the record would differ after the restart.
    let read_by = chrono::Utc::now().timestamp();
    while chrono::Utc::now().timestamp() <= read_by {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    server.restart();
    // A new client: the old one's connections went with the process.
    let client = support::http::client();
    let mut after = Vec::new();
    for route in &routes {
        let answer = send(client.get(server.url(route))).await;
        assert_eq!(answer.status, 200, "{route}");
        after.push((
            route.clone(),
            answer.text.clone(),
            answer.header("etag").map(String::from),
        ));
    }
    for ((route, body, etag), (_, body_after, etag_after)) in before.iter().zip(&after) {
        assert_eq!(body, body_after, "{route} changed across the restart");
        assert_eq!(
            etag, etag_after,
            "{route}'s ETag changed across the restart"
        );
        assert!(etag.is_some(), "{route} has an ETag");
    }
    assert!(
        before[0].1.contains("Updated <time"),
        "the front page is dated by the record"
    );
}

/// The history lists every incident the page knows, 20 a page, including those that left the
/// server's memory (`--keep-ended 1s`) and, after a restart, those read back from the store.
#[tokio::test]
async fn the_history_is_paged_and_keeps_incidents_that_left_memory_across_a_restart() {
    let mut server = TestServer::with_config(None, CONFIG, &["--keep-ended", "1s"]);
    let client = support::http::client();
    let mut ids = Vec::new();
    for n in 0..21 {
        let id = declare(&client, &server, &format!("incident {n}")).await;
        publish(
            &client,
            &server,
            &id,
            "investigating",
            &format!("Number {n}."),
            json!({"web": "partial_outage"}),
        )
        .await;
        ids.push(id);
    }
    resolve(&client, &server, &ids[0]).await;
    // Until the window has run out (the machine's clock, the server's too), polled.
    let window_ends = chrono::Utc::now() + chrono::Duration::seconds(1);
    while chrono::Utc::now() <= window_ends {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A commit after the second makes the server forget the ended incident.
    publish(
        &client,
        &server,
        &ids[1],
        "identified",
        "Still number 1.",
        json!({"web": "partial_outage"}),
    )
    .await;
    let first = eventually(&client, &server.url("/history"), "two pages", |a| {
        a.text.contains("Still number 1.") && a.text.contains("page 1 of 2")
    })
    .await;
    assert_eq!(first.text.matches("<article").count(), 20);
    let second = send(client.get(server.url("/history?page=2"))).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.text.matches("<article").count(), 1);
    assert!(
        second.text.contains("This incident has been resolved."),
        "{}",
        second.text
    );
    assert!(second.text.contains("href=\"/history?page=1\""));
    assert_eq!(
        send(client.get(server.url("/history?page=3"))).await.status,
        404
    );
    assert_eq!(
        send(client.get(server.url("/history?page=x"))).await.status,
        400
    );
    let resolved_id = send(client.get(server.url("/api/v2/incidents.json")))
        .await
        .json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "resolved")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .expect("the resolved incident is still listed");
    let page = format!("/incidents/{resolved_id}");
    let before = send(client.get(server.url(&page))).await;
    assert_eq!(before.status, 200);
    assert!(before.text.contains("Number 0."), "{}", before.text);

    server.kill();
    server.restart();
    let client = support::http::client();
    let after = send(client.get(server.url(&page))).await;
    assert_eq!(after.status, 200, "read back from the store");
    assert_eq!(after.text, before.text);
    let second = send(client.get(server.url("/history?page=2"))).await;
    assert!(
        second.text.contains("This incident has been resolved."),
        "{}",
        second.text
    );
}
