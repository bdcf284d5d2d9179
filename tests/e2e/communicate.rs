//! The communicate keys in a real terminal: `y` copies the incident summary through OSC 52,
//! and a component's status picked in the composer reaches the status page.

use super::{declare, open_client};
use crate::support::server::TestServer;
use std::io::Write;
use std::process::{Command, Stdio};

const OSC52: &str = "\u{1b}]52;c;";
const ST: &str = "\u{1b}\\";

#[test]
fn y_copies_the_summary_through_osc_52() {
    let server = TestServer::open();
    declare(&server, "Checkout API returns 5xx", Some("checkout"));
    let desk = open_client(&server, "copy", (120, 40), &[]);
    desk.allow_clipboard();
    let raw = server.dir().join("copy-terminal.bin");
    desk.record_output(&raw);
    desk.wait_for_text("Checkout API returns 5xx");
    assert_eq!(desk.clipboard(), None, "nothing copied yet");

    desk.press("y");
    desk.wait_for_text("sent to the clipboard");
    let copied = (0..100)
        .find_map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            desk.clipboard()
        })
        .expect("tmux received the OSC 52 copy");

    // The same text `warroom incident summary` prints.
    let printed = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["incident", "summary", "INC-1"])
        .env("WARROOM_BACKEND", server.base())
        .env("HOME", server.dir())
        .env("XDG_CONFIG_HOME", server.dir())
        .output()
        .expect("the CLI runs");
    assert!(printed.status.success(), "{printed:?}");
    assert_eq!(copied, String::from_utf8_lossy(&printed.stdout));
    let first = copied.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("INC-1 [P1] ") && first.ends_with(": Checkout API returns 5xx"),
        "{copied}"
    );

    // The raw bytes: one OSC 52 sequence for the clipboard selection, base64 of that text,
    // ended by ST.
    let bytes = std::fs::read(&raw).expect("the recording");
    let written = String::from_utf8_lossy(&bytes);
    let start = written.find(OSC52).expect("an OSC 52 sequence was written") + OSC52.len();
    let length = written[start..]
        .find(ST)
        .expect("the sequence is terminated");
    let payload = &written[start..start + length];
    assert!(
        payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
        "{payload:?}"
    );
    assert_eq!(decode_base64(payload), copied);
}

/// coreutils' `base64 -d`, so the test does not trust the encoder it checks.
fn decode_base64(text: &str) -> String {
    let mut child = Command::new("base64")
        .arg("-d")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("coreutils base64");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "not base64: {text:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn a_runbook_url_reaches_the_terminal_as_one_osc_8_hyperlink() {
    use crate::support::promstack::{Alertmanager, free_port};
    let alertmanager =
        Alertmanager::start(&format!("http://127.0.0.1:{}/v1/alertmanager", free_port()));
    let runbook = "https://runbooks.example/checkout";
    let now = chrono::Utc::now();
    let alerts = serde_json::json!([{
        "labels": {"alertname": "CheckoutDown", "severity": "critical"},
        "annotations": {"summary": "checkout answers 5xx", "runbook_url": runbook},
        "startsAt": now - chrono::Duration::minutes(2),
        "endsAt": now + chrono::Duration::hours(1),
        "generatorURL": "javascript:alert(1)",
    }]);
    let posted = Command::new("curl")
        .args(["-sf", "-H", "content-type: application/json", "-d"])
        .arg(alerts.to_string())
        .arg(format!("{}/api/v2/alerts", alertmanager.url()))
        .output()
        .expect("curl");
    assert!(posted.status.success(), "{posted:?}");

    let server = TestServer::open();
    declare(&server, "Checkout down", Some("checkout"));
    let config = server.dir().join("links.toml");
    std::fs::write(
        &config,
        format!(
            "[alertmanager]\nurl = \"{}\"\n[tui]\nhyperlinks = \"always\"\n",
            alertmanager.url()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let desk = open_client(&server, "links", (160, 45), &["--config", &config]);
    let raw = server.dir().join("links-terminal.bin");
    desk.record_output(&raw);
    desk.wait_for_text("CheckoutDown");
    // Focus the alerts pane: its selected alert shows its URLs.
    let screen = (0..6)
        .find_map(|_| {
            desk.press("Tab");
            std::thread::sleep(std::time::Duration::from_millis(300));
            let screen = desk.screen();
            screen.contains("runbook  ").then_some(screen)
        })
        .expect("the alerts pane shows the runbook");
    let line = screen
        .lines()
        .find(|l| l.contains("runbook  "))
        .unwrap()
        .to_string();
    // The label is drawn where the text would be, and the pane's border after it stays put.
    assert!(line.contains(&format!("runbook  {runbook}")), "{screen}");
    assert!(line.ends_with('│'), "{screen}");
    assert_eq!(line.chars().count(), 160, "{line:?}");

    let bytes = std::fs::read(&raw).expect("the recording");
    let written = String::from_utf8_lossy(&bytes);
    assert!(
        written.contains(&format!(
            "\u{1b}]8;;{runbook}\u{1b}\\{runbook}\u{1b}]8;;\u{1b}\\"
        )),
        "no OSC 8 link to the runbook in the output"
    );
    // The source URL is not a web link: shown, never linked.
    assert!(screen.contains("source   javascript:alert(1)"), "{screen}");
    assert!(
        !written.contains("\u{1b}]8;;javascript"),
        "a javascript: link was written"
    );
}

/// The composer's components come from `[status] components`: one picked with the keys is
/// published with its status, which the Statuspage JSON then shows.
#[test]
fn a_component_status_picked_in_the_composer_reaches_the_status_page() {
    let config = "[status]\ncomponents = [\"api\", \"web\", \"payments\"]\n";
    let server = TestServer::with_config(None, config, &[]);
    declare(&server, "Checkout API returns 5xx", Some("checkout"));
    let assigned = Command::new("curl")
        .args(["-sf", "-H", "content-type: application/json"])
        .args(["-H", "x-warroom-actor: alice", "-d"])
        .arg(r#"{"type":"assign_role","role":"commander","person":"alice"}"#)
        .arg(server.url("/v1/incidents/INC-1/commands"))
        .output()
        .expect("curl");
    assert!(assigned.status.success(), "{assigned:?}");
    let path = server.dir().join("config.toml").display().to_string();
    let desk = open_client(&server, "picker", (120, 40), &["--config", &path]);
    desk.wait_for_text("Incident Commander  alice");

    desk.press("u");
    desk.wait_for_text("Public status-page update");
    desk.press("BTab");
    desk.press("BTab");
    desk.wait_for_text("j/k: component");
    // web, then none → operational → degraded performance → partial outage.
    desk.press("j");
    for _ in 0..3 {
        desk.press("Space");
    }
    desk.wait_for_text("< Partial Outage >");
    desk.press("Enter");
    desk.wait_for_text("Components: web Partial Outage");
    desk.press("y");

    let status = |name: &str| -> Option<String> {
        let output = Command::new("curl")
            .args(["-sf", &server.url("/api/v2/components.json")])
            .output()
            .expect("curl");
        let page: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
        page["components"]
            .as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["status"].as_str().map(str::to_string))
    };
    let published = (0..100).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        status("web").filter(|s| s == "partial_outage")
    });
    assert_eq!(published.as_deref(), Some("partial_outage"));
    assert_eq!(status("api").as_deref(), Some("operational"));
    assert_eq!(status("payments").as_deref(), Some("operational"));
}
